package api_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

func TestDirectorySyncRunsOverHTTP(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newFixture(t, engine)
		batch := reportline.DirectoryBatch{Source: reportline.SourceLDAP, Full: true, Users: []reportline.DirectoryUser{
			{ExternalID: "e-1", Email: "dir.one@example.com", Active: true},
			{ExternalID: "e-2", Email: "dir.two@example.com", Active: true, ManagerExternalID: "e-1"},
			{ExternalID: "e-3", Email: "dir.three@example.com", Active: true, ManagerExternalID: "gone"},
		}}
		rep, err := f.env.App.SyncDirectory(context.Background(), app.SystemActor(reportline.SourceLDAP), batch, false)
		if err != nil {
			t.Fatal(err)
		}
		status, body := f.do(t, f.paToken, "GET", "/api/v1/directory/sync-runs?source=ldap", "")
		runs, _ := body["runs"].([]any)
		if status != http.StatusOK || len(runs) != 1 {
			t.Fatalf("list = %d %v", status, body)
		}
		run := runs[0].(map[string]any)
		counts := run["counts"].(map[string]any)
		problems := run["problems"].([]any)
		if run["id"] != float64(rep.RunID) || counts["created"] != float64(3) || counts["links_added"] != float64(1) ||
			run["problem_count"] != float64(1) || problems[0].(map[string]any)["code"] != "manager_missing" || run["status"] != "done" {
			t.Errorf("run = %v", run)
		}
		status, body = f.do(t, f.paToken, "GET", fmt.Sprintf("/api/v1/directory/sync-runs/%d", rep.RunID), "")
		changes, _ := body["changes"].([]any)
		if status != http.StatusOK || body["change_count"] != float64(3) || len(changes) != 3 || changes[0].(map[string]any)["action"] != "created" {
			t.Errorf("detail = %d %v", status, body)
		}
		for _, c := range []struct {
			token, path string
			want        int
		}{
			{f.paToken, "/api/v1/directory/sync-runs?source=csv", http.StatusUnprocessableEntity},
			{f.paToken, "/api/v1/directory/sync-runs?limit=none", http.StatusUnprocessableEntity},
			{f.paToken, "/api/v1/directory/sync-runs/999999", http.StatusNotFound},
			{f.gaToken, "/api/v1/directory/sync-runs", http.StatusForbidden},
		} {
			if status, body := f.do(t, c.token, "GET", c.path, ""); status != c.want {
				t.Errorf("GET %s = %d %v, want %d", c.path, status, body, c.want)
			}
		}
	})
}

// A held run is listed as held and a platform admin (nobody else) confirms
// it over the API; the next run with as many deactivations applies.
func TestConfirmHeldRunOverHTTP(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newFixture(t, engine)
		ctx := context.Background()
		ldap := app.SystemActor(reportline.SourceLDAP)
		var users []reportline.DirectoryUser
		for i := range 60 {
			users = append(users, reportline.DirectoryUser{ExternalID: fmt.Sprint("e-", i), Email: fmt.Sprintf("dir%d@example.com", i), Active: true})
		}
		if _, err := f.env.App.SyncDirectory(ctx, ldap, reportline.DirectoryBatch{Source: reportline.SourceLDAP, Full: true, Users: users}, false); err != nil {
			t.Fatal(err)
		}
		narrow := reportline.DirectoryBatch{Source: reportline.SourceLDAP, Full: true, Users: users[:40]}
		rep, err := f.env.App.SyncDirectory(ctx, ldap, narrow, false)
		if rep.Held != 20 || err == nil {
			t.Fatalf("narrow = %+v, %v; want 20 held", rep.SyncCounts, err)
		}
		path := fmt.Sprintf("/api/v1/directory/sync-runs/%d", rep.RunID)
		if _, body := f.do(t, f.paToken, "GET", path, ""); body["run"].(map[string]any)["status"] != "held" {
			t.Errorf("held run = %v, want status held", body)
		}
		if status, body := f.do(t, f.gaToken, "POST", path+"/confirm", ""); status != http.StatusForbidden {
			t.Errorf("group admin confirming = %d %v, want 403", status, body)
		}
		if status, body := f.do(t, f.paToken, "POST", path+"/confirm", ""); status != http.StatusOK {
			t.Fatalf("confirm = %d %v", status, body)
		}
		if rep, err := f.env.App.SyncDirectory(ctx, ldap, narrow, false); err != nil || rep.Deactivated != 20 {
			t.Errorf("after the confirmation = %+v, %v; want 20 deactivated", rep.SyncCounts, err)
		}
		if status, _ := f.do(t, f.paToken, "POST", fmt.Sprintf("/api/v1/directory/sync-runs/%d/confirm", rep.RunID+1), ""); status != http.StatusConflict {
			t.Errorf("confirming an applied run = %d, want 409", status)
		}
	})
}

// Mapping a directory group onto Team over the API: Team's own group admin
// is refused, the platform admin maps it, a second directory group onto
// Team is 409, the listing shows it, and ending it is 204 then 404.
func TestMapSCIMGroupOverHTTP(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newFixture(t, engine)
		groups, err := f.env.App.ListGroups(context.Background(), sys)
		if err != nil {
			t.Fatal(err)
		}
		var team int64
		for _, g := range groups {
			if g.Name == "Team" {
				team = int64(g.ID)
			}
		}
		body := fmt.Sprintf(`{"group_id": %d, "external_id": "g-team", "display_name": "SG-Team"}`, team)
		if status, b := f.do(t, f.gaToken, "POST", "/api/v1/directory/scim-groups", body); status != http.StatusForbidden {
			t.Errorf("Team's group admin mapping Team = %d %v, want 403", status, b)
		}
		if status, _ := f.do(t, f.gaToken, "GET", "/api/v1/directory/scim-groups", ""); status != http.StatusForbidden {
			t.Errorf("group admin listing = %d, want 403", status)
		}
		status, b := f.do(t, f.paToken, "POST", "/api/v1/directory/scim-groups", body)
		if status != http.StatusCreated || b["mapped"] != true || b["display_name"] != "SG-Team" || b["name"] != "Team" || b["external_id"] != "g-team" {
			t.Fatalf("map = %d %v", status, b)
		}
		if status, b := f.do(t, f.paToken, "POST", "/api/v1/directory/scim-groups", fmt.Sprintf(`{"group_id": %d, "display_name": "SG-Other"}`, team)); status != http.StatusConflict {
			t.Errorf("a second directory group onto Team = %d %v, want 409", status, b)
		}
		if status, b := f.do(t, f.paToken, "POST", "/api/v1/directory/scim-groups", fmt.Sprintf(`{"group_id": %d}`, team)); status != http.StatusUnprocessableEntity && status != http.StatusBadRequest {
			t.Errorf("a mapping naming no directory group = %d %v, want 4xx invalid", status, b)
		}
		status, b = f.do(t, f.paToken, "GET", "/api/v1/directory/scim-groups", "")
		if list, _ := b["groups"].([]any); status != 200 || len(list) != 1 || list[0].(map[string]any)["group_id"] != float64(team) {
			t.Errorf("list = %d %v", status, b)
		}
		path := fmt.Sprintf("/api/v1/directory/scim-groups/%d", team)
		if status, _ := f.do(t, f.gaToken, "DELETE", path, ""); status != http.StatusForbidden {
			t.Errorf("group admin unmapping = %d, want 403", status)
		}
		if status, b := f.do(t, f.paToken, "DELETE", path, ""); status != http.StatusNoContent {
			t.Errorf("unmap = %d %v", status, b)
		}
		if status, _ := f.do(t, f.paToken, "DELETE", path, ""); status != http.StatusNotFound {
			t.Errorf("unmap again = %d, want 404", status)
		}
	})
}
