package ui_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"reportline/internal/browser"
	"reportline/internal/testapp"
	"reportline/store"
)

// TestBrowserRemoveUndoHistory walks Remove → confirmation → banner → Undo
// on Show managers in Chromium, then reads it in the history and on the
// profile's timeline, at a phone's and a laptop's width.
func TestBrowserRemoveUndoHistory(t *testing.T) {
	t.Parallel()
	ctx := browser.NewWithin(t, 4*time.Minute)
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		s := newDemoSite(t, engine)
		signInAs(t, ctx, s.url, "admin@acme.example")
		rob := s.user(t, "rob.pike@acme.example")
		rows := func() int {
			n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#managers-table tbody tr').length`))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		text := func(sel string) string {
			s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
			if err != nil {
				t.Fatalf("read %s: %v", sel, err)
			}
			return s
		}
		shoot := func(name string) {
			for _, w := range []int64{390, 1366} {
				checkLayout(t, ctx, w)
				browser.Screenshot(t, ctx, fmt.Sprintf("%s-%d", name, w))
			}
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(1366, 800)); err != nil {
				t.Fatal(err)
			}
		}
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(1366, 800), chromedp.Navigate(fmt.Sprintf("%s/users/%d/managers", s.url, rob))); err != nil {
			t.Fatal(err)
		}
		before := rows()
		if before == 0 {
			t.Fatal("Rob Pike has no manager in the demo")
		}
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#managers-table a.btn-danger")), chromedp.WaitVisible(chromedp.CSS("#confirm-remove"))); err != nil {
			t.Fatalf("Remove does not lead to a confirmation: %v", err)
		}
		q := text("#confirm-title")
		if !strings.HasPrefix(q, "Remove ") || !strings.Contains(q, "Rob Pike?") {
			t.Errorf("the confirmation asks %q", q)
		}
		if rows := rows(); rows != 0 {
			t.Errorf("the confirmation page shows the managers table")
		}
		shoot("confirm")
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#confirm-remove")), chromedp.WaitVisible(chromedp.CSS("#undo"))); err != nil {
			t.Fatalf("no Undo after Remove: %v", err)
		}
		if got := text("#flash"); !strings.Contains(got, "is no longer a manager of Rob Pike.") {
			t.Errorf("the banner says %q", got)
		}
		if got := rows(); got != before-1 {
			t.Errorf("after Remove: %d managers, want %d", got, before-1)
		}
		shoot("removed")
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#undo"))); err != nil {
			t.Fatal(err)
		}
		// The removal's banner is on the page until the answer to Undo
		// replaces it: wait for the page that follows, not for a banner.
		for i := 0; i < 100 && rows() != before; i++ {
			time.Sleep(50 * time.Millisecond)
		}
		if got := rows(); got != before {
			t.Errorf("after Undo: %d managers, want %d", got, before)
		}
		if err := chromedp.Do(ctx, chromedp.Navigate(s.url+"/history?person=rob.pike@acme.example")); err != nil {
			t.Fatal(err)
		}
		if got := text("#history"); !strings.Contains(got, "removed as") || !strings.Contains(got, "added as") || !strings.Contains(got, "Platform Admin") {
			t.Errorf("the history lacks the removal and the undo:\n%s", got)
		}
		shoot("history")
		if err := chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s/users/%d", s.url, rob))); err != nil {
			t.Fatal(err)
		}
		if got := text("#timeline"); !strings.Contains(got, "removed as") {
			t.Errorf("the timeline lacks the removal:\n%s", got)
		}
		shoot("timeline")
	})
}
