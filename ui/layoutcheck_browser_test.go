package ui_test

// The layout checks of the responsive test: what a page must be at a given
// window width, read from the page by script in the real Chromium.

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/chromedp/chromedp"

	"reportline/internal/browser"
)

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
