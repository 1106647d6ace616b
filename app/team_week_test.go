package app_test

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/digest"
	"reportline/internal/testapp"
	"reportline/learning"
	"reportline/store"
)

// novDay is a date at 09:00 UTC in the test clock's month.
func novDay(d int) time.Time { return time.Date(2026, 11, d, 9, 0, 0, 0, time.UTC) }

// TestTeamWeekDefinitions checks each list of the digest's summary against
// its definition, for the week [Mon 16, Mon 23) November 2026.
func TestTeamWeekDefinitions(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine)
		a := o.env.App
		o.link(t, o.mgr, o.y, reportline.Functional)
		o.link(t, o.mgr, o.w, reportline.Line)
		off := reportline.StatusInactive // w leaves: no member, though linked
		if _, err := a.UpdateUser(ctx, sys, o.w.ID, app.UserPatch{Status: &off}); err != nil {
			t.Fatal(err)
		}
		from, to := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
		rec := func(id string, u reportline.User, status string, progress int) learning.RecordInput {
			return learning.RecordInput{ID: id, UserID: u.ID, CourseID: "C1", Status: status, Progress: progress}
		}
		completedIn := rec("completed-in", o.x, "completed", 100)
		completedIn.Completed = novDay(18)
		completedBefore := rec("completed-before", o.x, "completed", 100)
		completedBefore.Completed = novDay(10)
		completedBefore.Due = novDay(5) // completed late, long ago: not Late
		progressed := rec("progressed", o.x, "in_progress", 40)
		progressed.LastActivity = novDay(20)
		progressedAtTo := rec("progressed-at-to", o.x, "in_progress", 40)
		progressedAtTo.LastActivity = to // [from, to): excluded
		late := rec("late", o.y, "in_progress", 10)
		late.Due = novDay(22)
		late.LastActivity = novDay(1)
		lateFailed := rec("late-failed", o.y, "failed", 30)
		lateFailed.Due = novDay(2)
		dueSoon := rec("due-soon", o.y, "not_started", 0)
		dueSoon.Due = to // due at To is not late: it is due soon
		dueLater := rec("due-later", o.y, "not_started", 0)
		dueLater.Due = to.Add(7 * 24 * time.Hour) // outside [to, to+7d)
		onSession := rec("on-session", o.x, "not_started", 0)
		onSession.CourseID, onSession.SessionID = "C2", "S-next"
		offRec := rec("inactive", o.w, "in_progress", 50)
		offRec.LastActivity = novDay(20)

		_, err := a.ApplyLearning(ctx, sys, learning.Batch{
			Courses: []learning.CourseInput{{ID: "C1", Title: "Safety"}, {ID: "C2", Title: "Leadership", Groups: []reportline.GroupID{o.b.ID}}},
			Sessions: []learning.SessionInput{
				{ID: "S-next", CourseID: "C2", Title: "Leadership, Lyon", Starts: novDay(25)},
				{ID: "S-c1", CourseID: "C1", Title: "Safety, Paris", Starts: novDay(24)},
				{ID: "S-far", CourseID: "C1", Title: "Safety, later", Starts: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)},
				{ID: "S-past", CourseID: "C1", Title: "Safety, past", Starts: novDay(20)},
			},
			Records: []learning.RecordInput{completedIn, completedBefore, progressed, progressedAtTo, late, lateFailed, dueSoon, dueLater, onSession, offRec},
		})
		if err != nil {
			t.Fatal(err)
		}

		w, err := a.TeamWeek(ctx, o.mgr.ID, from, to)
		if err != nil {
			t.Fatal(err)
		}
		if got := memberEmails(w); !slices.Equal(got, []string{"x@example.com", "y@example.com"}) {
			t.Fatalf("members = %v, want x and y (w is inactive)", got)
		}
		x, y := w.Members[0], w.Members[1]
		check := func(name string, got []app.RecordView, want ...string) {
			t.Helper()
			var ids []string
			for _, r := range got {
				ids = append(ids, r.LMSID)
			}
			slices.Sort(ids)
			slices.Sort(want)
			if !slices.Equal(ids, want) {
				t.Errorf("%s = %v, want %v", name, ids, want)
			}
		}
		check("x.Completed", x.Completed, "completed-in")
		check("x.Progressed", x.Progressed, "progressed")
		check("x.Late", x.Late)
		check("x.DueSoon", x.DueSoon)
		check("y.Completed", y.Completed)
		check("y.Progressed", y.Progressed)
		check("y.Late", y.Late, "late", "late-failed")
		check("y.DueSoon", y.DueSoon, "due-soon")

		// Upcoming: S-c1 (x and y have unfinished C1 records) and S-next
		// (x's record on it); not the past nor the far one.
		var up []string
		for _, s := range w.Upcoming {
			var who []string
			for _, u := range s.Members {
				who = append(who, u.FirstName)
			}
			up = append(up, s.Course+"/"+s.Title+":"+joinNames(who))
		}
		want := []string{"Safety/Safety, Paris:x,y", "Leadership/Leadership, Lyon:x"}
		if !slices.Equal(up, want) {
			t.Errorf("upcoming = %v, want %v", up, want)
		}
		if w.Empty() {
			t.Error("Empty() = true for a busy week")
		}

		// A manager whose only managee is inactive has an empty week; so
		// has an inactive manager.
		quiet, err := a.TeamWeek(ctx, o.x.ID, from, to)
		if err != nil {
			t.Fatal(err)
		}
		if !quiet.Empty() || len(quiet.Members) != 0 {
			t.Errorf("x manages nobody: %+v", quiet)
		}

		// ReceiveMessages switched off for functional links: y is no member.
		m, err := a.CapabilityMatrix(ctx, sys)
		if err != nil {
			t.Fatal(err)
		}
		m.Set(reportline.Functional, reportline.ReceiveMessages, false)
		if _, err := a.SetCapabilityMatrix(ctx, sys, m); err != nil {
			t.Fatal(err)
		}
		w, err = a.TeamWeek(ctx, o.mgr.ID, from, to)
		if err != nil {
			t.Fatal(err)
		}
		if got := memberEmails(w); !slices.Equal(got, []string{"x@example.com"}) {
			t.Errorf("members without functional ReceiveMessages = %v, want x only", got)
		}
	})
}

func memberEmails(w digest.TeamWeek) []string {
	var out []string
	for _, m := range w.Members {
		out = append(out, m.User.Email)
	}
	return out
}

func joinNames(names []string) string {
	out := ""
	for i, n := range names {
		if i > 0 {
			out += ","
		}
		out += n
	}
	return out
}

// TestTeamWeeksOfAChunk checks that the weeks of a chunk of managers, read
// together as the digest reads them, are each manager's own week: a member
// shared by two managers is in both, and a manager's upcoming sessions are
// only those of their members' courses.
func TestTeamWeeksOfAChunk(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine)
		a := o.env.App
		o.link(t, o.mgr, o.y, reportline.Functional) // mgr: x, y
		o.link(t, o.ga, o.y, reportline.Functional)  // ga: y, shared with mgr
		o.link(t, o.mem, o.z, reportline.Functional) // mem: z, another course
		o.link(t, o.ua, o.w, reportline.Functional)  // ua: w, who leaves
		off := reportline.StatusInactive
		if _, err := a.UpdateUser(ctx, sys, o.w.ID, app.UserPatch{Status: &off}); err != nil {
			t.Fatal(err)
		}
		from, to := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
		late := learning.RecordInput{ID: "y-late", UserID: o.y.ID, CourseID: "C1", Status: "in_progress", Due: novDay(20)}
		onSession := learning.RecordInput{ID: "x-session", UserID: o.x.ID, CourseID: "C2", SessionID: "S-next", Status: "not_started"}
		zDone := learning.RecordInput{ID: "z-done", UserID: o.z.ID, CourseID: "C3", Status: "completed", Progress: 100, Completed: novDay(18)}
		zNext := learning.RecordInput{ID: "z-next", UserID: o.z.ID, CourseID: "C2", Status: "not_started"}
		_, err := a.ApplyLearning(ctx, sys, learning.Batch{
			Courses: []learning.CourseInput{{ID: "C1", Title: "Safety"}, {ID: "C2", Title: "Leadership", Groups: []reportline.GroupID{o.b.ID}},
				{ID: "C3", Title: "Ethics"}},
			Sessions: []learning.SessionInput{
				{ID: "S-next", CourseID: "C2", Title: "Leadership, Lyon", Starts: novDay(25)},
				{ID: "S-c1", CourseID: "C1", Title: "Safety, Paris", Starts: novDay(24)},
			},
			Records: []learning.RecordInput{late, onSession, zDone, zNext},
		})
		if err != nil {
			t.Fatal(err)
		}

		managers := []reportline.UserID{o.mgr.ID, o.ga.ID, o.mem.ID, o.ua.ID, o.x.ID, o.off.ID}
		weeks, err := a.TeamWeeks(ctx, managers, from, to)
		if err != nil {
			t.Fatal(err)
		}
		if len(weeks) != len(managers) {
			t.Fatalf("%d weeks for %d managers", len(weeks), len(managers))
		}
		for _, m := range managers {
			one, err := a.TeamWeek(ctx, m, from, to)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(weeks[m], one) {
				t.Errorf("manager %s: read with the chunk\n%+v\nread alone\n%+v", one.Manager.Email, weeks[m], one)
			}
		}
		upcoming := func(w digest.TeamWeek) []string {
			var out []string
			for _, s := range w.Upcoming {
				var who []string
				for _, u := range s.Members {
					who = append(who, u.FirstName)
				}
				out = append(out, s.Title+":"+joinNames(who))
			}
			return out
		}
		for _, c := range []struct {
			manager  reportline.UserID
			members  []string
			upcoming []string
		}{
			{o.mgr.ID, []string{"x@example.com", "y@example.com"}, []string{"Safety, Paris:y", "Leadership, Lyon:x"}},
			{o.ga.ID, []string{"y@example.com"}, []string{"Safety, Paris:y"}},
			{o.mem.ID, []string{"z@example.com"}, []string{"Leadership, Lyon:z"}},
			{o.ua.ID, nil, nil},
			{o.x.ID, nil, nil},
			{o.off.ID, nil, nil},
		} {
			w := weeks[c.manager]
			if got := memberEmails(w); !slices.Equal(got, c.members) {
				t.Errorf("%s: members = %v, want %v", w.Manager.Email, got, c.members)
			}
			if got := upcoming(w); !slices.Equal(got, c.upcoming) {
				t.Errorf("%s: upcoming = %v, want %v", w.Manager.Email, got, c.upcoming)
			}
		}

		// A manager who is no user fails the chunk, naming them.
		if _, err := a.TeamWeeks(ctx, []reportline.UserID{o.mgr.ID, 999999}, from, to); !reportline.IsCode(err, reportline.NotFound) {
			t.Errorf("unknown manager: err = %v, want not_found", err)
		}
	})
}

// TestTeamWeekJudgedAtItsEnd previews the digest of a past week (2026-W46,
// to Monday 9 November 14:00 Paris) on 23 November: every record is judged
// as it stood on 9 November, once, in the statistics page's words.
func TestTeamWeekJudgedAtItsEnd(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine)
		a := o.env.App
		utc := func(d, h int) time.Time { return time.Date(2026, 11, d, h, 0, 0, 0, time.UTC) }
		_, err := a.ApplyLearning(ctx, sys, learning.Batch{
			Courses: []learning.CourseInput{{ID: "C1", Title: "GDPR"}, {ID: "C2", Title: "Audit"}, {ID: "C3", Title: "Ethics"}},
			Records: []learning.RecordInput{
				// Due on the 12th: due in the coming week on the 9th, though
				// late today; worked on in the week, listed once.
				{ID: "due-after", UserID: o.x.ID, CourseID: "C1", Status: "in_progress", Progress: 30, Due: utc(12, 0), LastActivity: utc(5, 10)},
				// Failed at 100 %: the statistics page says Failed.
				{ID: "failed", UserID: o.x.ID, CourseID: "C2", Status: "failed", Progress: 100, LastActivity: utc(4, 10)},
				// Due on the 1st: 8 days late on the 9th (22 today).
				{ID: "late", UserID: o.x.ID, CourseID: "C3", Status: "in_progress", Progress: 10, Due: utc(1, 0), LastActivity: utc(6, 10)},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		parisZone, err := time.LoadLocation("Europe/Paris")
		if err != nil {
			t.Fatal(err)
		}
		slot := reportline.DigestSlotOf(reportline.ISOWeek{Year: 2026, Week: 46}, parisZone)
		w, err := a.TeamWeek(ctx, o.mgr.ID, slot.From, slot.To)
		if err != nil {
			t.Fatal(err)
		}
		x := w.Members[0]
		ids := func(l []app.RecordView) (out []string) {
			for _, r := range l {
				out = append(out, r.LMSID)
			}
			return out
		}
		if got := ids(x.DueSoon); !slices.Equal(got, []string{"due-after"}) {
			t.Errorf("due soon = %v, want [due-after]", got)
		}
		if got := ids(x.Late); !slices.Equal(got, []string{"late"}) || x.Late[0].DaysLate != 8 {
			t.Errorf("late = %v (%+v), want [late] 8 days late", got, x.Late)
		}
		if got := ids(x.Progressed); !slices.Equal(got, []string{"failed"}) {
			t.Errorf("worked on = %v, want [failed] only", got)
		}
		p, err := a.PreviewDigest(ctx, sys, o.mgr.ID, reportline.ISOWeek{Year: 2026, Week: 46})
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"- Audit: Failed", "- GDPR: In progress, 30% · due Thu 12 Nov", "due Sun 1 Nov, 8 days late",
			"1 overdue · 1 due soon · 0 completed · 1 worked on · 0 sessions"} {
			if !strings.Contains(p.Mail.Text, want) {
				t.Errorf("the digest lacks %q:\n%s", want, p.Mail.Text)
			}
		}
		if strings.Count(p.Mail.Text, "GDPR") != 1 {
			t.Errorf("GDPR is listed %d times:\n%s", strings.Count(p.Mail.Text, "GDPR"), p.Mail.Text)
		}
	})
}
