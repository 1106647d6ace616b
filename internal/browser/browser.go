// Package browser runs tests against pages in a headless Chromium, driven with
// github.com/chromedp/chromedp.
//
// New starts a browser for one test and returns a chromedp context for its
// tab; everything else is plain chromedp:
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
// The package has no global state: each test gets its own browser process and
// profile, so tests can run in parallel.
package browser

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Timeout bounds the whole of one browser's life, so that a page that never
// shows the awaited element fails the test instead of hanging it until the go
// test timeout.
const Timeout = 60 * time.Second

// The viewport size: a common laptop's, wide enough for desktop layouts.
const (
	windowWidth  = 1280
	windowHeight = 900
)

// New starts a headless Chromium for t and returns a chromedp context for its
// one tab. The context ends after Timeout, and the browser is closed and its
// profile removed when t ends.
//
// The tab's console messages are logged to t as they arrive; see
// ConsoleErrors. When t has failed by its end and $REPORTLINE_SCREENSHOTS is
// set, New saves a screenshot named "failed" first.
//
// New skips t when there is no Chromium, and fails it instead under CI=true.
func New(t testing.TB) context.Context {
	t.Helper()
	return NewWithin(t, Timeout)
}

// NewWithin is New with the browser's life bounded by timeout instead of
// Timeout: for a test that shares one browser across many pages (a matrix of
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

	// Not derived from t.Context: that ends before the cleanups, and the
	// failure screenshot below needs the browser in a cleanup.
	base, cancelBase := context.WithTimeout(context.Background(), timeout)
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
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(base, opts...)
	tabCtx, cancelTab := chromedp.NewContext(allocCtx)
	stop := func() {
		cancelTab()
		cancelAlloc() // waits for the browser to exit
		cancelBase()
	}

	// Start the browser now, so that one that cannot start fails here with
	// its reason, not in the test's first action. The window's frame takes
	// part of the window size, so set the viewport itself too: pages and
	// screenshots then get exactly windowWidth × windowHeight.
	if err := chromedp.Do(tabCtx, chromedp.EmulateViewport(windowWidth, windowHeight)); err != nil {
		stop()
		t.Fatalf("browser: starting %s: %v", exe, err)
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
	// Cleanups run last-registered first, so this one sees the browser
	// still open.
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
