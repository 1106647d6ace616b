package ui_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"reportline"
	"reportline/app"
	"reportline/internal/browser"
	"reportline/internal/testapp"
	"reportline/store"
)

// TestBrowserOrgChart: alice goes from My team to her org chart, sees her
// reports of today, refocuses on bob (his managers above, one of them a
// temporary link with its dates, his report below), then asks for the chart
// as of two days ago and sees carol again, whose link was removed since,
// then compares today with that day (carol drawn as gone); a
// person she may not see is refused without a name on the page. At 390 and
// 1366 px, with the layout checks and no console error before the refusal
// (no script, strict CSP).
func TestBrowserOrgChart(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		teamSetup(t, w) // alice → bob (line), alice → carol (functional), bob → erin; 2026-11-23 09:00
		ctx0 := context.Background()
		sys := app.SystemActor(reportline.SourceAPI)
		now := w.env.Now.Now()
		if _, err := w.env.App.AddLinks(ctx0, sys, app.LinkRequest{User: w.bob.ID, Direction: reportline.Managers, Kind: reportline.Functional,
			IDs: []reportline.UserID{w.carol.ID}, ValidFrom: now.Add(-24 * time.Hour), ValidUntil: now.Add(10 * 24 * time.Hour), Comment: "cover"}); err != nil {
			t.Fatal(err)
		}
		w.env.Now.Advance(48 * time.Hour) // 2026-11-25
		if err := w.env.App.RemoveLink(ctx0, sys, reportline.Pair{ManagerID: w.alice.ID, ManageeID: w.carol.ID}); err != nil {
			t.Fatal(err)
		}

		ctx := browser.New(t)
		signIn(t, ctx, w.url, "alice@acme.test")
		click(t, ctx, "#nav-team")
		click(t, ctx, "#team-orgchart")
		if loc := location(t, ctx, w.url); loc != fmt.Sprintf("/users/%d/orgchart", w.alice.ID) {
			t.Fatalf("My team's org chart link led to %s", loc)
		}
		if got := texts(t, ctx, "#oc-reports .oc-name"); strings.Join(got, ",") != "Bob Bernard" {
			t.Errorf("alice's reports today = %q, want Bob alone", got)
		}
		shoot := func(name string) {
			for _, width := range []int64{390, 1366} {
				checkLayout(t, ctx, width)
				browser.Screenshot(t, ctx, fmt.Sprintf("%s-%d", name, width))
			}
		}
		shoot("alice-today")

		// Expand bob: the chart refocuses on him.
		click(t, ctx, "#oc-reports a.oc-more")
		if loc := location(t, ctx, w.url); loc != fmt.Sprintf("/users/%d/orgchart", w.bob.ID) {
			t.Fatalf("expanding bob led to %s", loc)
		}
		if got := texts(t, ctx, "#oc-managers .oc-name"); strings.Join(got, ",") != "Alice Martin,Carol Dubois" {
			t.Errorf("bob's managers = %q", got)
		}
		if got := texts(t, ctx, "#oc-managers .oc-temporary .oc-dates"); len(got) != 1 || !strings.Contains(got[0], "22 Nov 2026") || !strings.Contains(got[0], "3 Dec 2026") {
			t.Errorf("the temporary link's dates = %q", got)
		}
		// alice may no longer see carol: carol is drawn, not a link.
		if got := texts(t, ctx, "#oc-managers a.oc-name"); strings.Join(got, ",") != "Alice Martin" {
			t.Errorf("refocusable managers = %q, want alice only", got)
		}
		if got := texts(t, ctx, "#oc-reports .oc-name"); strings.Join(got, ",") != "Erin Laurent" {
			t.Errorf("bob's reports = %q", got)
		}
		shoot("bob-today")

		// As of 23 November, from alice's chart.
		click(t, ctx, "#oc-managers a.oc-name")
		if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#as_of"), "2026-11-23")); err != nil {
			t.Fatal(err)
		}
		click(t, ctx, "#asof-form button[type=submit]")
		if loc := location(t, ctx, w.url); loc != fmt.Sprintf("/users/%d/orgchart?as_of=2026-11-23&compare=", w.alice.ID) {
			t.Errorf("the date form led to %s", loc)
		}
		if got := texts(t, ctx, "#oc-reports .oc-name"); strings.Join(got, ",") != "Bob Bernard,Carol Dubois" {
			t.Errorf("alice's reports as of 23 November = %q, want Bob and Carol", got)
		}
		if got := texts(t, ctx, "#oc-reports a.oc-more"); len(got) != 1 {
			t.Errorf("expand links as of then = %q, want bob's", got)
		} else if href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#oc-reports a.oc-more').getAttribute('href')`)); err != nil ||
			!strings.HasSuffix(href, "?as_of=2026-11-23") {
			t.Errorf("expanding keeps the date: %q, %v", href, err)
		}
		shoot("alice-asof")

		// Compare today with 23 November: carol is gone, drawn crossed out.
		click(t, ctx, "#today")
		if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#compare"), "2026-11-23")); err != nil {
			t.Fatal(err)
		}
		click(t, ctx, "#asof-form button[type=submit]")
		if got := texts(t, ctx, "#oc-reports .oc-removed .oc-name"); strings.Join(got, ",") != "Carol Dubois" {
			t.Errorf("gone since 23 November = %q, want Carol", got)
		}
		shoot("alice-compare")
		browser.NoConsoleErrors(t, ctx)

		// Somebody alice may not see: refused, no name on the page.
		if err := chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s/users/%d/orgchart?as_of=2026-11-23", w.url, w.gina.ID))); err != nil {
			t.Fatal(err)
		}
		body, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"Gina", "Roux", "Frank", "Petit", "gina@"} {
			if strings.Contains(body, name) {
				t.Errorf("the refusal shows %q", name)
			}
		}
		if !strings.Contains(body, "Access refused") {
			t.Errorf("the page does not refuse: %.300s", body)
		}
		browser.Screenshot(t, ctx, "refused")
	})
}
