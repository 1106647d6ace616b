package app_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/learning"
	"reportline/store"
)

// statsOrg is newOrg with learning data: x follows "Open" (no groups) and
// "Secret" (group B only: mgr cannot open it), and a session of Secret.
func statsOrg(t *testing.T, engine store.Engine) *org {
	t.Helper()
	o := newOrg(t, engine)
	score := 72.5
	_, err := o.env.App.ApplyLearning(context.Background(), sys, learning.Batch{
		Courses: []learning.CourseInput{{ID: "open", Title: "Open course"}, {ID: "secret", Title: "Secret course", Groups: []reportline.GroupID{o.b.ID}}},
		Sessions: []learning.SessionInput{{ID: "secret-1", CourseID: "secret", Title: "Secret, first run",
			Starts: novDay(10)}},
		Records: []learning.RecordInput{
			{ID: "x-open", UserID: o.x.ID, CourseID: "open", Status: "completed", Progress: 100, Score: &score, Completed: novDay(2), Due: novDay(1), TimeSpent: 90 * time.Minute},
			{ID: "x-secret", UserID: o.x.ID, CourseID: "secret", Status: "in_progress", Progress: 30, Due: novDay(24), LastActivity: novDay(19)},
			{ID: "x-secret-1", UserID: o.x.ID, CourseID: "secret", SessionID: "secret-1", Status: "failed", Progress: 80, Due: novDay(30)},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// TestStatisticsAccess is SPEC §3: a manager sees all of a managee's
// statistics, even for a course they cannot open; admins within scope see
// them; nobody else does.
func TestStatisticsAccess(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := statsOrg(t, engine)
		a := o.env.App
		now := o.env.Now.Now()
		o.link(t, o.y, o.x, reportline.Functional)
		o.link(t, o.z, o.mgr, reportline.Line) // z is above x through mgr
		// w was x's temporary manager until yesterday; ga will be from tomorrow.
		for _, tmp := range []struct {
			manager    reportline.User
			from, till time.Time
		}{{o.w, now.Add(-72 * time.Hour), now.Add(-24 * time.Hour)}, {o.mem, now.Add(24 * time.Hour), time.Time{}}} {
			if _, err := a.AddLinks(ctx, sys, app.LinkRequest{User: o.x.ID, Direction: reportline.Managers, Kind: reportline.Functional,
				IDs: []reportline.UserID{tmp.manager.ID}, ValidFrom: tmp.from, ValidUntil: tmp.till}); err != nil {
				t.Fatal(err)
			}
		}

		for _, tc := range []struct {
			name   string
			viewer reportline.User
			grant  app.GrantKind // "" when refused
			opens  bool          // whether the viewer may open Secret themself
		}{
			{"self", o.x, app.GrantSelf, false},
			{"line manager", o.mgr, app.GrantLink, false},
			{"functional manager", o.y, app.GrantLink, false},
			{"manager's manager", o.z, app.GrantChain, true},
			{"platform admin", o.pa, app.GrantPlatformAdmin, true},
			{"group admin above", o.ga, app.GrantGroupAdmin, false},
			{"user admin of the group", o.ua, app.GrantGroupAdmin, false},
			{"expired temporary manager", o.w, "", false},
			{"temporary manager not started", o.mem, "", false},
			{"someone else", o.z, "", false}, // replaced below: z about w
		} {
			t.Run(tc.name, func(t *testing.T) {
				about := o.x
				if tc.name == "someone else" {
					about = o.w
					tc.viewer = o.y
				}
				st, err := a.Statistics(ctx, ui(tc.viewer), about.ID)
				if tc.grant == "" {
					if !reportline.IsCode(err, reportline.Forbidden) {
						t.Fatalf("err = %v, want forbidden", err)
					}
					// The pages say why in the reader's language: the refusal
					// names its message and the access check's code.
					e, _ := errors.AsType[*reportline.Error](err)
					if why, _ := e.MsgArgs["Why"].(reportline.Term); e.MsgID != "error.stats.refused" || !strings.HasPrefix(string(why), "access.refused.") {
						t.Errorf("refusal names %q %v, want error.stats.refused with an access.refused.* term", e.MsgID, e.MsgArgs)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if st.Grant.By != tc.grant || st.Scope != reportline.ScopeEverything {
					t.Errorf("grant %s scope %s, want %s everything", st.Grant.By, st.Scope, tc.grant)
				}
				if len(st.Records) != 3 {
					t.Fatalf("records = %d, want 3 (the secret course included)", len(st.Records))
				}
				// Ordered by course title: Open, then Secret and its session.
				if st.Records[0].LMSID != "x-open" || st.Records[1].LMSID != "x-secret" || st.Records[2].LMSID != "x-secret-1" {
					t.Errorf("order = %s %s %s", st.Records[0].LMSID, st.Records[1].LMSID, st.Records[2].LMSID)
				}
				secret := st.Records[1]
				if secret.ViewerMayOpen != tc.opens {
					t.Errorf("viewer may open Secret = %v, want %v", secret.ViewerMayOpen, tc.opens)
				}
				sum := st.Summary
				if sum.Records != 3 || sum.Courses != 2 || sum.Completed != 1 || sum.InProgress != 1 || sum.Failed != 1 ||
					sum.CompletedLate != 1 || sum.Late != 0 || sum.TimeSpent != 90*time.Minute || sum.AverageProgress != 70 {
					t.Errorf("summary = %+v", sum)
				}
			})
		}

		// Lateness moves with the clock: at 29 November the Secret course
		// record (due the 24th) is late by 5 days.
		o.env.Now.Set(novDay(29))
		st, err := a.Statistics(ctx, ui(o.mgr), o.x.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r := st.Records[1]; !r.Late || r.DaysLate != 5 || st.Summary.Late != 1 {
			t.Errorf("secret record late=%v days=%d summary late=%d, want late by 5", r.Late, r.DaysLate, st.Summary.Late)
		}

		// Every look by somebody else was logged; the user's own were not.
		views, err := a.StatisticsViews(ctx, ui(o.pa), reportline.StatisticsViewFilter{UserID: o.x.ID})
		if err != nil {
			t.Fatal(err)
		}
		got := map[reportline.UserID]int{}
		for _, v := range views {
			got[v.ViewerID]++
			if v.Page != reportline.StatisticsPageUser || v.Source != reportline.SourceUI {
				t.Errorf("view %+v: want page statistics, source ui", v)
			}
		}
		want := map[reportline.UserID]int{o.mgr.ID: 2, o.y.ID: 1, o.z.ID: 1, o.pa.ID: 1, o.ga.ID: 1, o.ua.ID: 1}
		if len(got) != len(want) {
			t.Errorf("views by viewer = %v, want %v", got, want)
		}
		for id, n := range want {
			if got[id] != n {
				t.Errorf("views by %d = %d, want %d", id, got[id], n)
			}
		}
		// Admins read the log within their scope only.
		if _, err := a.StatisticsViews(ctx, ui(o.ga), reportline.StatisticsViewFilter{UserID: o.x.ID}); err != nil {
			t.Errorf("group admin about a member: %v", err)
		}
		if _, err := a.StatisticsViews(ctx, ui(o.ga), reportline.StatisticsViewFilter{}); !reportline.IsCode(err, reportline.Invalid) {
			t.Errorf("group admin without user_id: %v, want invalid", err)
		}
		if _, err := a.StatisticsViews(ctx, ui(o.ga), reportline.StatisticsViewFilter{UserID: o.z.ID}); !reportline.IsCode(err, reportline.Forbidden) {
			t.Errorf("group admin about an outsider: %v, want forbidden", err)
		}
		if _, err := a.StatisticsViews(ctx, ui(o.mgr), reportline.StatisticsViewFilter{UserID: o.x.ID}); !reportline.IsCode(err, reportline.Forbidden) {
			t.Errorf("manager reading the log: %v, want forbidden", err)
		}
	})
}

// TestStatisticsScopes: the scope is per link kind; admins and the user
// always see everything.
func TestStatisticsScopes(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := statsOrg(t, engine)
		a := o.env.App
		o.link(t, o.y, o.x, reportline.Functional)
		if _, err := a.SetStatisticsScopes(ctx, ui(o.mgr), map[reportline.Kind]reportline.StatisticsScope{reportline.Line: reportline.ScopeSummary}); !reportline.IsCode(err, reportline.Forbidden) {
			t.Fatalf("a manager set the scopes: %v", err)
		}
		if _, err := a.SetStatisticsScopes(ctx, ui(o.pa), map[reportline.Kind]reportline.StatisticsScope{reportline.Line: "nothing"}); !reportline.IsCode(err, reportline.Invalid) {
			t.Fatalf("unknown scope: %v", err)
		}
		scopes, err := a.SetStatisticsScopes(ctx, ui(o.pa), map[reportline.Kind]reportline.StatisticsScope{
			reportline.Line: reportline.ScopeSummary, reportline.Functional: reportline.ScopeSharedCourses})
		if err != nil {
			t.Fatal(err)
		}
		if scopes[reportline.Line] != reportline.ScopeSummary || scopes[reportline.Functional] != reportline.ScopeSharedCourses {
			t.Fatalf("scopes = %v", scopes)
		}

		line, err := a.Statistics(ctx, ui(o.mgr), o.x.ID)
		if err != nil {
			t.Fatal(err)
		}
		if line.Scope != reportline.ScopeSummary || len(line.Records) != 0 || line.Hidden != 3 || line.Summary.Records != 3 {
			t.Errorf("line manager in summary scope: scope %s, %d records, %d hidden, summary %+v", line.Scope, len(line.Records), line.Hidden, line.Summary)
		}
		functional, err := a.Statistics(ctx, ui(o.y), o.x.ID)
		if err != nil {
			t.Fatal(err)
		}
		if functional.Scope != reportline.ScopeSharedCourses || len(functional.Records) != 1 || functional.Records[0].LMSID != "x-open" ||
			functional.Hidden != 2 || functional.Summary.Records != 1 {
			t.Errorf("functional manager in shared_courses scope: %s, %d records, %d hidden", functional.Scope, len(functional.Records), functional.Hidden)
		}
		admin, err := a.Statistics(ctx, ui(o.ga), o.x.ID)
		if err != nil {
			t.Fatal(err)
		}
		if admin.Scope != reportline.ScopeEverything || len(admin.Records) != 3 {
			t.Errorf("admin: scope %s, %d records", admin.Scope, len(admin.Records))
		}
	})
}
