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

// TestBrowserNotificationsPerRole is Settings → Notifications per role in
// a real browser: a platform admin lists the managers' notifications,
// switches to learners and back, and previews the template message, whose
// HTML shows in a sandboxed frame without breaking the page's policy; then
// sends a template message to the managers of Sales and finds it in the
// delivery log.
func TestBrowserNotificationsPerRole(t *testing.T) {
	t.Parallel()
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

// TestBrowserTemplateMessagePickerAndPreviewAs composes a template message
// in Chromium without typing a placeholder: the Insert buttons of the
// field list (plain form buttons; the page runs no script) add them; the
// preview shows the message as each recipient Ada may read receives it,
// in its sandboxed HTML and in plain text; and a recipient outside her
// groups, forced into the form, is refused.
func TestBrowserTemplateMessagePickerAndPreviewAs(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		sys := app.SystemActor(reportline.SourceAPI)
		if _, err := w.env.App.AddLinks(context.Background(), sys, app.LinkRequest{User: w.bob.ID,
			Direction: reportline.Managers, IDs: []reportline.UserID{w.alice.ID, w.frank.ID}}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.env.App.AddLinks(context.Background(), sys, app.LinkRequest{User: w.carol.ID,
			Direction: reportline.Managers, IDs: []reportline.UserID{w.erin.ID}}); err != nil {
			t.Fatal(err)
		}
		ctx := browser.New(t)
		signIn(t, ctx, w.url, "ada@acme.test")
		if err := chromedp.Do(ctx, chromedp.Navigate(w.url+"/settings/template-messages"),
			chromedp.SetValue(chromedp.CSS("#m-group"), fmt.Sprint(w.sales.ID)),
			chromedp.SendKeys(chromedp.CSS("#m-body"), "Hello"),
			chromedp.Click(chromedp.CSS("#m-fields summary"))); err != nil {
			t.Fatal(err)
		}
		click(t, ctx, `#insert-manager\.first_name`)
		// The page comes back with the field added; the admin writes on
		// after it.
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("#m-body").value += ", about"; true`)); err != nil {
			t.Fatal(err)
		}
		click(t, ctx, "#insert-managees")
		body, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#m-body").value`))
		if err != nil {
			t.Fatal(err)
		}
		if body != "Hello {{manager.first_name}}, about {{managees}}" {
			t.Errorf("message after two inserts = %q", body)
		}
		browser.Screenshot(t, ctx, "template-message-picker")

		click(t, ctx, "#m-preview")
		if got := texts(t, ctx, "#m-recipient option"); len(got) != 2 || !strings.HasPrefix(got[0], "Alice Martin") || !strings.HasPrefix(got[1], "Erin Laurent") {
			t.Errorf("recipients offered = %q, want Alice and Erin (not Frank, of Finance)", got)
		}
		if got := texts(t, ctx, "#mp-text"); len(got) != 1 || !strings.HasPrefix(got[0], "Hello Alice, about Bob Bernard\n\n-- \nSent by Ada Lovelace") {
			t.Errorf("preview text = %q", got)
		}
		if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#m-recipient"), fmt.Sprint(w.erin.ID))); err != nil {
			t.Fatal(err)
		}
		click(t, ctx, "#m-preview-as")
		if got := texts(t, ctx, "#mp-for"); len(got) != 1 || got[0] != "As Erin Laurent receives it:" {
			t.Errorf("preview for = %q", got)
		}
		if got := texts(t, ctx, "#mp-text"); len(got) != 1 || !strings.HasPrefix(got[0], "Hello Erin, about Carol Dubois\n") {
			t.Errorf("preview text as Erin = %q", got)
		}
		// The HTML part, in its sandboxed frame, under the page's policy.
		frames, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS("iframe#mp-html[sandbox]")))
		if err != nil || len(frames) != 1 {
			t.Fatalf("sandboxed HTML preview frames: %d, %v", len(frames), err)
		}
		// Chromium runs a sandboxed frame in a process of its own: read it
		// through its target.
		infos, err := chromedp.Targets(ctx)
		if err != nil {
			t.Fatal(err)
		}
		read := false
		for _, info := range infos {
			if info.Type == "iframe" && info.URL == "about:srcdoc" {
				fctx, _ := chromedp.NewContext(ctx, chromedp.WithTargetID(info.TargetID)) // ends with ctx: cancelling it would close the frame
				if err := chromedp.Do(fctx); err != nil {
					t.Fatal(err)
				}
				tctx, stop := context.WithTimeout(fctx, 10*time.Second)
				html, err := chromedp.Run(tctx, chromedp.Text(chromedp.CSS("p")))
				stop()
				if err != nil || html != "Hello Erin, about Carol Dubois" {
					t.Errorf("HTML preview reads %q (%v)", html, err)
				}
				read = true
			}
		}
		if !read {
			t.Errorf("no frame of the HTML preview among %d targets", len(infos))
		}
		// (Chromium's full-page screenshot leaves the sandboxed frame, a
		// process of its own, blank; the frame's text is read above.)
		browser.Screenshot(t, ctx, "template-message-preview-as")
		browser.NoConsoleErrors(t, ctx)

		// Frank manages Bob but is not Ada's to read: not offered, and
		// refused when forced into the form.
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`document.querySelector("#m-recipient option").value = "%d"; true`, w.frank.ID))); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#m-recipient"), fmt.Sprint(w.frank.ID))); err != nil {
			t.Fatal(err)
		}
		click(t, ctx, "#m-preview-as")
		if got := texts(t, ctx, "h1"); len(got) != 1 || got[0] != "Access refused" || strings.Contains(strings.Join(texts(t, ctx, "main"), ""), "Frank") {
			t.Errorf("forced preview as Frank: headings %q, want the refusal naming nobody", got)
		}
		if got := texts(t, ctx, "#mp-text"); len(got) != 0 {
			t.Errorf("forced preview as Frank shows a message: %q", got)
		}
		browser.Screenshot(t, ctx, "template-message-preview-refused")
	})
}
