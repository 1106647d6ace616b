package authztest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// TestCrossTenantTargets runs the matrix's targeted rows (users, groups,
// memberships, SCIM users) with the target in another tenant of the same
// installation (issue 13): the fixture's callers, platform admin and SCIM
// client included, hold credentials of the implicit tenant and name a
// person or group of tenant "other" by its id (ids are unique across
// tenants, so the id is a real one). Every cell must answer exactly as for
// an id that exists in no tenant (the same status: mostly 404, a few
// routes answer an empty 200 for any id, such as the audit filtered by a
// user), show none of the other tenant's data, never allow an AuthZEN
// evaluation, and leave the other tenant unchanged.
func TestCrossTenantTargets(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		t.Parallel()
		f := newFixture(t, engine)
		ctx := context.Background()
		other, err := f.env.DB.CreateTenantAs(ctx, "test", "other", "other.example")
		if err != nil {
			t.Fatal(err)
		}
		octx := reportline.WithTenant(ctx, other)
		grp, err := f.env.App.CreateGroup(octx, f.sys, "Sales", 0)
		if err != nil {
			t.Fatal(err)
		}
		// The same address as the fixture's dorothy, in the other tenant.
		victim, err := f.env.App.CreateUser(octx, f.sys, app.UserInput{Email: f.users[dorothy].Email, FirstName: "Zebulon",
			LastName: "Hidden", ExternalUID: "OTHER-1", GroupID: grp.ID})
		if err != nil {
			t.Fatal(err)
		}
		boss, err := f.env.App.CreateUser(octx, f.sys, app.UserInput{Email: "boss@other.example", FirstName: "Xanthe",
			LastName: "Hidden", GroupID: grp.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.env.App.AddLinks(octx, f.sys, app.LinkRequest{User: victim.ID, Direction: reportline.Managers,
			Kind: reportline.Line, IDs: []reportline.UserID{boss.ID}}); err != nil {
			t.Fatal(err)
		}
		fingerprint := func() string {
			var s string
			err := f.env.DB.Tenant(other).Read(ctx, func(tx *store.Tx) error {
				v, err := tx.User(ctx, victim.ID)
				if err != nil {
					return err
				}
				b, err := tx.User(ctx, boss.ID)
				if err != nil {
					return err
				}
				g, err := tx.Group(ctx, grp.ID)
				if err != nil {
					return err
				}
				ms, err := tx.Memberships(ctx, reportline.MembershipFilter{})
				if err != nil {
					return err
				}
				n, err := tx.CountLinks(ctx)
				s = fmt.Sprintf("%+v|%+v|%+v|%+v|%d", v, b, g, ms, n)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		before := fingerprint()
		// nowhere is the victim with an id and a uid no tenant has.
		nowhere := victim
		nowhere.ID, nowhere.ExternalUID = 987654321, "NOWHERE-1"

		var bad []string
		cells, allowed := 0, 0
		for i := range matrix {
			r := &matrix[i]
			if r.target == tNone || r.prep != nil || r.partner {
				continue
			}
			groups, err := r.groups()
			if err != nil {
				t.Fatal(err)
			}
			for ro := plainUser; ro < nRoles; ro++ {
				if strings.Trim(groups[ro], "-") == "" {
					continue // not applicable to this role
				}
				f.seq++
				ghost := &cell{t: t, f: f, row: r, role: ro, tgt: tOut, caller: callers[ro], user: nowhere, group: 987654321, seq: f.seq}
				_, grep := ghost.run()
				f.seq++
				c := &cell{t: t, f: f, row: r, role: ro, tgt: tOut, caller: callers[ro], user: victim, group: grp.ID, seq: f.seq}
				cells++
				g, rep := c.run()
				switch {
				case rep.status != grep.status:
					bad = append(bad, fmt.Sprintf("%s: %d (%s), but %d for an id of no tenant: %s", c.name(), rep.status, g, grep.status, short(rep.body)))
				case strings.Contains(r.pattern, "/access/v1/evaluation") && strings.Contains(strings.ReplaceAll(rep.body, " ", ""), `"decision":true`):
					bad = append(bad, fmt.Sprintf("%s: allowed: %s", c.name(), short(rep.body)))
				case strings.Contains(rep.body, "Zebulon") || strings.Contains(rep.body, "Xanthe") || strings.Contains(rep.body, "boss@other"):
					bad = append(bad, fmt.Sprintf("%s: shows the other tenant: %s", c.name(), short(rep.body)))
				}
				if g == "A" {
					allowed++
				}
				if r.mutates() {
					if after := fingerprint(); after != before {
						bad = append(bad, fmt.Sprintf("%s changed the other tenant:\n  before %s\n  after  %s", c.name(), before, after))
						before = after
					}
				}
			}
		}
		if cells < 100 {
			t.Errorf("only %d cross-tenant cells ran; the matrix's targeted rows were not found", cells)
		}
		t.Logf("%d cross-tenant cells, %d of them a 2xx that an id of no tenant gets too", cells, allowed)
		for _, b := range bad {
			t.Error(b)
		}
	})
}
