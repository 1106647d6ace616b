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

// TestBrowserOrgChart: alice goes from My team to her org chart, drawn as
// SVG; sees her reports of today; expands bob (his report erin and erin's
// own team of eight, stacked, appear under him, inactive dave marked), then
// refocuses on bob (his managers above, one of them a temporary link with
// its dates), asks for her chart as of two days ago and sees carol again,
// whose link was removed since, compares today with that day (carol drawn
// as gone) and searches for someone (only whom she may see is found). A
// person she may not see is refused without a name on the page. At 390 and
// 1366 px, with the layout checks and no console error before the refusal
// (no script, strict CSP).
func TestBrowserOrgChart(t *testing.T) {
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
		// erin leads a team of eight individual contributors, one of them
		// inactive since.
		var team []reportline.UserID
		for i := range 8 {
			u, err := w.env.App.CreateUser(ctx0, sys, app.UserInput{Email: fmt.Sprintf("ic%d@acme.test", i), FirstName: "Ic", LastName: fmt.Sprintf("Number %d", i),
				Position: "Analyst", GroupID: w.sales.ID})
			if err != nil {
				t.Fatal(err)
			}
			team = append(team, u.ID)
		}
		if _, err := w.env.App.AddLinks(ctx0, sys, app.LinkRequest{User: w.erin.ID, Direction: reportline.Managees, Kind: reportline.Line, IDs: team}); err != nil {
			t.Fatal(err)
		}
		inactive := reportline.StatusInactive
		if _, err := w.env.App.UpdateUser(ctx0, sys, team[0], app.UserPatch{Status: &inactive}); err != nil {
			t.Fatal(err)
		}
		w.env.Now.Advance(48 * time.Hour) // 2026-11-25
		if err := w.env.App.RemoveLink(ctx0, sys, reportline.Pair{ManagerID: w.alice.ID, ManageeID: w.carol.ID}); err != nil {
			t.Fatal(err)
		}

		// Six views at two widths each, with their screenshots: more than
		// browser.Timeout on a loaded machine.
		ctx := browser.NewWithin(t, 3*time.Minute)
		signIn(t, ctx, w.url, "alice@acme.test")
		click(t, ctx, "#nav-team")
		click(t, ctx, "#team-orgchart")
		if loc := location(t, ctx, w.url); loc != fmt.Sprintf("/users/%d/orgchart", w.alice.ID) {
			t.Fatalf("My team's org chart link led to %s", loc)
		}
		if got := texts(t, ctx, "#oc-svg .oc-report .oc-name"); strings.Join(got, ",") != "Bob Bernard" {
			t.Errorf("alice's reports today = %q, want Bob alone", got)
		}
		shoot := func(name string) {
			for _, width := range []int64{390, 1366} {
				checkLayout(t, ctx, width)
				browser.Screenshot(t, ctx, fmt.Sprintf("%s-%d", name, width))
			}
		}
		shoot("alice-today")

		// Expand bob: erin appears under him, with her own expand link.
		bob := fmt.Sprintf("#oc-card-%d", w.bob.ID)
		click(t, ctx, bob+" a.oc-toggle")
		if loc := location(t, ctx, w.url); loc != fmt.Sprintf("/users/%d/orgchart?expand=%d#oc-card-%d", w.alice.ID, w.bob.ID, w.bob.ID) {
			t.Fatalf("expanding bob led to %s", loc)
		}
		if got := texts(t, ctx, "#oc-svg .oc-report .oc-name"); strings.Join(got, ",") != "Bob Bernard,Erin Laurent" {
			t.Errorf("after expanding bob = %q", got)
		}
		// Her own subtree is open to alice whole: erin's team expands.
		click(t, ctx, fmt.Sprintf("#oc-card-%d a.oc-toggle", w.erin.ID))
		if got := texts(t, ctx, "#oc-svg .oc-report .oc-name"); len(got) != 10 {
			t.Errorf("after expanding erin = %q, want 10 people", got)
		}
		if got := texts(t, ctx, "#oc-svg .oc-inactive .oc-name"); strings.Join(got, ",") != "Ic Number 0" {
			t.Errorf("inactive people = %q, want Ic Number 0", got)
		}
		if got := texts(t, ctx, "#oc-drawn"); len(got) != 1 || !strings.Contains(got[0], "10") {
			t.Errorf("the count drawn = %q", got)
		}
		shoot("alice-expanded")
		click(t, ctx, "#oc-collapse")

		// Refocus on bob: his managers above.
		click(t, ctx, bob+" a.oc-name-link")
		if loc := location(t, ctx, w.url); loc != fmt.Sprintf("/users/%d/orgchart", w.bob.ID) {
			t.Fatalf("refocusing on bob led to %s", loc)
		}
		if got := texts(t, ctx, "#oc-svg .oc-manager .oc-name"); strings.Join(got, ",") != "Alice Martin,Carol Dubois" {
			t.Errorf("bob's managers = %q", got)
		}
		if got := texts(t, ctx, "#oc-svg .oc-manager.oc-temporary .oc-note"); len(got) != 1 || !strings.Contains(got[0], "22 Nov 2026") || !strings.Contains(got[0], "3 Dec") {
			t.Errorf("the temporary link's dates = %q", got)
		}
		if got := texts(t, ctx, "#oc-svg .oc-edge-functional.oc-edge-temporary"); len(got) != 1 {
			t.Errorf("the temporary functional link is drawn %d times, want once", len(got))
		}
		// alice may no longer see carol: carol is drawn, not a link.
		if got := texts(t, ctx, "#oc-svg .oc-manager a.oc-name-link"); strings.Join(got, ",") != "Alice Martin" {
			t.Errorf("refocusable managers = %q, want alice only", got)
		}
		shoot("bob-today")

		// As of 23 November, from alice's chart.
		click(t, ctx, "#oc-svg .oc-manager a.oc-name-link")
		if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#as_of"), "2026-11-23")); err != nil {
			t.Fatal(err)
		}
		click(t, ctx, "#asof-form button[type=submit]")
		if loc := location(t, ctx, w.url); loc != fmt.Sprintf("/users/%d/orgchart?as_of=2026-11-23&compare=", w.alice.ID) {
			t.Errorf("the date form led to %s", loc)
		}
		if got := texts(t, ctx, "#oc-svg .oc-report .oc-name"); strings.Join(got, ",") != "Bob Bernard,Carol Dubois" {
			t.Errorf("alice's reports as of 23 November = %q, want Bob and Carol", got)
		}
		href, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector('%s a.oc-toggle').getAttribute('href')`, bob)))
		if err != nil || !strings.Contains(href, "as_of=2026-11-23") {
			t.Errorf("expanding keeps the date: %q, %v", href, err)
		}
		shoot("alice-asof")

		// Compare today with 23 November: carol is gone, drawn crossed out.
		click(t, ctx, "#today")
		if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#compare"), "2026-11-23")); err != nil {
			t.Fatal(err)
		}
		click(t, ctx, "#asof-form button[type=submit]")
		if got := texts(t, ctx, "#oc-svg .oc-removed .oc-name"); strings.Join(got, ",") != "Carol Dubois" {
			t.Errorf("gone since 23 November = %q, want Carol", got)
		}
		shoot("alice-compare")

		// Search: bob is found; erin is not someone alice may open.
		if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#oc-q"), "bernard")); err != nil {
			t.Fatal(err)
		}
		click(t, ctx, "#oc-search button[type=submit]")
		if got := texts(t, ctx, "#oc-found li a"); strings.Join(got, ",") != "Bob Bernard" {
			t.Errorf("search for bernard = %q", got)
		}
		shoot("alice-search")
		click(t, ctx, "#oc-found li a")
		if loc := location(t, ctx, w.url); loc != fmt.Sprintf("/users/%d/orgchart", w.bob.ID) {
			t.Errorf("the search result led to %s", loc)
		}
		if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#oc-q"), "frank")); err != nil {
			t.Fatal(err)
		}
		click(t, ctx, "#oc-search button[type=submit]")
		if got := texts(t, ctx, "#oc-found li"); len(got) != 0 {
			t.Errorf("search for frank (not hers to see) = %q", got)
		}
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
