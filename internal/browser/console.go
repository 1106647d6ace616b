package browser

import (
	"context"
	"fmt"
	"iter"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// ConsoleErrors returns the errors that the page of ctx (a context from New)
// has written to its console so far, in order: console.error calls, uncaught
// exceptions and rejected promises, and the browser's own errors, such as
// Content Security Policy violations and failed loads (except that of
// /favicon.ico, which the browser makes unasked). It returns nil for a
// context that New did not make.
//
// Messages arrive from the browser asynchronously, so ConsoleErrors first
// makes the page write a marker to its console and waits until the marker
// comes through: everything the page wrote before the call is then included.
//
// Only the tab of New is watched, not tabs opened with chromedp.NewContext.
func ConsoleErrors(ctx context.Context) []string {
	con, _ := ctx.Value(consoleKey{}).(*console)
	if con == nil {
		return nil
	}
	con.flush(ctx)
	con.mu.Lock()
	defer con.mu.Unlock()
	return append([]string(nil), con.errors...)
}

// NoConsoleErrors marks t failed for each error in the console of ctx; see
// ConsoleErrors.
func NoConsoleErrors(t testing.TB, ctx context.Context) {
	t.Helper()
	for _, e := range ConsoleErrors(ctx) {
		t.Errorf("browser console: %s", e)
	}
}

type consoleKey struct{}

// flushPrefix starts the text of the markers that flush writes; they are not
// logged.
const flushPrefix = "reportline/internal/browser: flush "

// flushTimeout bounds the wait for a marker, so that a wedged page cannot
// hang ConsoleErrors; it then returns what has arrived.
const flushTimeout = 5 * time.Second

// console collects the console messages of one tab.
type console struct {
	t    testing.TB
	done chan struct{} // closed when collect returns
	next atomic.Int64  // the number of the last marker sent

	mu      sync.Mutex
	errors  []string
	seen    int64         // the number of the last marker received
	changed chan struct{} // closed and replaced when seen grows
}

func newConsole(t testing.TB) *console {
	return &console{t: t, done: make(chan struct{}), changed: make(chan struct{})}
}

// collect logs the messages to t and keeps the errors, until the tab's
// context ends.
func (c *console) collect(messages iter.Seq2[chromedp.ConsoleMessage, error]) {
	defer close(c.done)
	for m, err := range messages {
		if err != nil {
			return // the context ended: the test is over
		}
		if n, ok := strings.CutPrefix(m.Text, flushPrefix); ok && m.Type == chromedp.ConsoleDebug {
			seen, _ := strconv.ParseInt(n, 10, 64)
			c.mu.Lock()
			c.seen = max(c.seen, seen)
			close(c.changed)
			c.changed = make(chan struct{})
			c.mu.Unlock()
			continue
		}
		text := describe(m)
		c.t.Logf("browser console: %s", text)
		if (m.Type == chromedp.ConsoleError || m.IsException()) && !unaskedFavicon(m) {
			c.mu.Lock()
			c.errors = append(c.errors, text)
			c.mu.Unlock()
		}
	}
}

// flush makes the page write a marker and waits until collect has seen it.
func (c *console) flush(ctx context.Context) {
	n := c.next.Add(1)
	mark := fmt.Sprintf("console.debug(%q)", flushPrefix+strconv.FormatInt(n, 10))
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](mark)); err != nil {
		return // the tab is gone: nothing more will come
	}
	timeout := time.NewTimer(flushTimeout)
	defer timeout.Stop()
	for {
		c.mu.Lock()
		seen, changed := c.seen, c.changed
		c.mu.Unlock()
		if seen >= n {
			return
		}
		select {
		case <-changed:
		case <-c.done:
			return
		case <-timeout.C:
			return
		}
	}
}

// unaskedFavicon reports whether m is the failed load of /favicon.ico, which
// the browser requests on its own for every page that names no icon: it says
// nothing about the page, and a test server has no reason to serve one.
func unaskedFavicon(m chromedp.ConsoleMessage) bool {
	return m.Source == "network" && strings.HasSuffix(m.URL, "/favicon.ico")
}

// describe renders a message with its type and, when known, where it came
// from.
func describe(m chromedp.ConsoleMessage) string {
	s := m.String()
	if m.Source != "" {
		s = m.Source + " " + s
	}
	if m.URL != "" {
		// The protocol counts lines from 0; editors count from 1.
		s += fmt.Sprintf(" (%s:%d)", m.URL, m.Line+1)
	}
	return s
}
