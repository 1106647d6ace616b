package ui_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"reportline"
	"reportline/app"
	"reportline/internal/browser"
	"reportline/internal/testapp"
	"reportline/store"
)

// TestBrowserLeaverOffered: deactivating a manager offers what happens to
// their reports. By hand: ada opens "Deactivate…" on alice's profile, the
// page lists bob and carol and she names erin as successor. By the users
// CSV: the preview says the file deactivates erin, who now has reports;
// after the import the report links to erin's proposal, where ada leaves
// them flagged. Screenshots at 390 and 1366 px, with the layout checks.
func TestBrowserLeaverOffered(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		ctx := context.Background()
		a := w.env.App
		sys := app.SystemActor(reportline.SourceAPI)
		if _, err := a.AddLinks(ctx, sys, app.LinkRequest{User: w.alice.ID, Direction: reportline.Managees, Kind: reportline.Line,
			IDs: []reportline.UserID{w.bob.ID, w.carol.ID}}); err != nil {
			t.Fatal(err)
		}
		shoot := func(bctx context.Context, name string) {
			for _, width := range []int64{390, 1366} {
				checkLayout(t, bctx, width)
				browser.Screenshot(t, bctx, fmt.Sprintf("%s-%d", name, width))
			}
		}
		managers := func(u reportline.User) []string {
			m, _ := w.links(t, u.ID)
			slices.Sort(m)
			return m
		}
		bctx := browser.New(t)
		signIn(t, bctx, w.url, "ada@acme.test")
		if err := chromedp.Do(bctx, chromedp.Navigate(fmt.Sprintf("%s/users/%d", w.url, w.alice.ID)), chromedp.WaitReady(chromedp.CSS("#show-leaver"))); err != nil {
			t.Fatalf("alice's profile offers no deactivation: %v", err)
		}
		href, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.querySelector('#show-leaver').getAttribute('href')`))
		if err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(bctx, chromedp.Navigate(w.url+href), chromedp.WaitVisible(chromedp.CSS("#leaver-form"))); err != nil {
			t.Fatal(err)
		}
		if got := texts(t, bctx, "#leaver-reports li"); len(got) != 2 || !strings.HasPrefix(got[0], "Bob Bernard") || !strings.HasPrefix(got[1], "Carol Dubois") {
			t.Errorf("reports offered = %q, want bob and carol", got)
		}
		shoot(bctx, "leaver-by-hand")
		if err := chromedp.Do(bctx, chromedp.Click(chromedp.CSS("#leaver-successor")),
			chromedp.SetValue(chromedp.CSS("#leaver-successor-email"), "erin@acme.test")); err != nil {
			t.Fatal(err)
		}
		click(t, bctx, "#leaver-confirm")
		if got := managers(w.bob); !slices.Equal(got, []string{"erin@acme.test"}) {
			t.Errorf("bob's managers after alice left = %v, want erin", got)
		}
		if u, err := a.GetUser(ctx, sys, w.alice.ID); err != nil || u.Active() {
			t.Errorf("alice after the confirmation: %+v, %v; want inactive", u.Status, err)
		}

		// The users CSV deactivates erin, who now manages bob and carol.
		file := filepath.Join(t.TempDir(), "users.csv")
		if err := os.WriteFile(file, []byte("email,is_active\nerin@acme.test,0\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(bctx, chromedp.Navigate(w.url+"/users/import"), chromedp.SetUploadFiles(chromedp.CSS("#users-file"), []string{file})); err != nil {
			t.Fatal(err)
		}
		click(t, bctx, "#users-preview")
		if got := texts(t, bctx, "#users-leavers li"); len(got) != 1 || !strings.Contains(got[0], "Erin Laurent") || !strings.Contains(got[0], "2 reports") {
			t.Errorf("the preview's leavers = %q, want erin with 2 reports", got)
		}
		shoot(bctx, "leaver-csv-preview")
		click(t, bctx, "#users-apply")
		if got := texts(t, bctx, "#users-leavers a.leaver-offer"); len(got) != 1 {
			t.Fatalf("the import's report offers %q, want erin's proposal", got)
		}
		shoot(bctx, "leaver-csv-imported")
		click(t, bctx, "#users-leavers a.leaver-offer")
		if got := texts(t, bctx, "#leaver-title"); len(got) != 1 || !strings.Contains(got[0], "Erin Laurent, who left") {
			t.Errorf("proposal title = %q", got)
		}
		shoot(bctx, "leaver-csv-choice")
		if err := chromedp.Do(bctx, chromedp.Click(chromedp.CSS("#leaver-flag"))); err != nil {
			t.Fatal(err)
		}
		click(t, bctx, "#leaver-confirm")
		flags, err := a.LeaverFlags(ctx, app.UserActor(w.root, reportline.SourceUI))
		if err != nil {
			t.Fatal(err)
		}
		var flagged []reportline.UserID
		for _, f := range flags {
			if f.LeaverID == w.erin.ID {
				flagged = append(flagged, f.ManageeID)
			}
		}
		slices.Sort(flagged)
		if want := []reportline.UserID{w.bob.ID, w.carol.ID}; !slices.Equal(flagged, want) {
			t.Errorf("flagged reports of erin = %v, want bob and carol %v", flagged, want)
		}
	})
}
