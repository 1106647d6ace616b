package ui_test

import (
	"context"
	"fmt"
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

// TestBrowserSubordinatesSettings is Settings → Policies → Subordinates in
// a real browser: a platform admin switches the Assign role mode to "By
// positions mapping", saves, and sees the org structure take over (alice,
// the Team lead of Field, gets the manager star and becomes bob's
// manager and gina's, whose stored link to frank stops counting), then
// switches back and sees it undone.
func TestBrowserSubordinatesSettings(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		orgSetup(t, w)
		ctx := browser.New(t)
		signIn(t, ctx, w.url, "root@acme.test")

		clickAdminTool(t, ctx, "#nav-settings")
		if loc := location(t, ctx, w.url); loc != "/settings/subordinates" {
			t.Fatalf("Settings led to %s", loc)
		}
		if got := checkedMode(t, ctx); got != "import" {
			t.Errorf("the page shows mode %q, want import", got)
		}
		browser.Screenshot(t, ctx, "subordinates-import")

		// Switch to By positions mapping and save.
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`label[for="mode-positions"]`))); err != nil {
			t.Fatalf("choose By positions mapping: %v", err)
		}
		click(t, ctx, "#mode-save")
		if flash := texts(t, ctx, "#flash"); len(flash) != 1 || !strings.HasPrefix(flash[0], "Saved.") {
			t.Errorf("flash = %q", flash)
		}
		if got := checkedMode(t, ctx); got != "positions" {
			t.Errorf("after saving, the page shows mode %q, want positions", got)
		}
		if cur := texts(t, ctx, "th.caps-mode.caps-current"); len(cur) != 1 || !strings.HasPrefix(cur[0], "By positions mapping") {
			t.Errorf("the highlighted capability table is %q", cur)
		}
		browser.Screenshot(t, ctx, "subordinates-positions")
		w.checkManagers(t, reportline.AssignByPositions, w.bob, "alice@acme.test")
		w.checkManagers(t, reportline.AssignByPositions, w.gina, "alice@acme.test")

		// The org structure page shows Field and its manager.
		click(t, ctx, "#settings-org-structure")
		if who := texts(t, ctx, `.org-row[data-unit="Field"] .org-who .org-managers`); len(who) != 1 || who[0] != "Alice Martin" {
			t.Errorf("Field's managers read %q", who)
		}
		browser.Screenshot(t, ctx, "org-structure")
		// Open Field and add a sub-unit to it.
		click(t, ctx, `.org-row[data-unit="Field"] .org-name`)
		if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#new-name"), "Field East")); err != nil {
			t.Fatalf("type a unit name: %v", err)
		}
		click(t, ctx, `#create-form button[type="submit"]`)
		if flash := texts(t, ctx, "#flash"); len(flash) != 1 || flash[0] != "The org unit was created." {
			t.Errorf("flash = %q", flash)
		}
		if crumbs := texts(t, ctx, ".crumbs li"); strings.Join(crumbs, " › ") != "Settings › Org structure › Field › Field East" {
			t.Errorf("breadcrumbs = %q", crumbs)
		}
		click(t, ctx, `.crumbs a[href^="/settings/org-structure?unit="]`)
		if rows := texts(t, ctx, "#tree .org-name"); strings.Join(rows, ",") != "Field East" {
			t.Errorf("Field's sub-units = %q", rows)
		}
		browser.Screenshot(t, ctx, "org-unit")
		click(t, ctx, "#settings-org-structure")
		if rows := texts(t, ctx, "#tree .org-name"); strings.Join(rows, ",") != "Field,Field East" {
			t.Errorf("the tree = %q", rows)
		}
		browser.Screenshot(t, ctx, "org-tree")

		// The star in Sales' user list and on alice's profile.
		click(t, ctx, fmt.Sprintf(`.sidebar a[href="/groups/%d/users"]`, w.sales.ID))
		if got := starredRows(t, ctx); !slices.Equal(got, []string{"Alice Martin"}) {
			t.Errorf("Sales stars %v, want Alice Martin", got)
		}
		browser.Screenshot(t, ctx, "group-users-stars")
		click(t, ctx, fmt.Sprintf(`#users a[href="/users/%d?group=%d"]`, w.alice.ID, w.sales.ID))
		if star := texts(t, ctx, "#profile-title .star"); len(star) != 1 || star[0] != "★ Manager" {
			t.Errorf("alice's profile star reads %q, want ★ Manager", star)
		}
		browser.Screenshot(t, ctx, "profile-star")

		// Back to By import value: undone, nothing lost.
		if err := chromedp.Do(ctx, chromedp.Navigate(w.url+"/settings/subordinates"),
			chromedp.Click(chromedp.CSS(`label[for="mode-import"]`))); err != nil {
			t.Fatalf("choose By import value: %v", err)
		}
		click(t, ctx, "#mode-save")
		if got := checkedMode(t, ctx); got != "import" {
			t.Errorf("after saving, the page shows mode %q, want import", got)
		}
		w.checkManagers(t, reportline.AssignByImport, w.bob)
		w.checkManagers(t, reportline.AssignByImport, w.gina, "frank@acme.test")
		if err := chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s/users/%d", w.url, w.alice.ID))); err != nil {
			t.Fatal(err)
		}
		if star := texts(t, ctx, "#profile-title .star"); len(star) != 0 {
			t.Errorf("in import mode alice still has a star: %q", star)
		}
		click(t, ctx, fmt.Sprintf(`.sidebar a[href="/groups/%d/users"]`, w.finance.ID))
		if got := starredRows(t, ctx); !slices.Equal(got, []string{"Frank Petit"}) {
			t.Errorf("Finance stars %v, want Frank Petit", got)
		}
		browser.Screenshot(t, ctx, "finance-import-stars")
		browser.NoConsoleErrors(t, ctx)
	})
}

// checkedMode returns the value of the checked Assign role mode radio.
func checkedMode(t *testing.T, ctx context.Context) string {
	t.Helper()
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector('input[name="mode"]:checked') || {}).value || ""`))
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// starredRows returns the names in the user list that carry the star.
func starredRows(t *testing.T, ctx context.Context) []string {
	t.Helper()
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll('#users tbody th')).filter(th => th.querySelector('.star')).map(th => th.querySelector('a').textContent.trim())`))
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// checkManagers checks a user's effective line managers, as app decides
// them, in the mode the page just saved.
func (w *world) checkManagers(t *testing.T, mode reportline.AssignMode, u reportline.User, want ...string) {
	t.Helper()
	e, err := w.env.App.EffectiveManagers(context.Background(), app.SystemActor(reportline.SourceAPI), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if e.Mode != mode {
		t.Errorf("mode = %s, want %s", e.Mode, mode)
	}
	got := []string{}
	for _, m := range e.Managers {
		if m.Link.Kind == reportline.Line {
			got = append(got, m.User.Email)
		}
	}
	if want == nil {
		want = []string{}
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s mode: %s's line managers = %v, want %v", mode, u.Email, got, want)
	}
}
