package browser

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// Screenshot saves a full-page PNG of the tab of ctx as
// <test name>-<name>.png in the folder $REPORTLINE_SCREENSHOTS, creating the
// folder, when that variable is set; otherwise it does nothing. Characters of
// the name other than letters, digits, '.', '_' and '-' become '_', so a
// subtest's "/" does not make folders.
//
// go test runs each package in its own directory, so give an absolute path
// to collect the screenshots of several packages in one place.
//
// A screenshot that cannot be taken or saved fails t, without stopping it.
func Screenshot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	path, err := screenshot(t, ctx, name)
	if err != nil {
		t.Errorf("browser: %v", err)
		return
	}
	if path != "" {
		t.Logf("browser: screenshot %s", path)
	}
}

// screenshot does the work of Screenshot and returns the file's path, or ""
// when $REPORTLINE_SCREENSHOTS is unset.
func screenshot(t testing.TB, ctx context.Context, name string) (string, error) {
	dir := os.Getenv("REPORTLINE_SCREENSHOTS")
	if dir == "" {
		return "", nil
	}
	// Quality 100 selects PNG; anything lower would be JPEG.
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return "", fmt.Errorf("taking screenshot %q: %w", name, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("saving screenshot %q: %w", name, err)
	}
	path := filepath.Join(dir, fileName(t.Name()+"-"+name)+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		return "", fmt.Errorf("saving screenshot %q: %w", name, err)
	}
	return path, nil
}

// fileName replaces the characters that are unsafe or awkward in a file name.
func fileName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9', r == '.', r == '_', r == '-':
			return r
		}
		return '_'
	}, s)
}
