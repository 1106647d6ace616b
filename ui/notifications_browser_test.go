package ui_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"reportline/internal/browser"
	"reportline/internal/testapp"
	"reportline/store"
)

// TestBrowserNotificationsPerRole is Settings → Notifications per role in
// a real browser: a platform admin lists the managers' notifications,
// switches to learners and back, and previews the template message, whose
// HTML shows in a sandboxed frame without breaking the page's policy.
func TestBrowserNotificationsPerRole(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		ctx := browser.New(t)
		signIn(t, ctx, w.url, "root@acme.test")

		if err := chromedp.Do(ctx, chromedp.Navigate(w.url+"/settings/subordinates")); err != nil {
			t.Fatal(err)
		}
		click(t, ctx, "#settings-notifications")
		if loc := location(t, ctx, w.url); loc != "/settings/notifications" {
			t.Fatalf("the settings menu led to %s", loc)
		}
		if got := texts(t, ctx, "#catalogue tbody th"); len(got) != 3 || !strings.HasPrefix(got[0], "Weekly digest") {
			t.Errorf("managers' notifications = %q", got)
		}
		if cur := texts(t, ctx, "#roles a.current"); len(cur) != 1 || cur[0] != "Managers" {
			t.Errorf("the chosen role reads %q", cur)
		}
		click(t, ctx, "#role-learners")
		if got := texts(t, ctx, "#catalogue-empty"); len(got) != 1 {
			t.Errorf("learners: want the empty note, got %q", got)
		}
		click(t, ctx, "#role-managers")
		click(t, ctx, "#preview-template_message")
		if got := texts(t, ctx, "#preview-subject"); len(got) != 1 || got[0] != "Sales France: the new training plan" {
			t.Errorf("preview subject = %q", got)
		}
		if got := texts(t, ctx, "#preview-text"); len(got) != 1 || !strings.HasPrefix(got[0], "Hello Camille,") {
			t.Errorf("preview text = %q", got)
		}
		frames, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("iframe#preview-html[sandbox]").length`))
		if err != nil {
			t.Fatal(err)
		}
		if frames != 1 {
			t.Errorf("sandboxed preview frames = %d, want 1", frames)
		}
		browser.Screenshot(t, ctx, "notifications-per-role")
		browser.NoConsoleErrors(t, ctx)
	})
}
