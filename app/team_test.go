package app_test

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/learning"
	"reportline/store"
)

func teamEmails(tv app.TeamView) []string {
	var out []string
	for _, m := range tv.Members {
		out = append(out, m.User.Email)
	}
	return out
}

// TestTeamSubtreeWithCycle: "all" walks the whole subtree once, even when
// corrupt data closes a cycle of line links through the manager.
func TestTeamSubtreeWithCycle(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine)
		a := o.env.App
		// mgr → x → y → z, w functional under mgr; then z → mgr written
		// straight into the store, past the cycle check.
		o.link(t, o.x, o.y, reportline.Line)
		o.link(t, o.y, o.z, reportline.Line)
		o.link(t, o.mgr, o.w, reportline.Functional)
		err := o.env.DB.Write(ctx, func(tx *store.Tx) error {
			return tx.InsertLink(ctx, reportline.Link{ManagerID: o.z.ID, ManageeID: o.mgr.ID, Kind: reportline.Line,
				Source: reportline.SourceAPI, CreatedAt: o.env.Now.Now()})
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.ApplyLearning(ctx, sys, learning.Batch{
			Courses: []learning.CourseInput{{ID: "c", Title: "Course"}},
			Records: []learning.RecordInput{
				{ID: "y1", UserID: o.y.ID, CourseID: "c", Status: "in_progress", Progress: 50, Due: novDay(1)},
				{ID: "z1", UserID: o.z.ID, CourseID: "c", Status: "completed", Progress: 100, Completed: novDay(2)},
				{ID: "x1", UserID: o.x.ID, CourseID: "c", Status: "not_started"},
			},
		}); err != nil {
			t.Fatal(err)
		}

		direct, err := a.Team(ctx, ui(o.mgr), app.TeamDirect)
		if err != nil {
			t.Fatal(err)
		}
		if got := teamEmails(direct); !slices.Equal(got, []string{"w@example.com", "x@example.com"}) {
			t.Errorf("direct = %v, want w and x", got)
		}
		all, err := a.Team(ctx, ui(o.mgr), app.TeamAll)
		if err != nil {
			t.Fatal(err)
		}
		if got := teamEmails(all); !slices.Equal(got, []string{"w@example.com", "x@example.com", "y@example.com", "z@example.com"}) {
			t.Fatalf("all = %v, want w x y z once each, and not mgr", got)
		}
		if all.Direct != 2 {
			t.Errorf("direct count = %d", all.Direct)
		}
		byEmail := map[string]app.TeamMember{}
		for _, m := range all.Members {
			byEmail[m.User.Email] = m
		}
		if z := byEmail["z@example.com"]; z.Direct || z.Depth != 3 || z.Manager.ID != o.y.ID || z.Summary.Completed != 1 {
			t.Errorf("z = depth %d via %s, completed %d", z.Depth, z.Manager.Email, z.Summary.Completed)
		}
		if y := byEmail["y@example.com"]; len(y.Late) != 1 || y.Late[0].LMSID != "y1" {
			t.Errorf("y's late items = %+v", y.Late)
		}
		if w := byEmail["w@example.com"]; !w.Direct || w.Kind != reportline.Functional {
			t.Errorf("w = %+v", w)
		}
		tot := all.Totals
		if tot.Records != 3 || tot.Completed != 1 || tot.Late != 1 || tot.NotStarted != 1 {
			t.Errorf("totals = %+v", tot)
		}

		// Each member whose statistics the page showed was logged.
		views, err := a.StatisticsViews(ctx, ui(o.pa), reportline.StatisticsViewFilter{ViewerID: o.mgr.ID, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(views) != 6 || views[0].Page != reportline.StatisticsPageTeam {
			t.Errorf("%d views logged (want 2 + 4), first %+v", len(views), views)
		}

		// A user who manages nobody has an empty team, not an error.
		if tv, err := a.Team(ctx, ui(o.mem), app.TeamAll); err != nil || len(tv.Members) != 0 {
			t.Errorf("mem's team = %v, %v", teamEmails(tv), err)
		}
		if _, err := app.ParseTeamScope("everyone"); !reportline.IsCode(err, reportline.Invalid) {
			t.Errorf("scope everyone: %v", err)
		}
	})
}

// TestTeamSubtreeAgrees: the one-query walk of My team (import mode)
// reaches the same people, in the same order, through the same managers,
// as the walk level by level: a cycle, a diamond, temporary links and
// inactive users included.
func TestTeamSubtreeAgrees(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine)
		a := o.env.App
		now := o.env.Now.Now()
		// mgr → x → y → z and mgr → w → y (a diamond); ua under y only
		// until yesterday; z → mgr closes a cycle past the check.
		o.link(t, o.x, o.y, reportline.Line)
		o.link(t, o.w, o.y, reportline.Line)
		o.link(t, o.mgr, o.w, reportline.Line)
		o.link(t, o.y, o.z, reportline.Line)
		o.link(t, o.z, o.mem, reportline.Line)
		if _, err := a.AddLinks(ctx, sys, app.LinkRequest{User: o.ua.ID, Direction: reportline.Managers, IDs: []reportline.UserID{o.y.ID},
			ValidFrom: now.Add(-72 * time.Hour), ValidUntil: now.Add(-24 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		err := o.env.DB.Write(ctx, func(tx *store.Tx) error {
			return tx.InsertLink(ctx, reportline.Link{ManagerID: o.z.ID, ManageeID: o.mgr.ID, Kind: reportline.Line,
				Source: reportline.SourceAPI, CreatedAt: now})
		})
		if err != nil {
			t.Fatal(err)
		}
		off := reportline.StatusInactive // z leaves: mem is reached only through z
		if _, err := a.UpdateUser(ctx, sys, o.z.ID, app.UserPatch{Status: &off}); err != nil {
			t.Fatal(err)
		}
		for _, top := range []reportline.User{o.mgr, o.x, o.y, o.z} {
			one, levels, err := a.TeamSubtreeBothWays(ctx, top.ID, now)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(one, levels) {
				t.Errorf("below %s: one query %v, level by level %v", top.Email, one, levels)
			}
			if top.ID == o.mgr.ID && len(one) != 3 {
				t.Errorf("below mgr: %v, want x, w and y", one)
			}
		}
	})
}

// TestTeamBirthdays: birthdays with and without a year, 29 February in a
// common year, and only through links that grant Birthdays.
func TestTeamBirthdays(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine)
		a := o.env.App
		o.link(t, o.mgr, o.y, reportline.Line)
		o.link(t, o.mgr, o.w, reportline.Functional)
		o.link(t, o.mgr, o.mem, reportline.Line)
		o.link(t, o.y, o.z, reportline.Line) // indirect: no birthday for mgr
		set := func(u reportline.User, b string) {
			t.Helper()
			if _, err := a.UpdateUser(ctx, sys, u.ID, app.UserPatch{Birthday: &b}); err != nil {
				t.Fatal(err)
			}
		}
		set(o.x, "--02-29")      // no year, leap day
		set(o.y, "1990-02-28")   // with a year
		set(o.w, "02-28")        // functional link
		set(o.mem, "1985-02-27") // yesterday
		set(o.z, "2000-02-28")   // below y

		birthdays := func(at time.Time) []string {
			t.Helper()
			o.env.Now.Set(at)
			tv, err := a.Team(ctx, ui(o.mgr), app.TeamAll)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, b := range tv.Birthdays {
				s := b.User.FirstName
				if b.Age > 0 {
					s += "/" + strconv.Itoa(b.Age)
				}
				if b.OnFeb28 {
					s += "/29th"
				}
				out = append(out, s)
			}
			return out
		}
		// 2027 is a common year: x (29 Feb, no year) is celebrated on the
		// 28th with y and w. 10:00 UTC is 11:00 in Paris.
		if got := birthdays(time.Date(2027, 2, 28, 10, 0, 0, 0, time.UTC)); !slices.Equal(got, []string{"w", "x/29th", "y/37"}) {
			t.Errorf("28 Feb 2027 = %v", got)
		}
		// 2028 is a leap year: x on the 29th only.
		if got := birthdays(time.Date(2028, 2, 28, 10, 0, 0, 0, time.UTC)); !slices.Equal(got, []string{"w", "y/38"}) {
			t.Errorf("28 Feb 2028 = %v", got)
		}
		if got := birthdays(time.Date(2028, 2, 29, 10, 0, 0, 0, time.UTC)); !slices.Equal(got, []string{"x"}) {
			t.Errorf("29 Feb 2028 = %v", got)
		}
		// Late on 27 Feb UTC is already the 28th in Paris.
		if got := birthdays(time.Date(2027, 2, 27, 23, 30, 0, 0, time.UTC)); !slices.Equal(got, []string{"w", "x/29th", "y/37"}) {
			t.Errorf("27 Feb 2027 23:30 UTC = %v, want the Paris date's", got)
		}

		// Without the Birthdays capability for functional links, w is not
		// shown.
		m, err := a.CapabilityMatrix(ctx, sys)
		if err != nil {
			t.Fatal(err)
		}
		m.Set(reportline.Functional, reportline.Birthdays, false)
		if _, err := a.SetCapabilityMatrix(ctx, sys, m); err != nil {
			t.Fatal(err)
		}
		if got := birthdays(time.Date(2027, 2, 28, 10, 0, 0, 0, time.UTC)); !slices.Equal(got, []string{"x/29th", "y/37"}) {
			t.Errorf("without functional birthdays = %v", got)
		}
	})
}
