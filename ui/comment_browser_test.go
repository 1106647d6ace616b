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

// TestBrowserFunctionalManagerComment adds a functional manager with a
// comment on Show managers: the comment goes through the preview to
// Confirm, is stored on the link, and is shown in both people's lists.
func TestBrowserFunctionalManagerComment(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		ctx := browser.New(t)
		signIn(t, ctx, w.url, "ada@acme.test")
		const comment = "Mentor for the Q3 onboarding project"
		if err := chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s/users/%d/managers?group=%d", w.url, w.alice.ID, w.sales.ID)),
			chromedp.SendKeys(chromedp.CSS("#managers-emails"), "erin@acme.test"),
			chromedp.Click(chromedp.CSS(`input[form="managers-add"][name="kind"][value="functional"]`)),
			chromedp.SendKeys(chromedp.CSS("#managers-comment"), comment)); err != nil {
			t.Fatalf("fill in the Managers form: %v", err)
		}
		browser.Screenshot(t, ctx, "comment-form")
		click(t, ctx, "#managers-preview-button")
		if got := texts(t, ctx, "#managers-confirm-comment"); len(got) != 1 || got[0] != "Comment: “"+comment+"”" {
			t.Errorf("the preview shows %q", got)
		}
		click(t, ctx, "#managers-confirm")
		if got := texts(t, ctx, `#managers-table .link-comment`); len(got) != 1 || got[0] != comment {
			t.Errorf("the Managers list shows comments %q", got)
		}
		if got := texts(t, ctx, `#managers-table .kind`); len(got) != 1 || got[0] != "Functional" {
			t.Errorf("the link's kind reads %q", got)
		}
		browser.Screenshot(t, ctx, "comment-listed")

		l, err := w.env.App.ListUserLinks(context.Background(), app.SystemActor(reportline.SourceAPI), w.alice.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(l.Managers) != 1 || l.Managers[0].Link.Comment != comment || l.Managers[0].Link.Kind != reportline.Functional {
			t.Errorf("stored links = %+v", l.Managers)
		}
		// Erin's page lists alice as a managee with the same comment.
		if err := chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s/users/%d/managers?group=%d", w.url, w.erin.ID, w.sales.ID))); err != nil {
			t.Fatal(err)
		}
		if got := texts(t, ctx, `#managees-table .link-comment`); strings.Join(got, "|") != comment {
			t.Errorf("erin's Managees list shows comments %q", got)
		}
		browser.NoConsoleErrors(t, ctx)
	})
}
