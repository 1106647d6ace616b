package app_test

import (
	"context"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/internal/browser"
	"reportline/internal/testapp"
	"reportline/store"
)

func TestMain(m *testing.M) { testapp.Main(m, browser.Close) }

var sys = app.SystemActor(reportline.SourceAPI)

// org is the organisation most tests use:
//
//	Root
//	├── A        ga (admin), mem, mgr
//	│   └── A1   ua (user admin), x, y, w
//	└── B        z
//
// pa is a platform admin; mgr manages x; off is an inactive member of A1.
type org struct {
	env                              *testapp.Env
	root, a, a1, b                   reportline.Group
	pa, ga, ua, mem, mgr, x, y, w, z reportline.User
	off                              reportline.User
}

func newOrg(t *testing.T, engine store.Engine) *org {
	t.Helper()
	ctx := context.Background()
	o := &org{env: testapp.New(t, engine)}
	a := o.env.App
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	group := func(name string, parent reportline.Group) reportline.Group {
		g, err := a.CreateGroup(ctx, sys, name, parent.ID)
		must(err)
		return g
	}
	o.root = group("Root", reportline.Group{})
	o.a = group("A", o.root)
	o.a1 = group("A1", o.a)
	o.b = group("B", o.root)
	user := func(name string, g reportline.Group, role reportline.GroupRole) reportline.User {
		u, err := a.CreateUser(ctx, sys, app.UserInput{Email: name + "@example.com", FirstName: name, GroupID: g.ID})
		must(err)
		if role != reportline.MemberRole {
			must(a.SetMember(ctx, sys, reportline.Membership{GroupID: g.ID, UserID: u.ID, Role: role}))
		}
		return u
	}
	var err error
	o.pa, err = a.CreatePlatformAdmin(ctx, "pa@example.com", "correct horse battery")
	must(err)
	o.ga = user("ga", o.a, reportline.AdminRole)
	o.mem = user("mem", o.a, reportline.MemberRole)
	o.mgr = user("mgr", o.a, reportline.MemberRole)
	o.ua = user("ua", o.a1, reportline.UserAdminRole)
	o.x = user("x", o.a1, reportline.MemberRole)
	o.y = user("y", o.a1, reportline.MemberRole)
	o.w = user("w", o.a1, reportline.MemberRole)
	o.z = user("z", o.b, reportline.MemberRole)
	o.off = user("off", o.a1, reportline.MemberRole)
	off := reportline.StatusInactive
	_, err = a.UpdateUser(ctx, sys, o.off.ID, app.UserPatch{Status: &off})
	must(err)
	o.link(t, o.mgr, o.x, reportline.Line)
	return o
}

// link makes manager → managee as the system.
func (o *org) link(t *testing.T, manager, managee reportline.User, kind reportline.Kind) {
	t.Helper()
	_, err := o.env.App.AddLinks(context.Background(), sys, app.LinkRequest{User: managee.ID, Direction: reportline.Managers,
		Kind: kind, IDs: []reportline.UserID{manager.ID}})
	if err != nil {
		t.Fatalf("link %s → %s: %v", manager.Email, managee.Email, err)
	}
}

// managers returns the emails of a user's managers, sorted by name.
func (o *org) managers(t *testing.T, u reportline.User) []string {
	t.Helper()
	ul, err := o.env.App.ListUserLinks(context.Background(), sys, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range ul.Managers {
		out = append(out, m.User.Email)
	}
	return out
}

func ui(u reportline.User) app.Actor { return app.UserActor(u, reportline.SourceUI) }
