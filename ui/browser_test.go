package ui_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"reportline"
	"reportline/app"
	"reportline/internal/browser"
	"reportline/internal/testapp"
	"reportline/store"
)

// candidate is one previewed entry as the page shows it.
type candidate struct {
	Input   string `json:"input"`
	Verdict string `json:"verdict"`
	Label   string `json:"label"`
	Reason  string `json:"reason"`
}

// readCandidates reads the flagged entries of a section's preview from the
// DOM.
func readCandidates(t *testing.T, ctx context.Context, section string) map[string]candidate {
	t.Helper()
	js := fmt.Sprintf(`Array.from(document.querySelectorAll('#%s-preview tr.candidate')).map(tr => ({
		input: tr.dataset.input, verdict: tr.dataset.verdict,
		label: tr.querySelector('.verdict').textContent.trim(), reason: tr.querySelector('.reason').textContent.trim()}))`, section)
	list, err := chromedp.Run(ctx, chromedp.Evaluate[[]candidate](js))
	if err != nil {
		t.Fatalf("read the preview: %v", err)
	}
	out := map[string]candidate{}
	for _, c := range list {
		out[c.Input] = c
	}
	return out
}

// texts returns the text of every element matching a CSS selector.
func texts(t *testing.T, ctx context.Context, selector string) []string {
	t.Helper()
	js := fmt.Sprintf(`Array.from(document.querySelectorAll(%q)).map(e => e.textContent.trim())`, selector)
	out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](js))
	if err != nil {
		t.Fatalf("read %s: %v", selector, err)
	}
	return out
}

// click clicks what the selector finds and waits for the page it loads.
func click(t *testing.T, ctx context.Context, selector string) {
	t.Helper()
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(selector))); err != nil {
		t.Fatalf("click %s: %v", selector, err)
	}
}

// clickAdminTool opens a platform admin's tool from the top bar. Below the
// width that holds all eight tools in one row, the last three are under
// "Admin", which is opened first.
func clickAdminTool(t *testing.T, ctx context.Context, selector string) {
	t.Helper()
	hidden, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`!document.querySelector(%q).checkVisibility()`, selector)))
	if err != nil {
		t.Fatalf("find %s: %v", selector, err)
	}
	if hidden {
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#nav-admin"))); err != nil {
			t.Fatalf("open the Admin menu: %v", err)
		}
	}
	click(t, ctx, selector)
}

// location returns the path and query of the tab's page.
func location(t *testing.T, ctx context.Context, base string) string {
	t.Helper()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(loc, base)
}

// signIn fills in the sign-in form, which an anonymous visit to /groups
// leads to.
func signIn(t *testing.T, ctx context.Context, base, email string) {
	t.Helper()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/groups"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
	); err != nil {
		t.Fatalf("fill in the sign-in form: %v", err)
	}
	browser.Screenshot(t, ctx, "sign-in")
	click(t, ctx, `form[action="/login"] button[type="submit"]`)
	if loc := location(t, ctx, base); loc != "/groups" {
		t.Fatalf("after signing in the page is %s, want /groups", loc)
	}
}

// TestBrowserAddManagersByEmail is the admin flow of the product article, in
// a real browser: a group admin signs in, goes group → Users → a user → … →
// Show managers, pastes addresses, previews, sees each one flagged, and
// confirms.
func TestBrowserAddManagersByEmail(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		ctx := browser.New(t)
		signIn(t, ctx, w.url, "ada@acme.test")

		browser.Screenshot(t, ctx, "groups")

		click(t, ctx, fmt.Sprintf(`.sidebar a[href="/groups/%d/users"]`, w.sales.ID))
		browser.Screenshot(t, ctx, "group-users")
		click(t, ctx, fmt.Sprintf(`#users a[href="/users/%d?group=%d"]`, w.alice.ID, w.sales.ID))
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("details.menu summary")), chromedp.WaitVisible(chromedp.CSS("#show-managers"))); err != nil {
			t.Fatalf("open the … menu: %v", err)
		}
		browser.Screenshot(t, ctx, "profile-menu")
		click(t, ctx, "#show-managers")
		if loc := location(t, ctx, w.url); !strings.HasPrefix(loc, fmt.Sprintf("/users/%d/managers", w.alice.ID)) {
			t.Fatalf("Show managers led to %s", loc)
		}

		pasted := "bob@acme.test\ncarol@acme.test, nobody@acme.test\ndave@acme.test; frank@acme.test"
		if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#managers-emails"), pasted)); err != nil {
			t.Fatalf("paste addresses: %v", err)
		}
		click(t, ctx, "#managers-preview-button")

		got := readCandidates(t, ctx, "managers")
		for _, want := range []candidate{
			{Input: "bob@acme.test", Verdict: "new", Label: "Will be added"},
			{Input: "carol@acme.test", Verdict: "new", Label: "Will be added"},
			{Input: "nobody@acme.test", Verdict: "out_of_scope", Label: "Out of scope"},
			{Input: "dave@acme.test", Verdict: "inactive", Label: "Inactive"},
			{Input: "frank@acme.test", Verdict: "out_of_scope", Label: "Out of scope"},
		} {
			c := got[want.Input]
			if c.Verdict != want.Verdict || c.Label != want.Label {
				t.Errorf("%s is flagged %q (%q), want %q (%q)", want.Input, c.Verdict, c.Label, want.Verdict, want.Label)
			}
			if !strings.HasPrefix(want.Verdict, "new") && c.Reason == "" {
				t.Errorf("%s is refused without a reason", want.Input)
			}
		}
		if len(got) != 5 {
			t.Errorf("the preview lists %d entries, want 5: %v", len(got), got)
		}
		if managers, _ := w.links(t, w.alice.ID); len(managers) != 0 {
			t.Fatalf("the preview saved links: %v", managers)
		}
		browser.Screenshot(t, ctx, "preview")

		click(t, ctx, "#managers-confirm")
		if flash := texts(t, ctx, "#flash"); len(flash) != 1 || flash[0] != "Added 2 managers." {
			t.Errorf("flash = %q, want \"Added 2 managers.\"", flash)
		}
		if rows := texts(t, ctx, "#managers-table td.email"); strings.Join(rows, " ") != "bob@acme.test carol@acme.test" {
			t.Errorf("the Managers section lists %q, want bob and carol", rows)
		}
		if managers, _ := w.links(t, w.alice.ID); strings.Join(managers, " ") != "bob@acme.test carol@acme.test" {
			t.Errorf("alice's managers = %v, want bob and carol", managers)
		}
		browser.Screenshot(t, ctx, "confirmed")
		browser.NoConsoleErrors(t, ctx)
	})
}

// TestBrowserPickManagee adds a managee with the Managees section's picker.
func TestBrowserPickManagee(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		ctx := browser.New(t)
		signIn(t, ctx, w.url, "ada@acme.test")
		if err := chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s/users/%d/managers?group=%d", w.url, w.alice.ID, w.sales.ID)),
			chromedp.SendKeys(chromedp.CSS("#managees-search"), "erin")); err != nil {
			t.Fatalf("search: %v", err)
		}
		click(t, ctx, "#managees-search-button")
		pick := fmt.Sprintf("#managees-pick-%d", w.erin.ID)
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(pick))); err != nil {
			t.Fatalf("tick erin: %v", err)
		}
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`input[form="managees-add"][name="kind"][value="functional"]`))); err != nil {
			t.Fatalf("choose functional: %v", err)
		}
		browser.Screenshot(t, ctx, "picked")
		click(t, ctx, "#managees-preview-button")
		got := readCandidates(t, ctx, "managees")
		if c := got[fmt.Sprint(w.erin.ID)]; c.Verdict != "new" {
			t.Fatalf("erin is flagged %q, want new (%v)", c.Verdict, got)
		}
		click(t, ctx, "#managees-confirm")
		if flash := texts(t, ctx, "#flash"); len(flash) != 1 || flash[0] != "Added 1 managee." {
			t.Errorf("flash = %q", flash)
		}
		if rows := texts(t, ctx, "#managees-table td.email"); strings.Join(rows, " ") != "erin@acme.test" {
			t.Errorf("the Managees section lists %q, want erin", rows)
		}
		if kinds := texts(t, ctx, "#managees-table .kind"); strings.Join(kinds, " ") != "Functional" {
			t.Errorf("kinds = %q, want Functional", kinds)
		}
		if _, managees := w.links(t, w.alice.ID); strings.Join(managees, " ") != "erin@acme.test" {
			t.Errorf("alice's managees = %v, want erin", managees)
		}
		browser.Screenshot(t, ctx, "managee-added")
		browser.NoConsoleErrors(t, ctx)

		// A page out of the admin's groups is refused with the reason.
		// (The browser logs the 403 itself, so the console is checked
		// above.)
		if err := chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s/users/%d/managers", w.url, w.gina.ID))); err != nil {
			t.Fatal(err)
		}
		if h := texts(t, ctx, "h1"); len(h) != 1 || h[0] != "Access refused" {
			t.Errorf("out-of-scope page heading = %q", h)
		}
		browser.Screenshot(t, ctx, "forbidden")
	})
}

// TestBrowserPlatformAdmin walks the pages a platform admin sees: the whole
// group tree, a picker that marks the user themself and existing links, and
// a refused preview explained in its section.
func TestBrowserPlatformAdmin(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		if _, err := w.env.App.AddLinks(context.Background(), app.SystemActor(reportline.SourceCSV), app.LinkRequest{
			User: w.alice.ID, Direction: reportline.Managers, IDs: []reportline.UserID{w.bob.ID}}); err != nil {
			t.Fatal(err)
		}
		ctx := browser.New(t)
		signIn(t, ctx, w.url, "root@acme.test")
		if got := texts(t, ctx, ".group-tree .group-name"); strings.Join(got, ",") != "Acme,Finance,Sales,Sales East" {
			t.Errorf("group tree = %q", got)
		}
		browser.Screenshot(t, ctx, "groups")

		if err := chromedp.Do(ctx,
			chromedp.Navigate(fmt.Sprintf("%s/users/%d/managers", w.url, w.alice.ID)),
			chromedp.SendKeys(chromedp.CSS("#managers-search"), "acme.test"),
		); err != nil {
			t.Fatal(err)
		}
		click(t, ctx, "#managers-search-button")
		notes := texts(t, ctx, "#managers .pick-list li")
		var self, bob string
		for _, n := range notes {
			if strings.HasPrefix(n, "Alice Martin") {
				self = n
			}
			if strings.HasPrefix(n, "Bob Bernard") {
				bob = n
			}
		}
		if !strings.Contains(self, "this user") || !strings.Contains(bob, "already a manager") {
			t.Errorf("picker rows: %q", notes)
		}
		disabled, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`document.querySelector('#managers-pick-%d').disabled`, w.alice.ID)))
		if err != nil || !disabled {
			t.Errorf("the user themself can be picked (disabled=%v, %v)", disabled, err)
		}
		if src := texts(t, ctx, "#managers-table td:nth-child(4)"); strings.Join(src, ",") != "CSV import" {
			t.Errorf("sources = %q, want the CSV import shown", src)
		}
		browser.Screenshot(t, ctx, "picker")
		browser.NoConsoleErrors(t, ctx)

		// Previewing nothing is refused in the section (a 422, which the
		// browser logs, so the console was checked above).
		click(t, ctx, "#managers-preview-button")
		if p := texts(t, ctx, "#managers-problem"); len(p) != 1 || !strings.Contains(p[0], "List at least one user.") {
			t.Errorf("problem = %q", p)
		}
		browser.Screenshot(t, ctx, "refused")
	})
}

// TestBrowserBulkImport is "Assign managers in bulk" in a real browser: a
// group admin opens Bulk managers, chooses a CSV file, previews it, reads
// the counts and the rejected lines, and applies it.
func TestBrowserBulkImport(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := bulkWorld(t, engine)
		file := filepath.Join(t.TempDir(), "team.csv")
		if err := os.WriteFile(file, []byte(messyFile), 0o600); err != nil {
			t.Fatal(err)
		}
		ctx := browser.New(t)
		signIn(t, ctx, w.url, "ada@acme.test")

		click(t, ctx, "#nav-bulk")
		if loc := location(t, ctx, w.url); loc != "/managers/bulk" {
			t.Fatalf("Bulk managers led to %s", loc)
		}
		if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS("#upload-file"), []string{file})); err != nil {
			t.Fatalf("choose the file: %v", err)
		}
		browser.Screenshot(t, ctx, "bulk")
		click(t, ctx, "#upload-button")
		// The import page refreshes itself until the preview is done.
		if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#summary"))); err != nil {
			t.Fatalf("wait for the preview: %v", err)
		}
		preview := location(t, ctx, w.url)
		if !strings.HasPrefix(preview, "/managers/imports/") {
			t.Fatalf("the upload led to %s", preview)
		}
		counts := func() map[string]string {
			out, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]string](`Object.fromEntries(Array.from(
				document.querySelectorAll('.stats .stat')).map(s => [s.querySelector('dt').textContent.trim(), s.querySelector('dd').textContent.trim()]))`))
			if err != nil {
				t.Fatalf("read the counts: %v", err)
			}
			return out
		}
		got := counts()
		for label, n := range map[string]string{"To add": "2", "To remove": "1", "Duplicates": "1", "Rejected": "1"} {
			if got[label] != n {
				t.Errorf("preview %s = %q, want %s (all: %q)", label, got[label], n, got)
			}
		}
		rejected, err := chromedp.Run(ctx, chromedp.Evaluate[[]map[string]string](`Array.from(document.querySelectorAll('#rejected-table tbody tr')).map(tr => ({
			line: tr.querySelector('th').textContent.trim(), manager: tr.cells[1].textContent.trim(),
			reason: tr.querySelector('.verdict').textContent.trim()}))`))
		if err != nil {
			t.Fatalf("read the rejected lines: %v", err)
		}
		want := []map[string]string{
			{"line": "5", "manager": "carol@acme.test", "reason": "Duplicate"},
			{"line": "6", "manager": "nobody@acme.test", "reason": "Unknown address"},
		}
		if fmt.Sprint(rejected) != fmt.Sprint(want) {
			t.Errorf("rejected lines = %v, want %v", rejected, want)
		}
		if text := texts(t, ctx, "#apply-text"); len(text) != 1 || !strings.HasPrefix(text[0], "This will add 2 links and remove 1 for 2 managees.") {
			t.Errorf("apply text = %q", text)
		}
		if managers, _ := w.links(t, w.alice.ID); strings.Join(managers, " ") != "bob@acme.test" {
			t.Fatalf("the preview changed alice's managers: %v", managers)
		}
		browser.Screenshot(t, ctx, "preview")

		click(t, ctx, "#apply")
		if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#applied-note"))); err != nil {
			t.Fatalf("wait for the import: %v", err)
		}
		if loc := location(t, ctx, w.url); loc == preview || !strings.HasPrefix(loc, "/managers/imports/") {
			t.Errorf("Apply led to %s", loc)
		}
		if got := counts(); got["Added"] != "2" || got["Removed"] != "1" {
			t.Errorf("applied counts = %q", got)
		}
		if managers, _ := w.links(t, w.alice.ID); strings.Join(managers, " ") != "carol@acme.test" {
			t.Errorf("alice's managers = %v, want carol", managers)
		}
		if managers, _ := w.links(t, w.erin.ID); strings.Join(managers, " ") != "bob@acme.test" {
			t.Errorf("erin's managers = %v, want bob", managers)
		}
		browser.Screenshot(t, ctx, "applied")

		click(t, ctx, `.crumbs a[href="/managers/bulk"]`)
		if rows := texts(t, ctx, "#history-table tbody tr"); len(rows) != 2 {
			t.Errorf("history rows = %q, want the apply and the preview", rows)
		}
		browser.Screenshot(t, ctx, "history")
		browser.NoConsoleErrors(t, ctx)

		// A file that is not a CSV is refused on the form, with why. (The
		// browser logs the 422, so the console was checked above.)
		pdf := filepath.Join(t.TempDir(), "report.pdf")
		if err := os.WriteFile(pdf, []byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS("#upload-file"), []string{pdf})); err != nil {
			t.Fatalf("choose the file: %v", err)
		}
		click(t, ctx, "#upload-button")
		if msg := texts(t, ctx, "#upload-error"); len(msg) != 1 || !strings.Contains(msg[0], "The file is a PDF document, not CSV text.") {
			t.Errorf("upload error = %q", msg)
		}
		browser.Screenshot(t, ctx, "refused")
	})
}
