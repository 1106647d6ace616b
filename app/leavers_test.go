package app_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

func TestLeaverConfirmed(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine)
		a := o.env.App
		o.link(t, o.ga, o.mgr, reportline.Line)
		o.link(t, o.mgr, o.y, reportline.Functional)
		p, err := a.ProposeLeaver(ctx, ui(o.ga), o.mgr.ID)
		if err != nil || len(p.Reports) != 2 || p.Manager.ID != o.ga.ID {
			t.Fatalf("proposal = %+v, %v; want x and y, to ga", p, err)
		}
		if _, err := a.ProposeLeaver(ctx, ui(o.x), o.mgr.ID); err == nil {
			t.Errorf("a report saw the proposal")
		}
		if _, err := a.ConfirmLeaver(ctx, ui(o.ga), o.mgr.ID, app.LeaverRequest{Choice: reportline.LeaverToSuccessor, Successor: "z@example.com"}); err == nil {
			t.Errorf("a successor outside the admin's groups was accepted")
		}
		if _, err := a.ConfirmLeaver(ctx, ui(o.ga), o.mgr.ID, app.LeaverRequest{Choice: reportline.LeaverToSuccessor, Successor: "w@example.com"}); err != nil {
			t.Fatal(err)
		}
		if got := o.managers(t, o.x); !slices.Contains(got, "w@example.com") || slices.Contains(got, "mgr@example.com") {
			t.Errorf("x's managers = %v; want w instead of mgr", got)
		}
		if got := o.managers(t, o.y); !slices.Equal(got, []string{"w@example.com"}) {
			t.Errorf("y's managers = %v; want w", got)
		}
		u, _ := a.GetUser(ctx, sys, o.mgr.ID)
		if u.Active() {
			t.Errorf("the leaver is still active")
		}
		// People affected are told by the audit log's notices.
		if n, err := a.RunLinkEvents(ctx); err != nil || n != 0 {
			t.Fatalf("first run sets the cursor: %d, %v", n, err)
		}
	})
}

func TestLeaverSweepAppliesTheSetting(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine)
		a := o.env.App
		o.link(t, o.ga, o.mgr, reportline.Line)
		o.link(t, o.w, o.y, reportline.Line)
		if _, err := a.RunLinkEvents(ctx); err != nil { // cursors start now
			t.Fatal(err)
		}
		off := reportline.StatusInactive
		if _, err := a.UpdateUser(ctx, sys, o.w.ID, app.UserPatch{Status: &off}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.RunLinkEvents(ctx); err != nil {
			t.Fatal(err)
		}
		flags, err := a.LeaverFlags(ctx, ui(o.pa))
		if err != nil || len(flags) != 1 || flags[0].ManageeID != o.y.ID || flags[0].LeaverID != o.w.ID {
			t.Fatalf("flags = %+v, %v; want y flagged (default)", flags, err)
		}
		if got := o.managers(t, o.y); !slices.Equal(got, []string{"w@example.com"}) {
			t.Errorf("a flagged report's links = %v; kept, so a reactivation restores them", got)
		}
		// With the setting "manager", the leaver's reports go up a level,
		// and are told (once "manager added" is on for the roles).
		for _, aud := range []reportline.Audience{reportline.AudienceManagers, reportline.AudienceLearners} {
			if err := a.SetNotificationRole(ctx, ui(o.pa), reportline.NotifyManagerAdded, aud, true); err != nil {
				t.Fatal(err)
			}
		}
		if err := a.SetLeaverSync(ctx, ui(o.pa), reportline.LeaverToManager); err != nil {
			t.Fatal(err)
		}
		if _, err := a.UpdateUser(ctx, sys, o.mgr.ID, app.UserPatch{Status: &off}); err != nil {
			t.Fatal(err)
		}
		n, err := a.RunLinkEvents(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := o.managers(t, o.x); !slices.Equal(got, []string{"ga@example.com"}) {
			t.Errorf("x's managers after the sweep = %v; want ga", got)
		}
		if n < 2 {
			t.Errorf("%d notices; want x and ga told of the new link", n)
		}
		if n, err := a.RunLeavers(ctx); err != nil || n != 0 {
			t.Errorf("a second sweep = %d, %v; want nothing", n, err)
		}
	})
}

// A report flagged when their manager left shows in the health centre
// until they have an active manager again, whoever gives them one: the
// check is computed from the links in effect, not cleared by a write.
func TestLeaverFlagLeavesTheHealthCentre(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine) // mgr → x
		a := o.env.App
		o.link(t, o.mgr, o.y, reportline.Line)
		if _, err := a.ConfirmLeaver(ctx, ui(o.ga), o.mgr.ID, app.LeaverRequest{Choice: reportline.LeaverFlag}); err != nil {
			t.Fatal(err)
		}
		flagged := func() []string {
			t.Helper()
			h, err := a.HierarchyHealth(ctx, ui(o.pa), 0)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, e := range h.Check(app.HealthLeaverFlagged).Examples {
				out = append(out, e.User.Email)
			}
			slices.Sort(out)
			return out
		}
		if got := flagged(); !slices.Equal(got, []string{"x@example.com", "y@example.com"}) {
			t.Fatalf("flagged after the leaver = %v; want x and y", got)
		}
		// x gets a manager by hand: off the list; y stays.
		o.link(t, o.w, o.x, reportline.Line)
		if got := flagged(); !slices.Equal(got, []string{"y@example.com"}) {
			t.Errorf("flagged after x got w = %v; want y only", got)
		}
		// y is deactivated: nothing left to handle.
		off := reportline.StatusInactive
		if _, err := a.UpdateUser(ctx, sys, o.y.ID, app.UserPatch{Status: &off}); err != nil {
			t.Fatal(err)
		}
		if got := flagged(); len(got) != 0 {
			t.Errorf("flagged after y left too = %v; want none", got)
		}
	})
}

// A manager deactivated by a users CSV import keeps their reports linked
// until the admin chooses: the proposal still lists them, and confirming
// moves them (the leaver stays inactive); with nobody left, a second
// confirmation is a conflict.
func TestLeaverAfterUsersCSV(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine) // mgr → x
		a := o.env.App
		o.link(t, o.ga, o.mgr, reportline.Line)
		rep, err := a.ImportUsersCSV(ctx, ui(o.ga), strings.NewReader("email,is_active\nmgr@example.com,0\n"), app.UserCSVOptions{})
		if err != nil || rep.Counts.Updated != 1 {
			t.Fatalf("import = %+v, %v; want mgr deactivated", rep.Counts, err)
		}
		p, err := a.ProposeLeaver(ctx, ui(o.ga), o.mgr.ID)
		if err != nil || len(p.Reports) != 1 || p.Reports[0].ID != o.x.ID || p.User.Active() {
			t.Fatalf("proposal after the import = %+v, %v; want x, the leaver inactive", p, err)
		}
		if _, err := a.ConfirmLeaver(ctx, ui(o.ga), o.mgr.ID, app.LeaverRequest{Choice: reportline.LeaverToManager}); err != nil {
			t.Fatal(err)
		}
		if got := o.managers(t, o.x); !slices.Equal(got, []string{"ga@example.com"}) {
			t.Errorf("x's managers = %v; want ga, the leaver's manager", got)
		}
		if _, err := a.ConfirmLeaver(ctx, ui(o.ga), o.mgr.ID, app.LeaverRequest{Choice: reportline.LeaverFlag}); !isCode(err, reportline.Conflict) {
			t.Errorf("a second confirmation: %v, want a conflict", err)
		}
	})
}
