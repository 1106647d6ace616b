package sso_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/crewjam/saml"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/secret"
	"reportline/server"
	"reportline/sso"
	"reportline/store"
	"reportline/ui"
)

// hostsMap sends the requests for https://HOST, for each HOST it names, to
// a loopback listener with the Host header kept: a browser reaching the
// tenants' own addresses.
type hostsMap map[string]string

func (m hostsMap) RoundTrip(r *http.Request) (*http.Response, error) {
	to, ok := m[r.URL.Host]
	if !ok {
		return http.DefaultTransport.RoundTrip(r)
	}
	r2 := r.Clone(r.Context())
	r2.URL.Scheme, r2.URL.Host, r2.Host = "http", to, r.URL.Host
	return http.DefaultTransport.RoundTrip(r2)
}

// tenantsSite is one Reportline with two tenants on their own hosts
// (a.example, b.example), each with Ada, and no provider of the
// environment's.
type tenantsSite struct {
	a           *app.App
	db          *store.DB
	base        string // the implicit tenant's
	hosts       hostsMap
	alpha, beta reportline.TenantID
	adaA, adaB  reportline.User
	logs        *syncBuffer
}

func newTenantsSite(t *testing.T, engine store.Engine) *tenantsSite {
	t.Helper()
	ctx := context.Background()
	db := testapp.OpenDB(t, engine)
	ts := &tenantsSite{db: db, logs: &syncBuffer{}}
	var err error
	if ts.alpha, err = db.CreateTenantAs(ctx, "test", "alpha", "a.example"); err != nil {
		t.Fatal(err)
	}
	if ts.beta, err = db.CreateTenantAs(ctx, "test", "beta", "b.example"); err != nil {
		t.Fatal(err)
	}
	keys, err := secret.New("k1", bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	ln, base := listen(t)
	ts.base = base
	ts.a = app.New(app.Adapt(db.Read, db.Write, db.Ping), app.Config{Logger: slog.New(slog.DiscardHandler), PasswordParams: testapp.FastPasswords,
		PublicURL: base, Tenants: db.Tenants, Secrets: keys})
	sys := app.SystemActor(reportline.SourceCLI)
	for _, u := range []struct {
		id reportline.TenantID
		to *reportline.User
	}{{ts.alpha, &ts.adaA}, {ts.beta, &ts.adaB}} {
		if *u.to, err = ts.a.CreateUser(reportline.WithTenant(ctx, u.id), sys, app.UserInput{Email: "ada@example.com", FirstName: "Ada"}); err != nil {
			t.Fatal(err)
		}
	}
	pages, err := ui.New(ts.a, nil)
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := url.Parse(base)
	single, err := sso.New(sso.Config{App: ts.a, PublicURL: pub, Logger: slog.New(slog.NewTextHandler(ts.logs, nil)), OnError: pages.Fail})
	if err != nil {
		t.Fatal(err)
	}
	pages.SetSignIn(ui.SignInOptions{LogoutURL: single.LogoutURL})
	serveOn(t, ln, server.New(server.Config{App: ts.a, Logger: slog.New(slog.DiscardHandler), Routes: []server.Routes{pages, single},
		PublicURL: pub, Tenants: db, Ready: func(ctx context.Context) error { return nil }}))
	to := strings.TrimPrefix(base, "http://")
	ts.hosts = hostsMap{"a.example": to, "b.example": to}
	return ts
}

// browser is a client with cookies that reaches the tenants' hosts.
func (ts *tenantsSite) browser(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Transport: ts.hosts}
}

// on is a site view of one tenant's host, for the helpers of the other
// tests (signedInAs, signOut).
func (ts *tenantsSite) on(t *testing.T, host string) *site {
	return &site{t: t, base: "https://" + host, app: ts.a, db: ts.db, logs: ts.logs}
}

// samlIdPFor starts an IdP for a tenant's host and configures it as the
// tenant's SAML provider through the App: by metadata XML (read from the
// IdP) when byXML, else by its URL. The in-process IdP speaks http on
// loopback, which the App refuses for a metadata URL: that one is written
// under the App's checks after a placeholder went through them.
func (ts *tenantsSite) samlIdPFor(t *testing.T, id reportline.TenantID, host string, byXML bool) *samlIdP {
	t.Helper()
	ctx := reportline.WithTenant(context.Background(), id)
	idp := newSAMLIdP(t, "https://"+host+"/sso/saml/saml/metadata")
	idp.client = &http.Client{Transport: ts.hosts}
	sys := app.SystemActor(reportline.SourceCLI)
	yes, label := true, "Sign in with "+host
	change := app.TenantSAMLChange{TrustEmails: &yes, Label: &label}
	if byXML {
		md := get(t, http.DefaultClient, idp.base+"/metadata")
		change.MetadataXML = &md.body
	} else {
		change.MetadataURL = ptr("https://idp.placeholder.example/metadata")
	}
	got, err := ts.a.SetTenantSAML(ctx, sys, change)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got.Certificate, "BEGIN CERTIFICATE") {
		t.Fatalf("no service provider certificate made for %s: %+v", host, got)
	}
	if !byXML {
		if err := ts.db.Tenant(id).Write(ctx, func(tx *store.Tx) error { return tx.PutSetting(ctx, "sso.saml.metadata_url", idp.base+"/metadata") }); err != nil {
			t.Fatal(err)
		}
	}
	return idp
}

// TestSAMLTenantProviders: two tenants, each with its own SAML IdP (one by
// metadata URL, one by metadata XML), sign their people in on their own
// hosts with their own service provider (entity id, ACS and key pair); an
// assertion of tenant A's IdP is refused at tenant B's ACS and signs nobody
// in there; the IdP's session ends at sign-out (single logout on the
// tenant's host); the implicit tenant, which configured none, answers 404.
func TestSAMLTenantProviders(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ts := newTenantsSite(t, engine)
		idpA := ts.samlIdPFor(t, ts.alpha, "a.example", false)
		idpB := ts.samlIdPFor(t, ts.beta, "b.example", true)
		idpA.who = &saml.Session{NameID: "ada-at-a", UserEmail: "ada@example.com"}
		idpB.who = &saml.Session{NameID: "ada-at-b", UserEmail: "ada@example.com"}
		a, b := ts.on(t, "a.example"), ts.on(t, "b.example")

		// Each tenant's sign-in page has its own button.
		c := ts.browser(t)
		if p := get(t, c, a.base+"/login"); !strings.Contains(p.body, "Sign in with a.example") || !strings.Contains(p.body, `href="/sso/saml/saml/start`) {
			t.Errorf("alpha's login page lacks its SAML button: %.600s", p.body)
		}
		// Our metadata differs per tenant: its own entity id and ACS.
		mdA, mdB := get(t, c, a.base+"/sso/saml/saml/metadata"), get(t, c, b.base+"/sso/saml/saml/metadata")
		if !strings.Contains(mdA.body, `entityID="https://a.example/sso/saml/saml/metadata"`) || !strings.Contains(mdA.body, "https://a.example/sso/saml/saml/acs") {
			t.Errorf("alpha's SP metadata: %d %.500s", mdA.status, mdA.body)
		}
		certOf := func(md string) string {
			m := regexp.MustCompile(`<X509Certificate[^>]*>([^<]+)<`).FindStringSubmatch(md)
			if m == nil {
				return ""
			}
			return m[1]
		}
		if certOf(mdA.body) == "" || certOf(mdA.body) == certOf(mdB.body) {
			t.Errorf("the tenants' service providers do not have their own certificates")
		}

		// SP-initiated sign-in on alpha.
		ans := idpForm(t, get(t, c, a.base+"/sso/saml/saml/start?next=/account/sessions"))
		if ans.action != a.base+"/sso/saml/saml/acs" {
			t.Fatalf("alpha's IdP posts to %s, want alpha's ACS", ans.action)
		}
		if p := post(t, c, ans.action, ans.form); a.signedInAs(c) != "ada@example.com" {
			t.Fatalf("alpha's sign-in: %d %s: %s", p.status, p.url, ts.logs)
		}
		sessA, err := ts.a.ListSessions(reportline.WithTenant(context.Background(), ts.alpha), app.UserActor(ts.adaA, reportline.SourceUI), ts.adaA.ID, "")
		if err != nil || len(sessA) != 1 || sessA[0].Method != "saml" {
			t.Errorf("alpha's ada: sessions %v (%v), want one by saml", sessA, err)
		}

		// An assertion alpha's IdP makes (IdP-initiated, so no request of
		// ours is missing) is refused at beta's ACS.
		thief := ts.browser(t)
		cross := idpForm(t, get(t, thief, idpA.base+"/initiate"))
		if p := post(t, thief, b.base+"/sso/saml/saml/acs", cross.form); p.status != http.StatusUnauthorized || b.signedInAs(thief) != "" {
			t.Errorf("alpha's assertion at beta's ACS: %d, want 401 and nobody signed in", p.status)
		}
		if n, _ := ts.a.ListSessions(reportline.WithTenant(context.Background(), ts.beta), app.UserActor(ts.adaB, reportline.SourceUI), ts.adaB.ID, ""); len(n) != 0 {
			t.Errorf("beta's ada got %d sessions from alpha's assertion", len(n))
		}
		// The same assertion is good where it belongs: it was refused for
		// being another tenant's, not for being broken.
		if p := post(t, thief, cross.action, cross.form); a.signedInAs(thief) != "ada@example.com" {
			t.Errorf("alpha's IdP-initiated assertion at alpha: %d %s", p.status, p.url)
		}

		// Beta signs in with its own IdP (configured by XML).
		cb := ts.browser(t)
		ans = idpForm(t, get(t, cb, b.base+"/sso/saml/saml/start?next=/account/sessions"))
		if p := post(t, cb, ans.action, ans.form); ans.action != b.base+"/sso/saml/saml/acs" || b.signedInAs(cb) != "ada@example.com" {
			t.Fatalf("beta's sign-in at %s: %d %s: %s", ans.action, p.status, p.url, ts.logs)
		}

		// Single logout on alpha's host ends alpha's IdP session.
		before := len(idpA.sessions())
		out := idpForm(t, get(t, c, signOut(t, c, a.base)))
		if out.action != a.base+"/sso/saml/saml/slo" {
			t.Fatalf("alpha's IdP answers its logout to %s, want alpha's SLO", out.action)
		}
		if got := len(idpA.sessions()); got != before-1 {
			t.Errorf("alpha's IdP sessions after sign-out: %d, want %d", got, before-1)
		}
		if p := post(t, c, out.action, out.form); p.url.Path != "/login" || p.status != http.StatusOK {
			t.Errorf("alpha's IdP's LogoutResponse: %d %s: %s", p.status, p.url, ts.logs)
		}
		if a.signedInAs(c) != "" {
			t.Errorf("still signed in on alpha after sign-out")
		}
		if got := idpB.sessions(); len(got) != 1 {
			t.Errorf("beta's IdP sessions = %q, want beta's sign-in's alone", got)
		}

		// The implicit tenant has no SAML provider: 404.
		if p := get(t, newBrowser(t), ts.base+"/sso/saml/saml/start"); p.status != http.StatusNotFound {
			t.Errorf("the implicit tenant's /sso/saml/saml/start: %d, want 404", p.status)
		}
		// The change log has the configuration, never a key.
		var whats []string
		_ = ts.db.Tenant(ts.alpha).Read(context.Background(), func(tx *store.Tx) error {
			cs, err := tx.Changes(context.Background(), reportline.ChangeFilter{})
			for _, c := range cs {
				whats = append(whats, c.What+" "+string(c.After))
			}
			return err
		})
		if !slices.ContainsFunc(whats, func(s string) bool { return strings.HasPrefix(s, "tenant single sign-on saml") }) ||
			slices.ContainsFunc(whats, func(s string) bool { return strings.Contains(s, "PRIVATE KEY") }) {
			t.Errorf("alpha's change log = %q, want the SAML configuration without a key", whats)
		}
	})
}

// TestTenantSSOOnly: a tenant's SSO-only mode refuses passwords (and
// password resets) to everyone but its platform admins, with the same
// answer whatever was wrong; the sign-in page hides the password form; API
// tokens keep working; the other tenant is unaffected; the mode needs a
// provider.
func TestTenantSSOOnly(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ts := newTenantsSite(t, engine)
		ctx := context.Background()
		actx, bctx := reportline.WithTenant(ctx, ts.alpha), reportline.WithTenant(ctx, ts.beta)
		sys := app.SystemActor(reportline.SourceCLI)
		if _, err := ts.a.CreatePlatformAdmin(actx, "root@a.example", "correct horse battery"); err != nil {
			t.Fatal(err)
		}
		if err := ts.a.SetPassword(actx, sys, ts.adaA.ID, "ada's long password"); err != nil {
			t.Fatal(err)
		}
		if err := ts.a.SetPassword(bctx, sys, ts.adaB.ID, "ada's long password"); err != nil {
			t.Fatal(err)
		}
		if _, err := ts.a.SetTenantSSOOnly(actx, sys, true); reportline.ErrorCode(err) != reportline.Invalid || !strings.Contains(err.Error(), "identity provider") {
			t.Errorf("SSO-only without a provider: %v, want invalid naming the provider", err)
		}
		ts.samlIdPFor(t, ts.alpha, "a.example", true)
		if _, err := ts.a.SetTenantSSOOnly(actx, sys, true); err != nil {
			t.Fatal(err)
		}
		if _, err := ts.a.SetTenantSSOOnly(ctx, sys, true); reportline.ErrorCode(err) != reportline.Invalid {
			t.Errorf("SSO-only on the implicit tenant: %v, want invalid (the environment's)", err)
		}
		a, b := ts.on(t, "a.example"), ts.on(t, "b.example")
		c := ts.browser(t)
		p := get(t, c, a.base+"/login")
		if !strings.Contains(p.body, `id="sso-only"`) || strings.Contains(p.body, `id="password-form"`) || !strings.Contains(p.body, `href="/sso/saml/saml/start`) {
			t.Errorf("alpha's login page in SSO-only mode: want the button and no password form: %.800s", p.body)
		}
		for _, tc := range []struct{ who, password string }{
			{"ada@example.com", "ada's long password"}, // right password, not an admin
			{"ada@example.com", "a wrong password"},
			{"nobody@example.com", "a wrong password"},
			{"root@a.example", "a wrong password"},
		} {
			p := post(t, c, a.base+"/login", url.Values{"email": {tc.who}, "password": {tc.password}})
			if p.status != http.StatusUnauthorized || !strings.Contains(p.body, "single sign-on only") || a.signedInAs(c) != "" {
				t.Errorf("%s / %s on alpha: %d, want 401 single sign-on only", tc.who, tc.password, p.status)
			}
		}
		if err := ts.a.RequestPasswordReset(actx, "ada@example.com", "192.0.2.1"); reportline.ErrorCode(err) != reportline.Unauthenticated {
			t.Errorf("a password reset on alpha: %v, want refused", err)
		}
		// The break-glass platform admin gets in with a password.
		post(t, c, a.base+"/login", url.Values{"email": {"root@a.example"}, "password": {"correct horse battery"}, "local": {"1"}})
		if got := a.signedInAs(c); got != "root@a.example" {
			t.Errorf("alpha's platform admin in SSO-only mode: signed in as %q", got)
		}
		// Beta is not in SSO-only mode.
		cb := ts.browser(t)
		post(t, cb, b.base+"/login", url.Values{"email": {"ada@example.com"}, "password": {"ada's long password"}})
		if got := b.signedInAs(cb); got != "ada@example.com" {
			t.Errorf("beta's ada with her password: signed in as %q", got)
		}
		// An API token of alpha's still works.
		tok, err := ts.a.CreateToken(actx, sys, "root@a.example", "integration")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ts.a.TokenUser(actx, tok); err != nil {
			t.Errorf("alpha's API token in SSO-only mode: %v", err)
		}
	})
}
