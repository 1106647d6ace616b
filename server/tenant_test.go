package server_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"reportline"
	"reportline/api"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/scim"
	"reportline/server"
	"reportline/store"
	"reportline/web"
)

// site is one tenant of a two-tenant installation, with what a client of
// it holds.
type site struct {
	id                    reportline.TenantID
	host, first           string
	token, cookie, scimTk string
}

// twoTenants makes an installation with two tenants besides the implicit
// one, holding the same email, external uid and group name, each with an
// admin, an API token, a session and a SCIM client.
func twoTenants(t *testing.T, env *testapp.Env) (a, b site) {
	t.Helper()
	bg := context.Background()
	newSite := func(slug, host, first string) site {
		id, err := env.DB.CreateTenantAs(bg, "test", slug, host)
		if err != nil {
			t.Fatal(err)
		}
		ctx := reportline.WithTenant(bg, id)
		s := site{id: id, host: strings.ToLower(host), first: first}
		if _, err := env.App.CreatePlatformAdmin(ctx, "admin@example.com", "a long password"); err != nil {
			t.Fatal(err)
		}
		sys := app.SystemActor(reportline.SourceCLI)
		if _, err := env.App.CreateUser(ctx, sys, app.UserInput{Email: "same@example.com", ExternalUID: "uid-1", FirstName: first, LastName: "Same"}); err != nil {
			t.Fatal(err)
		}
		if _, err := env.App.CreateGroup(ctx, sys, "Sales", 0); err != nil {
			t.Fatal(err)
		}
		if s.token, err = env.App.CreateToken(ctx, sys, "admin@example.com", "t"); err != nil {
			t.Fatal(err)
		}
		if s.cookie, _, err = env.App.Login(ctx, "admin@example.com", "a long password", "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
		if s.scimTk, _, err = env.App.CreateProvisioningClient(ctx, sys, "entra"); err != nil {
			t.Fatal(err)
		}
		return s
	}
	return newSite("acme", "Acme.Example", "Alpha"), newSite("beta", "beta.example", "Beta")
}

// get sends GET path to base with the Host header host and a bearer
// token or a session cookie, and returns the status and body.
func get(t *testing.T, base, host, path, token, cookie string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: web.SessionCookie, Value: cookie})
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

func TestTenantsAreResolvedFromHostAndCredential(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		env := testapp.New(t, engine)
		a, b := twoTenants(t, env)
		base := env.ServeConfig(t, server.Config{Routes: []server.Routes{api.New(env.App, env.Logger()), scim.New(env.App, env.Logger())}})
		const users = "/api/v1/users?q=same"

		// A's token reads A's people only, on A's host (any case, any
		// port) and where the host names no tenant.
		for _, host := range []string{a.host, "ACME.example:8443", "api.example"} {
			code, body := get(t, base, host, users, a.token, "")
			if code != 200 || !strings.Contains(body, a.first) || strings.Contains(body, b.first) {
				t.Errorf("A's token on %s: %d %s; want 200 with %s only", host, code, body, a.first)
			}
		}
		// A's credentials on B's host are unknown there (right after A's
		// token was trusted on A's host: the token cache is per tenant).
		code, body := get(t, base, b.host, users, a.token, "")
		if code != 401 || strings.Contains(body, "tenant") || strings.Contains(body, "acme") {
			t.Errorf("A's token on B's host: %d %s; want 401 as an unknown token", code, body)
		}
		code, body = get(t, base, b.host, users, b.token, "")
		if code != 200 || !strings.Contains(body, b.first) || strings.Contains(body, a.first) {
			t.Errorf("B's token on B's host: %d %s; want 200 with %s only", code, body, b.first)
		}
		code, body = get(t, base, b.host, "/scim/v2/Users", a.scimTk, "")
		if code != 401 || strings.Contains(body, "acme") {
			t.Errorf("A's SCIM token on B's host: %d %s; want 401", code, body)
		}
		if code, body := get(t, base, a.host, "/scim/v2/Users", a.scimTk, ""); code != 200 || !strings.Contains(body, a.first) || strings.Contains(body, b.first) {
			t.Errorf("A's SCIM token on A's host: %d %s; want 200 with A's people", code, body)
		}
		if code, body := get(t, base, a.host, users, "", a.cookie); code != 200 || !strings.Contains(body, a.first) {
			t.Errorf("A's session on A's host: %d %s; want signed in", code, body)
		}
		if code, body := get(t, base, b.host, users, "", a.cookie); code != 401 {
			t.Errorf("A's session cookie on B's host: %d %s; want not signed in (401)", code, body)
		}

		// No credential and a host that names no tenant: 404, naming none.
		code, body = get(t, base, "nowhere.example", users, "", "")
		if code != 404 || strings.Contains(body, "acme") || strings.Contains(body, "beta") {
			t.Errorf("unknown host: %d %s; want 404 naming no tenant", code, body)
		}
		if code, _ := get(t, base, "nowhere.example", "/healthz", "", ""); code != 200 {
			t.Errorf("/healthz on any host: %d, want 200 (the installation's probe)", code)
		}

		// Suspending B refuses B's requests with 503; A still answers.
		if _, err := env.DB.SetTenantSuspended(context.Background(), "test", "beta", true); err != nil {
			t.Fatal(err)
		}
		time.Sleep(1100 * time.Millisecond) // the server trusts its list of tenants for a second
		if code, body := get(t, base, b.host, users, b.token, ""); code != 503 || strings.Contains(body, b.first) {
			t.Errorf("suspended B: %d %s; want 503", code, body)
		}
		if code, _ := get(t, base, "api.example", users, b.token, ""); code != 503 {
			t.Errorf("suspended B's token on another host: %d; want 503", code)
		}
		if code, body := get(t, base, a.host, users, a.token, ""); code != 200 || !strings.Contains(body, a.first) {
			t.Errorf("A while B is suspended: %d %s; want 200", code, body)
		}
		if _, err := env.DB.SetTenantSuspended(context.Background(), "test", "beta", false); err != nil {
			t.Fatal(err)
		}
		time.Sleep(1100 * time.Millisecond)
		if code, body := get(t, base, b.host, users, b.token, ""); code != 200 || !strings.Contains(body, b.first) {
			t.Errorf("resumed B: %d %s; want 200", code, body)
		}
	})
}

func TestOneTenantAnswersOnAnyHost(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		env := testapp.New(t, engine)
		ctx := context.Background()
		if _, err := env.App.CreatePlatformAdmin(ctx, "pa@example.com", "a long password"); err != nil {
			t.Fatal(err)
		}
		token, err := env.App.CreateToken(ctx, app.SystemActor(reportline.SourceCLI), "pa@example.com", "t")
		if err != nil {
			t.Fatal(err)
		}
		public, _ := url.Parse("https://reportline.example")
		base := env.ServeConfig(t, server.Config{Routes: []server.Routes{api.New(env.App, env.Logger())}, PublicURL: public})
		for _, host := range []string{"reportline.example", "10.0.0.7:8080", "whatever.example"} {
			if code, body := get(t, base, host, "/api/v1/users", token, ""); code != 200 || !strings.Contains(body, "pa@example.com") {
				t.Errorf("one tenant on %s: %d %s; want 200", host, code, body)
			}
		}

		// Once a second tenant exists, the implicit tenant still answers
		// on the public URL's host, and an unknown host is 404.
		if _, err := env.DB.CreateTenantAs(ctx, "test", "other", "other.example"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(1100 * time.Millisecond)
		if code, body := get(t, base, "reportline.example", "/api/v1/users", "", ""); code != 401 {
			t.Errorf("the public URL's host without a credential: %d %s; want the implicit tenant's 401", code, body)
		}
		if code, body := get(t, base, "Reportline.Example:443", "/api/v1/users", token, ""); code != 200 || !strings.Contains(body, "pa@example.com") {
			t.Errorf("the public URL's host: %d %s; want 200", code, body)
		}
		if code, _ := get(t, base, "whatever.example", "/api/v1/users", "", ""); code != 404 {
			t.Errorf("an unknown host with two tenants: %d; want 404", code)
		}
		if code, body := get(t, base, "other.example", "/api/v1/users", token, ""); code != 401 {
			t.Errorf("the implicit tenant's token on another tenant's host: %d %s; want 401", code, body)
		}
	})
}
