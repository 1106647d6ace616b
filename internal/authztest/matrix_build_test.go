package authztest

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"reportline"
	"reportline/app"
)

// The request builders of the matrix's rows.

// fixed is a row whose request has a fixed path.
func fixed(p string) func(c *cell) (string, any) {
	return func(c *cell) (string, any) { return p, nil }
}

// form posts a URL-encoded form to a fixed path.
func form(p, values string) func(c *cell) (string, any) {
	return func(c *cell) (string, any) { return p, values }
}

// body sends a JSON body to the pattern's path.
func body(v any) func(c *cell) (string, any) {
	return func(c *cell) (string, any) { return c.defaultPath(), v }
}

func createUser(c *cell) (string, any) {
	return "/api/v1/users", map[string]any{"email": fmt.Sprintf("created%d@acme.example", c.seq), "first_name": "New", "group_id": c.group}
}

func createGroup(c *cell) (string, any) {
	return "/api/v1/groups", map[string]any{"name": fmt.Sprintf("Group %d", c.seq), "parent_id": c.group}
}

func linkBody(dryRun bool) func(c *cell) (string, any) {
	return func(c *cell) (string, any) {
		b := map[string]any{"ids": []int64{int64(c.partner.ID)}}
		if dryRun {
			b["dry_run"] = true
		}
		return c.defaultPath(), b
	}
}

func partnerPath(c *cell) (string, any) {
	return strings.ReplaceAll(c.defaultPath(), "{other}", fmt.Sprint(c.partner.ID)), nil
}

// partnerManages links the partner as the target's line manager.
func partnerManages(c *cell) { c.link(c.partner, c.user) }

// managesPartner links the target as the partner's line manager.
func managesPartner(c *cell) { c.link(c.user, c.partner) }

func deactivateTarget(c *cell) {
	if c.tgt == tSelf {
		return
	}
	off := reportline.StatusInactive
	if _, err := c.f.env.App.UpdateUser(context.Background(), c.f.sys, c.user.ID, app.UserPatch{Status: &off}); err != nil {
		c.t.Fatal(err)
	}
}

func linkForm(c *cell) (string, any) {
	return c.defaultPath(), "direction=managers&kind=line&emails=" + url.QueryEscape(c.partner.Email)
}

func removeForm(c *cell) (string, any) {
	return c.defaultPath(), fmt.Sprintf("manager_id=%d&managee_id=%d", c.partner.ID, c.user.ID)
}

func removeQuery(c *cell) (string, any) {
	return fmt.Sprintf("%s?manager_id=%d&managee_id=%d", c.defaultPath(), c.partner.ID, c.user.ID), nil
}

func accessCheck(c *cell) (string, any) {
	return fmt.Sprintf("/api/v1/access/check?subject=%d&resource=%d&capability=view_reports", c.user.ID, c.f.id(ken)), nil
}

func (c *cell) evaluation() map[string]any {
	subject := c.f.id(ken)
	if u, ok := c.f.users[c.caller]; ok {
		subject = int64(u.ID)
	}
	return map[string]any{"subject": map[string]any{"type": "user", "id": fmt.Sprint(subject)},
		"action": map[string]any{"name": "view_reports"}, "resource": map[string]any{"type": "user", "id": fmt.Sprint(c.f.id(ken))}}
}

func authzen(c *cell) (string, any) { return c.defaultPath(), c.evaluation() }

func authzens(c *cell) (string, any) {
	return c.defaultPath(), map[string]any{"evaluations": []any{c.evaluation()}}
}

func importSingle(c *cell) (string, any) {
	return "/api/v2/users-import/single", map[string]any{"uid": c.user.ExternalUID, "firstname": "Renamed"}
}

func managersCSV(c *cell) (string, any) {
	return "/api/v1/managers/imports?dry_run=true", rawBody{ctype: "text/csv",
		data: []byte("email of manager,email of managee\nlinus@acme.example,rob@acme.example\n")}
}

// rootImport addresses an import a platform admin made (a dry run).
func rootImport(suffix string) func(c *cell) (string, any) {
	return func(c *cell) (string, any) {
		return fmt.Sprintf("/api/v1/managers/imports/%d%s", c.f.rootImport(c.t), suffix), nil
	}
}

func rootImportPage(suffix string) func(c *cell) (string, any) {
	return func(c *cell) (string, any) {
		return fmt.Sprintf("/managers/imports/%d%s", c.f.rootImport(c.t), suffix), nil
	}
}

// rootImport returns the id of a dry-run import made by root, making it once.
func (f *fixture) rootImport(t testing.TB) int64 {
	if f.importID != 0 {
		return f.importID
	}
	r := f.as(t, root, "POST", "/api/v1/managers/imports?dry_run=true", rawBody{ctype: "text/csv",
		data: []byte("email of manager,email of managee\nlinus@acme.example,rob@acme.example\n")})
	var out struct {
		Import struct {
			ID int64 `json:"id"`
		} `json:"import"`
	}
	if r.status/100 != 2 || decode(r.body, &out) != nil || out.Import.ID == 0 {
		t.Fatalf("root's import: %d %s", r.status, short(r.body))
	}
	f.importID = out.Import.ID
	return f.importID
}

func newUnit(c *cell) (string, any) {
	return "/api/v1/org-units", map[string]any{"name": fmt.Sprintf("Unit %d", c.seq)}
}

func newUnitForm(c *cell) (string, any) {
	return "/settings/org-structure/units", fmt.Sprintf("name=Unit+%d", c.seq)
}

func makeUnit(c *cell) {
	u, err := c.f.env.App.CreateOrgUnit(context.Background(), c.f.sys, app.OrgUnitInput{Name: fmt.Sprintf("Made %d", c.seq)})
	if err != nil {
		c.t.Fatal(err)
	}
	c.unit = int64(u.ID)
}

func unitPath(format string) func(c *cell) (string, any) {
	return func(c *cell) (string, any) { return fmt.Sprintf(format, c.unit), nil }
}

func unitPatch(c *cell) (string, any) {
	return fmt.Sprintf("/api/v1/org-units/%d", c.unit), map[string]any{"name": fmt.Sprintf("Renamed %d", c.seq)}
}

func unitForm(suffix, values string) func(c *cell) (string, any) {
	return func(c *cell) (string, any) {
		v := values
		if strings.Contains(v, "%d") {
			v = fmt.Sprintf(v, c.seq)
		}
		return fmt.Sprintf("/settings/org-structure/units/%d%s", c.unit, suffix), v
	}
}

func prefPut(c *cell) (string, any) {
	return fmt.Sprintf("/api/v1/users/%d/notification-preferences/weekly_digest", c.user.ID), map[string]any{"receive": false}
}

// echoSetting sends back the setting as a platform admin reads it, less
// the read-only fields named.
func echoSetting(p string, readOnly ...string) func(c *cell) (string, any) {
	return func(c *cell) (string, any) {
		r := c.f.as(c.t, root, "GET", p, nil)
		var v map[string]any
		if r.status != 200 || decode(r.body, &v) != nil {
			c.t.Fatalf("root GET %s: %d", p, r.status)
		}
		for _, k := range readOnly {
			delete(v, k)
		}
		return p, v
	}
}

// ensureMember makes the target a member of the cell's group (keeping the
// role of one who already is).
func ensureMember(c *cell) {
	if _, ok := c.f.members(c.t, c.group)[c.user.ID]; ok {
		return
	}
	if err := c.f.env.App.SetMember(context.Background(), c.f.sys, reportline.Membership{GroupID: c.group, UserID: c.user.ID, Role: reportline.MemberRole}); err != nil {
		c.t.Fatal(err)
	}
}

func templateMessage(c *cell) (string, any) {
	return c.defaultPath(), map[string]any{"group_id": c.group, "subject": "Hello", "body": "Hi"}
}

func scimGroupMap(c *cell) (string, any) {
	return c.defaultPath(), map[string]any{"group_id": c.group, "display_name": fmt.Sprintf("SG-%d", c.seq)}
}

func scimGroupMapForm(c *cell) (string, any) {
	return "/directory/scim-groups", fmt.Sprintf("group_id=%d&display_name=SG-form-%d", c.group, c.seq)
}

func templateForm(c *cell) (string, any) {
	return "/settings/template-messages", fmt.Sprintf("group=%d&subject=Hello&body=Hi&action=preview", c.group)
}

const scimCore = "urn:ietf:params:scim:schemas:core:2.0:User"

func scimCreate(c *cell) (string, any) {
	email := fmt.Sprintf("scim%d@acme.example", c.seq)
	return "/scim/v2/Users", map[string]any{"schemas": []string{scimCore}, "userName": email, "active": true,
		"name": map[string]any{"givenName": "Scim", "familyName": "User"}, "emails": []any{map[string]any{"value": email, "primary": true}}}
}

func scimPut(c *cell) (string, any) {
	return c.defaultPath(), map[string]any{"schemas": []string{scimCore}, "userName": c.user.Email, "active": true,
		"name": map[string]any{"givenName": "Renamed", "familyName": "User"}, "emails": []any{map[string]any{"value": c.user.Email, "primary": true}}}
}

func scimPatch(c *cell) (string, any) {
	return c.defaultPath(), map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []any{map[string]any{"op": "replace", "path": "name.givenName", "value": "Renamed"}}}
}

func scimGroupCreate(c *cell) (string, any) {
	return "/scim/v2/Groups", map[string]any{"displayName": fmt.Sprintf("SCIM group %d", c.seq)}
}

func fixedBody(p string, v any) func(c *cell) (string, any) {
	return func(c *cell) (string, any) { return p, v }
}

// asOf adds a query (an as_of date) to the pattern's path.
func asOf(q string) func(c *cell) (string, any) {
	return func(c *cell) (string, any) { return c.defaultPath() + "?" + q, nil }
}

// fixedPath is a request to one path, the same for every cell.
func fixedPath(path string) func(c *cell) (string, any) {
	return func(*cell) (string, any) { return path, nil }
}
