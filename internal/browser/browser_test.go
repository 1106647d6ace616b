package browser_test

import (
	"context"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"reportline/internal/browser"
)

// site serves a tiny app under a strict Content Security Policy, as the real
// pages will be: scripts only from the same origin, never inline.
func site(t *testing.T) *httptest.Server {
	t.Helper()
	files := map[string]struct{ kind, body string }{
		"/": {"text/html", `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Reportline test page</title>
<link rel="stylesheet" href="/app.css"></head>
<body><main>
<h1 id="greeting">Hello</h1>
<button id="change" type="button">Change</button>
</main><script src="/app.js"></script></body></html>`},
		"/app.css": {"text/css", `body { font-family: sans-serif; margin: 2rem; }
h1 { color: #234; } button { font-size: 1.2rem; padding: .4rem 1rem; }`},
		"/app.js": {"text/javascript", `document.getElementById("change").addEventListener("click", () => {
	document.getElementById("greeting").textContent = "Clicked";
});`},
		"/broken": {"text/html", `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>broken</title></head>
<body><p id="p">broken</p>
<script>document.getElementById("p").textContent = "inline ran";</script>
<script src="/boom.js"></script></body></html>`},
		"/boom.js": {"text/javascript", `console.error("boom from boom.js");`},
		"/tall": {"text/html", `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tall</title>
<link rel="stylesheet" href="/tall.css"></head>
<body><div class="top">top</div><div class="bottom">bottom</div></body></html>`},
		"/tall.css": {"text/css", `body { margin: 0; }
.top { height: 2400px; background: linear-gradient(#fff, #9bd); }
.bottom { height: 100px; background: #c33; color: #fff; }`},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Security-Policy", "default-src 'self'")
		w.Header().Set("Content-Type", f.kind+"; charset=utf-8")
		w.Write([]byte(f.body))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// Serial: it sets REPORTLINE_SCREENSHOTS with t.Setenv, which the screenshot
// code reads from the environment when it runs.
func TestNavigateReadClickAndScreenshot(t *testing.T) {
	// Keep the folder a developer asked for, so the picture can be looked at.
	shots := os.Getenv("REPORTLINE_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
		t.Setenv("REPORTLINE_SCREENSHOTS", shots)
	}
	srv := site(t)

	start := time.Now()
	ctx := browser.New(t)
	t.Logf("New took %v", time.Since(start))

	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL),
		chromedp.WaitVisible(chromedp.CSS("#greeting")),
	); err != nil {
		t.Fatalf("opening the page: %v", err)
	}
	got, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#greeting")))
	if err != nil {
		t.Fatal(err)
	}
	if want := "Hello"; got != want {
		t.Errorf("greeting before the click = %q, want %q", got, want)
	}

	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#change"))); err != nil {
		t.Fatalf("clicking: %v", err)
	}
	got, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#greeting")))
	if err != nil {
		t.Fatal(err)
	}
	if want := "Clicked"; got != want {
		t.Errorf("greeting after the click = %q, want %q", got, want)
	}
	browser.NoConsoleErrors(t, ctx)

	browser.Screenshot(t, ctx, "clicked")
	path := filepath.Join(shots, "TestNavigateReadClickAndScreenshot-clicked.png")
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot %s is no PNG: %v", path, err)
	}
	if w, h := img.Bounds().Dx(), img.Bounds().Dy(); w != 1280 || h != 900 {
		t.Errorf("screenshot is %d×%d, want the viewport's 1280×900", w, h)
	}
}

func TestConsoleErrorsReportsCSPViolationsAndErrors(t *testing.T) {
	t.Parallel()
	srv := site(t)
	ctx := browser.New(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/broken")); err != nil {
		t.Fatal(err)
	}
	errs := consoleErrorsContaining(t, ctx, "Content Security Policy", "boom from boom.js")
	if len(errs) != 2 {
		t.Errorf("console errors = %q, want the CSP violation and the console.error", errs)
	}
	// The policy held: the inline script did not run.
	got, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#p")))
	if err != nil {
		t.Fatal(err)
	}
	if got != "broken" {
		t.Errorf("paragraph = %q, want %q: the inline script ran", got, "broken")
	}
}

// consoleErrorsContaining returns the console errors of ctx, and fails t for
// each wanted text that none of them contains.
func consoleErrorsContaining(t *testing.T, ctx context.Context, want ...string) []string {
	t.Helper()
	errs := browser.ConsoleErrors(ctx)
	for _, w := range want {
		if !slices.ContainsFunc(errs, func(e string) bool { return strings.Contains(e, w) }) {
			t.Errorf("no console error contains %q; got %q", w, errs)
		}
	}
	return errs
}

func TestConsoleErrorsOfAForeignContextIsNil(t *testing.T) {
	t.Parallel()
	if errs := browser.ConsoleErrors(context.Background()); errs != nil {
		t.Errorf("ConsoleErrors(context.Background()) = %q, want nil", errs)
	}
}

// Serial: it sets REPORTLINE_SCREENSHOTS with t.Setenv, which the screenshot
// code reads from the environment when it runs.
func TestScreenshotWithoutFolderDoesNothing(t *testing.T) {
	t.Setenv("REPORTLINE_SCREENSHOTS", "")
	// A context with no browser: touching it would fail the test.
	browser.Screenshot(t, context.Background(), "nothing")
}

func TestNewTimesOut(t *testing.T) {
	t.Parallel()
	ctx := browser.New(t)
	deadline, ok := ctx.Deadline()
	if !ok {
		t.Fatal("the context has no deadline")
	}
	if left := time.Until(deadline); left <= 0 || left > browser.Timeout {
		t.Errorf("deadline in %v, want within %v", left, browser.Timeout)
	}
	if err := ctx.Err(); err != nil {
		t.Errorf("ctx.Err() = %v, want nil while the test runs", err)
	}
}

// Serial: it sets REPORTLINE_SCREENSHOTS with t.Setenv, which the screenshot
// code reads from the environment when it runs.
func TestScreenshotTakesTheFullPage(t *testing.T) {
	shots := t.TempDir()
	t.Setenv("REPORTLINE_SCREENSHOTS", shots)
	srv := site(t)
	ctx := browser.New(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/tall")); err != nil {
		t.Fatal(err)
	}
	browser.Screenshot(t, ctx, "tall")
	f, err := os.Open(filepath.Join(shots, "TestScreenshotTakesTheFullPage-tall.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if w, h := img.Bounds().Dx(), img.Bounds().Dy(); w != 1280 || h != 2500 {
		t.Errorf("screenshot is %d×%d, want the page's 1280×2500", w, h)
	}
	// The last rows are the red footer, below the first screenful.
	if r, g, b, _ := img.At(10, img.Bounds().Dy()-10).RGBA(); r>>8 < 0xb0 || g>>8 > 0x50 || b>>8 > 0x50 {
		t.Errorf("bottom of the screenshot is not the red footer: rgb(%d, %d, %d)", r>>8, g>>8, b>>8)
	}
}

// TestMain stops the package's one browser after the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	browser.Close()
	os.Exit(code)
}

// TestTabsDoNotShareCookies: two tabs of the one browser are two incognito
// profiles, so a sign-in in one test is never seen by another.
func TestTabsDoNotShareCookies(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/set" {
			http.SetCookie(w, &http.Cookie{Name: "seen", Value: "yes", Path: "/"})
		}
		seen := "none"
		if c, err := r.Cookie("seen"); err == nil {
			seen = c.Value
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<!doctype html><html lang="en"><head><title>c</title></head><body><p id="c">` + seen + `</p></body></html>`))
	}))
	t.Cleanup(srv.Close)
	read := func(ctx context.Context, path string) string {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+path)); err != nil {
			t.Fatal(err)
		}
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#c")))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a, b := browser.New(t), browser.New(t)
	read(a, "/set")
	if got := read(a, "/echo"); got != "yes" {
		t.Fatalf("the tab that got the cookie sends %q, want yes", got)
	}
	if got := read(b, "/echo"); got != "none" {
		t.Errorf("another tab sends the cookie %q: tabs share a profile", got)
	}
}
