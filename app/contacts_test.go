package app_test

import (
	"context"
	"slices"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// TestContacts checks whom a Contacts page lists (effective managers in
// effect today, active, whose link grants contacts, line first) and who may
// see it.
func TestContacts(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newAccessOrg(t, engine)
		a := o.env.App
		o.link(t, o.y, o.x, reportline.Functional)
		// w managed x until yesterday; ua will from tomorrow.
		for _, l := range []struct {
			m           reportline.User
			from, until int
		}{{o.w, -10, -1}, {o.ua, 1, 5}} {
			if _, err := a.AddLinks(ctx, sys, app.LinkRequest{User: o.x.ID, Direction: reportline.Managers, Kind: reportline.Line,
				IDs: []reportline.UserID{l.m.ID}, ValidFrom: o.now.AddDate(0, 0, l.from), ValidUntil: o.now.AddDate(0, 0, l.until)}); err != nil {
				t.Fatal(err)
			}
		}
		emails := func(v app.ContactsView) []string {
			var out []string
			for _, c := range v.Managers {
				out = append(out, c.User.Email+" "+string(c.Link.Kind))
			}
			return out
		}
		v, err := a.Contacts(ctx, ui(o.x), o.x.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := emails(v), []string{"mgr@example.com line", "y@example.com functional"}; !slices.Equal(got, want) {
			t.Errorf("x's contacts = %q, want %q", got, want)
		}
		if v.Managers[0].Link.Source != reportline.SourceAPI {
			t.Errorf("source = %q, want api", v.Managers[0].Link.Source)
		}
		// z's only manager, old, is inactive.
		if v, err := a.Contacts(ctx, ui(o.z), o.z.ID); err != nil || len(v.Managers) != 0 {
			t.Errorf("z's contacts = %q, %v; want none", emails(v), err)
		}

		for _, tc := range []struct {
			name  string
			actor app.Actor
			ok    bool
			grant app.GrantKind
		}{
			{"the user", ui(o.x), true, app.GrantSelf},
			{"a line manager", ui(o.mgr), true, app.GrantLink},
			{"a functional manager", ui(o.y), true, app.GrantLink},
			{"an admin of their group", ui(o.ga), true, app.GrantGroupAdmin},
			{"a platform admin", ui(o.pa), true, app.GrantPlatformAdmin},
			{"a past manager", ui(o.w), false, ""},
			{"a grand-manager", ui(o.mem), false, ""},
			{"a stranger", ui(o.z), false, ""},
			{"nobody", ui(reportline.User{}), false, ""},
			{"the user, inactive", ui(inactive(o.x)), false, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				v, err := a.Contacts(ctx, tc.actor, o.x.ID)
				switch {
				case tc.ok && err != nil:
					t.Errorf("refused: %v", err)
				case tc.ok && v.Grant.By != tc.grant:
					t.Errorf("grant %s, want %s", v.Grant.By, tc.grant)
				case !tc.ok && !reportline.IsCode(err, reportline.Forbidden):
					t.Errorf("got %v, want forbidden", err)
				}
			})
		}
		if _, err := a.Contacts(ctx, sys, 999999); !reportline.IsCode(err, reportline.NotFound) {
			t.Errorf("unknown user: %v", err)
		}

		// Functional links stop granting contacts: y leaves the page and
		// may no longer see it.
		m := reportline.Matrix{}
		m.Set(reportline.Functional, reportline.Contacts, false)
		if _, err := a.SetCapabilityMatrix(ctx, ui(o.pa), m); err != nil {
			t.Fatal(err)
		}
		if v, _ := a.Contacts(ctx, ui(o.x), o.x.ID); !slices.Equal(emails(v), []string{"mgr@example.com line"}) {
			t.Errorf("after the change, x's contacts = %q", emails(v))
		}
		if _, err := a.Contacts(ctx, ui(o.y), o.x.ID); !reportline.IsCode(err, reportline.Forbidden) {
			t.Errorf("a functional manager still sees the page: %v", err)
		}
	})
}
