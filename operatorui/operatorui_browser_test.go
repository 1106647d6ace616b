package operatorui_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"reportline/internal/browser"
	"reportline/store"
)

// TestBrowserOperatorSignIn: in Chromium, the operator signs in and sees
// the tenant list, at 390 and 1366 px, without the page scrolling
// sideways and with no console error (CSP included).
func TestBrowserOperatorSignIn(t *testing.T) {
	// One engine is enough for the browser; TestOperatorPage covers both.
	engine := store.SQLite
	_, base := start(t, engine)
	ctx := browser.New(t)
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1366, 900),
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), "ops@example.com"),
		chromedp.SendKeys(chromedp.CSS("#password"), "operator password 1"),
	); err != nil {
		t.Fatalf("fill in the sign-in form: %v", err)
	}
	browser.Screenshot(t, ctx, "sign-in")
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form.card button[type="submit"]`))); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("main").innerText`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "default") || !strings.Contains(text, "Tenants") {
		t.Fatalf("the list shows:\n%s", text)
	}
	fitsPhoneAndDesktop(t, ctx, "list")
	browser.NoConsoleErrors(t, ctx)
}

// TestBrowserOperatorFirstAdmin: in Chromium, the operator opens a new
// tenant's "First admin…", fills in the address and the name and sees the
// admin ready with the generated password, at 390 and 1366 px, without the
// page scrolling sideways and with no console error.
func TestBrowserOperatorFirstAdmin(t *testing.T) {
	env, base := start(t, store.SQLite)
	if _, err := env.DB.CreateTenantAs(context.Background(), "test", "acme", "acme.example"); err != nil {
		t.Fatal(err)
	}
	ctx := browser.New(t)
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 900),
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), "ops@example.com"),
		chromedp.SendKeys(chromedp.CSS("#password"), "operator password 1"),
	); err != nil {
		t.Fatalf("fill in the sign-in form: %v", err)
	}
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form.card button[type="submit"]`))); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`details:has(form[action="/tenants/acme/admin"]) > summary`)),
		chromedp.WaitVisible(chromedp.CSS("#admin-email-acme")),
		chromedp.SendKeys(chromedp.CSS("#admin-email-acme"), "boss@acme.example"),
		chromedp.SendKeys(chromedp.CSS("#admin-name-acme"), "Ada Lovelace"),
	); err != nil {
		t.Fatalf("fill in the first admin's form: %v", err)
	}
	browser.Screenshot(t, ctx, "first-admin-form-390")
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form[action="/tenants/acme/admin"] button`))); err != nil {
		t.Fatalf("create the first admin: %v", err)
	}
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("main").innerText`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "Platform admin boss@acme.example of tenant acme is ready.") || !strings.Contains(text, "shown this once") {
		t.Fatalf("after the form, the page shows:\n%s", text)
	}
	fitsPhoneAndDesktop(t, ctx, "first-admin-done")
	browser.NoConsoleErrors(t, ctx)
}

// fitsPhoneAndDesktop checks that the page does not scroll sideways at
// 390 and 1366 px, and takes a screenshot (name-WIDTH) at each.
func fitsPhoneAndDesktop(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	for _, width := range []int64{390, 1366} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900)); err != nil {
			t.Fatal(err)
		}
		wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > document.documentElement.clientWidth`))
		if err != nil {
			t.Fatal(err)
		}
		if wide {
			t.Errorf("at %d px the page scrolls sideways", width)
		}
		browser.Screenshot(t, ctx, fmt.Sprintf("%s-%d", name, width))
	}
}
