package app_test

import (
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"reportline"
	"reportline/digest"
	"reportline/internal/browser"
	"reportline/internal/testapp"
)

// TestDigestInBrowser opens the digest's HTML in Chromium at the width of
// a desktop mail reader's message pane (600 px) and of a phone (375 px):
// nothing is wider than the screen, the email asks nothing of the network,
// every count of the header is the number of items listed under it, and
// with a public URL every link is absolute. The screenshots go to
// $REPORTLINE_SCREENSHOTS when it is set.
func TestDigestInBrowser(t *testing.T) {
	sentAt := time.Date(2026, 11, 23, 13, 20, 0, 0, time.UTC)
	opts := digest.Options{Week: reportline.ISOWeek{Year: 2026, Week: 48}, SentAt: sentAt}
	withURL := opts
	withURL.PublicURL = "https://reportline.example.com"
	late := opts
	late.Late = true
	cases := []struct {
		name string
		o    digest.Options
	}{
		{"links", withURL},
		{"no-url", opts},
		{"late", late},
	}
	cases = append(cases, struct {
		name string
		o    digest.Options
	}{"fr", withURL})
	pages := map[string]string{}
	for _, c := range cases {
		tw := sampleWeek()
		if c.name == "fr" { // the manager reads French
			tw.Manager.Locale = "fr"
		}
		r, err := digest.Render(tw, c.o)
		if err != nil {
			t.Fatal(err)
		}
		pages["/"+c.name] = r.HTML
	}
	var other atomic.Int32 // requests for anything but the pages themselves
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		html, ok := pages[r.URL.Path]
		if !ok {
			if r.URL.Path != "/favicon.ico" { // the browser's own, not the email's
				other.Add(1)
			}
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, html)
	}))
	defer srv.Close()

	ctx := browser.New(t)
	for _, c := range cases {
		for _, width := range []int64{600, 375} {
			name := fmt.Sprintf("%s-%d", c.name, width)
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900), chromedp.Navigate(srv.URL+"/"+c.name)); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			wide, err := chromedp.Run(ctx, chromedp.Evaluate[int64](`document.documentElement.scrollWidth`))
			if err != nil {
				t.Fatal(err)
			}
			if wide > width {
				t.Errorf("%s: the email is %d px wide on a %d px screen", name, wide, width)
			}
			// Each header count against the items of its kind in the DOM.
			mismatch, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('[data-count]')).
				filter(td => Number(td.firstElementChild.textContent.replace(/\D/g, '')) !== document.querySelectorAll('[data-item][data-kind="' + td.dataset.count + '"]').length).
				map(td => td.dataset.count)`))
			if err != nil {
				t.Fatal(err)
			}
			if len(mismatch) > 0 {
				t.Errorf("%s: header counts differ from the items listed for %v", name, mismatch)
			}
			// A text cut off or overflowing its box reads as broken: no
			// element may stick out of the message's column.
			over, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('body *')).
				filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5).
				map(e => e.tagName + (e.id ? '#' + e.id : ''))`))
			if err != nil {
				t.Fatal(err)
			}
			if len(over) > 0 {
				t.Errorf("%s: elements overflow the screen: %v", name, over)
			}
			links, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'))`))
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range links {
				if c.o.PublicURL == "" || len(l) < len(c.o.PublicURL) || l[:len(c.o.PublicURL)] != c.o.PublicURL {
					t.Errorf("%s: link %q is not under the public URL %q", name, l, c.o.PublicURL)
				}
			}
			if c.o.PublicURL != "" && len(links) == 0 {
				t.Errorf("%s: no link back to Reportline", name)
			}
			browser.Screenshot(t, ctx, name)
		}
	}
	if n := other.Load(); n > 0 {
		t.Errorf("the email made %d requests besides its own page (images, styles…)", n)
	}
}

// TestNoticesInBrowser does the same for every other email, in English and
// French: the birthday notification and each event notification for each
// role that receives it, and the password reset, at 600 px and 375 px:
// nothing wider than the screen, nothing sticking out of the column,
// nothing asked of the network. Screenshots go to $REPORTLINE_SCREENSHOTS.
func TestNoticesInBrowser(t *testing.T) {
	o := newOrg(t, testapp.Engines[0])
	pages := map[string]string{}
	tw := sampleWeek()
	for _, lang := range []string{"en", "fr"} {
		m := tw.Manager
		m.Locale = lang
		r, err := digest.RenderBirthday(m, time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC), []reportline.User{tw.Members[0].User, tw.Members[1].User}, digest.BirthdayOptions{})
		if err != nil {
			t.Fatal(err)
		}
		pages["/birthday."+lang] = r.HTML
		for typ, roles := range map[reportline.NotificationType][]string{
			reportline.NotifyTemporaryLinkStart: {"managee", "manager", "other"},
			reportline.NotifyTemporaryLinkEnd:   {"managee", "manager", "other"},
			reportline.NotifyManagerAdded:       {"managee", "manager"},
			reportline.NotifyManagerRemoved:     {"managee", "manager"},
			reportline.NotifyPasswordReset:      {"user"},
			reportline.NotifyTemplateMessage:    {"manager"},
		} {
			for _, role := range roles {
				r, err := o.env.App.SampleEmail(typ, role, lang)
				if err != nil {
					t.Fatal(err)
				}
				pages[fmt.Sprintf("/%s_%s.%s", typ, role, lang)] = r.HTML
			}
		}
	}
	var other atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		html, ok := pages[r.URL.Path]
		if !ok {
			if r.URL.Path != "/favicon.ico" {
				other.Add(1)
			}
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, html)
	}))
	defer srv.Close()
	names := slices.Sorted(maps.Keys(pages))
	ctx := browser.New(t)
	for _, path := range names {
		for _, width := range []int64{600, 375} {
			name := fmt.Sprintf("%s-%d", path[1:], width)
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900), chromedp.Navigate(srv.URL+path)); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			over, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(document.documentElement.scrollWidth > document.documentElement.clientWidth ? ['the page'] : []).concat(
				Array.from(document.querySelectorAll('body *')).
				filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5).
				map(e => e.tagName + (e.id ? '#' + e.id : '')))`))
			if err != nil {
				t.Fatal(err)
			}
			if len(over) > 0 {
				t.Errorf("%s: wider than the screen: %v", name, over)
			}
			browser.Screenshot(t, ctx, "email-"+name)
		}
	}
	if n := other.Load(); n > 0 {
		t.Errorf("the emails made %d requests besides their own pages", n)
	}
}
