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

// TestBrowserPlans: ada (admin of Sales) drafts a reorganisation (two
// changes by hand), sees its difference against today, and cannot approve
// her own plan (the tenant requires a second admin); root approves it and
// schedules it. Screenshots of drafting, previewing and approving at 390
// and 1366 px, with the layout checks.
func TestBrowserPlans(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		if err := w.env.App.SetPlansNeedApproval(context.Background(), app.SystemActor(reportline.SourceAPI), true); err != nil {
			t.Fatal(err)
		}
		shoot := func(ctx context.Context, name string) {
			for _, width := range []int64{390, 1366} {
				checkLayout(t, ctx, width)
				browser.Screenshot(t, ctx, fmt.Sprintf("%s-%d", name, width))
			}
		}
		ctx := browser.New(t)
		signIn(t, ctx, w.url, "ada@acme.test")
		if err := chromedp.Do(ctx, chromedp.Navigate(w.url+"/plans"), chromedp.WaitVisible(chromedp.CSS("#plan-name")),
			chromedp.SendKeys(chromedp.CSS("#plan-name"), "Sales spring reorganisation")); err != nil {
			t.Fatal(err)
		}
		click(t, ctx, "#plan-create")
		planURL := location(t, ctx, w.url)
		if !strings.HasPrefix(planURL, "/plans/") {
			t.Fatalf("creating a plan led to %s", planURL)
		}
		add := func(manager, managee string) {
			t.Helper()
			if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#item-manager"), manager),
				chromedp.SetValue(chromedp.CSS("#item-managee"), managee)); err != nil {
				t.Fatal(err)
			}
			click(t, ctx, "#item-add")
		}
		add("alice@acme.test", "bob@acme.test")
		add("bob@acme.test", "erin@acme.test")
		shoot(ctx, "plan-draft")
		if got := texts(t, ctx, "#plan-counts"); len(got) != 1 || !strings.HasPrefix(got[0], "2 added, 0 removed") {
			t.Errorf("counts = %q", got)
		}
		if got := texts(t, ctx, "#plan-items tbody tr"); len(got) != 2 {
			t.Errorf("changes listed = %q, want 2", got)
		}
		// A change out of her scope is refused with why, and not added.
		add("frank@acme.test", "alice@acme.test")
		if got := texts(t, ctx, "#plan-problem"); len(got) != 1 || !strings.Contains(got[0], "frank@acme.test") {
			t.Errorf("problem = %q, want the refused pair named", got)
		}
		if got := texts(t, ctx, "#plan-approve"); len(got) != 0 {
			t.Error("the drafter is offered to approve her own plan")
		}
		if got := texts(t, ctx, "#plan-await-approval"); len(got) != 1 {
			t.Error("the page does not say the plan waits for an approval")
		}

		// root previews and approves, then schedules.
		rctx := browser.New(t)
		signIn(t, rctx, w.url, "root@acme.test")
		if err := chromedp.Do(rctx, chromedp.Navigate(w.url+planURL), chromedp.WaitVisible(chromedp.CSS("#plan-items"))); err != nil {
			t.Fatal(err)
		}
		shoot(rctx, "plan-preview")
		click(t, rctx, "#plan-approve")
		if got := texts(t, rctx, "#plan-status"); len(got) != 1 || got[0] != "Approved" {
			t.Errorf("status after approval = %q", got)
		}
		shoot(rctx, "plan-approved")
		at := w.env.Now.Now().AddDate(0, 0, 7).UTC().Format("2006-01-02T15:04")
		if err := chromedp.Do(rctx, chromedp.SetValue(chromedp.CSS("#plan-at"), at)); err != nil {
			t.Fatal(err)
		}
		click(t, rctx, "#plan-schedule")
		if got := texts(t, rctx, "#plan-status"); len(got) != 1 || got[0] != "Scheduled" {
			t.Errorf("status after scheduling = %q (problem %q)", got, texts(t, rctx, "#plan-problem"))
		}
		shoot(rctx, "plan-scheduled")
	})
}
