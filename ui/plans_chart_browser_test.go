package ui_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"reportline"
	"reportline/app"
	"reportline/internal/browser"
	"reportline/internal/testapp"
	"reportline/store"
)

// TestBrowserPlanChartAndCards: a plan's preview draws the teams it
// touches today and as it would leave them, the changed links highlighted
// (erin leaves alice for bob, carol's link becomes functional); the two
// sides stand side by side at 1366 px and one above the other at 390 px,
// where the changes table is a list of cards; nothing scrolls sideways.
func TestBrowserPlanChartAndCards(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		ctx := context.Background()
		a := w.env.App
		sys := app.SystemActor(reportline.SourceAPI)
		if _, err := a.AddLinks(ctx, sys, app.LinkRequest{User: w.alice.ID, Direction: reportline.Managees, Kind: reportline.Line,
			IDs: []reportline.UserID{w.bob.ID, w.carol.ID, w.erin.ID}}); err != nil {
			t.Fatal(err)
		}
		ada := app.UserActor(w.ada, reportline.SourceUI)
		p, err := a.CreatePlan(ctx, ada, "Erin to Bob")
		if err != nil {
			t.Fatal(err)
		}
		if err := a.AddPlanItems(ctx, ada, p.ID, []app.PlanItemInput{
			{Op: reportline.PlanRemove, Manager: "alice@acme.test", Managee: "erin@acme.test"},
			{Op: reportline.PlanAdd, Manager: "bob@acme.test", Managee: "erin@acme.test"},
			{Op: reportline.PlanKind, Manager: "alice@acme.test", Managee: "carol@acme.test", Kind: reportline.Functional},
		}); err != nil {
			t.Fatal(err)
		}
		bctx := browser.New(t)
		signIn(t, bctx, w.url, "ada@acme.test")
		if err := chromedp.Do(bctx, chromedp.Navigate(fmt.Sprintf("%s/plans/%d", w.url, p.ID)), chromedp.WaitVisible(chromedp.CSS("#plan-chart"))); err != nil {
			t.Fatal(err)
		}
		// Today: alice's team with erin leaving and carol's link changing,
		// and bob with nobody; after: erin under bob, new.
		if got := texts(t, bctx, "#plan-before .oc-removed .oc-name"); strings.Join(got, ",") != "Erin Laurent" {
			t.Errorf("today, leaving = %q, want Erin", got)
		}
		if got := texts(t, bctx, "#plan-after .oc-change-added .oc-name"); strings.Join(got, ",") != "Erin Laurent" {
			t.Errorf("after, new = %q, want Erin", got)
		}
		for _, side := range []string{"#plan-before", "#plan-after"} {
			if got := texts(t, bctx, side+" .oc-change-changed .oc-name"); strings.Join(got, ",") != "Carol Dubois" {
				t.Errorf("%s, changed = %q, want Carol", side, got)
			}
			if got := texts(t, bctx, side+" .oc-focus .oc-name"); strings.Join(got, ",") != "Alice Martin,Bob Bernard" {
				t.Errorf("%s, teams = %q, want alice's and bob's", side, got)
			}
		}
		type boxes struct{ BeforeTop, BeforeBottom, AfterTop, AfterLeft, BeforeLeft float64 }
		const read = `(() => { const b = document.querySelector('#plan-before').getBoundingClientRect(), a = document.querySelector('#plan-after').getBoundingClientRect();
			return {BeforeTop: b.top, BeforeBottom: b.bottom, AfterTop: a.top, AfterLeft: a.left, BeforeLeft: b.left}; })()`
		for _, width := range []int64{390, 1366} {
			checkLayout(t, bctx, width)
			b, err := chromedp.Run(bctx, chromedp.Evaluate[boxes](read))
			if err != nil {
				t.Fatal(err)
			}
			display, err := chromedp.Run(bctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector('#plan-items tbody tr')).display`))
			if err != nil {
				t.Fatal(err)
			}
			if width == 390 {
				if b.AfterTop < b.BeforeBottom {
					t.Errorf("at 390 px the after (top %.0f) is not below today (bottom %.0f)", b.AfterTop, b.BeforeBottom)
				}
				if display != "block" {
					t.Errorf("at 390 px a change is a table row (display %s), want a card", display)
				}
			} else {
				if b.AfterTop != b.BeforeTop || b.AfterLeft <= b.BeforeLeft {
					t.Errorf("at 1366 px today and after are not side by side: %+v", b)
				}
				if display != "table-row" {
					t.Errorf("at 1366 px a change is displayed %s, want a table row", display)
				}
			}
			browser.Screenshot(t, bctx, fmt.Sprintf("plan-chart-%d", width))
			if err := chromedp.Do(bctx, chromedp.ScrollIntoView(chromedp.CSS("#plan-items"))); err != nil {
				t.Fatal(err)
			}
			browser.Screenshot(t, bctx, fmt.Sprintf("plan-cards-%d", width))
		}
		if err := chromedp.Do(bctx, chromedp.Navigate(w.url+"/plans"), chromedp.WaitVisible(chromedp.CSS("#plans"))); err != nil {
			t.Fatal(err)
		}
		for _, width := range []int64{390, 1366} {
			checkLayout(t, bctx, width)
			browser.Screenshot(t, bctx, fmt.Sprintf("plans-list-%d", width))
		}
	})
}
