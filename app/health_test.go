package app_test

import (
	"context"
	"fmt"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// The health centre counts each problem over the caller's scope: a
// platform admin sees every group and the directory's check, a group
// admin of A only A's people (z's wide team in B is not counted, nor
// named); a member is refused.
func TestHierarchyHealth(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine) // mgr → x (line)
		a := o.env.App
		o.link(t, o.mgr, o.y, reportline.Functional) // y: functional only
		o.link(t, o.mem, o.w, reportline.Line)       // w: their only manager goes inactive
		off := reportline.StatusInactive
		if _, err := a.UpdateUser(ctx, sys, o.mem.ID, app.UserPatch{Status: &off}); err != nil {
			t.Fatal(err)
		}
		var team []reportline.UserID // z leads a team of WideSpan in B
		for i := range app.WideSpan {
			u, err := a.CreateUser(ctx, sys, app.UserInput{Email: fmt.Sprintf("b%d@example.com", i), FirstName: "b", GroupID: o.b.ID})
			if err != nil {
				t.Fatal(err)
			}
			team = append(team, u.ID)
		}
		if _, err := a.AddLinks(ctx, sys, app.LinkRequest{User: o.z.ID, Direction: reportline.Managees, Kind: reportline.Line, IDs: team}); err != nil {
			t.Fatal(err)
		}

		h, err := a.HierarchyHealth(ctx, ui(o.pa), 0)
		if err != nil {
			t.Fatal(err)
		}
		examples := func(h app.Health, p app.HealthProblem) string {
			var out []string
			for _, e := range h.Check(p).Examples {
				out = append(out, fmt.Sprintf("%s:%d", e.User.Email, e.Count))
			}
			return fmt.Sprint(out)
		}
		for p, want := range map[app.HealthProblem]string{
			app.HealthFunctionalOnly:  "[y@example.com:0]",
			app.HealthOnlyInactive:    "[w@example.com:0]",
			app.HealthInactiveManager: "[mem@example.com:1]",
			app.HealthWideSpan:        fmt.Sprintf("[z@example.com:%d]", app.WideSpan),
		} {
			if got := examples(h, p); got != want {
				t.Errorf("platform admin: %s = %s, want %s", p, got, want)
			}
		}
		if !h.Directory || len(h.Checks) != 7 {
			t.Errorf("platform admin: directory check %v, %d checks", h.Directory, len(h.Checks))
		}
		allNoManager := h.Check(app.HealthNoManager).Count

		h, err = a.HierarchyHealth(ctx, ui(o.ga), 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := h.Check(app.HealthWideSpan).Count; got != 0 {
			t.Errorf("group admin of A: %d wide spans, want 0 (z's team is in B)", got)
		}
		if got := examples(h, app.HealthFunctionalOnly); got != "[y@example.com:0]" {
			t.Errorf("group admin of A: functional only = %s", got)
		}
		if h.Directory || len(h.Checks) != 6 {
			t.Errorf("group admin: the directory's check is shown (%v, %d checks)", h.Directory, len(h.Checks))
		}
		for _, e := range h.Check(app.HealthNoManager).Examples {
			if e.User.Email == "z@example.com" || e.User.Email == "pa@example.com" {
				t.Errorf("group admin of A: %s is named", e.User.Email)
			}
		}
		if n := h.Check(app.HealthNoManager).Count; n >= allNoManager {
			t.Errorf("group admin of A counts %d people without a manager, the platform admin %d", n, allNoManager)
		}
		if _, err := a.HierarchyHealth(ctx, ui(o.x), 0); !reportline.IsCode(err, reportline.Forbidden) {
			t.Errorf("a member: %v, want forbidden", err)
		}
	})
}
