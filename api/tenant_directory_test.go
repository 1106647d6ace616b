package api_test

import (
	"strings"
	"testing"

	"reportline/internal/testapp"
	"reportline/secret"
	"reportline/store"
)

// TestTenantDirectoryOverHTTP: on an organisation's own host its platform
// admin sets its LDAP directory, guard and mail relay; secrets are refused
// without REPORTLINE_SECRET_KEY (naming it, never echoing the secret); the
// default organisation's are the environment's (422); a group admin is
// refused.
func TestTenantDirectoryOverHTTP(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newFixture(t, engine)
		beta := f.newOtherTenant(t)
		do := func(method, path, body string) (int, map[string]any, string) {
			t.Helper()
			return beta.do(t, method, path, body)
		}
		status, body, _ := do("GET", "/api/v1/settings/tenant/directory", "")
		if status != 200 || body["environment"] != false {
			t.Fatalf("read: %d %v", status, body)
		}
		status, _, raw := do("PATCH", "/api/v1/settings/tenant/directory", `{"ldap": {"url": "ldaps://ldap.b.example", "base_dn": "dc=b", "bind_dn": "cn=r,dc=b", "bind_password": "hunter2-secret"}}`)
		if status != 422 || !strings.Contains(raw, secret.EnvKey) || strings.Contains(raw, "hunter2-secret") {
			t.Errorf("a secret without a key: %d %s, want 422 naming %s", status, raw, secret.EnvKey)
		}
		status, body, raw = do("PATCH", "/api/v1/settings/tenant/directory", `{"ldap": {"url": "ldaps://ldap.b.example", "base_dn": "dc=b", "interval_minutes": 30}, "hold_count": 5}`)
		ldap, _ := body["ldap"].(map[string]any)
		if status != 200 || ldap["url"] != "ldaps://ldap.b.example" || ldap["interval_minutes"] != float64(30) || ldap["bind_password"] != "not set" || body["hold_count"] != float64(5) {
			t.Errorf("without a secret: %d %s", status, raw)
		}
		if status, _, _ := do("PATCH", "/api/v1/settings/tenant/directory", `{"ldap": {"url": "http://ldap.b.example"}}`); status != 422 {
			t.Errorf("an http address: %d, want 422", status)
		}
		status, body, raw = do("PATCH", "/api/v1/settings/tenant/mail", `{"host": "smtp.b.example", "from": "HR <hr@b.example>", "tls": "mandatory"}`)
		if status != 200 || body["host"] != "smtp.b.example" || body["password"] != "not set" {
			t.Errorf("the relay: %d %s", status, raw)
		}
		if status, _, _ := do("POST", "/api/v1/settings/tenant/connection-test", `{"what": "ftp"}`); status != 422 {
			t.Errorf("an unknown test: %d, want 422", status)
		}
		// The default organisation: the environment's.
		if status, body := f.do(t, f.paToken, "PATCH", "/api/v1/settings/tenant/directory", `{"hold_count": 3}`); status != 422 {
			t.Errorf("the implicit tenant: %d %v, want 422", status, body)
		}
		if status, body := f.do(t, f.paToken, "GET", "/api/v1/settings/tenant/mail", ""); status != 200 || body["environment"] != true {
			t.Errorf("the implicit tenant's relay: %d %v, want the environment's", status, body)
		}
		if status, _ := f.do(t, f.gaToken, "GET", "/api/v1/settings/tenant/directory", ""); status != 403 {
			t.Errorf("a group admin: %d, want 403", status)
		}
	})
}
