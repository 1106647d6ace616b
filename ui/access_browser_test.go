package ui_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"reportline/internal/browser"
	"reportline/internal/testapp"
	"reportline/store"
)

// TestBrowserContactsAndOrphans follows the access pages in a real browser:
// a managee opens My contacts and sees her managers with their kind and
// source; an admin opens the report of managees without a manager, narrows
// it, and goes from a row to Show managers to fix it.
func TestBrowserContactsAndOrphans(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := accessWorld(t, engine)

		ctx := browser.New(t)
		signIn(t, ctx, w.url, "alice@acme.test")
		click(t, ctx, "#nav-contacts")
		if loc := location(t, ctx, w.url); loc != "/contacts" {
			t.Fatalf("My contacts led to %s", loc)
		}
		if got := texts(t, ctx, "#contacts-list .contact-name"); strings.Join(got, ", ") != "Bob Bernard, Carol Dubois" {
			t.Errorf("contacts = %q, want Bob then Carol", got)
		}
		if got := texts(t, ctx, "#contacts-list .kind"); strings.Join(got, ", ") != "Line manager, Functional manager" {
			t.Errorf("kinds = %q", got)
		}
		if got := texts(t, ctx, "#contacts-list .contact-source"); strings.Join(got, ", ") != "API, API" {
			t.Errorf("sources = %q", got)
		}
		browser.Screenshot(t, ctx, "my-contacts")
		browser.NoConsoleErrors(t, ctx)

		ctx = browser.New(t)
		signIn(t, ctx, w.url, "ada@acme.test")
		click(t, ctx, "#nav-orphans")
		if loc := location(t, ctx, w.url); loc != "/reports/orphans" {
			t.Fatalf("the report led to %s", loc)
		}
		rows := texts(t, ctx, "#orphans-table tbody th")
		if len(rows) != 1 || !strings.HasPrefix(rows[0], "Erin Laurent") {
			t.Fatalf("report rows = %q, want Erin", rows)
		}
		if got := texts(t, ctx, "#orphans-table .orphan-why"); len(got) != 1 || !strings.Contains(got[0], "Hank Leroy") || !strings.Contains(got[0], "inactive") {
			t.Errorf("why = %q", got)
		}
		browser.Screenshot(t, ctx, "orphans")

		// Narrow to managees whose links ended: nobody.
		if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#orphans-reason"), "expired")); err != nil {
			t.Fatal(err)
		}
		click(t, ctx, "#orphans-apply")
		if got := texts(t, ctx, "#orphans-empty"); len(got) != 1 {
			t.Errorf("narrowed report = %q, want it empty", got)
		}
		if err := chromedp.Do(ctx, chromedp.Navigate(w.url+"/reports/orphans")); err != nil {
			t.Fatal(err)
		}
		click(t, ctx, fmt.Sprintf(`#orphans-table tr[data-user-id="%d"] a.btn`, w.erin.ID))
		if loc := location(t, ctx, w.url); !strings.HasPrefix(loc, fmt.Sprintf("/users/%d/managers", w.erin.ID)) {
			t.Errorf("Show managers led to %s", loc)
		}
		browser.Screenshot(t, ctx, "fix")
		browser.NoConsoleErrors(t, ctx)

		// A platform admin's capability matrix.
		ctx = browser.New(t)
		signIn(t, ctx, w.url, "root@acme.test")
		if err := chromedp.Do(ctx, chromedp.Navigate(w.url+"/settings/capabilities"),
			chromedp.Click(chromedp.CSS("#functional-birthdays"))); err != nil {
			t.Fatal(err)
		}
		click(t, ctx, "#matrix-save")
		if got := texts(t, ctx, "#flash"); len(got) != 1 || !strings.HasPrefix(got[0], "Capabilities saved.") {
			t.Errorf("flash = %q", got)
		}
		checked, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('#functional-birthdays').checked`))
		if err != nil || checked {
			t.Errorf("functional birthdays still ticked (%v)", err)
		}
		browser.Screenshot(t, ctx, "capabilities")
		browser.NoConsoleErrors(t, ctx)
	})
}
