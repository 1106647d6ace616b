package ui_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"reportline/internal/browser"
	"reportline/store"
)

// focusState is what the focused element looks like.
type focusState struct {
	Matches bool   `json:"matches"` // it is the element sought
	Ring    bool   `json:"ring"`    // an outline or a shadow marks it
	Shown   bool   `json:"shown"`   // it is drawn, inside the window
	What    string `json:"what"`
}

// readFocus describes document.activeElement against a CSS selector.
const readFocus = `((sel) => {
	const e = document.activeElement;
	if (!e || e === document.body) return {matches: false, ring: false, shown: false, what: 'nothing'};
	const s = getComputedStyle(e), r = e.getBoundingClientRect();
	const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) || (s.boxShadow && s.boxShadow !== 'none');
	const shown = e.checkVisibility() && r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < innerHeight && r.right > 0 && r.left < innerWidth;
	return {matches: e.matches(sel), ring: ring, shown: shown, what: e.outerHTML.slice(0, 140)};
})(%q)`

// tabTo presses Tab until the focus is on selector, checking at every step
// that the focused element is drawn and visibly marked.
func tabTo(t *testing.T, ctx context.Context, selector string) {
	t.Helper()
	for range 120 {
		if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Tab)); err != nil {
			t.Fatalf("press Tab: %v", err)
		}
		f, err := chromedp.Run(ctx, chromedp.Evaluate[focusState](fmt.Sprintf(readFocus, selector)))
		if err != nil {
			t.Fatalf("read the focus: %v", err)
		}
		if !f.Ring || !f.Shown {
			t.Errorf("Tab moved the focus to %s, which is not visibly focused (ring %v, on screen %v)", f.What, f.Ring, f.Shown)
		}
		if f.Matches {
			return
		}
	}
	t.Fatalf("120 presses of Tab never reached %s", selector)
}

// press presses a key on the focused element and waits for the page it
// loads.
func press(t *testing.T, ctx context.Context, key string) {
	t.Helper()
	if _, err := chromedp.RunResponse(ctx, chromedp.KeyEvent(key)); err != nil {
		t.Fatalf("press %q: %v", key, err)
	}
}

// TestBrowserKeyboardShowManagers runs Show managers with the keyboard
// alone (Tab, Enter and Space, and typing the addresses): from a profile to
// the managers page, the addresses, the preview, Confirm. Every Tab lands on
// something drawn on screen with a visible focus ring.
func TestBrowserKeyboardShowManagers(t *testing.T) {
	t.Parallel()
	ctx := browser.New(t)
	s := newDemoSite(t, store.SQLite)
	signInAs(t, ctx, s.url, "grace.hopper@acme.example")
	russ := s.user(t, "russ.cox@acme.example")
	if err := chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s/users/%d", s.url, russ))); err != nil {
		t.Fatal(err)
	}
	tabTo(t, ctx, `.actions a.btn-primary`)
	press(t, ctx, kb.Enter)
	if loc := location(t, ctx, s.url); !strings.HasPrefix(loc, fmt.Sprintf("/users/%d/managers", russ)) {
		t.Fatalf("Enter on Show managers led to %s", loc)
	}
	tabTo(t, ctx, "#managers-emails")
	if err := chromedp.Do(ctx, chromedp.KeyEvent("barbara.liskov@acme.example, frances.allen@acme.example")); err != nil {
		t.Fatalf("type the addresses: %v", err)
	}
	tabTo(t, ctx, "#managers-preview-button")
	browser.Screenshot(t, ctx, "preview-button-focused")
	press(t, ctx, " ")
	got := readCandidates(t, ctx, "managers")
	for _, e := range []string{"barbara.liskov@acme.example", "frances.allen@acme.example"} {
		if got[e].Verdict != "new" {
			t.Errorf("the preview flags %s as %q, want new", e, got[e].Verdict)
		}
	}
	tabTo(t, ctx, "#managers-confirm")
	browser.Screenshot(t, ctx, "confirm-focused")
	press(t, ctx, kb.Enter)
	managers := texts(t, ctx, "#managers tbody th")
	for _, name := range []string{"Barbara Liskov", "Frances Allen"} {
		if !strings.Contains(strings.Join(managers, "|"), name) {
			t.Errorf("after Confirm the managers are %q, want %s among them", managers, name)
		}
	}
	browser.Screenshot(t, ctx, "confirmed")
}
