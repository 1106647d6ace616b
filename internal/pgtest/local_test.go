//go:build linux

package pgtest

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// fakeBin makes root/<version>/bin, holding initdb and, if server is true,
// postgres, and returns the bin directory.
func fakeBin(t *testing.T, root, version string, server bool) string {
	t.Helper()
	bin := filepath.Join(root, version, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	names := []string{"initdb"}
	if server {
		names = append(names, "postgres")
	}
	for _, name := range names {
		if err := os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return bin
}

// TestLocateBinDir is not parallel: it writes a script and runs it at once,
// and a fork by a parallel test in between (TestRemoveStaleKeepsLiveOwners
// runs a command) can inherit the script's open write descriptor, so that
// running it fails with "text file busy" and locateBinDir, rightly, falls
// back to the pattern (seen in CI).
func TestLocateBinDir(t *testing.T) {
	root := t.TempDir()
	fakeBin(t, root, "9.6", true)
	want := fakeBin(t, root, "15", true)
	fakeBin(t, root, "17", false) // a client-only install is no server
	pattern := filepath.Join(root, "*", "bin")

	t.Run("newest from the pattern", func(t *testing.T) {
		got, err := locateBinDir("pgtest-no-such-pg-config", pattern)
		if err != nil || got != want {
			t.Errorf("locateBinDir = %q, %v; want %q", got, err, want)
		}
	})
	t.Run("pg_config first", func(t *testing.T) {
		other := fakeBin(t, t.TempDir(), "13", true)
		script := filepath.Join(t.TempDir(), "pg_config")
		if err := os.WriteFile(script, []byte("#!/bin/sh\necho "+other+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		got, err := locateBinDir(script, pattern)
		if err != nil || got != other {
			t.Errorf("locateBinDir = %q, %v; want %q", got, err, other)
		}
	})
	t.Run("none", func(t *testing.T) {
		_, err := locateBinDir("pgtest-no-such-pg-config", filepath.Join(t.TempDir(), "*", "bin"))
		if !errors.Is(err, errUnavailable) {
			t.Errorf("locateBinDir error = %v, want errUnavailable", err)
		}
	})
}

func TestRemoveStaleKeepsLiveOwners(t *testing.T) {
	t.Parallel()
	// A pid that is certainly dead: a child that has exited and been reaped.
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	dead := cmd.Process.Pid

	tmp := t.TempDir()
	deadDir := filepath.Join(tmp, dirPrefix+strconv.Itoa(dead)+"-1")
	liveDir := filepath.Join(tmp, dirPrefix+strconv.Itoa(os.Getppid())+"-2")
	ownDir := filepath.Join(tmp, dirPrefix+strconv.Itoa(os.Getpid())+"-3")
	for _, dir := range []string{deadDir, liveDir, ownDir} {
		if err := os.MkdirAll(filepath.Join(dir, "data"), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	removeStale(tmp)
	for dir, want := range map[string]bool{deadDir: false, liveDir: true, ownDir: true} {
		_, err := os.Stat(dir)
		if got := err == nil; got != want {
			t.Errorf("%s exists = %v, want %v", filepath.Base(dir), got, want)
		}
	}
}
