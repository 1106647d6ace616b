package ui_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"reportline"
	"reportline/app"
	"reportline/i18n"
	"reportline/internal/browser"
	"reportline/store"
)

// translatedPages are the pages that speak the reader's language so far,
// for a platform admin (the others are listed in docs/i18n.md).
func translatedPages(t *testing.T, s *demoSite) []string {
	russ, rob, barbara := s.user(t, "russ.cox@acme.example"), s.user(t, "rob.pike@acme.example"), s.user(t, "barbara.liskov@acme.example")
	return []string{
		"/people", "/people?q=zzz", "/people?inactive=1",
		"/history", fmt.Sprintf("/history?person=%s", "russ.cox@acme.example"),
		fmt.Sprintf("/users/%d/managers", russ),
		fmt.Sprintf("/users/%d/managers", s.user(t, "rob.pike@acme.example")),
		fmt.Sprintf("/users/%d/managers?mq=ken", russ),
		fmt.Sprintf("/users/%d/orgchart", s.user(t, "rob.pike@acme.example")),
		fmt.Sprintf("/users/%d/orgchart?as_of=2000-01-01", russ),
		"/groups", "/account/password", "/users/99999999",
		fmt.Sprintf("/groups/%d/users", s.groups["Engineering"]), fmt.Sprintf("/groups/%d/users?q=zzz", s.groups["Engineering"]),
		fmt.Sprintf("/users/%d", russ), fmt.Sprintf("/users/%d/statistics", russ),
		fmt.Sprintf("/users/%d/statistics", s.user(t, "admin@acme.example")),
		fmt.Sprintf("/users/%d/links/remove?manager_id=%d&managee_id=%d", rob, barbara, rob),
		fmt.Sprintf("/users/%d/managers?removed_manager=%d&removed_managee=%d", rob, barbara, rob),
		fmt.Sprintf("/users/%d/managers?side=managers&added=2&updated=1", rob),
		fmt.Sprintf("/users/%d/managers?side=managees&removed=1", rob),
		"/team", "/team?scope=all",
		"/contacts", fmt.Sprintf("/users/%d/contacts", rob), "/reports/orphans", "/reports/orphans?reason=missing",
		"/managers/bulk", "/users/import",
		"/settings/subordinates", "/settings/subordinates?saved=1", "/settings/capabilities", "/settings/capabilities?saved=1", "/settings/statistics", "/settings/digest", "/settings/digest?saved=1",
		"/settings/notifications", "/settings/notifications?role=learners&preview=birthday",
		"/directory/sync", "/notifications", "/notifications?saved=1", "/settings/delivery-log?status=nope",
		"/account/tokens", "/account/tokens?all=1&revoked=1", "/account/sessions?ended=others", fmt.Sprintf("/account/sessions?user=%d", russ),
		"/settings/org-structure", fmt.Sprintf("/settings/org-structure?unit=%d&done=renamed&renamed=2", demoOrgUnits(t, s)),
		"/settings/template-messages", "/settings/organisation", "/settings/organisation?saved=1",
		"/settings/cover", "/settings/cover?saved=1", "/settings/webhooks", "/settings/sources",
	}
}

// demoOrgUnits gives the demo an org structure (its groups' tree, and a
// manager position), once, and returns Engineering's unit, which has a
// parent, sub-units and members.
func demoOrgUnits(t *testing.T, s *demoSite) reportline.OrgUnitID {
	t.Helper()
	ctx, sys := context.Background(), app.SystemActor(reportline.SourceAPI)
	if u, err := s.app.FindOrgUnit(ctx, sys, "Engineering"); err == nil {
		return u.ID
	}
	ids := map[string]reportline.OrgUnitID{}
	for _, u := range [][2]string{{"Acme", ""}, {"Engineering", "Acme"}, {"Platform team", "Engineering"}, {"Mobile team", "Engineering"}, {"Sales", "Acme"}, {"Operations", "Acme"}} {
		unit, err := s.app.CreateOrgUnit(ctx, sys, app.OrgUnitInput{Name: u[0], ParentID: ids[u[1]]})
		if err != nil {
			t.Fatalf("create the org unit %s: %v", u[0], err)
		}
		ids[u[0]] = unit.ID
	}
	if _, err := s.app.SetManagerPositions(ctx, sys, []string{"Team Lead", "Head of Sales"}); err != nil {
		t.Fatalf("set the positions mapping: %v", err)
	}
	return ids["Engineering"]
}

// templateBody is the template message the tests write: fields only, so
// that its preview is data.
const templateBody = "{{manager.first_name}}: {{managees}}"

// previewTemplateMessage writes a template message to the managers of
// Platform team's members and waits for its preview.
func previewTemplateMessage(t *testing.T, ctx context.Context, s *demoSite) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(s.url+"/settings/template-messages"),
		chromedp.SetValue(chromedp.CSS("#m-group"), fmt.Sprint(s.groups["Platform team"])),
		chromedp.SendKeys(chromedp.CSS("#m-body"), templateBody),
	); err != nil {
		t.Fatalf("write the message: %v", err)
	}
	click(t, ctx, "#m-preview")
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#message-preview"))); err != nil {
		t.Fatalf("wait for the preview: %v", err)
	}
}

// anonymousPages are the translated pages one sees before signing in.
var anonymousPages = []string{
	"/login", "/login?reset=done", "/login?local=1", "/password/forgot", "/password/reset?token=expired",
	"/unsubscribe?t=expired",
}

// bulkFile is a bulk managers' file with a change, a rejected line and a
// duplicate, for the import page.
const bulkFile = "email of manager,email of managee\n" +
	"barbara.liskov@acme.example,rob.pike@acme.example\n" +
	"ken.thompson@acme.example,rob.pike@acme.example\n" +
	"ken.thompson@acme.example,rob.pike@acme.example\n" +
	"nobody@acme.example,russ.cox@acme.example\n"

// previewBulkFile uploads bulkFile on Bulk managers and waits for its
// preview.
func previewBulkFile(t *testing.T, ctx context.Context, s *demoSite) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "managers.csv")
	if err := os.WriteFile(file, []byte(bulkFile), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(s.url+"/managers/bulk"), chromedp.SetUploadFiles(chromedp.CSS("#upload-file"), []string{file})); err != nil {
		t.Fatalf("choose the file: %v", err)
	}
	click(t, ctx, "#upload-button")
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#summary"))); err != nil {
		t.Fatalf("wait for the preview: %v", err)
	}
}

// i18nUsersFile is a users import with a new user, a change and a refused
// row.
const i18nUsersFile = "email;firstname;secondname;position\n" +
	"new.person@acme.example;New;Person;Engineer\n" +
	"russ.cox@acme.example;Russ;Cox;Go lead\n" +
	"not-an-address;X;Y;Z\n"

// previewUsersFile uploads i18nUsersFile on Import users and waits for its
// preview.
func previewUsersFile(t *testing.T, ctx context.Context, s *demoSite) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "users.csv")
	if err := os.WriteFile(file, []byte(i18nUsersFile), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(s.url+"/users/import"), chromedp.SetUploadFiles(chromedp.CSS("#users-file"), []string{file})); err != nil {
		t.Fatalf("choose the file: %v", err)
	}
	click(t, ctx, "#users-preview")
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#users-report"))); err != nil {
		t.Fatalf("wait for the preview: %v", err)
	}
}

// setLocale gives a demo user a locale in their profile.
func setLocale(t *testing.T, s *demoSite, email, locale string) {
	t.Helper()
	if _, err := s.app.UpdateUser(context.Background(), app.SystemActor(reportline.SourceAPI), s.user(t, email), app.UserPatch{Locale: &locale}); err != nil {
		t.Fatalf("set %s's locale: %v", email, err)
	}
}

// visibleTexts returns the text a reader meets on the page: every text node
// drawn on screen, and the placeholders, labels and titles of elements.
const visibleTexts = `(() => {
	const out = [];
	const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
	for (let n = walk.nextNode(); n; n = walk.nextNode()) {
		const text = n.textContent.trim();
		// .raw: what app records in its own words (a change's field
		// names and stored values), not yet translatable (docs/i18n.md);
		// translate="no": a file's literal content (a CSV header).
		if (text && n.parentElement.checkVisibility({visibilityProperty: true}) && !n.parentElement.closest('.raw, [translate="no"]')) out.push(text);
	}
	for (const e of document.querySelectorAll('[placeholder], [aria-label], [title]')) {
		for (const a of ['placeholder', 'aria-label', 'title']) {
			const v = (e.getAttribute(a) || '').trim();
			if (v) out.push(v);
		}
	}
	out.push(document.title);
	return out;
})()`

// marked is a catalogue string of the pseudo-locale.
// Marks nest (a catalogue string filled with another): strip the
// innermost first.
var marked = regexp.MustCompile(regexp.QuoteMeta(i18n.PseudoOpen) + `[^` + i18n.PseudoOpen + i18n.PseudoClose + `]*` + regexp.QuoteMeta(i18n.PseudoClose))

// formatted are values formatted for the locale rather than words: dates
// ("Sunday 6 December" on My team), moments with their zone, counts.
var formatted = regexp.MustCompile(`\b[A-Z][a-z]+day \d{1,2} [A-Z][a-z]+\b|\b\d{1,2} [A-Z][a-z]{2} \d{4}(, \d{2}:\d{2} [A-Z]{2,5})?\b|[\d,]+`)

// TestBrowserPseudoLocale renders the translated pages in the
// pseudo-locale, where every catalogue string is marked ⟦so⟧, and fails on
// any visible text that is neither marked nor data (names, addresses,
// positions, units, uids, group names, the product's name, formatted
// dates and numbers).
func TestBrowserPseudoLocale(t *testing.T) {
	t.Parallel()
	ctx := browser.NewWithin(t, 4*time.Minute)
	s := newDemoSite(t, store.SQLite)
	var data []string
	for _, u := range s.users {
		data = append(data, u.Name(), u.Email, u.Position, u.OrgUnit, u.ExternalUID, u.FirstName, u.LastName)
	}
	for g := range s.groups {
		data = append(data, g)
	}
	// What the reader typed into the preview is theirs.
	typed := "barbara.liskov@acme.example, linus.torvalds@acme.example, nobody@acme.example, russ.cox@acme.example, not-an-address, vint.cerf@acme.example"
	data = append(data, "Reportline", typed, "nobody@acme.example", "not-an-address", "managers.csv", "Europe/Paris", "UTC", "users.csv", "new.person@acme.example", "https://hooks.example.com/reportline", templateBody)
	// The demo's courses (demo/learning.go).
	data = append(data, "Information security basics", "GDPR essentials", "Go for engineers", "Negotiation skills")
	// Longest first, so that "Ken Thompson" goes before "Ken".
	slices.SortFunc(data, func(a, b string) int { return len(b) - len(a) })
	strip := func(text string) string {
		for prev := ""; prev != text; {
			prev, text = text, marked.ReplaceAllString(text, " ")
		}
		for _, d := range data {
			if d != "" {
				text = strings.ReplaceAll(text, d, " ")
			}
		}
		text = formatted.ReplaceAllString(text, " ")
		return strings.TrimSpace(text)
	}
	letters := regexp.MustCompile(`\pL{2,}`)
	check := func(t *testing.T, path string) {
		t.Helper()
		// The top bar's menus, open, so that their items count.
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('details').forEach(d => d.open = true)`)); err != nil {
			t.Fatal(err)
		}
		texts, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](visibleTexts))
		if err != nil {
			t.Fatalf("read %s: %v", path, err)
		}
		if !slices.ContainsFunc(texts, func(s string) bool { return strings.Contains(s, i18n.PseudoOpen) }) {
			t.Fatalf("%s has no catalogue string: the pseudo-locale is not in use", path)
		}
		seen := map[string]bool{}
		for _, text := range texts {
			if rest := strip(text); letters.MatchString(rest) && !seen[text] {
				seen[text] = true
				t.Errorf("%s: %q is not from the catalogue", path, text)
			}
		}
	}
	t.Run("anonymous", func(t *testing.T) {
		// Before signing in, the browser's Accept-Language says which.
		if _, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": i18n.Pseudo}}); err != nil {
			t.Fatal(err)
		}
		defer chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{}})
		for _, path := range anonymousPages {
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(1366, 800), chromedp.Navigate(s.url+path)); err != nil {
				t.Fatalf("open %s: %v", path, err)
			}
			check(t, path)
		}
	})
	for _, who := range []string{"admin@acme.example", "linus.torvalds@acme.example", "grace.hopper@acme.example"} {
		t.Run(who, func(t *testing.T) {
			setLocale(t, s, who, i18n.Pseudo)
			signInAs(t, ctx, s.url, who)
			pages := translatedPages(t, s)
			switch who {
			case "linus.torvalds@acme.example":
				pages = []string{fmt.Sprintf("/users/%d/managers", s.user(t, who))}
			case "grace.hopper@acme.example":
				// A manager: My team with its members and chart.
				pages = []string{"/team", "/team?scope=all"}
			}
			check := func(path string) { t.Helper(); check(t, path) }
			for _, path := range pages {
				if err := chromedp.Do(ctx, chromedp.EmulateViewport(1366, 800), chromedp.Navigate(s.url+path)); err != nil {
					t.Fatalf("open %s: %v", path, err)
				}
				check(path)
			}
			if who == "admin@acme.example" {
				// Show managers' preview: every verdict, the words around
				// them and the "why" column, in the catalogue's words
				// (app.Candidate.MsgID) but for an invalid address's, raw.
				if err := chromedp.Do(ctx,
					chromedp.Navigate(fmt.Sprintf("%s/users/%d/managers", s.url, s.user(t, "russ.cox@acme.example"))),
					chromedp.SendKeys(chromedp.CSS("#managers-emails"), typed),
				); err != nil {
					t.Fatalf("paste addresses: %v", err)
				}
				click(t, ctx, "#managers-preview-button")
				check("the preview")
				// Its reasons are the catalogue's (marked), not app's raw
				// English: russ.cox (self) and nobody; only the invalid address's is raw.
				said, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#managers-preview td.reason:not(.raw)').length`))
				if err != nil {
					t.Fatal(err)
				}
				if said < 2 {
					t.Errorf("the preview's reasons in the catalogue's words: %d, want the self and unknown ones at least", said)
				}
				// A bulk import's preview, its rejected lines and changes.
				previewBulkFile(t, ctx, s)
				check("the bulk preview")
				click(t, ctx, "#apply")
				if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#applied-note"))); err != nil {
					t.Fatalf("wait for the import: %v", err)
				}
				check("the bulk import")
				if err := chromedp.Do(ctx, chromedp.Navigate(s.url+"/managers/bulk")); err != nil {
					t.Fatal(err)
				}
				check("the bulk history")
				previewUsersFile(t, ctx, s)
				check("the users import's preview")
				previewTemplateMessage(t, ctx, s)
				check("a template message's preview")
				// The delivery log, and a message of it when the demo sent one.
				if err := chromedp.Do(ctx, chromedp.Navigate(s.url+"/settings/delivery-log")); err != nil {
					t.Fatal(err)
				}
				check("the delivery log")
				first, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector('#delivery-log tbody a') || {}).href || ''`))
				if err != nil {
					t.Fatal(err)
				}
				if first != "" {
					if err := chromedp.Do(ctx, chromedp.Navigate(first)); err != nil {
						t.Fatal(err)
					}
					check("a delivery")
				}
			}
		})
	}
}

// TestBrowserFrench opens the translated pages as a user whose profile
// says French, at a phone's width and a laptop's, with the layout checks,
// the accessibility check and screenshots.
func TestBrowserFrench(t *testing.T) {
	t.Parallel()
	ctx := browser.NewWithin(t, 4*time.Minute)
	s := newDemoSite(t, store.SQLite)
	setLocale(t, s, "admin@acme.example", "fr")
	signInAs(t, ctx, s.url, "admin@acme.example")
	for _, path := range translatedPages(t, s) {
		t.Run(strings.Trim(strings.NewReplacer("/", "_", "?", "_", "=", "_").Replace(path), "_"), func(t *testing.T) {
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 800), chromedp.Navigate(s.url+path)); err != nil {
				t.Fatalf("open %s: %v", path, err)
			}
			lang, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.lang`))
			if err != nil || lang != "fr" {
				t.Errorf("<html lang> is %q, want fr (%v)", lang, err)
			}
			for _, w := range []int64{390, 1366} {
				checkLayout(t, ctx, w)
				browser.Screenshot(t, ctx, fmt.Sprint(w))
			}
			checkAxe(t, ctx, path+" in French")
		})
	}
	// The words a French reader expects, on Show managers.
	if err := chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s/users/%d/managers", s.url, s.user(t, "russ.cox@acme.example")))); err != nil {
		t.Fatal(err)
	}
	body := strings.Join(texts(t, ctx, "main"), " ")
	for _, want := range []string{"Collaborateurs", "Ajouter des adresses e-mail", "Hiérarchique", "Import CSV", "déc. 2026"} {
		if !strings.Contains(body, want) {
			t.Errorf("the French managers page lacks %q", want)
		}
	}
	// The preview, on a phone.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 800),
		chromedp.SendKeys(chromedp.CSS("#managers-emails"), "barbara.liskov@acme.example, nobody@acme.example, linus.torvalds@acme.example")); err != nil {
		t.Fatalf("paste addresses: %v", err)
	}
	click(t, ctx, "#managers-preview-button")
	got := readCandidates(t, ctx, "managers")
	if c := got["barbara.liskov@acme.example"]; c.Label != "Sera ajouté" {
		t.Errorf("the preview labels a new manager %q, want “Sera ajouté”", c.Label)
	}
	if c := texts(t, ctx, "#managers-confirm-form p"); len(c) == 0 || !strings.HasPrefix(c[len(c)-1], "Confirmez pour que 1 personne devienne manager (hiérarchique) de Russ Cox.") {
		t.Errorf("the confirmation says %q", c)
	}
	checkLayout(t, ctx, 390)
	checkAxe(t, ctx, "the French preview")
	browser.Screenshot(t, ctx, "preview-390")
	// A bulk import's preview, on a phone.
	previewBulkFile(t, ctx, s)
	if body := strings.Join(texts(t, ctx, "#apply-text"), " "); !strings.HasPrefix(body, "Cela va ajouter 1 lien et retirer 1 pour 1 collaborateur. La ligne refusée") {
		t.Errorf("the French bulk preview says %q", body)
	}
	checkLayout(t, ctx, 390)
	checkAxe(t, ctx, "the French bulk preview")
	browser.Screenshot(t, ctx, "bulk-preview-390")
	// A users import's preview, on a phone.
	previewUsersFile(t, ctx, s)
	if got := strings.Join(texts(t, ctx, "#users-rows .verdict"), ","); got != "Sera créé,Sera mis à jour,Refusé" {
		t.Errorf("the French users preview's outcomes are %q", got)
	}
	checkLayout(t, ctx, 390)
	checkAxe(t, ctx, "the French users import preview")
	browser.Screenshot(t, ctx, "users-import-390")
	// A template message's preview, on a phone.
	previewTemplateMessage(t, ctx, s)
	if got := strings.Join(texts(t, ctx, "#m-preview"), ""); got != "Aperçu" {
		t.Errorf("the French preview button says %q", got)
	}
	checkLayout(t, ctx, 390)
	checkAxe(t, ctx, "the French template message preview")
	browser.Screenshot(t, ctx, "template-message-390")
}
