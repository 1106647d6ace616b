package ui_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"reportline/internal/browser"
	"reportline/store"
)

// axeScript returns the source of axe-core (npm), the accessibility rules
// the Chromium tests inject into pages: the file $REPORTLINE_AXE_CORE
// names, else the pinned copy .ci/tool installs. Without npm the test is
// skipped, but never under CI=true, where it fails.
var axeScript = sync.OnceValues(func() (string, error) {
	path := os.Getenv("REPORTLINE_AXE_CORE")
	if path == "" {
		out, err := exec.Command("../.ci/tool", "axe-core").Output()
		if err != nil {
			return "", fmt.Errorf(".ci/tool axe-core: %w", err)
		}
		path = strings.TrimSpace(string(out))
	}
	b, err := os.ReadFile(path)
	return string(b), err
})

func axeSource(t *testing.T) string {
	t.Helper()
	src, err := axeScript()
	if err != nil {
		if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
			t.Fatalf("axe-core: CI=true, so the accessibility check must run: %v", err)
		}
		t.Skipf("axe-core unavailable (npm needed): %v", err)
	}
	return src
}

// axeViolation is one rule a page breaks, as axe-core reports it.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  []any  `json:"target"`
		Summary string `json:"failureSummary"`
		HTML    string `json:"html"`
	} `json:"nodes"`
}

// axeRun runs the rule sets checked: WCAG 2.0, 2.1 and 2.2, levels A and
// AA, and axe's best practices (landmarks, headings), which are logged
// unless serious.
const axeRun = `axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}, resultTypes: ['violations']}).then(r => r.violations)`

// checkAxe runs axe-core on the tab's page and fails t on every serious or
// critical violation. The script is evaluated through the DevTools
// protocol, not served by us, so the pages' Content Security Policy stays
// as strict as ever.
func checkAxe(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	src := axeSource(t)
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof axe !== 'undefined'`))
	if err != nil {
		t.Fatalf("check %s for axe-core: %v", what, err)
	}
	if !loaded {
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](src)); err != nil {
			t.Fatalf("inject axe-core into %s: %v", what, err)
		}
	}
	vs, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("run axe-core on %s: %v", what, err)
	}
	for _, v := range vs {
		var nodes []string
		for i, n := range v.Nodes {
			if i == 3 {
				nodes = append(nodes, fmt.Sprintf("… %d more", len(v.Nodes)-3))
				break
			}
			nodes = append(nodes, fmt.Sprintf("%v %s", n.Target, n.HTML))
		}
		report := t.Errorf
		if v.Impact != "serious" && v.Impact != "critical" {
			report = t.Logf
		}
		report("%s: %s (%s): %s\n\t%s", what, v.ID, v.Impact, v.Help, strings.Join(nodes, "\n\t"))
	}
}

// checkReachedPages opens, in Chromium, one address of every page route the
// role reached (reached, as crawl returns it, on s) and runs axe-core on it:
// no serious or critical violation of WCAG 2.2 A/AA, at a laptop's width and,
// for the routes this role is the first of crawlRoles to reach, at a phone's
// (tables scroll inside their cards there); plus the error page, and /groups
// with the menu open on a phone. The pages have no script (the Content
// Security Policy allows none inline and the UI serves none), so a page
// resized to a phone's width is the page a phone loads: the phone's check
// reuses the tab's page and its axe-core.
func checkReachedPages(t *testing.T, s *demoSite, role crawlRole, reached map[string]string) {
	axeSource(t)
	ctx := browser.NewWithin(t, 10*time.Minute)
	var pages []string
	phone := map[string]bool{} // address → checked at a phone's width too
	for p, target := range reached {
		if strings.HasSuffix(p, ".csv") || strings.HasSuffix(p, "{file}") || p == "GET /settings/notifications/preview/{type}" {
			continue // not HTML pages of ours
		}
		pages = append(pages, target)
		phone[target] = firstToReach(p) == role.name
	}
	slices.Sort(pages)
	pages = append(pages, "/no-such-page")
	phone["/no-such-page"] = role.name == crawlRoles[0].name
	signInAs(t, ctx, s.url, role.email)
	for _, path := range pages {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(1366, 800), chromedp.Navigate(s.url+path)); err != nil {
			t.Fatalf("open %s: %v", path, err)
		}
		checkAxe(t, ctx, path+" at 1366 px")
		if !phone[path] {
			continue
		}
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(360, 800)); err != nil {
			t.Fatalf("narrow %s to 360 px: %v", path, err)
		}
		checkAxe(t, ctx, path+" at 360 px")
	}
	// A phone: the top bar's menu open.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 800), chromedp.Navigate(s.url+"/groups"),
		chromedp.Click(chromedp.CSS("#nav-menu"))); err != nil {
		t.Fatalf("open the menu at 390 px: %v", err)
	}
	checkAxe(t, ctx, "/groups at 390 px, menu open")
	browser.Screenshot(t, ctx, "menu-390")
}

// firstToReach names the first of crawlRoles whose table lets it reach the
// page route p (TestCrawlEveryLink checks that the tables are exact).
func firstToReach(p string) string {
	for _, r := range crawlRoles {
		if _, excused := r.notReached[p]; !excused {
			return r.name
		}
	}
	return ""
}

// TestBrowserAccessibility runs axe-core on the states a page reaches by a
// form: Show managers' preview, the removal's confirmation, the banner with
// Undo. (Every page route, as each demo role reaches it, is checked by
// TestCrawlEveryLink's accessibility subtests, on the pages its crawl found.)
func TestBrowserAccessibility(t *testing.T) {
	t.Parallel()
	axeSource(t)
	ctx := browser.New(t)
	s := newDemoSite(t, store.SQLite)
	checkPreview(t, ctx, s, []int64{390})
	checkAxe(t, ctx, "the preview of managers")
	click(t, ctx, "#managers-confirm")
	checkAxe(t, ctx, "the managers page after Confirm")
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1366, 800)); err != nil {
		t.Fatal(err)
	}
	click(t, ctx, `#managers a[href*="/links/remove"]`)
	checkAxe(t, ctx, "the removal's confirmation")
	click(t, ctx, "#confirm-remove")
	checkAxe(t, ctx, "the banner with Undo")
}
