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

// TestBrowserAbsence: alice, a manager, opens her own profile, goes to
// "Absences and cover", tries dates in the wrong order (refused, the form
// kept as typed), then marks an absence with bob as her delegate; the
// list shows it, and carol's Show managers page says bob covers for alice
// until the last day. At 390 and 1366 px with the layout checks.
func TestBrowserAbsence(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		teamSetup(t, w) // alice → bob (line), alice → carol (functional), bob → erin; 2026-11-23 09:00
		ctx := browser.New(t)
		signIn(t, ctx, w.url, "alice@acme.test")
		if err := chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s/users/%d", w.url, w.alice.ID))); err != nil {
			t.Fatal(err)
		}
		click(t, ctx, "#absences-link")
		shoot := func(name string) {
			for _, width := range []int64{390, 1366} {
				checkLayout(t, ctx, width)
				browser.Screenshot(t, ctx, fmt.Sprintf("%s-%d", name, width))
			}
		}
		fill := func(from, to, delegate string) {
			t.Helper()
			if err := chromedp.Do(ctx,
				chromedp.SetValue(chromedp.CSS("#absence-from"), from),
				chromedp.SetValue(chromedp.CSS("#absence-to"), to),
				chromedp.SetValue(chromedp.CSS("#absence-delegate"), delegate)); err != nil {
				t.Fatal(err)
			}
			click(t, ctx, "#absence-save")
		}
		fill("2026-12-04", "2026-11-30", "bob@acme.test")
		if got := texts(t, ctx, "#absence-problem"); len(got) != 1 || !strings.Contains(got[0], "ends before it starts") {
			t.Errorf("reversed dates: problem = %q", got)
		}
		shoot("absence-refused")
		fill("2026-11-30", "2026-12-04", "bob@acme.test")
		if got := texts(t, ctx, "#absences tbody tr"); len(got) != 1 || !strings.Contains(got[0], "Bob") || !strings.Contains(got[0], "2026-12-04") {
			t.Fatalf("absences listed = %q", got)
		}
		if got := texts(t, ctx, "#absences-notice"); len(got) != 1 {
			t.Errorf("no notice after saving")
		}
		shoot("absence-set")
		if err := chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s/users/%d/managers", w.url, w.carol.ID))); err != nil {
			t.Fatal(err)
		}
		if got := texts(t, ctx, ".cover-note"); len(got) != 1 || !strings.Contains(got[0], "Covering for Alice Martin until 4 Dec 2026") {
			t.Errorf("carol's managers page: cover note = %q", got)
		}
		shoot("absence-covering")
	})
}
