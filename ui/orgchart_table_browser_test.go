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

// TestBrowserOrgChartTable: the org chart's table view is the same chart
// as the drawing. alice switches from her chart to the table (bob reports
// to her, a line link), expands bob (erin listed under him, level 2),
// refocuses on bob (his managers above: alice, and carol's temporary
// functional link with its dates), asks for her table as of 23 November
// (carol again, removed since), compares today with that day (carol listed
// as gone), and switches back to the drawing with the same parameters. At
// 390 and 1366 px, with the layout checks and screenshots, no console
// error (no script, strict CSP).
func TestBrowserOrgChartTable(t *testing.T) {
	t.Parallel()
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

		ctx := browser.NewWithin(t, 3*time.Minute)
		signIn(t, ctx, w.url, "alice@acme.test")
		if err := chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s/users/%d/orgchart", w.url, w.alice.ID))); err != nil {
			t.Fatal(err)
		}
		shoot := func(name string) {
			for _, width := range []int64{390, 1366} {
				checkLayout(t, ctx, width)
				browser.Screenshot(t, ctx, fmt.Sprintf("%s-%d", name, width))
			}
		}
		click(t, ctx, "#oc-view-table")
		if loc := location(t, ctx, w.url); loc != fmt.Sprintf("/users/%d/orgchart?view=table", w.alice.ID) {
			t.Fatalf("the table view link led to %s", loc)
		}
		rows := func(table string) string {
			t.Helper()
			var out []string
			for _, r := range texts(t, ctx, "#"+table+" tbody tr") {
				out = append(out, strings.Join(strings.Fields(r), " "))
			}
			return strings.Join(out, " | ")
		}
		if got := rows("oc-below"); !strings.Contains(got, "Bob Bernard") || !strings.Contains(got, "Reports to Alice Martin") || !strings.Contains(got, "Line") {
			t.Errorf("alice's reports today = %q, want bob, reporting to her by a line link", got)
		}
		if strings.Contains(rows("oc-below"), "Carol") {
			t.Errorf("carol is listed today: %q", rows("oc-below"))
		}
		shoot("table-alice-today")

		click(t, ctx, fmt.Sprintf("#oc-row-%d a.oc-row-toggle", w.bob.ID))
		if loc := location(t, ctx, w.url); loc != fmt.Sprintf("/users/%d/orgchart?expand=%d&view=table#oc-row-%d", w.alice.ID, w.bob.ID, w.bob.ID) {
			t.Fatalf("expanding bob led to %s", loc)
		}
		if got := texts(t, ctx, fmt.Sprintf("#oc-row-%d", w.erin.ID)); len(got) != 1 || !strings.Contains(got[0], "Level 2") || !strings.Contains(got[0], "Reports to Bob Bernard") {
			t.Errorf("erin's row after expanding bob = %q", got)
		}
		shoot("table-alice-expanded")

		click(t, ctx, fmt.Sprintf("#oc-row-%d th a", w.bob.ID))
		if loc := location(t, ctx, w.url); loc != fmt.Sprintf("/users/%d/orgchart?view=table", w.bob.ID) {
			t.Fatalf("refocusing on bob led to %s", loc)
		}
		above := rows("oc-above")
		if !strings.Contains(above, "Alice Martin") || !strings.Contains(above, "Manager of Bob Bernard") {
			t.Errorf("bob's managers = %q", above)
		}
		carol := texts(t, ctx, fmt.Sprintf("#oc-above #oc-row-%d", w.carol.ID))
		if len(carol) != 1 || !strings.Contains(carol[0], "Functional") || !strings.Contains(carol[0], "Temporary") || !strings.Contains(carol[0], "22 Nov 2026") {
			t.Errorf("carol's temporary link = %q", carol)
		}
		shoot("table-bob")

		if err := chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s/users/%d/orgchart?view=table", w.url, w.alice.ID))); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#as_of"), "2026-11-23")); err != nil {
			t.Fatal(err)
		}
		click(t, ctx, "#asof-form button[type=submit]")
		if loc := location(t, ctx, w.url); loc != fmt.Sprintf("/users/%d/orgchart?view=table&as_of=2026-11-23&compare=", w.alice.ID) {
			t.Errorf("the date form led to %s", loc)
		}
		if got := rows("oc-below"); !strings.Contains(got, "Bob Bernard") || !strings.Contains(got, "Carol Dubois") {
			t.Errorf("alice's reports as of 23 November = %q, want bob and carol", got)
		}
		shoot("table-alice-asof")

		click(t, ctx, "#today")
		if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#compare"), "2026-11-23")); err != nil {
			t.Fatal(err)
		}
		click(t, ctx, "#asof-form button[type=submit]")
		if got := texts(t, ctx, "#oc-below tr.oc-row-removed"); len(got) != 1 || !strings.Contains(got[0], "Carol Dubois") || !strings.Contains(got[0], "Gone") {
			t.Errorf("gone since 23 November = %q, want carol", got)
		}
		shoot("table-alice-compare")

		click(t, ctx, "#oc-view-chart")
		if loc := location(t, ctx, w.url); loc != fmt.Sprintf("/users/%d/orgchart?compare=2026-11-23", w.alice.ID) {
			t.Errorf("the chart view link led to %s", loc)
		}
		if got := texts(t, ctx, "#oc-svg .oc-removed .oc-name"); strings.Join(got, ",") != "Carol Dubois" {
			t.Errorf("the drawing after the table: gone = %q, want carol", got)
		}
		browser.NoConsoleErrors(t, ctx)
	})
}
