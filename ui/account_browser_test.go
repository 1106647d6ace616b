package ui_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"reportline/internal/browser"
	"reportline/internal/testapp"
	"reportline/store"
)

// TestBrowserTokens: ada opens "Your tokens" from her menu, creates a
// token (its secret shown once), finds it listed and revokes it.
func TestBrowserTokens(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		ctx := browser.New(t)
		signIn(t, ctx, w.url, "ada@acme.test")
		// The account menu folds its links; opening it loads no page.
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#account-menu"))); err != nil {
			t.Fatalf("open the account menu: %v", err)
		}
		click(t, ctx, "#nav-tokens")
		if loc := location(t, ctx, w.url); loc != "/account/tokens" {
			t.Fatalf("Your tokens led to %s", loc)
		}
		if err := chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.CSS("#token-name"), "Payroll export"),
			chromedp.SetValue(chromedp.CSS("#token-expires"), "30"),
		); err != nil {
			t.Fatal(err)
		}
		click(t, ctx, "#token-create")
		secret := texts(t, ctx, "#token-secret")
		if len(secret) != 1 || !strings.HasPrefix(secret[0], "rlt_") {
			t.Fatalf("the new token's secret = %q", secret)
		}
		browser.Screenshot(t, ctx, "token-created")
		if rows := texts(t, ctx, "#tokens tbody th"); len(rows) != 1 || rows[0] != "Payroll export" {
			t.Errorf("tokens = %q", rows)
		}
		if st := texts(t, ctx, "#tokens tbody td .flag"); len(st) != 1 || st[0] != "Active" {
			t.Errorf("status = %q", st)
		}
		click(t, ctx, `#tokens button[id^="revoke-"]`)
		if got := texts(t, ctx, "#token-notice"); len(got) != 1 {
			t.Errorf("no notice after revoking")
		}
		if st := texts(t, ctx, "#tokens tbody td .flag"); len(st) != 1 || st[0] != "Revoked" {
			t.Errorf("status after revoking = %q", st)
		}
		if got := texts(t, ctx, "#token-secret"); len(got) != 0 {
			t.Errorf("the secret is shown again: %q", got)
		}
		browser.Screenshot(t, ctx, "token-revoked")
	})
}

// TestBrowserForgotPassword: from the sign-in page, "Forgot password?",
// an address, the same answer; the mailed link opens the form, the new
// password is set and works.
func TestBrowserForgotPassword(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		ctx := browser.New(t)
		if err := chromedp.Do(ctx, chromedp.Navigate(w.url+"/login"), chromedp.WaitVisible(chromedp.CSS("#forgot-link"))); err != nil {
			t.Fatal(err)
		}
		click(t, ctx, "#forgot-link")
		if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#email"), "ada@acme.test")); err != nil {
			t.Fatal(err)
		}
		browser.Screenshot(t, ctx, "forgot")
		click(t, ctx, "#forgot-submit")
		if got := texts(t, ctx, "#forgot-sent"); len(got) != 1 || !strings.Contains(got[0], "If an active account uses this address") {
			t.Fatalf("answer = %q", got)
		}
		browser.Screenshot(t, ctx, "forgot-sent")
		link := resetLinkIn(t, w.env, "ada@acme.test")
		if link == "" {
			t.Fatal("no reset mail")
		}
		if err := chromedp.Do(ctx, chromedp.Navigate(w.url+link), chromedp.WaitVisible(chromedp.CSS("#reset-form"))); err != nil {
			t.Fatal(err)
		}
		if got := texts(t, ctx, "#reset-email"); len(got) != 1 || got[0] != "ada@acme.test" {
			t.Errorf("the form is for %q", got)
		}
		if err := chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.CSS("#password"), "a new sturdy secret"),
			chromedp.SendKeys(chromedp.CSS("#confirm"), "a new sturdy secret"),
			chromedp.Click(chromedp.CSS("#revoke-tokens")),
		); err != nil {
			t.Fatal(err)
		}
		browser.Screenshot(t, ctx, "reset-form")
		click(t, ctx, "#reset-submit")
		if loc := location(t, ctx, w.url); loc != "/login?reset=done" {
			t.Fatalf("after the reset the page is %s", loc)
		}
		if got := texts(t, ctx, "#login-notice"); len(got) != 1 {
			t.Errorf("no notice on the sign-in page")
		}
		if err := chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.CSS("#email"), "ada@acme.test"),
			chromedp.SendKeys(chromedp.CSS("#password"), "a new sturdy secret"),
		); err != nil {
			t.Fatal(err)
		}
		click(t, ctx, `form[action="/login"] button[type="submit"]`)
		if loc := location(t, ctx, w.url); loc != "/groups" {
			t.Errorf("signing in with the new password led to %s", loc)
		}
		// The link works once.
		if err := chromedp.Do(ctx, chromedp.Navigate(w.url+link), chromedp.WaitVisible(chromedp.CSS("#reset-error"))); err != nil {
			t.Fatal(err)
		}
		browser.Screenshot(t, ctx, "reset-link-used")
	})
}
