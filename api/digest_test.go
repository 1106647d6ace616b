package api_test

import (
	"strconv"
	"strings"
	"testing"

	"reportline/internal/testapp"
	"reportline/store"
)

// TestDigestOverHTTP: a manager previews their digest and opts out; only
// platform admins change the settings and read the runs.
func TestDigestOverHTTP(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newFixture(t, engine)
		aToken, err := f.env.App.CreateToken(t.Context(), sys, "a@example.com", "test")
		if err != nil {
			t.Fatal(err)
		}
		a := "/api/v1/users/" + strconv.FormatInt(int64(f.a.ID), 10)

		status, body := f.do(t, aToken, "GET", a+"/digest?week=2026-W47", "")
		if status != 200 || body["week"] != "2026-W47" || body["members"] != float64(1) || !strings.Contains(body["text"].(string), "b@example.com") {
			t.Fatalf("preview: %d %v", status, body)
		}
		if status, body := f.do(t, aToken, "GET", a+"/digest?week=2026-W99", ""); status != 422 || errField(body, "field") != "week" {
			t.Errorf("a bad week: %d %v, want 422 on week", status, body)
		}
		if status, _ := f.do(t, aToken, "GET", "/api/v1/users/"+strconv.FormatInt(int64(f.b.ID), 10)+"/digest", ""); status != 403 {
			t.Errorf("someone else's digest: %d, want 403", status)
		}

		status, body = f.do(t, aToken, "PUT", a+"/notification-preferences/weekly_digest", `{"receive": false}`)
		prefs, _ := body["preferences"].([]any)
		if status != 200 || len(prefs) != 6 || prefs[0].(map[string]any)["receive"] != false {
			t.Fatalf("opt out: %d %v", status, body)
		}
		if status, body := f.do(t, aToken, "PUT", a+"/notification-preferences/template_message", `{"receive": false}`); status != 422 || errField(body, "field") != "type" {
			t.Errorf("opting out of a message admins send: %d %v, want 422 on type", status, body)
		}
		if status, _ := f.do(t, f.gaToken, "PUT", a+"/notification-preferences/birthday", `{"receive": false}`); status != 403 {
			t.Errorf("a group admin changing a's choices: %d, want 403", status)
		}

		if status, _ := f.do(t, f.gaToken, "PUT", "/api/v1/settings/digest", `{"skip_empty": true}`); status != 403 {
			t.Errorf("a group admin changing the settings: %d, want 403", status)
		}
		status, body = f.do(t, f.paToken, "PUT", "/api/v1/settings/digest", `{"skip_empty": true}`)
		if status != 200 || body["skip_empty"] != true {
			t.Fatalf("settings: %d %v", status, body)
		}
		if status, body := f.do(t, f.gaToken, "GET", "/api/v1/settings/digest", ""); status != 403 {
			t.Errorf("a group admin reads the settings: %d %v, want 403", status, body)
		}
		if status, body := f.do(t, f.paToken, "GET", "/api/v1/settings/digest", ""); status != 200 || body["skip_empty"] != true {
			t.Errorf("reading the settings: %d %v", status, body)
		}
		status, body = f.do(t, f.paToken, "GET", "/api/v1/digest/runs", "")
		if runs, _ := body["runs"].([]any); status != 200 || len(runs) != 0 {
			t.Errorf("runs: %d %v", status, body)
		}
	})
}
