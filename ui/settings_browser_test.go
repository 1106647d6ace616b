package ui_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"reportline"
	"reportline/app"
	"reportline/internal/browser"
	"reportline/internal/testapp"
	"reportline/store"
	"reportline/webhook"
)

// noSidewaysScroll fails t when the page is wider than the window.
func noSidewaysScroll(t *testing.T, ctx context.Context, where string) {
	t.Helper()
	scroll, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - window.innerWidth`))
	if err != nil {
		t.Fatal(err)
	}
	if scroll > 0 {
		t.Errorf("%s: the page is %d px wider than the window: it scrolls sideways", where, scroll)
	}
}

// TestBrowserSettingsCoverAndWebhooks: in a real browser, at a phone's
// width and a laptop's, a platform admin goes through Settings →
// Organisation's tabs, sets cover.notify to "instead", adds a webhook
// subscriber and sees its secret once, then sees a failed delivery in plain
// words and replays it. Every page fits the window. The phone's width runs
// on both engines, the laptop's on SQLite (the pages do not depend on the
// engine; TestSettingsWebhooksPages covers both).
func TestBrowserSettingsCoverAndWebhooks(t *testing.T) {
	for _, width := range []int64{390, 1366} {
		t.Run(map[int64]string{390: "390", 1366: "1366"}[width], func(t *testing.T) {
			run := testapp.Run
			if width > 390 {
				run = func(t *testing.T, fn func(*testing.T, store.Engine)) { fn(t, store.SQLite) }
			}
			run(t, func(t *testing.T, engine store.Engine) {
				w := newWorld(t, engine)
				bctx := context.Background()
				// Several pages and forms on a machine others share.
				ctx := browser.NewWithin(t, 4*time.Minute)
				signIn(t, ctx, w.url, "root@acme.test")
				size := map[int64]string{390: "390", 1366: "1366"}[width]
				if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900), chromedp.Navigate(w.url+"/settings/organisation")); err != nil {
					t.Fatal(err)
				}
				noSidewaysScroll(t, ctx, "/settings/organisation")
				click(t, ctx, "#tab-cover")
				if loc := location(t, ctx, w.url); loc != "/settings/cover" {
					t.Fatalf("the Cover & leavers tab leads to %s", loc)
				}
				noSidewaysScroll(t, ctx, "/settings/cover")
				browser.Screenshot(t, ctx, "cover-"+size)
				if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#cover-instead"))); err != nil {
					t.Fatal(err)
				}
				click(t, ctx, "#cover-save")
				if now := texts(t, ctx, "#cover-notify-now"); len(now) != 1 || !strings.Contains(now[0], "instead of the manager") {
					t.Errorf("after saving, the page says %q", now)
				}
				browser.Screenshot(t, ctx, "cover-saved-"+size)
				if got, err := w.env.App.CoverSettings(bctx, testapp.Actor(w.root)); err != nil || got.CoverNotify != reportline.CoverNotifyInstead {
					t.Errorf("cover.notify after the form = %+v, %v", got, err)
				}

				click(t, ctx, "#tab-webhooks")
				noSidewaysScroll(t, ctx, "/settings/webhooks")
				if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#webhook-url"), "https://192.168.1.10/hook")); err != nil {
					t.Fatal(err)
				}
				click(t, ctx, "#webhook-add")
				if p := texts(t, ctx, "#problem"); len(p) != 1 || !strings.Contains(p[0], "private") {
					t.Errorf("a private address: the form says %q", p)
				}
				browser.Screenshot(t, ctx, "webhook-refused-"+size)
				if err := chromedp.Do(ctx, chromedp.Clear(chromedp.CSS("#webhook-url")),
					chromedp.SendKeys(chromedp.CSS("#webhook-url"), "https://hooks.example.com/reportline"),
					chromedp.Click(chromedp.CSS(`input[value="com.reportline.link.created"]`))); err != nil {
					t.Fatal(err)
				}
				click(t, ctx, "#webhook-add")
				secret := texts(t, ctx, "#webhook-secret")
				if len(secret) != 1 || !strings.HasPrefix(secret[0], "whsec_") {
					t.Fatalf("the new subscriber's secret is not shown: %q", secret)
				}
				noSidewaysScroll(t, ctx, "the new subscriber")
				browser.Screenshot(t, ctx, "webhook-secret-"+size)
				if err := chromedp.Do(ctx, chromedp.Navigate(w.url+"/settings/webhooks")); err != nil {
					t.Fatal(err)
				}
				if again := texts(t, ctx, "#webhook-secret"); len(again) != 0 {
					t.Errorf("the secret is shown again on the list: %q", again)
				}

				// A change, delivered to a receiver that answers 503.
				if _, err := w.env.App.AddLinks(bctx, app.SystemActor(reportline.SourceAPI), app.LinkRequest{User: w.bob.ID,
					Direction: reportline.Managers, IDs: []reportline.UserID{w.alice.ID}}); err != nil {
					t.Fatal(err)
				}
				worker := w.env.App.NewWebhookWorker(&http.Client{Transport: failingReceiver{}}, webhook.Options{MaxAttempts: 1})
				if _, err := worker.DeliverDue(bctx); err != nil {
					t.Fatal(err)
				}
				if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
					t.Fatal(err)
				}
				browser.Screenshot(t, ctx, "webhooks-"+size)
				click(t, ctx, `#webhooks tbody a`)
				noSidewaysScroll(t, ctx, "the delivery log")
				if why := texts(t, ctx, "#webhook-log .cell-why"); len(why) != 1 || !strings.Contains(why[0], "HTTP 503") {
					t.Errorf("the failure in plain words = %q", why)
				}
				browser.Screenshot(t, ctx, "webhook-log-"+size)
				click(t, ctx, `#webhook-log button[id^="replay-"]`)
				if flash := texts(t, ctx, "#flash"); len(flash) != 1 || !strings.Contains(flash[0], "sent again") {
					t.Errorf("after Replay the page says %q", flash)
				}
				if st := texts(t, ctx, `#webhook-log tr[data-status="pending"] .flag`); len(st) != 1 {
					t.Errorf("after Replay the delivery's status = %q, want pending", st)
				}
				browser.Screenshot(t, ctx, "webhook-replayed-"+size)
			})
		})
	}
}
