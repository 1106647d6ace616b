package browser

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// Serial: CHROMIUM_PATH is read from the environment, set here with t.Setenv.
func TestFindChromiumHonoursCHROMIUM_PATH(t *testing.T) {
	fake := filepath.Join(t.TempDir(), "my-chromium")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CHROMIUM_PATH", fake)
	if got, err := findChromium(); err != nil || got != fake {
		t.Errorf("findChromium() = %q, %v; want %q", got, err, fake)
	}

	// A wrong explicit setting is a mistake to report, not a reason to skip.
	t.Setenv("CHROMIUM_PATH", filepath.Join(t.TempDir(), "missing"))
	_, err := findChromium()
	if err == nil || errors.Is(err, errUnavailable) {
		t.Errorf("findChromium() error = %v, want a failure that is not errUnavailable", err)
	}
}

func TestFileName(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"TestLogin-start", "TestLogin-start"},
		{"TestPages/admin_view-after save", "TestPages_admin_view-after_save"},
		{"TestÜ/../x", "Test__.._x"},
	}
	for _, tt := range tests {
		if got := fileName(tt.in); got != tt.want {
			t.Errorf("fileName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
