package api_test

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

// TestOrgStructureOverHTTP drives the Assign role mode, the positions
// mapping and the org units through the API, and reads their effect on a
// user's effective managers.
func TestOrgStructureOverHTTP(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		f := newFixture(t, engine)
		expect := func(status int, body map[string]any, want int) {
			t.Helper()
			if status != want {
				t.Fatalf("status %d, want %d: %v", status, want, body)
			}
		}

		// Anyone signed in reads the mode; only platform admins switch it.
		status, body := f.do(t, f.gaToken, "GET", "/api/v1/settings/assign-mode", "")
		expect(status, body, 200)
		if body["mode"] != "import" || body["line_links_in_effect"] != true {
			t.Errorf("assign mode = %v", body)
		}
		status, body = f.do(t, f.gaToken, "PUT", "/api/v1/settings/assign-mode", `{"mode": "positions"}`)
		if status != 403 || !strings.Contains(errField(body, "message"), "only platform admins may") {
			t.Errorf("a group admin switching the mode: %d %v, want 403 with the reason", status, body)
		}
		for _, path := range []string{"/api/v1/org-units", "/api/v1/settings/manager-positions"} {
			if status, body := f.do(t, f.gaToken, "GET", path, ""); status != 403 {
				t.Errorf("GET %s by a group admin: %d %v, want 403", path, status, body)
			}
		}
		status, body = f.do(t, f.paToken, "PUT", "/api/v1/settings/assign-mode", `{"mode": "both"}`)
		if status != 422 || errField(body, "field") != "mode" {
			t.Errorf("a bad mode: %d %v, want 422 on mode", status, body)
		}

		// The structure: Team ⊃ Team A; c leads Team, a and b work in it.
		status, body = f.do(t, f.paToken, "POST", "/api/v1/org-units", `{"name": "Team"}`)
		expect(status, body, 201)
		team := int64(body["id"].(float64))
		status, body = f.do(t, f.paToken, "POST", "/api/v1/org-units", fmt.Sprintf(`{"name": "Team A", "parent_id": %d}`, team))
		expect(status, body, 201)
		teamA := int64(body["id"].(float64))
		status, body = f.do(t, f.paToken, "POST", "/api/v1/org-units", `{"name": " TEAM "}`)
		if status != 409 || errField(body, "field") != "name" {
			t.Errorf("a duplicate unit: %d %v, want 409 on name", status, body)
		}
		status, body = f.do(t, f.paToken, "PUT", "/api/v1/settings/manager-positions", `{"titles": ["Lead", " lead ", "Director"]}`)
		expect(status, body, 200)
		if fmt.Sprint(body["titles"]) != "[Director Lead]" {
			t.Errorf("manager positions = %v", body["titles"])
		}
		for _, u := range []struct {
			id       int64
			position string
		}{{int64(f.a.ID), "Analyst"}, {int64(f.b.ID), "Analyst"}, {int64(f.c.ID), "lead"}} {
			pos, unit := u.position, "team"
			if _, err := f.env.App.UpdateUser(ctx, sys, reportline.UserID(u.id), app.UserPatch{Position: &pos, OrgUnit: &unit}); err != nil {
				t.Fatal(err)
			}
		}

		bPath := fmt.Sprintf("/api/v1/users/%d/effective-managers", f.b.ID)
		status, body = f.do(t, f.paToken, "GET", bPath, "")
		expect(status, body, 200)
		if got := linkUsers(body, "managers"); got != "a@example.com line/api" {
			t.Errorf("import mode: b's effective managers = %q", got)
		}
		if status, body = f.do(t, f.paToken, "PUT", "/api/v1/settings/assign-mode", `{"mode": "positions"}`); status != 200 || body["line_links_in_effect"] != false {
			t.Fatalf("switch to positions: %d %v", status, body)
		}
		status, body = f.do(t, f.paToken, "GET", bPath, "")
		expect(status, body, 200)
		if got := linkUsers(body, "managers"); got != "c@example.com line/orgstructure derived" {
			t.Errorf("positions mode: b's effective managers = %q", got)
		}
		if got := linkUsers(body, "kept_managers"); got != "a@example.com line/api" {
			t.Errorf("positions mode: b's kept managers = %q", got)
		}
		status, body = f.do(t, f.paToken, "GET", fmt.Sprintf("/api/v1/users/%d/effective-managers", f.c.ID), "")
		if status != 200 || body["manager_star"] != true {
			t.Errorf("c's manager star: %d %v", status, body)
		}

		// Units: detail, a refused move, a rename that carries the users.
		status, body = f.do(t, f.paToken, "GET", fmt.Sprintf("/api/v1/org-units/%d", team), "")
		expect(status, body, 200)
		if body["members"] != float64(3) || fmt.Sprint(body["managers"]) == "[]" {
			t.Errorf("Team = %v", body)
		}
		status, body = f.do(t, f.paToken, "PATCH", fmt.Sprintf("/api/v1/org-units/%d", team), fmt.Sprintf(`{"parent_id": %d}`, teamA))
		if status != 422 || errField(body, "field") != "parent_id" || !strings.Contains(errField(body, "message"), "Team → Team A") {
			t.Errorf("a move under a sub-unit: %d %v", status, body)
		}
		status, body = f.do(t, f.paToken, "PATCH", fmt.Sprintf("/api/v1/org-units/%d", team), `{"name": "Squad"}`)
		expect(status, body, 200)
		if body["members_renamed"] != float64(3) {
			t.Errorf("rename: %v", body)
		}
		status, body = f.do(t, f.paToken, "GET", bPath, "")
		if got := linkUsers(body, "managers"); status != 200 || got != "c@example.com line/orgstructure derived" {
			t.Errorf("after the rename, b's effective managers = %d %q", status, got)
		}
		if status, body = f.do(t, f.paToken, "DELETE", fmt.Sprintf("/api/v1/org-units/%d", team), ""); status != 409 {
			t.Errorf("delete a unit with a sub-unit: %d %v", status, body)
		}
		if status, body = f.do(t, f.paToken, "DELETE", fmt.Sprintf("/api/v1/org-units/%d", teamA), ""); status != 204 {
			t.Errorf("delete a leaf: %d %v", status, body)
		}
		status, body = f.do(t, f.paToken, "GET", "/api/v1/org-units", "")
		if status != 200 || fmt.Sprint(body["org_units"]) != fmt.Sprintf("[map[id:%d name:Squad]]", team) {
			t.Errorf("org units = %d %v", status, body)
		}
	})
}

// linkUsers summarises one side of an effective-managers answer as
// "email kind/source[ derived]", joined with "; ".
func linkUsers(body map[string]any, side string) string {
	var out []string
	list, _ := body[side].([]any)
	for _, x := range list {
		l := x.(map[string]any)
		u := l["user"].(map[string]any)
		s := fmt.Sprintf("%s %s/%s", u["email"], l["kind"], l["source"])
		if l["derived"] == true {
			s += " derived"
		}
		out = append(out, s)
	}
	return strings.Join(out, "; ")
}
