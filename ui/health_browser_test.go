package ui_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"reportline"
	"reportline/app"
	"reportline/internal/browser"
	"reportline/internal/testapp"
	"reportline/store"
)

// healthSetup: alice → bob (line), alice → carol (functional), bob → erin;
// then bob goes inactive: erin's only manager is inactive, bob is an
// inactive manager, carol has a functional manager only.
func healthSetup(t *testing.T, w *world) {
	t.Helper()
	teamSetup(t, w)
	off := reportline.StatusInactive
	if _, err := w.env.App.UpdateUser(context.Background(), app.SystemActor(reportline.SourceAPI), w.bob.ID, app.UserPatch{Status: &off}); err != nil {
		t.Fatal(err)
	}
}

// The health centre shows each problem's count with its fix to a
// platform admin; a group admin sees their groups only (Finance's people
// are not named), no directory check; a manager is refused.
func TestHealthPage(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		healthSetup(t, w)
		c := newClient(t, w.url)
		c.login("root@acme.test")
		r := c.get("/reports/health")
		if r.Status != http.StatusOK {
			t.Fatalf("health as root: %d", r.Status)
		}
		has(t, r.Body, `id="health-functional_only"`, `id="health-directory_problems"`, "Carol Dubois", "Erin Laurent",
			`href="/reports/orphans?reason=inactive"`, `href="/people?nomanager=1"`)
		// The counts over time: a drawn line and a table row per problem,
		// 12 weeks.
		has(t, r.Body, `id="health-trend-table"`, `id="health-trend-only_inactive"`, "Counts over the last 12 weeks", "Week ending")
		if n := strings.Count(r.Body, `<tr><th scope="row">`); n != 12 {
			t.Errorf("the table of weeks has %d rows, want 12", n)
		}
		c = newClient(t, w.url)
		c.login("ada@acme.test")
		r = c.get("/reports/health")
		if r.Status != http.StatusOK {
			t.Fatalf("health as ada: %d", r.Status)
		}
		has(t, r.Body, "Carol Dubois")
		hasNot(t, r.Body, "Frank", "Gina", `id="health-directory_problems"`)
		c = newClient(t, w.url)
		c.login("alice@acme.test")
		if r := c.get("/reports/health"); r.Status != http.StatusForbidden {
			t.Errorf("health as a manager: %d, want 403", r.Status)
		}
	})
}

// TestBrowserHealth: the centre at 390 and 1366 px, its fix links
// followed to the orphans report.
func TestBrowserHealth(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		healthSetup(t, w)
		ctx := browser.New(t)
		signIn(t, ctx, w.url, "root@acme.test")
		if err := chromedp.Do(ctx, chromedp.Navigate(w.url+"/reports/health")); err != nil {
			t.Fatal(err)
		}
		if got := texts(t, ctx, "#health-only_inactive .health-count"); strings.Join(got, ",") != "1" {
			t.Errorf("only inactive managers = %q, want 1", got)
		}
		if got := texts(t, ctx, "#health-functional_only .health-examples a"); strings.Join(got, ",") != "Carol Dubois" {
			t.Errorf("functional only = %q", got)
		}
		for _, width := range []int64{390, 1366} {
			checkLayout(t, ctx, width)
			browser.Screenshot(t, ctx, fmt.Sprintf("health-%d", width))
		}
		click(t, ctx, "#health-only_inactive .health-fix-link")
		if loc := location(t, ctx, w.url); loc != "/reports/orphans?reason=inactive" {
			t.Errorf("the fix led to %s", loc)
		}
		browser.NoConsoleErrors(t, ctx)
	})
}
