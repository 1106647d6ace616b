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
