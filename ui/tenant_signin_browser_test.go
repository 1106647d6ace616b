package ui_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"reportline"
	"reportline/app"
	"reportline/internal/browser"
	"reportline/internal/testapp"
	"reportline/secret"
	"reportline/store"
	"reportline/ui"
)

// idpMetadata is an identity provider's SAML metadata, as an admin pastes
// it (the page and app check its shape; package sso reads it at sign-in).
const idpMetadata = `<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.com/saml">
  <IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.com/sso"/>
  </IDPSSODescriptor>
</EntityDescriptor>`

// TestBrowserTenantSignIn: an organisation's platform admin, on its own
// host, opens Settings → Sign-in, sees the addresses to give the identity
// providers, configures OpenID Connect (the secret is never shown again)
// and SAML (by metadata XML), and turns SSO-only mode on. Then the sign-in
// page of that host shows both buttons and no password form; a member's
// password is refused with a clear message, the platform admin's
// (break-glass) accepted. At 390 and 1366 px, the settings page with the
// layout and accessibility (axe-core) checks.
func TestBrowserTenantSignIn(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx0 := context.Background()
		db := testapp.OpenDB(t, engine)
		// The browser reaches the tenant as http://localhost:PORT: its host
		// is localhost (the port does not count).
		tenant, err := db.CreateTenantAs(ctx0, "test", "acme", "localhost")
		if err != nil {
			t.Fatal(err)
		}
		keys, err := secret.New("k1", bytes.Repeat([]byte{9}, 32))
		if err != nil {
			t.Fatal(err)
		}
		a := app.New(app.Adapt(db.Read, db.Write, db.Ping, db.ReadOnce), app.Config{Logger: slog.New(slog.DiscardHandler),
			PasswordParams: testapp.FastPasswords, Tenants: db.Tenants, Secrets: keys})
		env := &testapp.Env{DB: db, App: a}
		tctx := reportline.WithTenant(ctx0, tenant)
		if _, err := a.CreatePlatformAdmin(tctx, "root@acme.test", password); err != nil {
			t.Fatal(err)
		}
		member, err := a.CreateUser(tctx, app.SystemActor(reportline.SourceCLI), app.UserInput{Email: "ada@acme.test", FirstName: "Ada"})
		if err != nil {
			t.Fatal(err)
		}
		if err := a.SetPassword(tctx, app.SystemActor(reportline.SourceCLI), member.ID, password); err != nil {
			t.Fatal(err)
		}
		pages, err := ui.New(a, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		base := strings.Replace(env.Serve(t, pages), "127.0.0.1", "localhost", 1)

		// Six axe-core runs on a shared machine: more than the default.
		ctx := browser.NewWithin(t, 5*time.Minute)
		signIn(t, ctx, base, "root@acme.test")
		shoot := func(ctx context.Context, name string, layout bool) {
			t.Helper()
			for _, width := range []int64{390, 1366} {
				if layout {
					checkLayout(t, ctx, width)
					checkAxe(t, ctx, fmt.Sprintf("%s at %d px", name, width))
				} else {
					if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900)); err != nil {
						t.Fatal(err)
					}
					wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
					if err != nil || wide {
						t.Errorf("%s at %d px scrolls sideways (%v)", name, width, err)
					}
				}
				browser.Screenshot(t, ctx, fmt.Sprintf("%s-%d", name, width))
			}
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(1366, 900)); err != nil {
				t.Fatal(err)
			}
		}
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/settings/organisation")); err != nil {
			t.Fatal(err)
		}
		click(t, ctx, "#settings-sign-in")
		if got := location(t, ctx, base); got != "/settings/organisation/sign-in" {
			t.Fatalf("the Sign-in entry leads to %s", got)
		}
		value := func(sel string) string {
			v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("`+sel+`").value`))
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		if got := value("#oidc-redirect"); got != "https://localhost/sso/oidc/oidc/callback" {
			t.Errorf("redirect URL shown = %q", got)
		}
		if got := value("#saml-acs"); got != "https://localhost/sso/saml/saml/acs" {
			t.Errorf("ACS URL shown = %q", got)
		}
		shoot(ctx, "signin-settings-empty", true)

		// OpenID Connect, with a secret.
		if err := chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.CSS("#oidc-issuer"), "https://login.example.com/acme/v2.0"),
			chromedp.SendKeys(chromedp.CSS("#oidc-client-id"), "reportline-acme"),
			chromedp.SendKeys(chromedp.CSS("#oidc-secret"), "hunter2-very-secret"),
			chromedp.SendKeys(chromedp.CSS("#oidc-label"), "Sign in with Acme ID"),
			chromedp.Click(chromedp.CSS("#oidc-trust-emails"))); err != nil {
			t.Fatal(err)
		}
		click(t, ctx, "#oidc-save")
		if got := texts(t, ctx, "#flash"); len(got) != 1 {
			t.Errorf("no confirmation after saving OpenID Connect")
		}
		html, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(html, "hunter2-very-secret") || value("#oidc-secret") != "" {
			t.Errorf("the client secret is shown back")
		}
		if got := texts(t, ctx, "#oidc-secret-hint"); len(got) != 1 || !strings.Contains(got[0], "A secret is saved") {
			t.Errorf("secret hint = %q, want it saved", got)
		}

		// SAML by metadata XML; a metadata URL beside it is refused.
		if err := chromedp.Do(ctx,
			chromedp.SetValue(chromedp.CSS("#saml-metadata-url"), "https://idp.example.com/metadata"),
			chromedp.SetValue(chromedp.CSS("#saml-metadata-xml"), idpMetadata),
			chromedp.SendKeys(chromedp.CSS("#saml-label"), "Sign in with Acme SAML")); err != nil {
			t.Fatal(err)
		}
		click(t, ctx, "#saml-save")
		if got := texts(t, ctx, "#saml #problem"); len(got) != 1 || !strings.Contains(got[0], "not both") {
			t.Errorf("URL and XML both given: problem = %q", got)
		}
		if got := value("#saml-label"); got != "Sign in with Acme SAML" {
			t.Errorf("the refused form lost what was typed: label %q", got)
		}
		shoot(ctx, "signin-settings-refused", true)
		if err := chromedp.Do(ctx, chromedp.Clear(chromedp.CSS("#saml-metadata-url"))); err != nil {
			t.Fatal(err)
		}
		click(t, ctx, "#saml-save")
		if got := texts(t, ctx, "#flash"); len(got) != 1 {
			t.Errorf("no confirmation after saving SAML: %q", texts(t, ctx, "#problem"))
		}

		// SSO-only.
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#sso-only-box"))); err != nil {
			t.Fatal(err)
		}
		click(t, ctx, "#sso-only-save")
		if on, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("#sso-only-box").checked`)); err != nil || !on {
			t.Errorf("SSO-only not shown on after saving (%v)", err)
		}
		shoot(ctx, "signin-settings-saved", true)

		// Someone else's browser: the sign-in page of the organisation.
		ctx2 := browser.New(t)
		if err := chromedp.Do(ctx2, chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS("#sso-buttons"))); err != nil {
			t.Fatal(err)
		}
		if got := texts(t, ctx2, ".sso-button"); strings.Join(got, "|") != "Sign in with Acme ID|Sign in with Acme SAML" {
			t.Errorf("buttons = %q", got)
		}
		if len(texts(t, ctx2, "#password-form")) != 0 || len(texts(t, ctx2, "#sso-only")) != 1 {
			t.Errorf("SSO-only mode: the password form shows, or the notice does not")
		}
		shoot(ctx2, "signin-tenant-sso-only", false)
		click(t, ctx2, "#break-glass-link")
		if err := chromedp.Do(ctx2, chromedp.SendKeys(chromedp.CSS("#email"), "ada@acme.test"), chromedp.SendKeys(chromedp.CSS("#password"), password)); err != nil {
			t.Fatal(err)
		}
		click(t, ctx2, `form[action="/login"] button[type="submit"]`)
		if got := texts(t, ctx2, "#login-error"); len(got) != 1 || !strings.Contains(got[0], "single sign-on only") {
			t.Errorf("a member's right password in SSO-only mode: %q, want refused as single sign-on only", got)
		}
		shoot(ctx2, "signin-tenant-password-refused", false)
		if err := chromedp.Do(ctx2, chromedp.Clear(chromedp.CSS("#email")), chromedp.SendKeys(chromedp.CSS("#email"), "root@acme.test"),
			chromedp.SendKeys(chromedp.CSS("#password"), password)); err != nil {
			t.Fatal(err)
		}
		click(t, ctx2, `form[action="/login"] button[type="submit"]`)
		if got := location(t, ctx2, base); got != "/groups" {
			t.Errorf("the break-glass platform admin ends at %s, want /groups", got)
		}
	})
}
