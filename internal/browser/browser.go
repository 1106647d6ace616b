// Package browser runs tests against pages in a headless Chromium, driven with
// github.com/chromedp/chromedp.
//
// New opens a tab for one test and returns a chromedp context for it;
// everything else is plain chromedp:
//
//	ctx := browser.New(t)
//	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL)); err != nil {
//		t.Fatal(err)
//	}
//	title, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))
//
// The tab's console goes to t.Log as it happens, and ConsoleErrors returns
// the errors in it, so a test can insist that a page breaks no Content
// Security Policy and throws nothing. Screenshot saves PNGs into
// $REPORTLINE_SCREENSHOTS; a test that fails gets one named "failed" there
// too.
//
// The browser is Debian's chromium: $CHROMIUM_PATH, else /usr/bin/chromium,
// else chromium on PATH. Without one the test is skipped, unless CI=true,
// where it fails instead, because CI must never pass by skipping the browser
// tests.
//
// A test binary starts one browser process, at the first New, and each New
// opens a tab in a new incognito browser context of it: tests share the
// process (starting Chromium is the slow part), never cookies, storage or
// cache, so they stay isolated and may run in parallel. TestMain calls Close
// after the tests to stop it.
package browser

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Timeout bounds the whole of one tab's life, so that a page that never
// shows the awaited element fails the test instead of hanging it until the go
// test timeout.
const Timeout = 60 * time.Second

// The viewport size: a common laptop's, wide enough for desktop layouts.
const (
	windowWidth  = 1280
	windowHeight = 900
)

// New returns a chromedp context for a new tab of t, in its own incognito
// browser context (its own cookies, storage and cache) of the package's one
// Chromium, which the first New starts. The context ends after Timeout, and
// the tab and its browser context are closed when t ends.
//
// The tab's console messages are logged to t as they arrive; see
// ConsoleErrors. When t has failed by its end and $REPORTLINE_SCREENSHOTS is
// set, New saves a screenshot named "failed" first.
//
// New skips t when there is no Chromium, and fails it instead under CI=true.
// A package that calls New stops the browser after its tests with Close
// (from TestMain).
func New(t testing.TB) context.Context {
	t.Helper()
	return NewWithin(t, Timeout)
}

// NewWithin is New with the tab's life bounded by timeout instead of
// Timeout: for a test that uses one tab across many pages (a matrix of
// roles, pages and window widths).
func NewWithin(t testing.TB, timeout time.Duration) context.Context {
	t.Helper()
	exe, err := findChromium()
	if err != nil {
		if errors.Is(err, errUnavailable) && !inCI() {
			t.Skipf("browser: skipping: %v", err)
		}
		if errors.Is(err, errUnavailable) {
			t.Fatalf("browser: CI=true, so browser tests must run, not skip: %v", err)
		}
		t.Fatalf("browser: %v", err)
	}
	root, err := shared.start(exe)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}

	// Not derived from t.Context: that ends before the cleanups, and the
	// failure screenshot below needs the tab in a cleanup.
	base, cancelBase := context.WithTimeout(root, timeout)
	// A new browser context is an incognito profile of its own: tests
	// share the process, never cookies or storage, so they may run in
	// parallel.
	tabCtx, cancelTab := chromedp.NewContext(base, chromedp.WithNewBrowserContext())
	stop := func() {
		cancelTab() // closes the tab and disposes of its browser context
		cancelBase()
	}

	// Open the tab now, so that one that cannot open fails here with its
	// reason, not in the test's first action. The window's frame takes
	// part of the window size, so set the viewport itself too: pages and
	// screenshots then get exactly windowWidth × windowHeight.
	if err := chromedp.Do(tabCtx, chromedp.EmulateViewport(windowWidth, windowHeight)); err != nil {
		stop()
		t.Fatalf("browser: opening a tab in %s: %v", exe, err)
	}

	con := newConsole(t)
	go con.collect(chromedp.Console(tabCtx))
	ctx := context.WithValue(tabCtx, consoleKey{}, con)

	t.Cleanup(func() {
		stop()
		// Wait for the collector, which logs to t: logging after t ends
		// would panic.
		<-con.done
	})
	// Cleanups run last-registered first, so this one sees the tab still
	// open.
	t.Cleanup(func() {
		if t.Failed() {
			if path, err := screenshot(t, ctx, "failed"); err != nil {
				t.Logf("browser: no screenshot of the failure: %v", err)
			} else if path != "" {
				t.Logf("browser: screenshot of the failure: %s", path)
			}
		}
	})
	return ctx
}

// shared is the package's one Chromium, started by the first New.
var shared process

// process is one Chromium for a whole test binary: starting one costs about
// a second of both cores, a new browser context a few milliseconds.
type process struct {
	mu     sync.Mutex
	ctx    context.Context // its first tab; nil until started
	cancel context.CancelFunc
	err    error // why it could not start, for every later New
	closed bool
}

// start starts the browser at exe unless it runs already, and returns the
// context of its first tab, for tabs of their own to derive from.
func (p *process) start(exe string) (context.Context, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, errors.New("the browser was closed (browser.Close), so no test may open a tab after it")
	}
	if p.ctx != nil || p.err != nil {
		return p.ctx, p.err
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		// The sandbox needs user namespaces or a setuid helper, which
		// containers and root do not give; the pages are our own.
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		// No background traffic: the machine may have no network, and a
		// test must not depend on it.
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(windowWidth, windowHeight),
	)
	// With no user-data-dir option, chromedp makes a fresh temporary
	// profile for this browser and removes it when the browser exits.
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	first, cancelFirst := chromedp.NewContext(allocCtx)
	if err := chromedp.Do(first); err != nil { // starts the browser
		cancelFirst()
		cancelAlloc()
		p.err = fmt.Errorf("starting %s: %w", exe, err)
		return nil, p.err
	}
	p.ctx = first
	p.cancel = func() {
		cancelFirst() // stops the browser and waits for it
		cancelAlloc()
	}
	return p.ctx, nil
}

// Close stops the package's browser, if a test started it, and removes its
// profile. Call it from TestMain after the tests:
//
//	func TestMain(m *testing.M) {
//		code := m.Run()
//		browser.Close()
//		os.Exit(code)
//	}
//
// Without it the kernel still stops the browser when the test binary exits,
// but its temporary profile stays behind.
func Close() {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	shared.closed = true
	if shared.cancel != nil {
		shared.cancel()
		shared.cancel, shared.ctx = nil, nil
	}
}

// errUnavailable marks the errors that mean "this machine has no Chromium",
// as opposed to one that is there but fails.
var errUnavailable = errors.New("no Chromium on this machine")

// findChromium returns the browser to run: $CHROMIUM_PATH, else
// /usr/bin/chromium, else chromium on PATH.
func findChromium() (string, error) {
	if p := os.Getenv("CHROMIUM_PATH"); p != "" {
		// Set on purpose, so a wrong value is an error, not a skip.
		if err := executable(p); err != nil {
			return "", fmt.Errorf("CHROMIUM_PATH: %w", err)
		}
		return p, nil
	}
	const debian = "/usr/bin/chromium"
	if executable(debian) == nil {
		return debian, nil
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("%w: CHROMIUM_PATH is unset and there is no %s and no chromium on PATH; install Debian's chromium package",
		errUnavailable, debian)
}

// executable returns an error unless path is an executable file.
func executable(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("%s is not an executable file", path)
	}
	return nil
}

// inCI reports whether the tests run under CI (CI=true, as most CI systems
// set it), where a missing dependency must fail loudly.
func inCI() bool {
	ci, _ := strconv.ParseBool(os.Getenv("CI"))
	return ci
}
