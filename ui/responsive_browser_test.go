package ui_test

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"reportline"
	"reportline/app"
	"reportline/demo"
	"reportline/internal/browser"
	"reportline/internal/testapp"
	"reportline/store"
	"reportline/ui"
)

// widths are the window widths every main page must fit, from a small phone
// to a laptop.
var widths = []int64{360, 390, 768, 1024, 1366}

// wideNav is the narrowest window in which the top bar's tools must stand
// in one row rather than behind the Menu button.
const wideNav = 1024

// demoSite is the demo organisation served by the real server.
type demoSite struct {
	url    string
	users  map[string]reportline.User // by email
	groups map[string]reportline.GroupID
}

func newDemoSite(t *testing.T, engine store.Engine) *demoSite {
	t.Helper()
	ctx := context.Background()
	env := testapp.New(t, engine)
	// The demo's learning records and temporary links are dated from the
	// real clock.
	env.Now.Set(time.Now())
	if _, err := demo.Load(ctx, env.App); err != nil {
		t.Fatalf("load the demo: %v", err)
	}
	sys := app.SystemActor(reportline.SourceAPI)
	// Somebody whose name and address are longer than a phone is wide,
	// with a manager, so that they show in lists and on managers pages.
	sales, err := env.App.FindUsers(ctx, sys, reportline.UserFilter{Query: "katherine.johnson@acme.example", Limit: 1}, 0)
	if err != nil || len(sales.Users) != 1 {
		t.Fatalf("find Katherine Johnson: %v", err)
	}
	groups, err := env.App.Groups(ctx, sys)
	if err != nil {
		t.Fatalf("list the demo's groups: %v", err)
	}
	var salesID reportline.GroupID
	for _, g := range groups {
		if g.Name == "Sales" {
			salesID = g.ID
		}
	}
	long, err := env.App.CreateUser(ctx, sys, app.UserInput{
		Email:     longEmail,
		FirstName: "Maximiliana-Alexandrina", LastName: "Wolfeschlegelsteinhausenbergerdorff",
		Position: "Regional Account Executive for Enterprise Customers", OrgUnit: "Sales", GroupID: salesID,
	})
	if err != nil {
		t.Fatalf("create the long-named user: %v", err)
	}
	if _, err := env.App.AddLinks(ctx, sys, app.LinkRequest{User: long.ID, Direction: reportline.Managers, IDs: []reportline.UserID{sales.Users[0].ID}}); err != nil {
		t.Fatalf("give the long-named user a manager: %v", err)
	}
	s := &demoSite{users: map[string]reportline.User{}, groups: map[string]reportline.GroupID{}}
	found, err := env.App.FindUsers(ctx, sys, reportline.UserFilter{Limit: 1000}, 0)
	if err != nil {
		t.Fatalf("list the demo's users: %v", err)
	}
	for _, u := range found.Users {
		s.users[u.Email] = u
	}
	for _, g := range groups {
		s.groups[g.Name] = g.ID
	}
	pages, err := ui.New(env.App, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("ui.New: %v", err)
	}
	s.url = env.Serve(t, pages)
	t.Cleanup(pages.Wait)
	return s
}

func (s *demoSite) user(t *testing.T, email string) reportline.UserID {
	t.Helper()
	u, ok := s.users[email]
	if !ok {
		t.Fatalf("the demo has no %s", email)
	}
	return u.ID
}

// longEmail is the address of the user whose name and address are longer
// than a phone is wide.
const longEmail = "maximiliana-alexandrina.wolfeschlegelsteinhausenbergerdorff@emea-subsidiary.acme.example"

// demoRole is a demo account and the main pages it uses.
type demoRole struct {
	name  string
	email string
	pages func(t *testing.T, s *demoSite) []string
}

// demoRoles are the four demo accounts of the README, each with the pages
// a person in that role opens every day, plus a "not found" page.
var demoRoles = []demoRole{
	{"platform-admin", "admin@acme.example", func(t *testing.T, s *demoSite) []string {
		russ := s.user(t, "russ.cox@acme.example")
		return []string{
			"/groups",
			fmt.Sprintf("/groups/%d/users", s.groups["Sales"]),
			fmt.Sprintf("/users/%d", russ),
			fmt.Sprintf("/users/%d/managers", s.user(t, "ken.thompson@acme.example")),
			fmt.Sprintf("/users/%d", s.user(t, longEmail)),
			fmt.Sprintf("/users/%d/managers", s.user(t, "katherine.johnson@acme.example")),
			fmt.Sprintf("/users/%d/statistics", russ),
			"/team", "/contacts", "/notifications",
			"/managers/bulk", "/reports/orphans", "/users/import", "/directory/sync",
			"/settings/subordinates", "/settings/capabilities", "/settings/org-structure",
			"/settings/notifications", "/settings/delivery-log",
			"/no-such-page",
		}
	}},
	{"group-admin", "grace.hopper@acme.example", func(t *testing.T, s *demoSite) []string {
		return []string{
			"/groups",
			fmt.Sprintf("/groups/%d/users", s.groups["Engineering"]),
			fmt.Sprintf("/users/%d/managers", s.user(t, "rob.pike@acme.example")),
			"/team", "/contacts", "/notifications", "/managers/bulk", "/reports/orphans",
			"/no-such-page",
		}
	}},
	{"user-admin", "ada.lovelace@acme.example", func(t *testing.T, s *demoSite) []string {
		return []string{
			"/groups",
			fmt.Sprintf("/groups/%d/users", s.groups["Sales"]),
			fmt.Sprintf("/users/%d/managers", s.user(t, "hedy.lamarr@acme.example")),
			"/team", "/contacts", "/managers/bulk",
			"/no-such-page",
		}
	}},
	{"manager", "linus.torvalds@acme.example", func(t *testing.T, s *demoSite) []string {
		linus := s.user(t, "linus.torvalds@acme.example")
		return []string{
			"/groups", "/team", "/contacts", "/notifications",
			fmt.Sprintf("/users/%d", linus),
			fmt.Sprintf("/users/%d/managers", linus),
			fmt.Sprintf("/users/%d/managers", s.user(t, "russ.cox@acme.example")),
			"/no-such-page",
		}
	}},
}

// TestBrowserResponsive opens the main pages as each demo role at every
// width of widths and checks that nothing sticks out sideways and that the
// top bar's items never overlap: at wideNav and wider the tools stand in one
// row; narrower, they hide behind a Menu button that opens them cleanly.
// The width matrix runs on SQLite; PostgreSQL serves one page at two widths,
// which is enough to show the pages do not depend on the engine.
func TestBrowserResponsive(t *testing.T) {
	ctx := browser.NewWithin(t, 8*time.Minute)
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		s := newDemoSite(t, engine)
		t.Run("sign-in", func(t *testing.T) {
			if _, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
				t.Fatal(err)
			}
			if err := chromedp.Do(ctx, chromedp.Navigate(s.url+"/login")); err != nil {
				t.Fatal(err)
			}
			checkBasics(t, ctx)
			for _, w := range widths {
				if l := measure(t, ctx, w); l.ScrollWidth > l.InnerWidth {
					t.Errorf("at %d px the sign-in page is %.0f px wide", w, l.ScrollWidth)
				}
				browser.Screenshot(t, ctx, fmt.Sprint(w))
			}
		})
		if engine == store.Postgres {
			// The flow that matters most, once on the other engine.
			t.Run("preview", func(t *testing.T) { checkPreview(t, ctx, s, []int64{390, 1366}) })
		}
		for _, role := range demoRoles {
			t.Run(role.name, func(t *testing.T) {
				signInAs(t, ctx, s.url, role.email)
				pages := role.pages(t, s)
				ws := widths
				if engine == store.Postgres {
					pages, ws = pages[:1], []int64{360, 1366}
				}
				if role.name == "group-admin" && engine == store.SQLite {
					t.Run("preview", func(t *testing.T) { checkPreview(t, ctx, s, widths) })
				}
				for i, path := range pages {
					t.Run(strings.Trim(strings.ReplaceAll(path, "/", "_"), "_"), func(t *testing.T) {
						if err := chromedp.Do(ctx, chromedp.EmulateViewport(ws[0], 800), chromedp.Navigate(s.url+path)); err != nil {
							t.Fatalf("open %s: %v", path, err)
						}
						checkBasics(t, ctx)
						for _, w := range ws {
							checkLayout(t, ctx, w)
							browser.Screenshot(t, ctx, fmt.Sprint(w))
							if i == 0 && w < wideNav && !t.Failed() {
								checkOpenMenu(t, ctx, w)
							}
						}
					})
				}
			})
		}
	})
}

// signInAs starts a fresh session as email.
func signInAs(t *testing.T, ctx context.Context, base, email string) {
	t.Helper()
	if _, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
		t.Fatalf("sign out: %v", err)
	}
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1366, 800),
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#password"), demo.Password),
	); err != nil {
		t.Fatalf("fill in the sign-in form: %v", err)
	}
	click(t, ctx, `form[action="/login"] button[type="submit"]`)
	if loc := location(t, ctx, base); loc != "/groups" {
		t.Fatalf("after signing in as %s the page is %s, want /groups", email, loc)
	}
}

// box is an element's place on the page, as the layout check reads it.
type box struct {
	Name   string  `json:"name"`
	Left   float64 `json:"left"`
	Top    float64 `json:"top"`
	Right  float64 `json:"right"`
	Bottom float64 `json:"bottom"`
}

func (b box) String() string {
	return fmt.Sprintf("%s [%.0f,%.0f → %.0f,%.0f]", b.Name, b.Left, b.Top, b.Right, b.Bottom)
}

// overlaps reports whether two boxes share more than a sliver.
func (b box) overlaps(o box) bool {
	const slack = 1
	return b.Left+slack < o.Right && o.Left+slack < b.Right && b.Top+slack < o.Bottom && o.Top+slack < b.Bottom
}

// layout is what checkLayout reads from the page.
type layout struct {
	InnerWidth  float64 `json:"innerWidth"`
	ScrollWidth float64 `json:"scrollWidth"`
	Wide        []box   `json:"wide"` // elements wider than the window, the likely culprits
	Bar         []box   `json:"bar"`  // the top bar's visible items: brand, tools, menu button, account
	Tools       []box   `json:"tools"`
	MenuButton  *box    `json:"menuButton"`
	// Parts of a list's rows that stick out of the row: where a list is a
	// card per row (phones), nothing may hide in a scroll.
	CardOverflow []box `json:"cardOverflow"`
}

// readLayout measures the page. Items are visible when they have a size.
const readLayout = `(() => {
	const out = {innerWidth: window.innerWidth, scrollWidth: document.documentElement.scrollWidth, wide: [], bar: [], tools: [], menuButton: null};
	const boxOf = (name, e) => {
		if (!e) return null;
		const r = e.getBoundingClientRect();
		// checkVisibility sees what a closed <details> hides, which
		// still has a size.
		if (r.width < 1 || r.height < 1 || !e.checkVisibility({visibilityProperty: true})) return null;
		return {name, left: r.left, top: r.top, right: r.right, bottom: r.bottom};
	};
	const describe = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : '');
	const over = [];
	for (const e of document.body.querySelectorAll('*')) {
		const r = e.getBoundingClientRect();
		if (r.right > window.innerWidth + 1 && r.width > 0 && e.checkVisibility()) {
			let clipped = false;
			for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
				const o = getComputedStyle(p).overflowX;
				if (o !== 'visible' && p.getBoundingClientRect().right <= window.innerWidth + 1) { clipped = true; break; }
			}
			if (!clipped) over.push(e);
		}
	}
	// The innermost ones are the culprits; their ancestors only follow.
	for (const e of over) {
		if (!over.some(d => d !== e && e.contains(d)) && out.wide.length < 8) out.wide.push(boxOf(describe(e), e) || {name: describe(e)});
	}
	out.cardOverflow = [];
	for (const tr of document.querySelectorAll('.table-cards tbody tr')) {
		if (getComputedStyle(tr).display !== 'block') continue;
		const edge = tr.getBoundingClientRect().right;
		for (const e of tr.querySelectorAll('*')) {
			// Out of the row, or text running out of its own box.
			const spills = e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === 'visible';
			if ((e.getBoundingClientRect().right > edge + 1 || spills) && out.cardOverflow.length < 8) out.cardOverflow.push(boxOf(describe(e) + ' "' + e.textContent.trim().slice(0, 30) + '"', e) || {name: describe(e)});
		}
	}
	const push = (list, name, e) => { const b = boxOf(name, e); if (b) list.push(b); };
	push(out.bar, 'brand', document.querySelector('.topbar .brand'));
	for (const e of document.querySelectorAll('.topnav-list > li > a, .topnav-more > details > summary, .topnav-sub > li > a')) {
		push(out.tools, e.textContent.trim(), e);
		push(out.bar, e.textContent.trim(), e);
	}
	out.menuButton = boxOf('Menu', document.querySelector('.navmenu > summary'));
	if (out.menuButton) out.bar.push(out.menuButton);
	push(out.bar, 'account', document.querySelector('.account-menu > summary'));
	return out;
})()`

// checkLayout sets the window's width and checks the page at it.
func checkLayout(t *testing.T, ctx context.Context, width int64) {
	t.Helper()
	l := measure(t, ctx, width)
	if l.ScrollWidth > l.InnerWidth {
		t.Errorf("at %d px the page is %.0f px wide: it scrolls sideways (widest parts: %v)", width, l.ScrollWidth, l.Wide)
	}
	for _, b := range l.CardOverflow {
		t.Errorf("at %d px %s sticks out of its card", width, b)
	}
	checkNoOverlap(t, width, l.Bar)
	for _, b := range l.Bar {
		if b.Left < 0 || b.Right > l.InnerWidth+0.5 {
			t.Errorf("at %d px the top bar's %s is outside the window", width, b)
		}
	}
	if width >= wideNav {
		if l.MenuButton != nil {
			t.Errorf("at %d px the tools are behind a Menu button, want them in the top bar", width)
		}
		if len(l.Tools) == 0 {
			t.Errorf("at %d px the top bar shows no tools", width)
		}
		for _, b := range l.Tools {
			if math.Abs(b.Top-l.Tools[0].Top) > 2 {
				t.Errorf("at %d px the tools wrap onto a second row: %s is not level with %s", width, b, l.Tools[0])
			}
		}
	} else {
		if l.MenuButton == nil {
			t.Errorf("at %d px there is no Menu button", width)
		}
		if len(l.Tools) > 0 {
			t.Errorf("at %d px the tools show with the menu closed: %v", width, l.Tools)
		}
	}
}

func measure(t *testing.T, ctx context.Context, width int64) layout {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 800)); err != nil {
		t.Fatalf("set the width to %d: %v", width, err)
	}
	l, err := chromedp.Run(ctx, chromedp.Evaluate[layout](readLayout))
	if err != nil {
		t.Fatalf("measure the page at %d px: %v", width, err)
	}
	return l
}

func checkNoOverlap(t *testing.T, width int64, boxes []box) {
	t.Helper()
	for i, a := range boxes {
		for _, b := range boxes[i+1:] {
			if a.overlaps(b) {
				t.Errorf("at %d px %s overlaps %s", width, a, b)
			}
		}
	}
}

// checkOpenMenu opens the Menu of a narrow window and checks that every
// tool shows, inside the window, none over another, then closes it.
func checkOpenMenu(t *testing.T, ctx context.Context, width int64) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".navmenu > summary"))); err != nil {
		t.Fatalf("open the menu at %d px: %v", width, err)
	}
	l := measure(t, ctx, width)
	browser.Screenshot(t, ctx, fmt.Sprintf("%d-menu", width))
	if len(l.Tools) < 3 {
		t.Errorf("at %d px the open menu shows %d tools, want at least My team, My contacts, My notifications", width, len(l.Tools))
	}
	checkNoOverlap(t, width, l.Tools)
	for _, b := range l.Tools {
		if b.Left < 0 || b.Right > l.InnerWidth+0.5 {
			t.Errorf("at %d px the open menu's %s is outside the window", width, b)
		}
	}
	if l.ScrollWidth > l.InnerWidth {
		t.Errorf("at %d px the open menu makes the page %.0f px wide", width, l.ScrollWidth)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".navmenu > summary"))); err != nil {
		t.Fatalf("close the menu at %d px: %v", width, err)
	}

	// The account menu: who is signed in, their profile and Sign out,
	// all inside the window.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".account-menu > summary"))); err != nil {
		t.Fatalf("open the account menu at %d px: %v", width, err)
	}
	panel, err := chromedp.Run(ctx, chromedp.Evaluate[box](`(() => {
		const r = document.querySelector('.account-panel').getBoundingClientRect();
		return {name: 'account menu', left: r.left, top: r.top, right: r.right, bottom: r.bottom};
	})()`))
	if err != nil {
		t.Fatalf("measure the account menu: %v", err)
	}
	browser.Screenshot(t, ctx, fmt.Sprintf("%d-account", width))
	if panel.Left < 0 || panel.Right > float64(width)+0.5 {
		t.Errorf("at %d px the %s is outside the window", width, panel)
	}
	if got := texts(t, ctx, ".account-panel button[type=submit]"); len(got) != 1 || got[0] != "Sign out" {
		t.Errorf("at %d px the account menu offers %q, want Sign out", width, got)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".account-menu > summary"))); err != nil {
		t.Fatalf("close the account menu at %d px: %v", width, err)
	}
}

// readBasics lists what a page lacks of the accessible basics: a skip link
// to the main content, a name for every form control, and text contrast of
// at least 4.5:1 (3:1 for large text) against the background it is drawn on.
const readBasics = `(() => {
	const problems = [];
	const skip = document.querySelector('a.skip');
	if (document.querySelector('.topbar') && (!skip || skip !== document.querySelector('body a') || !document.querySelector(skip.getAttribute('href')))) {
		problems.push('no skip link, first on the page, to an element that exists');
	}
	for (const e of document.querySelectorAll('input, select, textarea')) {
		if (e.type === 'hidden' || e.type === 'submit' || e.type === 'button') continue;
		const named = e.labels.length > 0 || e.getAttribute('aria-label') || e.getAttribute('aria-labelledby') || e.title;
		if (!named) problems.push('a form control with no label: ' + e.outerHTML.slice(0, 120));
	}
	const rgb = c => { const m = c.match(/[\d.]+/g).map(Number); return {r: m[0], g: m[1], b: m[2], a: m.length > 3 ? m[3] : 1}; };
	const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
	const background = e => {
		for (let p = e; p; p = p.parentElement) {
			const c = rgb(getComputedStyle(p).backgroundColor);
			if (c.a > 0.5) return c;
		}
		return {r: 255, g: 255, b: 255, a: 1};
	};
	for (const e of document.body.querySelectorAll('*')) {
		if (e.closest('svg') || !e.checkVisibility({visibilityProperty: true, opacityProperty: true})) continue;
		const own = Array.from(e.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
		if (!own) continue;
		const r = e.getBoundingClientRect();
		if (r.width <= 1 || r.height <= 1) continue; // visually hidden
		const st = getComputedStyle(e);
		const fg = rgb(st.color), bg = background(e);
		const l1 = lum(fg), l2 = lum(bg);
		const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
		const size = parseFloat(st.fontSize), bold = parseInt(st.fontWeight) >= 700;
		const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
		if (ratio < need && problems.length < 12) {
			problems.push('contrast ' + ratio.toFixed(2) + ' < ' + need + ' for "' + e.textContent.trim().slice(0, 40) + '" (' + st.color + ' on rgb(' + bg.r + ',' + bg.g + ',' + bg.b + '))');
		}
	}
	return problems;
})()`

// checkBasics fails t for every accessible basic the page lacks.
func checkBasics(t *testing.T, ctx context.Context) {
	t.Helper()
	problems, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](readBasics))
	if err != nil {
		t.Fatalf("check the accessible basics: %v", err)
	}
	for _, p := range problems {
		t.Error(p)
	}
}

// checkPreview previews managers on Show managers as the group admin (the
// preview's table is the widest of the flow) and checks the page at each
// width.
func checkPreview(t *testing.T, ctx context.Context, s *demoSite, ws []int64) {
	t.Helper()
	signInAs(t, ctx, s.url, "grace.hopper@acme.example")
	pasted := "barbara.liskov@acme.example, frances.allen@acme.example\nnobody@acme.example; ada.lovelace@acme.example\nnot-an-address"
	if err := chromedp.Do(ctx,
		chromedp.Navigate(fmt.Sprintf("%s/users/%d/managers", s.url, s.user(t, "russ.cox@acme.example"))),
		chromedp.SendKeys(chromedp.CSS("#managers-emails"), pasted),
	); err != nil {
		t.Fatalf("paste addresses: %v", err)
	}
	click(t, ctx, "#managers-preview-button")
	if rows := texts(t, ctx, "#managers-preview tr.candidate"); len(rows) != 5 {
		t.Fatalf("the preview has %d rows, want 5", len(rows))
	}
	checkBasics(t, ctx)
	for _, w := range ws {
		checkLayout(t, ctx, w)
		browser.Screenshot(t, ctx, fmt.Sprint(w))
	}
}
