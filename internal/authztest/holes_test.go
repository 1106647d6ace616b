package authztest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"reportline"
	"reportline/internal/testapp"
	"reportline/store"
)

// The holes of issue 10, each reproduced as it was found (each failed on the
// code before the policy package); hole() fails the test.

func path(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// 1. A group admin adds an out-of-scope user to her group, then reads her
// statistics.
func TestHoleGroupAdminAddsOutOfScopeUser(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newFixture(t, engine)
		stats := path("/api/v1/users/%d/statistics", f.id(dorothy))
		if r := f.as(t, grace, "GET", stats, nil); r.status != 403 {
			t.Fatalf("before: grace reads dorothy's statistics: %d, want 403", r.status)
		}
		r := f.as(t, grace, "PUT", path("/api/v1/groups/%d/members/%d", f.eng, f.id(dorothy)), map[string]string{"role": "member"})
		if r.status != 403 {
			hole(t, "grace adds dorothy (Sales) to Engineering: %d %s, want 403", r.status, short(r.body))
		}
		if _, in := f.members(t, f.eng)[f.users[dorothy].ID]; in {
			hole(t, "dorothy was added to Engineering by its group admin")
		}
		for _, p := range []string{stats, path("/api/v1/users/%d", f.id(dorothy)), path("/api/v1/users/%d/managers", f.id(dorothy))} {
			if r := f.as(t, grace, "GET", p, nil); r.status != 403 {
				hole(t, "after: grace GET %s: %d, want 403", p, r.status)
			}
		}
	})
}

// 1b. A user admin adds a group admin of another group to her group and
// deactivates her.
func TestHoleUserAdminTakesOverGroupAdmin(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newFixture(t, engine)
		r := f.as(t, ada, "PUT", path("/api/v1/groups/%d/members/%d", f.sales, f.id(grace)), map[string]string{"role": "member"})
		if r.status != 403 {
			hole(t, "ada (user admin of Sales) adds grace (admin of Engineering) to Sales: %d, want 403", r.status)
		}
		r = f.as(t, ada, "POST", path("/api/v1/users/%d/deactivate", f.id(grace)), nil)
		if r.status != 403 {
			hole(t, "ada deactivates grace: %d, want 403", r.status)
		}
		if !f.user(t, f.id(grace)).Active() {
			hole(t, "grace was deactivated by a user admin of another group")
		}
	})
}

// 1c. An admin takes back an account she created after someone else took it
// out of the group she had put it in (found by TestModelScopeNeverGrows,
// seed 5170272640636831779): the exception for accounts an admin created is
// for accounts that never had a group.
func TestHoleCreatorReclaimsRemovedAccount(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newFixture(t, engine)
		r := f.as(t, grace, "POST", "/api/v1/users", map[string]any{"email": "made@acme.example", "group_id": f.eng, "first_name": "Made"})
		var made struct {
			ID int64 `json:"id"`
		}
		if r.status != 201 || decode(r.body, &made) != nil || made.ID == 0 {
			t.Fatalf("grace creates made in Engineering: %d %s", r.status, short(r.body))
		}
		if r := f.as(t, root, "DELETE", path("/api/v1/groups/%d/members/%d", f.eng, made.ID), nil); r.status != 204 {
			t.Fatalf("root takes made out of Engineering: %d %s", r.status, short(r.body))
		}
		r = f.as(t, grace, "PUT", path("/api/v1/groups/%d/members/%d", f.eng, made.ID), map[string]string{"role": "member"})
		if r.status != 403 {
			hole(t, "grace puts made back into Engineering after a platform admin took her out: %d %s, want 403", r.status, short(r.body))
		}
		if r := f.as(t, grace, "GET", path("/api/v1/users/%d", made.ID), nil); r.status != 403 {
			hole(t, "grace reads made after she was taken out of Engineering: %d, want 403", r.status)
		}
	})
}

// 2. Positions mode: a group admin sets her own org unit and position to
// become the derived line manager of Sales.
func TestHolePositionsSelfPromotion(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newFixture(t, engine)
		for _, step := range []struct {
			method, path string
			body         any
		}{
			{"POST", "/api/v1/org-units", map[string]any{"name": "Sales"}},
			{"POST", "/api/v1/org-units", map[string]any{"name": "Engineering"}},
			{"PUT", "/api/v1/settings/manager-positions", map[string]any{"titles": []string{"Head of Sales"}}},
			{"PUT", "/api/v1/settings/assign-mode", map[string]any{"mode": "positions"}},
		} {
			if r := f.as(t, root, step.method, step.path, step.body); r.status/100 != 2 {
				t.Fatalf("setup %s %s: %d %s", step.method, step.path, r.status, short(r.body))
			}
		}
		f.env.Now.Advance(2e9) // the assign mode is cached for a second
		stats := path("/api/v1/users/%d/statistics", f.id(dorothy))
		if r := f.as(t, grace, "GET", stats, nil); r.status != 403 {
			t.Fatalf("before: grace reads dorothy's statistics: %d, want 403", r.status)
		}
		r := f.as(t, grace, "PATCH", path("/api/v1/users/%d", f.id(grace)), map[string]any{"org_unit": "Sales", "position": "Head of Sales"})
		if r.status != 403 {
			hole(t, "positions mode: grace sets her own org_unit/position: %d %s, want 403", r.status, short(r.body))
		}
		if u := f.user(t, f.id(grace)); u.OrgUnit != "Engineering" {
			hole(t, "grace's org unit is now %q", u.OrgUnit)
		}
		if r := f.as(t, grace, "GET", stats, nil); r.status != 403 {
			hole(t, "after: grace reads dorothy's statistics: %d, want 403", r.status)
		}
		// A group admin editing someone in her own scope is refused too:
		// in positions mode only platform admins move people in the org.
		r = f.as(t, grace, "PATCH", path("/api/v1/users/%d", f.id(ken)), map[string]any{"org_unit": "Sales"})
		if r.status != 403 {
			hole(t, "positions mode: grace sets ken's org_unit: %d, want 403", r.status)
		}
		if r := f.as(t, root, "PATCH", path("/api/v1/users/%d", f.id(rob)), map[string]any{"position": "Engineer II"}); r.status != 200 {
			t.Errorf("positions mode: a platform admin sets a position: %d %s, want 200", r.status, short(r.body))
		}
	})
}

// 3. A SCIM client deactivates or re-addresses a platform admin.
func TestHoleSCIMChangesPlatformAdmin(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newFixture(t, engine)
		scimPath := path("/scim/v2/Users/%d", f.id(pa2))
		if r := f.as(t, "scim", "GET", scimPath, nil); r.status != 200 {
			t.Fatalf("SCIM GET a platform admin: %d %s", r.status, short(r.body))
		}
		patch := func(op map[string]any) reply {
			return f.as(t, "scim", "PATCH", scimPath, map[string]any{
				"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"}, "Operations": []any{op}})
		}
		if r := patch(map[string]any{"op": "replace", "path": "active", "value": false}); r.status != 403 {
			hole(t, "SCIM deactivates platform admin pa2: %d, want 403", r.status)
		}
		if !f.user(t, f.id(pa2)).Active() {
			hole(t, "platform admin pa2 was deactivated by SCIM")
		}
		if r := patch(map[string]any{"op": "replace", "path": "userName", "value": "elsewhere@evil.example"}); r.status != 403 {
			hole(t, "SCIM re-addresses platform admin pa2: %d, want 403", r.status)
		}
		if r := patch(map[string]any{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "elsewhere2@evil.example"}); r.status != 403 {
			hole(t, "SCIM changes platform admin pa2's email: %d, want 403", r.status)
		}
		if e := f.user(t, f.id(pa2)).Email; e != "pa2@acme.example" {
			hole(t, "platform admin pa2 is now %s", e)
		}
		if r := f.as(t, "scim", "DELETE", scimPath, nil); r.status != 403 {
			hole(t, "SCIM DELETE platform admin: %d, want 403", r.status)
		}
		if !f.user(t, f.id(pa2)).Active() {
			hole(t, "platform admin pa2 was deactivated by SCIM DELETE")
		}
		// A plain member is the SCIM client's to change.
		if r := patch2(f, t, f.id(paul), map[string]any{"op": "replace", "path": "active", "value": false}); r.status != 200 {
			t.Errorf("SCIM deactivates a plain member: %d %s, want 200", r.status, short(r.body))
		}
	})
}

func patch2(f *fixture, t testing.TB, id int64, op map[string]any) reply {
	return f.as(t, "scim", "PATCH", path("/scim/v2/Users/%d", id), map[string]any{
		"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"}, "Operations": []any{op}})
}

// 4. A dry run of a replace leaks the team of an out-of-scope manager and
// counts no refusal where the real call refuses.
func TestHolePreviewLeaks(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newFixture(t, engine)
		managees := path("/api/v1/users/%d/managees", f.id(kate))
		if r := f.as(t, grace, "GET", managees, nil); r.status != 403 {
			t.Fatalf("grace GET kate's managees: %d, want 403", r.status)
		}
		r := f.as(t, grace, "PUT", managees, map[string]any{"emails": []string{}, "dry_run": true})
		if r.status != 403 {
			hole(t, "grace's dry run about kate's managees: %d, want 403", r.status)
		}
		if strings.Contains(r.body, "dorothy") {
			hole(t, "grace's dry run names kate's managee: %s", short(r.body))
		}
		// In scope, the preview must refuse what the real call refuses:
		// linus (Platform) also manages dorothy (Sales).
		f.link(t, linus, dorothy, reportline.Line)
		lm := path("/api/v1/users/%d/managees", f.id(linus))
		dry := f.as(t, grace, "PUT", lm, map[string]any{"emails": []string{}, "dry_run": true})
		real := f.as(t, grace, "PUT", lm, map[string]any{"emails": []string{}})
		if real.status/100 == 2 {
			t.Fatalf("grace replaces linus's managees, one out of scope: %d, want a refusal", real.status)
		}
		// A dry run is a preview: authorized like the call (grace
		// administers linus), it answers 200 with every item's verdict,
		// and counts as refused exactly what the real call refuses.
		// Grace may read linus's links, so naming dorothy is no leak.
		if dry.status != 200 {
			t.Errorf("grace's dry run about linus: %d, want 200", dry.status)
		}
		if !strings.Contains(dry.body, `"rejected": 1`) || !strings.Contains(real.body, `"out_of_scope"`) {
			hole(t, "the dry run and the real call disagree: %s / %s", short(dry.body), short(real.body))
		}
		if n := len(f.linksOf(t, linus)); n != 3 {
			t.Errorf("linus now manages %d, want 3 (nothing changed)", n)
		}
	})
}

func (f *fixture) linksOf(t testing.TB, manager string) []string {
	t.Helper()
	r := f.as(t, root, "GET", path("/api/v1/users/%d/managees", f.id(manager)), nil)
	if r.status != 200 {
		t.Fatalf("root GET managees: %d", r.status)
	}
	var out []string
	for _, n := range []string{ken, rob, dorothy} {
		if strings.Contains(r.body, n+"@") {
			out = append(out, n)
		}
	}
	return out
}

// 5. The access check's refusal reason maps ids to emails and statuses.
func TestHoleAccessCheckReveals(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newFixture(t, engine)
		ask := func(resource int64) reply {
			return f.as(t, paul, "GET", path("/api/v1/access/check?subject=%d&resource=%d&capability=view_reports", f.id(paul), resource), nil)
		}
		unknown := ask(999999)
		for _, who := range []string{dorothy, olga} {
			r := ask(f.id(who))
			if strings.Contains(r.body, who+"@") || strings.Contains(r.body, "inactive") {
				hole(t, "paul's access check about %s reveals them: %s", who, short(r.body))
			}
			same := strings.ReplaceAll(r.body, fmt.Sprintf(`"resource": %d`, f.id(who)), "N") == strings.ReplaceAll(unknown.body, `"resource": 999999`, "N")
			if r.status != unknown.status || !same {
				hole(t, "an out-of-scope resource (%s) and an unknown one differ:\n%d %s\n%d %s", who, r.status, short(r.body), unknown.status, short(unknown.body))
			}
		}
	})
}

// 5b. v2 import errors reveal an out-of-scope user's uid from an email, and
// the reverse.
func TestHoleImportErrorsReveal(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newFixture(t, engine)
		d := f.users[dorothy]
		cases := []struct {
			name          string
			body, unknown map[string]any
		}{
			{"email→uid", map[string]any{"uid": "NEW1", "email": d.Email, "firstname": "X"}, map[string]any{"uid": "NEW1", "email": "nobody@acme.example", "firstname": "X"}},
			{"uid→email", map[string]any{"uid": d.ExternalUID, "firstname": "X"}, map[string]any{"uid": "NOBODY", "firstname": "X"}},
			{"uid→status", map[string]any{"uid": f.users[olga].ExternalUID, "firstname": "X"}, map[string]any{"uid": "NOBODY", "firstname": "X"}},
		}
		for _, c := range cases {
			r := f.as(t, grace, "POST", "/api/v2/users-import/single", c.body)
			u := f.as(t, grace, "POST", "/api/v2/users-import/single", c.unknown)
			if r.status/100 == 2 {
				t.Errorf("%s: grace imports an out-of-scope user: %d", c.name, r.status)
			}
			for _, secret := range []string{d.Email, d.ExternalUID, f.users[olga].Email, "inactive"} {
				sent := fmt.Sprint(c.body)
				if strings.Contains(r.body, secret) && !strings.Contains(u.body, secret) && !strings.Contains(sent, secret) {
					hole(t, "%s: grace's import error reveals %q: %s", c.name, secret, short(r.body))
				}
			}
			if r.status != u.status {
				hole(t, "%s: out-of-scope %d, unknown %d: the status tells them apart", c.name, r.status, u.status)
			}
		}
		if got := f.user(t, f.id(dorothy)); got.FirstName != d.FirstName {
			t.Errorf("dorothy was renamed %q", got.FirstName)
		}
	})
}

// 6. The membership upsert lets a user admin demote or remove a group admin
// of the same group.
func TestHoleUserAdminDemotesGroupAdmin(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newFixture(t, engine)
		m := path("/api/v1/groups/%d/members/%d", f.sales, f.id(sam))
		if r := f.as(t, ada, "PUT", m, map[string]string{"role": "member"}); r.status != 403 {
			hole(t, "ada (user admin) demotes sam (admin of Sales): %d, want 403", r.status)
		}
		if r := f.as(t, ada, "DELETE", m, nil); r.status != 403 {
			hole(t, "ada removes sam from Sales: %d, want 403", r.status)
		}
		if role := f.members(t, f.sales)[f.users[sam].ID]; role != reportline.AdminRole {
			hole(t, "sam is now %q in Sales, want admin", role)
		}
		// Nor may she touch an equal: another user admin.
		other := f.newUser(t, f.sales, reportline.UserAdminRole, "")
		m2 := path("/api/v1/groups/%d/members/%d", f.sales, other.ID)
		if r := f.as(t, ada, "DELETE", m2, nil); r.status != 403 {
			hole(t, "ada removes another user admin: %d, want 403", r.status)
		}
		// A plain member of her group is hers to remove.
		plain := f.newUser(t, f.sales, reportline.MemberRole, "")
		if r := f.as(t, ada, "DELETE", path("/api/v1/groups/%d/members/%d", f.sales, plain.ID), nil); r.status/100 != 2 {
			t.Errorf("ada removes a plain member of Sales: %d %s", r.status, short(r.body))
		}
	})
}

// 7. The statistics scopes: the page refuses non-admins, the service and the
// API let any active user read them.
func TestHoleStatisticsScopesReadable(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newFixture(t, engine)
		for _, who := range []string{paul, linus, grace, ada} {
			if r := f.as(t, who, "GET", "/settings/statistics", nil); r.status != 403 {
				t.Errorf("%s GET /settings/statistics: %d, want 403", who, r.status)
			}
			if r := f.as(t, who, "GET", "/api/v1/settings/statistics-scopes", nil); r.status != 403 {
				hole(t, "%s GET /api/v1/settings/statistics-scopes: %d, want 403", who, r.status)
			}
			u := f.users[who]
			if _, err := f.env.App.StatisticsScopes(context.Background(), testapp.Actor(u)); !reportline.IsCode(err, reportline.Forbidden) {
				hole(t, "app.StatisticsScopes as %s: %v, want forbidden", who, err)
			}
		}
	})
}
