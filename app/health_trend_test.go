package app_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// The counts over time follow the link history week by week: y becomes
// functional-only in week 1, z's wide team is linked in week 2 (its people
// leave "no manager" and z's span becomes wide), x loses mgr in week 3;
// the last point is today's counts of HierarchyHealth; a group admin of A
// never counts z's team in B; a member is refused. Both engines.
func TestHierarchyHealthTrend(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine) // mgr → x (line)
		a, clock := o.env.App, o.env.Now
		t0 := clock.Now()
		var team []reportline.UserID
		for i := range app.WideSpan {
			u, err := a.CreateUser(ctx, sys, app.UserInput{Email: fmt.Sprintf("b%d@example.com", i), FirstName: "b", GroupID: o.b.ID})
			if err != nil {
				t.Fatal(err)
			}
			team = append(team, u.ID)
		}
		clock.Set(t0.Add(24 * time.Hour))
		o.link(t, o.mgr, o.y, reportline.Functional)
		clock.Set(t0.AddDate(0, 0, 8))
		if _, err := a.AddLinks(ctx, sys, app.LinkRequest{User: o.z.ID, Direction: reportline.Managees, Kind: reportline.Line, IDs: team}); err != nil {
			t.Fatal(err)
		}
		clock.Set(t0.AddDate(0, 0, 15))
		if err := a.RemoveLink(ctx, sys, reportline.Pair{ManagerID: o.mgr.ID, ManageeID: o.x.ID}); err != nil {
			t.Fatal(err)
		}
		clock.Set(t0.AddDate(0, 0, 21))

		tr, err := a.HierarchyHealthTrend(ctx, ui(o.pa), 0, 4)
		if err != nil {
			t.Fatal(err)
		}
		if len(tr.Points) != 4 || tr.TooLarge {
			t.Fatalf("%d points (too large %v), want 4", len(tr.Points), tr.TooLarge)
		}
		series := func(tr app.HealthTrend, p app.HealthProblem) []int {
			var out []int
			for _, pt := range tr.Points {
				if !pt.Known {
					t.Fatalf("a point at %s is unknown, the history starts with the changes", pt.At)
				}
				out = append(out, pt.Counts[p])
			}
			return out
		}
		no, fn, wide := series(tr, app.HealthNoManager), series(tr, app.HealthFunctionalOnly), series(tr, app.HealthWideSpan)
		if fn[1]-fn[0] != 1 || fn[2] != fn[1] || fn[3] != fn[2] {
			t.Errorf("functional only over the weeks = %v, want one more from week 1", fn)
		}
		if wide[1] != wide[0] || wide[2]-wide[1] != 1 || wide[3] != wide[2] {
			t.Errorf("wide spans over the weeks = %v, want one more from week 2", wide)
		}
		if no[0]-no[1] != 1 || no[1]-no[2] != app.WideSpan || no[3]-no[2] != 1 {
			t.Errorf("no manager over the weeks = %v, want y fewer in week 1, %d fewer in week 2 and x more in week 3", no, app.WideSpan)
		}
		h, err := a.HierarchyHealth(ctx, ui(o.pa), 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range tr.Problems {
			if got, want := tr.Points[3].Counts[p], h.Check(p).Count; got != want {
				t.Errorf("%s now: the trend says %d, the centre %d", p, got, want)
			}
		}

		tr, err = a.HierarchyHealthTrend(ctx, ui(o.ga), 0, 4)
		if err != nil {
			t.Fatal(err)
		}
		if got := series(tr, app.HealthWideSpan); fmt.Sprint(got) != "[0 0 0 0]" {
			t.Errorf("group admin of A: wide spans %v, want none (z's team is in B)", got)
		}
		if _, err := a.HierarchyHealthTrend(ctx, ui(o.x), 0, 4); !reportline.IsCode(err, reportline.Forbidden) {
			t.Errorf("a member: %v, want forbidden", err)
		}
	})
}
