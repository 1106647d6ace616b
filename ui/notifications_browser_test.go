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

// TestBrowserNotificationsPerRole is Settings → Notifications per role in
// a real browser: a platform admin lists the managers' notifications,
// switches to learners and back, and previews the template message, whose
// HTML shows in a sandboxed frame without breaking the page's policy; then
// sends a template message to the managers of Sales and finds it in the
// delivery log.
func TestBrowserNotificationsPerRole(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		if _, err := w.env.App.AddLinks(context.Background(), app.SystemActor(reportline.SourceAPI), app.LinkRequest{User: w.bob.ID,
			Direction: reportline.Managers, IDs: []reportline.UserID{w.alice.ID}}); err != nil {
			t.Fatal(err)
		}
		ctx := browser.New(t)
		signIn(t, ctx, w.url, "root@acme.test")

		if err := chromedp.Do(ctx, chromedp.Navigate(w.url+"/settings/subordinates")); err != nil {
			t.Fatal(err)
		}
		click(t, ctx, "#settings-notifications")
		if loc := location(t, ctx, w.url); loc != "/settings/notifications" {
			t.Fatalf("the settings menu led to %s", loc)
		}
		if got := texts(t, ctx, "#catalogue tbody th"); len(got) != 8 || !strings.HasPrefix(got[0], "Weekly digest") {
			t.Errorf("managers' notifications = %q", got)
		}
		if cur := texts(t, ctx, "#roles a.current"); len(cur) != 1 || cur[0] != "Managers" {
			t.Errorf("the chosen role reads %q", cur)
		}
		click(t, ctx, "#role-learners")
		if got := texts(t, ctx, "#catalogue tbody th"); len(got) != 5 || !strings.HasPrefix(got[0], "Temporary manager starts") {
			t.Errorf("learners' notifications = %q", got)
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

		// A template message to the managers of Sales: preview, send, and
		// find it in the delivery log.
		click(t, ctx, "#settings-template-messages")
		if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#m-group"), fmt.Sprint(w.sales.ID))); err != nil {
			t.Fatal(err)
		}
		// The message field starts empty (an example shows greyed), so
		// nothing the admin did not write is sent.
		if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#m-body"), "Hello {{manager.first_name}}, the plan is out. {{#if managees}}For {{managees}}.{{/if}}")); err != nil {
			t.Fatal(err)
		}
		click(t, ctx, "#m-preview")
		if got := texts(t, ctx, "#mp-text"); len(got) != 1 || !strings.HasPrefix(got[0], "Hello Alice, the plan is out. For Bob") {
			t.Errorf("preview text = %q", got)
		}
		if got := texts(t, ctx, "#recipients li"); len(got) != 1 || !strings.HasPrefix(got[0], "Alice Martin") {
			t.Errorf("recipients = %q, want Alice Martin (Bob's manager)", got)
		}
		browser.Screenshot(t, ctx, "template-message-preview")
		click(t, ctx, "#m-send")
		if got := texts(t, ctx, "#flash"); len(got) != 1 || !strings.Contains(got[0], "1 manager") {
			t.Errorf("flash = %q", got)
		}
		click(t, ctx, "#settings-delivery-log")
		if got := texts(t, ctx, "#delivery-log tbody td:nth-child(2)"); len(got) != 1 || got[0] != "alice@acme.test" {
			t.Errorf("delivery log recipients = %q", got)
		}
		browser.Screenshot(t, ctx, "delivery-log")
		browser.NoConsoleErrors(t, ctx)
	})
}
