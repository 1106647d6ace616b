package api_test

import (
	"testing"

	"reportline/internal/testapp"
	"reportline/store"
)

// TestTenantSettingsOverHTTP: platform admins read and patch the
// organisation's settings; a wrong field is a 422 naming it; others are
// refused.
func TestTenantSettingsOverHTTP(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newFixture(t, engine)
		if status, _ := f.do(t, f.gaToken, "GET", "/api/v1/settings/tenant", ""); status != 403 {
			t.Errorf("a group admin reads the organisation's settings: %d, want 403", status)
		}
		if status, _ := f.do(t, f.gaToken, "PATCH", "/api/v1/settings/tenant", `{"brand_name": "X"}`); status != 403 {
			t.Errorf("a group admin changes them: %d, want 403", status)
		}
		status, body := f.do(t, f.paToken, "GET", "/api/v1/settings/tenant", "")
		defaults, _ := body["defaults"].(map[string]any)
		if status != 200 || defaults["digest_time_zone"] != "Europe/Paris" || defaults["brand_name"] == "" {
			t.Fatalf("read: %d %v", status, body)
		}
		for _, c := range []struct{ body, field string }{
			{`{"digest_time_zone": "Nowhere/Land"}`, "digest_time_zone"},
			{`{"brand_accent": "#12345"}`, "brand_accent"},
			{`{"brand_logo_url": "http://x.example/l.png"}`, "brand_logo_url"},
			{`{"default_locale": "xx"}`, "default_locale"},
		} {
			if status, body := f.do(t, f.paToken, "PATCH", "/api/v1/settings/tenant", c.body); status != 422 || errField(body, "field") != c.field {
				t.Errorf("%s: %d %v, want 422 on %s", c.body, status, body, c.field)
			}
		}
		if status, body := f.do(t, f.paToken, "PATCH", "/api/v1/settings/tenant", `{"client_secret": "x"}`); status != 422 || errField(body, "field") != "client_secret" {
			t.Errorf("an unknown field: %d %v, want 422 on it", status, body)
		}
		status, body = f.do(t, f.paToken, "PATCH", "/api/v1/settings/tenant", `{"digest_time_zone": "America/Chicago", "brand_accent": "#AA0000"}`)
		settings, _ := body["settings"].(map[string]any)
		if status != 200 || settings["digest_time_zone"] != "America/Chicago" || settings["brand_accent"] != "#aa0000" || settings["brand_name"] != "" {
			t.Fatalf("patch: %d %v", status, body)
		}
		status, body = f.do(t, f.paToken, "PATCH", "/api/v1/settings/tenant", `{"digest_time_zone": ""}`)
		settings, _ = body["settings"].(map[string]any)
		if status != 200 || settings["digest_time_zone"] != "" || settings["brand_accent"] != "#aa0000" {
			t.Errorf("clear one: %d %v", status, body)
		}
	})
}

// TestCoverSettingsOverHTTP: the cover and leaver settings read and change
// through the API as through Settings → Cover & leavers; a bad value names
// its field and changes nothing; a group admin is refused.
func TestCoverSettingsOverHTTP(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newFixture(t, engine)
		if status, _ := f.do(t, f.gaToken, "PATCH", "/api/v1/settings/cover", `{"cover_notify": "instead"}`); status != 403 {
			t.Errorf("a group admin changes them: %d, want 403", status)
		}
		status, body := f.do(t, f.paToken, "GET", "/api/v1/settings/cover", "")
		if status != 200 || body["cover_notify"] != "with" || body["leaver_sync"] != "flag" {
			t.Fatalf("defaults: %d %v", status, body)
		}
		status, body = f.do(t, f.paToken, "PATCH", "/api/v1/settings/cover", `{"cover_notify": "instead"}`)
		if status != 200 || body["cover_notify"] != "instead" || body["leaver_sync"] != "flag" {
			t.Fatalf("set instead: %d %v", status, body)
		}
		status, body = f.do(t, f.paToken, "PATCH", "/api/v1/settings/cover", `{"cover_notify": "with", "leaver_sync": "nowhere"}`)
		if status != 422 || errField(body, "field") != "leaver_sync" {
			t.Errorf("a bad value: %d %v, want 422 naming leaver_sync", status, body)
		}
		if status, body = f.do(t, f.paToken, "GET", "/api/v1/settings/cover", ""); status != 200 || body["cover_notify"] != "instead" {
			t.Errorf("after a refused change: %d %v, want cover_notify still instead", status, body)
		}
	})
}

// TestOperatorAccessOverHTTP: a platform admin grants the operator access
// to the people for 2 hours, reads it back, is refused 73 hours (naming
// hours) and ends it; a group admin may not grant it.
func TestOperatorAccessOverHTTP(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newFixture(t, engine)
		const path = "/api/v1/settings/tenant/operator-access"
		if status, _ := f.do(t, f.gaToken, "PUT", path, `{"hours": 2}`); status != 403 {
			t.Errorf("a group admin grants it: %d, want 403", status)
		}
		if status, body := f.do(t, f.paToken, "GET", path, ""); status != 200 || body["granted"] != false {
			t.Fatalf("before a grant: %d %v", status, body)
		}
		status, body := f.do(t, f.paToken, "PUT", path, `{"hours": 2}`)
		if status != 200 || body["granted"] != true || body["until"] == nil || body["by"] == "" {
			t.Fatalf("grant: %d %v", status, body)
		}
		until := body["until"]
		if status, body = f.do(t, f.paToken, "GET", path, ""); status != 200 || body["until"] != until {
			t.Errorf("read back: %d %v, want until %v", status, body, until)
		}
		if status, body = f.do(t, f.paToken, "PUT", path, `{"hours": 73}`); status != 422 || errField(body, "field") != "hours" {
			t.Errorf("73 hours: %d %v, want 422 naming hours", status, body)
		}
		if status, _ = f.do(t, f.paToken, "DELETE", path, ""); status != 204 {
			t.Errorf("revoke: %d, want 204", status)
		}
		if status, body = f.do(t, f.paToken, "GET", path, ""); status != 200 || body["granted"] != false {
			t.Errorf("after the revocation: %d %v", status, body)
		}
	})
}
