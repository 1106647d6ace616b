package sso_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"reportline/app"
	"reportline/internal/browser"
	"reportline/internal/testapp"
	"reportline/sso"
	"reportline/store"
)

// bothSite offers OpenID Connect and SAML buttons.
func bothSite(t *testing.T, engine store.Engine, ssoOnly bool) (*site, *openID, *samlIdP) {
	ln, base := listen(t)
	o := newOpenID(t, "reportline-"+t.Name(), base+"/sso/oidc/oidc/callback")
	idp := newSAMLIdP(t, base+"/sso/saml/saml/metadata")
	key, cert := keyPair(t, "reportline")
	m := app.SSOMatching{TrustEmails: true}
	s := newSite(t, engine, ln, base, siteConfig{ssoOnly: ssoOnly, client: o.client(), providers: func(string) []sso.Provider {
		return []sso.Provider{
			{Name: "oidc", Label: "Sign in with Zitadel", Matching: m, OIDC: &sso.OIDCConfig{Issuer: o.issuer, ClientID: "reportline-" + t.Name(), ClientSecret: "s3cret"}},
			{Name: "saml", Label: "Sign in with SAML", Matching: m, SAML: &sso.SAMLConfig{IDPMetadataURL: idp.base + "/metadata", Key: key, Certificate: cert}},
		}
	}})
	return s, o, idp
}

func run(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatal(err)
	}
}

func textsOf(t *testing.T, ctx context.Context, selector string) []string {
	t.Helper()
	out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll(`+"`"+selector+"`"+`)).map(e => e.textContent.trim())`))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func path(t *testing.T, ctx context.Context, base string) string {
	t.Helper()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(loc, base)
}

// TestBrowserSignInButtons: the sign-in page offers both providers and the
// password; Ada signs in through the OpenID provider's form, then through
// SAML (the IdP's page posts to us from another origin), and sees both
// sessions on "Your sessions", ends the other one and signs out.
func TestBrowserSignInButtons(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		s, o, idp := bothSite(t, engine, false)
		ctx := browser.New(t)
		run(t, ctx, chromedp.Navigate(s.base+"/login"), chromedp.WaitVisible(`#sso-buttons`))
		if got := textsOf(t, ctx, ".sso-button"); strings.Join(got, "|") != "Sign in with Zitadel|Sign in with SAML" {
			t.Errorf("buttons = %q", got)
		}
		if len(textsOf(t, ctx, "#password-form")) != 1 {
			t.Errorf("no password form beside the buttons")
		}
		browser.Screenshot(t, ctx, "sso-sign-in-buttons")

		run(t, ctx, chromedp.Click(`a.sso-button[href^="/sso/oidc/"]`), chromedp.WaitVisible(`#username`))
		if loc := path(t, ctx, ""); !strings.HasPrefix(loc, o.issuer) {
			t.Fatalf("the OpenID button led to %s, not the provider", loc)
		}
		run(t, ctx, chromedp.SendKeys(`#username`, "ada"), chromedp.SendKeys(`#password`, "verysecure"))
		browser.Screenshot(t, ctx, "sso-oidc-provider-form")
		run(t, ctx, chromedp.Submit(`#username`), chromedp.WaitVisible(`#account-menu`))
		if loc := path(t, ctx, s.base); loc != "/groups" {
			t.Errorf("after the OpenID sign-in: %s, want /groups", loc)
		}

		// The same person in a second tab context signs in with SAML.
		ctx2 := browser.New(t)
		idp.who = samlAda()
		run(t, ctx2, chromedp.Navigate(s.base+"/login"), chromedp.WaitVisible(`#sso-buttons`),
			chromedp.Click(`a.sso-button[href^="/sso/saml/"]`), chromedp.WaitVisible(`#account-menu`))
		run(t, ctx2, chromedp.Click(`#account-menu`), chromedp.WaitVisible(`#nav-sessions`), chromedp.Click(`#nav-sessions`), chromedp.WaitVisible(`#sessions`))
		methods := textsOf(t, ctx2, "#sessions tbody td:nth-child(2)")
		if strings.Join(methods, "|") != "Single sign-on (SAML)|Single sign-on (OpenID Connect)" {
			t.Errorf("sessions = %q, want the SAML one (this browser) and the OpenID one", methods)
		}
		browser.Screenshot(t, ctx2, "sso-your-sessions")
		run(t, ctx2, chromedp.Click(`#sessions tbody button`), chromedp.WaitVisible(`#sessions-notice`))
		if got := textsOf(t, ctx2, "#sessions tbody tr"); len(got) != 1 {
			t.Errorf("after ending the other session: %d rows, want 1", len(got))
		}
		// The first browser's session is over.
		run(t, ctx, chromedp.Navigate(s.base+"/groups"), chromedp.WaitVisible(`#sso-buttons`))
		if loc := path(t, ctx, s.base); !strings.HasPrefix(loc, "/login") {
			t.Errorf("the ended session still opens %s", loc)
		}
	})
}

// TestBrowserSSOOnly: in SSO-only mode the sign-in page has the buttons and
// a discreet administrator sign-in; a password is refused to anyone but the
// break-glass platform admin.
func TestBrowserSSOOnly(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		s, _, _ := bothSite(t, engine, true)
		ctx := browser.New(t)
		run(t, ctx, chromedp.Navigate(s.base+"/login"), chromedp.WaitVisible(`#sso-only`))
		if len(textsOf(t, ctx, "#password-form")) != 0 || len(textsOf(t, ctx, "#forgot-link")) != 0 {
			t.Errorf("SSO-only mode shows the password form or the reset link")
		}
		browser.Screenshot(t, ctx, "sso-only-sign-in")
		run(t, ctx, chromedp.Click(`#break-glass-link`), chromedp.WaitVisible(`#password-form`),
			chromedp.SendKeys(`#email`, "ada@example.com"), chromedp.SendKeys(`#password`, "any password at all"),
			chromedp.Submit(`#email`), chromedp.WaitVisible(`#login-error`))
		if got := textsOf(t, ctx, "#login-error"); len(got) != 1 || !strings.Contains(got[0], "single sign-on only") {
			t.Errorf("a member's password in SSO-only mode: %q", got)
		}
		browser.Screenshot(t, ctx, "sso-only-password-refused")
		run(t, ctx, chromedp.Clear(`#email`), chromedp.SendKeys(`#email`, "root@example.com"), chromedp.SendKeys(`#password`, "correct horse battery"),
			chromedp.Submit(`#email`), chromedp.WaitVisible(`#account-menu`))
		if got := textsOf(t, ctx, ".who-name"); len(got) != 1 {
			t.Errorf("the break-glass admin is not signed in")
		}
		browser.Screenshot(t, ctx, "sso-only-break-glass-admin")
	})
}

// TestBrowserSignOutReachesTheProvider: signing out of a single sign-on
// session goes on to the provider's sign-out in a real browser. A redirect
// answering the sign-out form would be refused by the pages' CSP
// (form-action 'self'), leaving the person on an error page with the
// provider's session alive.
func TestBrowserSignOutReachesTheProvider(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		s, o, _ := bothSite(t, engine, false)
		ctx := browser.New(t)
		run(t, ctx, chromedp.Navigate(s.base+"/login"), chromedp.WaitVisible(`#sso-buttons`),
			chromedp.Click(`a.sso-button[href^="/sso/oidc/"]`), chromedp.WaitVisible(`#username`),
			chromedp.SendKeys(`#username`, "ada"), chromedp.SendKeys(`#password`, "verysecure"),
			chromedp.Submit(`#username`), chromedp.WaitVisible(`#account-menu`))
		run(t, ctx, chromedp.Click(`#account-menu`), chromedp.WaitVisible(`form[action="/logout"] button`),
			chromedp.Click(`form[action="/logout"] button`), chromedp.WaitVisible(`#signed-out`))
		// Read the link before the screenshot: the page moves on after 2 s,
		// and a screenshot on a loaded machine can take longer.
		next, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#idp-sign-out").href`))
		if err != nil {
			t.Fatal(err)
		}
		browser.Screenshot(t, ctx, "sso-signed-out")
		if !strings.HasPrefix(next, o.issuer) {
			t.Fatalf("the signed-out page leads to %q, want the provider's sign-out at %s", next, o.issuer)
		}
		// The page moves on by itself (a refresh, no script): the browser
		// reaches the provider, which is another origin.
		loc := s.base
		for strings.HasPrefix(loc, s.base) && ctx.Err() == nil { // until the browser context's deadline
			time.Sleep(100 * time.Millisecond)
			loc, _ = chromedp.Run(ctx, chromedp.Location())
		}
		if !strings.HasPrefix(loc, o.issuer) {
			t.Errorf("after signing out the browser is at %s, want the provider's sign-out at %s", loc, o.issuer)
		}
		// Reportline's session is over.
		run(t, ctx, chromedp.Navigate(s.base+"/groups"), chromedp.WaitVisible(`#sso-buttons`))
	})
}
