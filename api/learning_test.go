package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"reportline/internal/testapp"
	"reportline/store"
)

// TestLearningOverHTTP sends a batch (twice), a bad batch and a CSV file,
// then reads statistics, My team and the view log as different callers.
func TestLearningOverHTTP(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newFixture(t, engine)
		batch := fmt.Sprintf(`{
			"courses": [{"id": "c1", "title": "Safety"}, {"id": "c2", "title": "Board only", "groups": [999999]}],
			"records": [{"id": "r1", "user_id": %d, "course_id": "c1", "status": "in_progress", "progress": 40}]
		}`, f.b.ID)
		status, body := f.do(t, f.paToken, "POST", "/api/v1/learning/batch", batch)
		if status != 422 || errField(body, "message") == "" {
			t.Fatalf("a batch naming an unknown group: %d %v", status, body)
		}
		details, _ := body["error"].(map[string]any)["details"].([]any)
		if len(details) != 1 || details[0].(map[string]any)["field"] != "courses[1].groups" {
			t.Errorf("details = %v, want one on courses[1].groups", details)
		}

		batch = strings.Replace(batch, "999999", "", 1)
		for i, want := range []string{"created", "unchanged"} {
			status, body = f.do(t, f.paToken, "POST", "/api/v1/learning/batch", batch)
			if status != 200 {
				t.Fatalf("batch %d: %d %v", i, status, body)
			}
			if n := body["records"].(map[string]any)[want]; n != 1.0 {
				t.Errorf("batch %d: records %v, want 1 %s", i, body["records"], want)
			}
		}
		if status, _ := f.do(t, f.gaToken, "POST", "/api/v1/learning/batch", batch); status != 403 {
			t.Errorf("a group admin's batch: %d, want 403", status)
		}

		csv := "record id,user email,course id,status,progress\nr2,b@example.com,c2,completed,100\n"
		status, body = f.do(t, f.paToken, "POST", "/api/v1/learning/records/import", csv, "Content-Type", "text/csv")
		if status != 422 || errField(body, "message") == "" {
			t.Fatalf("CSV with a completed record without its time: %d %v", status, body)
		}
		d := body["error"].(map[string]any)["details"].([]any)[0].(map[string]any)
		if d["line"] != 2.0 || d["field"] != "completed at" {
			t.Errorf("detail = %v, want line 2, completed at", d)
		}
		csv = "record id,user email,course id,status,progress,completed at\nr2,b@example.com,c2,completed,100,2026-11-20\n"
		status, body = f.do(t, f.paToken, "POST", "/api/v1/learning/records/import", csv, "Content-Type", "text/csv")
		if status != 200 {
			t.Fatalf("CSV: %d %v", status, body)
		}

		// a manages b: a sees b's statistics; the outsider does not.
		aToken, err := f.env.App.CreateToken(context.Background(), sys, "a@example.com", "test")
		if err != nil {
			t.Fatal(err)
		}
		outToken, err := f.env.App.CreateToken(context.Background(), sys, "out@example.com", "test")
		if err != nil {
			t.Fatal(err)
		}
		path := fmt.Sprintf("/api/v1/users/%d/statistics", f.b.ID)
		status, body = f.do(t, aToken, "GET", path, "")
		if status != 200 || body["grant"] != "link" || body["scope"] != "everything" || len(body["records"].([]any)) != 2 {
			t.Fatalf("manager: %d %v", status, body)
		}
		if status, body = f.do(t, outToken, "GET", path, ""); status != 403 || !strings.Contains(errField(body, "message"), "not") {
			t.Errorf("outsider: %d %v", status, body)
		}

		status, body = f.do(t, aToken, "GET", "/api/v1/me/team?scope=all", "")
		if status != 200 || len(body["members"].([]any)) != 1 || body["totals"].(map[string]any)["completed"] != 1.0 {
			t.Errorf("team: %d %v", status, body)
		}
		if status, _ := f.do(t, aToken, "GET", "/api/v1/me/team?scope=everyone", ""); status != 422 {
			t.Errorf("team with a bad scope: %d", status)
		}

		status, body = f.do(t, f.paToken, "GET", fmt.Sprintf("/api/v1/statistics-views?user_id=%d", f.b.ID), "")
		if status != 200 || len(body["views"].([]any)) != 2 {
			t.Errorf("views: %d %v, want the statistics look and the team look", status, body)
		}

		status, body = f.do(t, f.paToken, "PUT", "/api/v1/settings/statistics-scopes", `{"functional": "summary"}`)
		if status != 200 || body["line"] != "everything" || body["functional"] != "summary" {
			t.Errorf("set scopes: %d %v", status, body)
		}
		if status, _ := f.do(t, f.gaToken, "PUT", "/api/v1/settings/statistics-scopes", `{"line": "summary"}`); status != 403 {
			t.Errorf("a group admin set the scopes: %d", status)
		}
	})
}
