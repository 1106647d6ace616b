package app_test

import (
	"context"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// TestAuthorizationMatrix runs every action of the links use cases as every
// kind of caller, on a target inside and outside the caller's groups, and
// checks allow or deny. Each case gets a fresh organisation so that an
// allowed change cannot leak into the next case.
func TestAuthorizationMatrix(t *testing.T) {
	type action struct {
		name string
		// do runs the action as actor; in reports whether to use the
		// in-scope target (x, y in A1) or the out-of-scope one (z in B).
		do func(ctx context.Context, o *org, actor app.Actor, in bool) error
	}
	target := func(o *org, in bool) reportline.User {
		if in {
			return o.x
		}
		return o.z
	}
	actions := []action{
		{"list managers", func(ctx context.Context, o *org, ac app.Actor, in bool) error {
			_, err := o.env.App.ListUserLinks(ctx, ac, target(o, in).ID)
			return err
		}},
		{"add manager", func(ctx context.Context, o *org, ac app.Actor, in bool) error {
			_, err := o.env.App.AddLinks(ctx, ac, app.LinkRequest{User: target(o, in).ID, Direction: reportline.Managers, Emails: []string{"y@example.com"}})
			return err
		}},
		{"add managee", func(ctx context.Context, o *org, ac app.Actor, in bool) error {
			_, err := o.env.App.AddLinks(ctx, ac, app.LinkRequest{User: o.y.ID, Direction: reportline.Managees, IDs: []reportline.UserID{target(o, in).ID}})
			return err
		}},
		{"replace managers", func(ctx context.Context, o *org, ac app.Actor, in bool) error {
			_, err := o.env.App.ReplaceLinks(ctx, ac, app.LinkRequest{User: target(o, in).ID, Direction: reportline.Managers, IDs: []reportline.UserID{o.y.ID}})
			return err
		}},
		{"replace managees", func(ctx context.Context, o *org, ac app.Actor, in bool) error {
			_, err := o.env.App.ReplaceLinks(ctx, ac, app.LinkRequest{User: o.w.ID, Direction: reportline.Managees, IDs: []reportline.UserID{target(o, in).ID}})
			return err
		}},
		{"remove manager", func(ctx context.Context, o *org, ac app.Actor, in bool) error {
			// y → x (in) or y → z (out) is made first by the system.
			return o.env.App.RemoveLink(ctx, ac, reportline.Pair{ManagerID: o.y.ID, ManageeID: target(o, in).ID})
		}},
		{"read audit", func(ctx context.Context, o *org, ac app.Actor, in bool) error {
			_, err := o.env.App.Audit(ctx, ac, reportline.AuditFilter{UserID: target(o, in).ID})
			return err
		}},
		{"read whole audit", func(ctx context.Context, o *org, ac app.Actor, in bool) error {
			_, err := o.env.App.Audit(ctx, ac, reportline.AuditFilter{})
			return err
		}},
	}
	type want struct{ in, out bool }
	roles := []struct {
		name  string
		actor func(o *org) app.Actor
		want  map[string]want
	}{
		{"platform admin", func(o *org) app.Actor { return ui(o.pa) }, map[string]want{
			"list managers": {true, true}, "add manager": {true, true}, "add managee": {true, true}, "replace managers": {true, true},
			"replace managees": {true, true}, "remove manager": {true, true}, "read audit": {true, true}, "read whole audit": {true, true}}},
		{"group admin", func(o *org) app.Actor { return ui(o.ga) }, map[string]want{
			"list managers": {true, false}, "add manager": {true, false}, "add managee": {true, false}, "replace managers": {true, false},
			"replace managees": {true, false}, "remove manager": {true, false}, "read audit": {true, false}, "read whole audit": {false, false}}},
		// The user admin administers A1 only: x's existing manager mgr is
		// in A, so replacing x's managers would remove a link outside
		// their groups, and is refused.
		{"user admin", func(o *org) app.Actor { return ui(o.ua) }, map[string]want{
			"list managers": {true, false}, "add manager": {true, false}, "add managee": {true, false}, "replace managers": {false, false},
			"replace managees": {true, false}, "remove manager": {true, false}, "read audit": {true, false}, "read whole audit": {false, false}}},
		{"plain member", func(o *org) app.Actor { return ui(o.mem) }, map[string]want{}},
		// mgr manages x: they may see x's managers, and change nothing.
		{"manager", func(o *org) app.Actor { return ui(o.mgr) }, map[string]want{"list managers": {true, false}}},
		{"anonymous", func(o *org) app.Actor { return ui(reportline.User{}) }, map[string]want{}},
		{"inactive admin", func(o *org) app.Actor {
			u := o.pa
			u.Status = reportline.StatusInactive
			return ui(u)
		}, map[string]want{}},
	}
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		for _, role := range roles {
			for _, act := range actions {
				for _, in := range []bool{true, false} {
					scope := map[bool]string{true: "in scope", false: "out of scope"}[in]
					t.Run(role.name+"/"+act.name+"/"+scope, func(t *testing.T) {
						t.Parallel()
						ctx := context.Background()
						o := newOrg(t, engine)
						if act.name == "remove manager" {
							o.link(t, o.y, target(o, in), reportline.Line)
						}
						w := role.want[act.name]
						allowed := w.out
						if in {
							allowed = w.in
						}
						err := act.do(ctx, o, role.actor(o), in)
						switch {
						case allowed && err != nil:
							t.Errorf("want allowed, got %v", err)
						case !allowed && !reportline.IsCode(err, reportline.Forbidden):
							t.Errorf("want refused, got %v", err)
						case !allowed && reportline.ErrorMessage(err) == "":
							t.Errorf("refusal without a reason: %v", err)
						}
					})
				}
			}
		}
	})
}
