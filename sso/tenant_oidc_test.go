package sso_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/secret"
	"reportline/server"
	"reportline/sso"
	"reportline/store"
	"reportline/ui"
)

// hostMap sends the requests for https://HOST to a loopback listener with
// the Host header kept: a browser reaching a tenant's own address.
type hostMap struct {
	host, to string
}

func (m hostMap) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host != m.host {
		return http.DefaultTransport.RoundTrip(r)
	}
	r2 := r.Clone(r.Context())
	r2.URL.Scheme, r2.URL.Host, r2.Host = "http", m.to, m.host
	return http.DefaultTransport.RoundTrip(r2)
}

// TestOIDCTenantProvider: a tenant's own OpenID provider, stored through
// the App with its secret sealed, signs people in on the tenant's host:
// matched to the tenant's user of that email, never to the implicit
// tenant's one with the same email; the login page of that host shows the
// tenant's button; the implicit tenant, which configured none, answers 404
// on the same route.
func TestOIDCTenantProvider(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := testapp.OpenDB(t, engine)
		beta, err := db.CreateTenantAs(ctx, "test", "beta", "b.example")
		if err != nil {
			t.Fatal(err)
		}
		keys, err := secret.New("k1", bytes.Repeat([]byte{7}, 32))
		if err != nil {
			t.Fatal(err)
		}
		ln, base := listen(t)
		a := app.New(app.Adapt(db.Read, db.Write, db.Ping), app.Config{Logger: slog.New(slog.DiscardHandler), PasswordParams: testapp.FastPasswords,
			PublicURL: base, Tenants: db.Tenants, Secrets: keys})
		sys := app.SystemActor(reportline.SourceCLI)
		bctx := reportline.WithTenant(ctx, beta)
		implicitAda, err := a.CreateUser(ctx, sys, app.UserInput{Email: "ada@example.com", FirstName: "Implicit"})
		if err != nil {
			t.Fatal(err)
		}
		betaAda, err := a.CreateUser(bctx, sys, app.UserInput{Email: "ada@example.com", FirstName: "Beta"})
		if err != nil {
			t.Fatal(err)
		}
		clientID := "reportline-" + t.Name()
		o := newOpenID(t, clientID, "https://b.example/sso/oidc/oidc/callback")
		sec := secret.Value("s3cret")
		if _, err := a.SetTenantOIDC(bctx, sys, app.TenantOIDCChange{Issuer: ptr("https://placeholder.example"), ClientID: &clientID,
			Label: ptr("Sign in with Beta's IdP"), ClientSecret: &sec}); err != nil {
			t.Fatal(err)
		}
		// The in-process provider speaks http on loopback, which the API
		// refuses for an issuer: write it under the API's checks.
		if err := db.Tenant(beta).Write(ctx, func(tx *store.Tx) error { return tx.PutSetting(ctx, "sso.oidc.issuer", o.issuer) }); err != nil {
			t.Fatal(err)
		}
		pages, err := ui.New(a, nil)
		if err != nil {
			t.Fatal(err)
		}
		pub, _ := url.Parse(base)
		single, err := sso.New(sso.Config{App: a, PublicURL: pub, Logger: slog.New(slog.DiscardHandler), OnError: pages.Fail})
		if err != nil {
			t.Fatal(err)
		}
		pages.SetSignIn(ui.SignInOptions{LogoutURL: single.LogoutURL})
		serveOn(t, ln, server.New(server.Config{App: a, Logger: slog.New(slog.DiscardHandler), Routes: []server.Routes{pages, single},
			PublicURL: pub, Tenants: db, Ready: func(ctx context.Context) error { return nil }}))

		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, Transport: hostMap{host: "b.example", to: strings.TrimPrefix(base, "http://")}}
		s := &site{t: t, base: "https://b.example", app: a, db: db, client: c, logs: &syncBuffer{}}
		if p := get(t, c, s.base+"/login"); !strings.Contains(p.body, "Sign in with Beta&#39;s IdP") || !strings.Contains(p.body, `href="/sso/oidc/oidc/start`) {
			t.Errorf("beta's login page lacks its button: %.600s", p.body)
		}
		p := o.signIn(t, s, c, "ada")
		if p.status != http.StatusOK || p.url.Path != "/account/sessions" {
			t.Fatalf("ada's sign-in on beta ended at %d %s: %.400s", p.status, p.url, p.body)
		}
		if got := s.signedInAs(c); got != "ada@example.com" {
			t.Fatalf("signed in as %q", got)
		}
		sessions, err := a.ListSessions(bctx, app.UserActor(betaAda, reportline.SourceUI), betaAda.ID, "")
		if err != nil || len(sessions) != 1 {
			t.Errorf("beta's ada has %d sessions (%v), want the one just opened", len(sessions), err)
		}
		if other, _ := a.ListSessions(ctx, app.UserActor(implicitAda, reportline.SourceUI), implicitAda.ID, ""); len(other) != 0 {
			t.Errorf("the implicit tenant's ada got %d sessions from beta's provider", len(other))
		}
		// Sign-out on beta's host ends the provider's session too:
		// RP-initiated logout with the ID token and beta's own address to
		// come back to.
		loc, _ := url.Parse(signOut(t, c, s.base))
		if !strings.HasPrefix(loc.String(), o.issuer) || loc.Query().Get("id_token_hint") == "" || loc.Query().Get("client_id") != clientID {
			t.Errorf("sign-out on beta goes on to %s, want beta's provider's end-session endpoint with id_token_hint and client_id", loc)
		}
		if got := loc.Query().Get("post_logout_redirect_uri"); got != "https://b.example/login" {
			t.Errorf("post_logout_redirect_uri = %q, want beta's https://b.example/login", got)
		}
		if got := s.signedInAs(c); got != "" {
			t.Errorf("still signed in on beta as %q after sign-out", got)
		}
		// The implicit tenant has no provider: the same route is 404.
		if p := get(t, newBrowser(t), base+"/sso/oidc/oidc/start"); p.status != http.StatusNotFound {
			t.Errorf("the implicit tenant's /sso/oidc/oidc/start: %d, want 404", p.status)
		}
	})
}

func ptr(s string) *string { return &s }
