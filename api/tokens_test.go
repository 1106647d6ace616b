package api_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"reportline/internal/testapp"
	"reportline/store"
)

// TestTokensOverHTTP: create (the secret shown once), list, revoke; a
// revoked or expired token is refused on the very next request; only
// platform admins see and revoke other people's tokens; the OpenAPI
// document describes the operations.
func TestTokensOverHTTP(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newFixture(t, engine)
		status, body := f.do(t, f.gaToken, "POST", "/api/v1/tokens", `{"name": "nightly export", "expires_in_days": 90}`)
		secret, _ := body["token"].(string)
		if status != 201 || !strings.HasPrefix(secret, "rlt_") || body["name"] != "nightly export" || body["expires_at"] == nil || body["status"] != "active" {
			t.Fatalf("create: %d %v", status, body)
		}
		id := int64(body["id"].(float64))
		status, body = f.do(t, secret, "GET", "/api/v1/tokens", "")
		list, _ := body["tokens"].([]any)
		if status != 200 || len(list) != 2 {
			t.Fatalf("own list: %d %v", status, body)
		}
		if s := fmt.Sprint(list); strings.Contains(s, "rlt_") || strings.Contains(s, "hash") {
			t.Errorf("a list shows a secret: %s", s)
		}
		if status, _ := f.do(t, f.gaToken, "GET", "/api/v1/tokens?all=true", ""); status != 403 {
			t.Errorf("a group admin listing everybody's tokens: %d, want 403", status)
		}
		status, body = f.do(t, f.paToken, "GET", "/api/v1/tokens?all=true", "")
		if list, _ := body["tokens"].([]any); status != 200 || len(list) != 3 {
			t.Errorf("a platform admin's list: %d %v", status, body)
		}
		status, body = f.do(t, f.paToken, "GET", "/api/v1/tokens?email=ga@example.com", "")
		if list, _ := body["tokens"].([]any); status != 200 || len(list) != 2 {
			t.Errorf("a platform admin listing one user's tokens: %d %v", status, body)
		}
		// Someone else's token is not found, not forbidden.
		if status, body = f.do(t, f.paToken, "GET", "/api/v1/tokens", ""); status != 200 {
			t.Fatalf("a platform admin's own list: %d %v", status, body)
		}
		paID := int64(body["tokens"].([]any)[0].(map[string]any)["id"].(float64))
		if status, _ := f.do(t, f.gaToken, "DELETE", fmt.Sprintf("/api/v1/tokens/%d", paID), ""); status != 404 {
			t.Errorf("revoking another's token: %d, want 404", status)
		}
		if status, _ := f.do(t, f.gaToken, "DELETE", fmt.Sprintf("/api/v1/tokens/%d", id), ""); status != 204 {
			t.Errorf("revoke: %d, want 204", status)
		}
		if status, body := f.do(t, secret, "GET", "/api/v1/me", ""); status != 401 || !strings.Contains(errField(body, "message"), "revoked") {
			t.Errorf("a revoked token: %d %v, want 401", status, body)
		}

		// Expiry takes effect at once.
		status, body = f.do(t, f.gaToken, "POST", "/api/v1/tokens", `{"expires_at": "`+f.env.Now.Now().Add(time.Hour).Format(time.RFC3339)+`"}`)
		short, _ := body["token"].(string)
		if status != 201 || body["name"] != "api" {
			t.Fatalf("create with expires_at: %d %v", status, body)
		}
		f.env.Now.Advance(time.Hour)
		if status, body := f.do(t, short, "GET", "/api/v1/me", ""); status != 401 || !strings.Contains(errField(body, "message"), "expired") {
			t.Errorf("an expired token: %d %v, want 401", status, body)
		}
		if status, body := f.do(t, f.gaToken, "POST", "/api/v1/tokens", `{"expires_at": "2020-01-01T00:00:00Z"}`); status != 422 {
			t.Errorf("an expiry in the past: %d %v", status, body)
		}

		_, doc := f.do(t, "", "GET", "/api/openapi.json", "")
		paths, _ := doc["paths"].(map[string]any)
		if paths["/api/v1/tokens"] == nil || paths["/api/v1/tokens/{id}"] == nil {
			t.Errorf("the OpenAPI document lacks the token operations")
		}
	})
}
