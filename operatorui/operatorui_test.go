package operatorui_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"reportline/internal/testapp"
	"reportline/operatorui"
	"reportline/store"
)

func TestMain(m *testing.M) { testapp.Main(m) }

// start serves the operator page over a fresh database with one operator
// (ops@example.com) and one tenant admin in the implicit tenant.
func start(t *testing.T, engine store.Engine) (*testapp.Env, string) {
	t.Helper()
	env := testapp.New(t, engine)
	ctx := context.Background()
	if _, _, err := env.App.CreateOperator(ctx, env.DB, "cli:test", "ops@example.com", "operator password 1"); err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.CreatePlatformAdmin(ctx, "root@example.com", "tenant admin password"); err != nil {
		t.Fatal(err)
	}
	page, err := operatorui.New(env.App, env.DB, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(page.Handler())
	t.Cleanup(srv.Close)
	return env, srv.URL
}

type client struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newClient(t *testing.T, base string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: base, c: &http.Client{Jar: jar}}
}

func (c *client) do(method, path string, form url.Values) (*http.Response, string) {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, c.base+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestOperatorPage: sign-in refused with a wrong password, accepted with
// the right one (an HttpOnly, SameSite=Strict cookie); a tenant admin's
// session cookie does not open the page; the list shows the tenants and
// their people count; create, suspend, resume, export and delete work and
// are recorded in the operator log.
func TestOperatorPage(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		env, base := start(t, engine)
		ctx := context.Background()
		c := newClient(t, base)
		if r, _ := c.do("GET", "/", nil); r.Request.URL.Path != "/signin" {
			t.Fatalf("not signed in: ended at %s, want /signin", r.Request.URL.Path)
		}
		r, body := c.do("POST", "/signin", url.Values{"email": {"ops@example.com"}, "password": {"wrong password!!"}})
		if r.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `role="alert"`) {
			t.Fatalf("wrong password: %d\n%s", r.StatusCode, body)
		}
		// A tenant admin's session secret presented as the operator cookie.
		tsecret, _, err := env.App.Login(ctx, "root@example.com", "tenant admin password", "10.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(base)
		c.c.Jar.SetCookies(u, []*http.Cookie{{Name: operatorui.Cookie, Value: tsecret}})
		if r, _ := c.do("GET", "/", nil); r.Request.URL.Path != "/signin" {
			t.Fatalf("tenant session as operator: ended at %s, want /signin", r.Request.URL.Path)
		}

		req, _ := http.NewRequest("POST", base+"/signin", strings.NewReader(url.Values{"email": {"ops@example.com"}, "password": {"operator password 1"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		var cookie *http.Cookie
		for _, ck := range resp.Cookies() {
			if ck.Name == operatorui.Cookie {
				cookie = ck
			}
		}
		if resp.StatusCode != http.StatusSeeOther || cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || cookie.Secure {
			t.Fatalf("sign-in: %d, cookie %+v (want HttpOnly, SameSite=Strict, not Secure over plain http)", resp.StatusCode, cookie)
		}
		// The operator's secret is no tenant session.
		if _, err := env.App.SessionUser(ctx, cookie.Value); err == nil {
			t.Fatal("the operator's cookie opened a tenant session")
		}
		c.c.Jar.SetCookies(u, []*http.Cookie{cookie})
		r, body = c.do("GET", "/", nil)
		if r.StatusCode != http.StatusOK || !strings.Contains(body, "<th scope=\"row\">default</th>") || strings.Contains(body, "root@example.com") {
			t.Fatalf("list: %d\n%s", r.StatusCode, body)
		}
		if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("CSP %q", csp)
		}

		r, body = c.do("POST", "/tenants", url.Values{"slug": {"acme"}, "host": {"acme.example"}})
		if r.StatusCode != http.StatusOK || !strings.Contains(body, "Tenant acme created.") || !strings.Contains(body, "acme.example") {
			t.Fatalf("create: %d\n%s", r.StatusCode, body)
		}
		r, body = c.do("POST", "/tenants", url.Values{"slug": {"acme"}})
		if r.StatusCode != http.StatusConflict || !strings.Contains(body, "already exists") {
			t.Fatalf("create twice: %d\n%s", r.StatusCode, body)
		}
		r, body = c.do("POST", "/tenants/acme/suspend", url.Values{})
		if r.StatusCode != http.StatusOK || !strings.Contains(body, "Tenant acme suspended") || !strings.Contains(body, "/tenants/acme/resume") {
			t.Fatalf("suspend: %d\n%s", r.StatusCode, body)
		}
		if r, _ = c.do("POST", "/tenants/acme/resume", url.Values{}); r.StatusCode != http.StatusOK {
			t.Fatalf("resume: %d", r.StatusCode)
		}

		r, body = c.do("GET", "/tenants/default/export", nil)
		if r.StatusCode != http.StatusOK || r.Header.Get("Content-Type") != "application/zip" {
			t.Fatalf("export: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
		}
		zr, err := zip.NewReader(bytes.NewReader([]byte(body)), int64(len(body)))
		if err != nil {
			t.Fatalf("export is not a zip: %v", err)
		}
		names := map[string]bool{}
		for _, f := range zr.File {
			names[f.Name] = true
		}
		if !names["manifest.json"] || !names["users.csv"] {
			t.Fatalf("export files: %v", names)
		}

		r, body = c.do("POST", "/tenants/acme/delete", url.Values{"confirm": {"acm"}})
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "nothing was deleted") {
			t.Fatalf("delete with the wrong slug: %d\n%s", r.StatusCode, body)
		}
		r, body = c.do("POST", "/tenants/acme/delete", url.Values{"confirm": {"acme"}})
		if r.StatusCode != http.StatusOK || strings.Contains(body, "<th scope=\"row\">acme</th>") {
			t.Fatalf("delete: %d\n%s", r.StatusCode, body)
		}

		log, err := env.DB.OperatorLog(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range log {
			if e.Actor == "operator:ops@example.com" {
				got = append(got, e.Action)
			}
		}
		if strings.Join(got, " ") != "tenant.create tenant.suspend tenant.resume tenant.delete" {
			t.Errorf("operator log: %v", got)
		}

		// Signing out ends the session.
		c.do("POST", "/signout", url.Values{})
		if r, _ := c.do("GET", "/", nil); r.Request.URL.Path != "/signin" {
			t.Fatalf("after sign-out: %s", r.Request.URL.Path)
		}
	})
}
