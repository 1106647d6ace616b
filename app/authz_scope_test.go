package app_test

import (
	"context"
	"strings"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// TestScopeChangingActionsAreScoped reproduces the holes of issue 10 at the
// level of the use cases: each would hand an admin someone outside their
// groups, and each is refused, leaving nothing changed.
func TestScopeChangingActionsAreScoped(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine)
		a := o.env.App
		forbidden := func(what string, err error) {
			t.Helper()
			if !reportline.IsCode(err, reportline.Forbidden) {
				t.Errorf("%s: %v, want forbidden", what, err)
			}
		}
		// Case 1: a group admin adds a member of B to her group A, then
		// would read her.
		forbidden("group admin adds z of B to A", a.SetMember(ctx, ui(o.ga), reportline.Membership{GroupID: o.a.ID, UserID: o.z.ID}))
		if _, err := a.GetUser(ctx, ui(o.ga), o.z.ID); !reportline.IsCode(err, reportline.Forbidden) {
			t.Errorf("z is readable by ga after the refused add: %v", err)
		}
		// A user admin may not bring in the group admin, nor deactivate her.
		forbidden("user admin adds ga to A1", a.SetMember(ctx, ui(o.ua), reportline.Membership{GroupID: o.a1.ID, UserID: o.ga.ID}))
		// Case 6: a user admin may not demote or remove a group admin of
		// her own group; the group admin remains.
		if err := a.SetMember(ctx, sys, reportline.Membership{GroupID: o.a1.ID, UserID: o.mgr.ID, Role: reportline.AdminRole}); err != nil {
			t.Fatal(err)
		}
		forbidden("user admin demotes an admin", a.SetMember(ctx, ui(o.ua), reportline.Membership{GroupID: o.a1.ID, UserID: o.mgr.ID, Role: reportline.MemberRole}))
		forbidden("user admin removes an admin", a.RemoveMember(ctx, ui(o.ua), o.a1.ID, o.mgr.ID))
		inactive := reportline.StatusInactive
		_, err := a.UpdateUser(ctx, ui(o.ua), o.mgr.ID, app.UserPatch{Status: &inactive})
		forbidden("user admin deactivates an admin", err)
		ms, err := a.ListMembers(ctx, ui(o.ga), o.a1.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !hasRole(ms, o.mgr.ID, reportline.AdminRole) {
			t.Errorf("the admin lost her role: %+v", ms)
		}
		// Roles: a user admin grants nothing above member; a group admin
		// makes user admins but not admins.
		forbidden("user admin grants user_admin", a.SetMember(ctx, ui(o.ua), reportline.Membership{GroupID: o.a1.ID, UserID: o.x.ID, Role: reportline.UserAdminRole}))
		forbidden("group admin grants admin", a.SetMember(ctx, ui(o.ga), reportline.Membership{GroupID: o.a1.ID, UserID: o.x.ID, Role: reportline.AdminRole}))
		if err := a.SetMember(ctx, ui(o.ga), reportline.Membership{GroupID: o.a1.ID, UserID: o.x.ID, Role: reportline.UserAdminRole}); err != nil {
			t.Errorf("group admin makes x a user admin: %v", err)
		}
		// Case 2: in the positions mode org unit and position make line
		// managers: only platform admins change them.
		if err := a.SetAssignMode(ctx, ui(o.pa), reportline.AssignByPositions); err != nil {
			t.Fatal(err)
		}
		unit, title := "Sales", "Head of Sales"
		_, err = a.UpdateUser(ctx, ui(o.ga), o.ga.ID, app.UserPatch{OrgUnit: &unit, Position: &title})
		forbidden("group admin moves herself in positions mode", err)
		_, err = a.UpdateUser(ctx, ui(o.ga), o.mem.ID, app.UserPatch{OrgUnit: &unit})
		forbidden("group admin moves a member in positions mode", err)
		// A user that does not exist and one out of scope read the same.
		_, errGhost := a.GetUser(ctx, ui(o.ga), 999999)
		_, errZ := a.GetUser(ctx, ui(o.ga), o.z.ID)
		if reportline.ErrorMessage(errGhost) != reportline.ErrorMessage(errZ) || !reportline.IsCode(errGhost, reportline.Forbidden) {
			t.Errorf("unknown user: %v; out of scope: %v; want the same refusal", errGhost, errZ)
		}
	})
}

// TestPreviewsAreAuthorizedLikeTheAction reproduces issue 10's case 4: a
// replace preview about a user outside the caller's groups reveals nothing,
// and a preview counts what the real call would refuse.
func TestPreviewsAreAuthorizedLikeTheAction(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine)
		a := o.env.App
		o.link(t, o.z, o.mem, reportline.Line) // z (in B) manages mem (in A)
		// ua administrates A1 only: mem's team is none of her business.
		plan, err := a.PreviewReplace(ctx, ui(o.ua), app.LinkRequest{User: o.z.ID, Direction: reportline.Managees})
		if !reportline.IsCode(err, reportline.Forbidden) || len(plan.Removals) != 0 || plan.User.Email != "" {
			t.Errorf("preview about z by ua = %+v, %v; want forbidden and nothing shown", plan, err)
		}
		// ga administrates mem but not z: replacing mem's managers with
		// none would remove z's link, outside her scope. The preview says
		// so, and the call refuses it.
		req := app.LinkRequest{User: o.mem.ID, Direction: reportline.Managers}
		plan, err = a.PreviewReplace(ctx, ui(o.ga), req)
		if err != nil {
			t.Fatal(err)
		}
		if plan.Refused() != 1 {
			t.Errorf("preview refused = %d, want 1 (z's link)", plan.Refused())
		}
		if _, err := a.ReplaceLinks(ctx, ui(o.ga), req); !reportline.IsCode(err, reportline.Forbidden) {
			t.Errorf("replace = %v, want forbidden", err)
		}
	})
}

// TestChangesAreRecorded checks that mutations other than links land in the
// change log with their actor, before and after.
func TestChangesAreRecorded(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine)
		a := o.env.App
		if err := a.SetMember(ctx, ui(o.ga), reportline.Membership{GroupID: o.a1.ID, UserID: o.y.ID, Role: reportline.UserAdminRole}); err != nil {
			t.Fatal(err)
		}
		name := "Yvonne"
		// ga (admin of A) outranks y (now a user admin of A1, below A).
		if _, err := a.UpdateUser(ctx, ui(o.ga), o.y.ID, app.UserPatch{FirstName: &name}); err != nil {
			t.Fatal(err)
		}
		if err := a.SetAssignMode(ctx, ui(o.pa), reportline.AssignByPositions); err != nil {
			t.Fatal(err)
		}
		cs, err := a.Changes(ctx, ui(o.ga), reportline.ChangeFilter{UserID: o.y.ID})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, c := range cs {
			actions = append(actions, c.Action)
		}
		got := strings.Join(actions, ",")
		if got != "user.edit,group.members.change,user.create" {
			t.Errorf("y's changes = %s", got)
		}
		if cs[1].ActorID != o.ga.ID || !strings.Contains(cs[1].Before, `"member"`) || !strings.Contains(cs[1].After, `"user_admin"`) {
			t.Errorf("role change = %+v", cs[1])
		}
		if !strings.Contains(cs[0].After, "Yvonne") {
			t.Errorf("name change = %+v", cs[0])
		}
		if _, err := a.Changes(ctx, ui(o.ga), reportline.ChangeFilter{}); !reportline.IsCode(err, reportline.Forbidden) {
			t.Errorf("ga reads the whole change log: %v", err)
		}
		all, err := a.Changes(ctx, ui(o.pa), reportline.ChangeFilter{Action: "settings.change"})
		if err != nil || len(all) != 1 || all[0].ActorID != o.pa.ID || !strings.Contains(all[0].After, "positions") {
			t.Errorf("settings changes = %+v, %v", all, err)
		}
	})
}

func hasRole(ms []reportline.Membership, u reportline.UserID, r reportline.GroupRole) bool {
	for _, m := range ms {
		if m.UserID == u && m.Role == r {
			return true
		}
	}
	return false
}
