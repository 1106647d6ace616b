package api_test

import (
	"strings"
	"testing"

	"reportline/internal/testapp"
	"reportline/secret"
	"reportline/store"
)

// TestTenantOIDCOverHTTP: on an organisation's own host its platform admin
// configures its OpenID provider; the client secret is write-only and,
// without REPORTLINE_SECRET_KEY, refused naming it; the default
// organisation's provider is the environment's.
func TestTenantOIDCOverHTTP(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newFixture(t, engine)
		beta := f.newOtherTenant(t)
		do := func(method, body string) (int, map[string]any, string) {
			t.Helper()
			return beta.do(t, method, "/api/v1/settings/tenant/oidc", body)
		}
		status, body, _ := do("GET", "")
		if status != 200 || body["client_secret"] != "not set" || body["issuer"] != "" {
			t.Fatalf("read: %d %v", status, body)
		}
		status, _, raw := do("PATCH", `{"issuer": "https://idp.example", "client_id": "rl", "client_secret": "hunter2-secret"}`)
		if status != 422 || !strings.Contains(raw, secret.EnvKey) || strings.Contains(raw, "hunter2-secret") {
			t.Errorf("a secret without a key: %d %s, want 422 naming %s", status, raw, secret.EnvKey)
		}
		status, body, _ = do("PATCH", `{"issuer": "https://idp.example", "client_id": "rl", "scopes": ["email"], "trust_emails": true}`)
		if status != 200 || body["issuer"] != "https://idp.example" || body["trust_emails"] != true || body["client_secret"] != "not set" {
			t.Errorf("without a secret: %d %v", status, body)
		}
		if status, _, _ := do("PATCH", `{"issuer": "http://idp.example"}`); status != 422 {
			t.Errorf("an http issuer: %d, want 422", status)
		}
		// The default organisation: the environment's provider.
		if status, body := f.do(t, f.paToken, "PATCH", "/api/v1/settings/tenant/oidc", `{"client_id": "x"}`); status != 422 {
			t.Errorf("the implicit tenant: %d %v, want 422", status, body)
		}
		if status, _ := f.do(t, f.gaToken, "GET", "/api/v1/settings/tenant/oidc", ""); status != 403 {
			t.Errorf("a group admin: %d, want 403", status)
		}
	})
}

// TestTenantSAMLOverHTTP: an organisation's platform admin configures its
// SAML IdP and SSO-only mode over the API; no answer carries a key; SSO-only needs a provider; a group
// admin is refused.
func TestTenantSAMLOverHTTP(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newFixture(t, engine)
		beta := f.newOtherTenant(t)
		do := func(method, path, body string) (int, map[string]any, string) {
			t.Helper()
			return beta.do(t, method, path, body)
		}
		status, body, _ := do("GET", "/api/v1/settings/tenant/saml", "")
		if status != 200 || body["metadata_url"] != "" || body["metadata_xml_set"] != false {
			t.Fatalf("read: %d %v", status, body)
		}
		if status, _, raw := do("PATCH", "/api/v1/settings/tenant/sign-in", `{"sso_only": true}`); status != 422 || !strings.Contains(raw, "identity provider") {
			t.Errorf("SSO-only without a provider: %d %s, want 422", status, raw)
		}
		if status, _, _ := do("PATCH", "/api/v1/settings/tenant/saml", `{"metadata_url": "http://idp.example/metadata"}`); status != 422 {
			t.Errorf("an http metadata URL: %d, want 422", status)
		}
		if status, _, raw := do("PATCH", "/api/v1/settings/tenant/saml", `{"metadata_xml": "<html></html>"}`); status != 422 || !strings.Contains(raw, "not an identity provider") {
			t.Errorf("metadata that is not an IdP's: %d %s, want 422", status, raw)
		}
		// Without REPORTLINE_SECRET_KEY our key pair cannot be kept.
		status, _, raw := do("PATCH", "/api/v1/settings/tenant/saml", `{"metadata_url": "https://idp.example/metadata", "trust_emails": true}`)
		if status != 422 || !strings.Contains(raw, secret.EnvKey) {
			t.Errorf("a SAML provider without a secret key: %d %s, want 422 naming %s", status, raw, secret.EnvKey)
		}
		if strings.Contains(raw, "PRIVATE KEY") {
			t.Errorf("an answer carries a key: %s", raw)
		}
		status, body, _ = do("GET", "/api/v1/settings/tenant/sign-in", "")
		if status != 200 || body["sso_only"] != false || body["saml"] != false {
			t.Errorf("sign-in settings: %d %v", status, body)
		}
		if status, body := f.do(t, f.paToken, "PATCH", "/api/v1/settings/tenant/saml", `{"label": "x"}`); status != 422 {
			t.Errorf("the implicit tenant: %d %v, want 422", status, body)
		}
		if status, _ := f.do(t, f.gaToken, "GET", "/api/v1/settings/tenant/saml", ""); status != 403 {
			t.Errorf("a group admin: %d, want 403", status)
		}
		if status, _ := f.do(t, f.gaToken, "PATCH", "/api/v1/settings/tenant/sign-in", `{"sso_only": false}`); status != 403 {
			t.Errorf("a group admin changing SSO-only: %d, want 403", status)
		}
	})
}
