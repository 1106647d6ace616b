package sso_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"reportline/app"
	"reportline/sso"
	"reportline/store"
)

// TestHydraKeyRotation runs Ory Hydra v2.3.0, a standalone OpenID provider
// (built by .ci/run from the tools module .ci/hydra, with its SQLite
// in-memory database), registers a client, signs in by the authorization
// code flow with PKCE through Hydra's login and consent (accepted through
// its admin API by the test's login and consent pages), rotates Hydra's ID
// token signing key (the old key unpublished) and signs in again: go-oidc
// must fetch the new key. REPORTLINE_HYDRA names the binary; without it the
// test is skipped, except under CI=true, where it fails.
func TestHydraKeyRotation(t *testing.T) {
	t.Parallel()
	bin := os.Getenv("REPORTLINE_HYDRA")
	if bin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("REPORTLINE_HYDRA is not set: .ci/run builds Hydra (.ci/hydra) and sets it")
		}
		t.Skip("REPORTLINE_HYDRA is not set (see .ci/run)")
	}
	pubLn, pub := listen(t)
	admLn, adm := listen(t)
	uiLn, uiBase := listen(t)
	pubPort, admPort := pubLn.Addr().String(), admLn.Addr().String()
	pubLn.Close()
	admLn.Close()
	port := func(hostport string) string { return hostport[strings.LastIndex(hostport, ":")+1:] }

	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "serve", "all", "--dev")
	cmd.Env = append(os.Environ(),
		"DSN=memory",
		"SERVE_PUBLIC_HOST=127.0.0.1", "SERVE_PUBLIC_PORT="+port(pubPort),
		"SERVE_ADMIN_HOST=127.0.0.1", "SERVE_ADMIN_PORT="+port(admPort),
		"URLS_SELF_ISSUER="+pub, "URLS_LOGIN="+uiBase+"/login", "URLS_CONSENT="+uiBase+"/consent",
		"SECRETS_SYSTEM=reportline-test-secret-of-32-bytes-at-least",
		"LOG_LEVEL=error")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("hydra's output:\n%s", logs.String())
		}
	})
	// Hydra is up when its admin API says it is ready.
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(adm + "/health/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("hydra did not become ready: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}

	admin := func(method, path string, in any, out any) {
		t.Helper()
		var body io.Reader
		if in != nil {
			b, _ := json.Marshal(in)
			body = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, adm+path, body)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 300 {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
		}
		if out != nil {
			if err := json.Unmarshal(b, out); err != nil {
				t.Fatalf("%s %s: %v: %s", method, path, err, b)
			}
		}
	}

	// The login and consent pages: the test accepts both through the admin
	// API, as a real login app would after checking a password.
	ui := http.NewServeMux()
	ui.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		var red struct {
			RedirectTo string `json:"redirect_to"`
		}
		admin("PUT", "/admin/oauth2/auth/requests/login/accept?login_challenge="+url.QueryEscape(r.URL.Query().Get("login_challenge")),
			map[string]any{"subject": "ada-hydra", "remember": false}, &red)
		http.Redirect(w, r, red.RedirectTo, http.StatusFound)
	})
	ui.HandleFunc("/consent", func(w http.ResponseWriter, r *http.Request) {
		ch := url.QueryEscape(r.URL.Query().Get("consent_challenge"))
		var req struct {
			Scope    []string `json:"requested_scope"`
			Audience []string `json:"requested_access_token_audience"`
		}
		admin("GET", "/admin/oauth2/auth/requests/consent?consent_challenge="+ch, nil, &req)
		var red struct {
			RedirectTo string `json:"redirect_to"`
		}
		admin("PUT", "/admin/oauth2/auth/requests/consent/accept?consent_challenge="+ch, map[string]any{
			"grant_scope": req.Scope, "grant_access_token_audience": req.Audience, "remember": false,
			"session": map[string]any{"id_token": map[string]any{"email": "ada@example.com", "email_verified": true}}}, &red)
		http.Redirect(w, r, red.RedirectTo, http.StatusFound)
	})
	serveOn(t, uiLn, ui)

	ln, base := listen(t)
	var client struct {
		ID     string `json:"client_id"`
		Secret string `json:"client_secret"`
	}
	admin("POST", "/admin/clients", map[string]any{"client_secret": "reportline-hydra-secret", "redirect_uris": []string{base + "/sso/oidc/oidc/callback"},
		"grant_types": []string{"authorization_code"}, "response_types": []string{"code"}, "scope": "openid email profile",
		"token_endpoint_auth_method": "client_secret_basic"}, &client)
	var disc struct {
		Issuer string `json:"issuer"`
	}
	resp, err := http.Get(pub + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	err = json.NewDecoder(resp.Body).Decode(&disc)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}

	s := newSite(t, store.SQLite, ln, base, siteConfig{providers: func(string) []sso.Provider {
		return []sso.Provider{{Name: "oidc", Label: "Sign in with Hydra", Matching: app.SSOMatching{},
			OIDC: &sso.OIDCConfig{Issuer: disc.Issuer, ClientID: client.ID, ClientSecret: "reportline-hydra-secret"}}}
	}})
	// kidOfLastSignIn is the key id of the ID token of Ada's newest
	// session (kept with it for the sign-out's id_token_hint).
	kidOfLastSignIn := func() string {
		t.Helper()
		var hint string
		err := s.db.Read(context.Background(), func(tx *store.Tx) error {
			ss, err := tx.UserSessions(context.Background(), s.ada.ID, time.Now())
			if len(ss) > 0 {
				hint = ss[0].LogoutHint
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		_, raw, _ := strings.Cut(hint, " ")
		head, _, _ := strings.Cut(raw, ".")
		b, err := base64.RawURLEncoding.DecodeString(head)
		var h struct {
			Kid string `json:"kid"`
		}
		if err != nil || json.Unmarshal(b, &h) != nil || h.Kid == "" {
			t.Fatalf("no ID token with a kid kept with the session: %q", hint)
		}
		return h.Kid
	}
	signIn := func(what string) {
		t.Helper()
		c := newBrowser(t)
		p := get(t, c, base+"/sso/oidc/oidc/start?next=/account/sessions")
		if got := s.signedInAs(c); got != "ada@example.com" {
			t.Fatalf("%s: signed in as %q (%d %s): %.300s\n%s", what, got, p.status, p.url, p.body, s.logs)
		}
	}

	signIn("first sign-in")
	oldKid := kidOfLastSignIn()

	// Rotate: a new key in the ID token set, the old one removed (no
	// longer published).
	var set struct {
		Keys []struct {
			Kid string `json:"kid"`
		} `json:"keys"`
	}
	admin("POST", "/admin/keys/hydra.openid.id-token", map[string]any{"alg": "RS256", "use": "sig", "kid": "rotated-" + fmt.Sprint(time.Now().UnixNano())}, &set)
	admin("DELETE", "/admin/keys/hydra.openid.id-token/"+url.PathEscape(oldKid), nil, nil)
	resp, err = http.Get(pub + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(b), oldKid) {
		t.Fatalf("the old key %s is still published: %s", oldKid, b)
	}

	signIn("sign-in after the key rotation")
	if newKid := kidOfLastSignIn(); newKid == oldKid {
		t.Errorf("the second ID token is signed by the old key %s", oldKid)
	}
}
