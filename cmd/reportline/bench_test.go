package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"reportline/internal/testapp"
	"reportline/store"
)

func TestBenchGenerate(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		st := storageArgs(t, engine)
		csv := filepath.Join(t.TempDir(), "pairs.csv")
		if _, err := program(t, ctx, "", append([]string{"bench", "generate", "--users", "1000", "--csv", csv, "--load"}, st...)...); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(csv)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if lines[0] != "email of manager,email of managee" || len(lines) < 1000 {
			t.Fatalf("CSV has %d lines starting %q", len(lines), lines[0])
		}
		// The loaded links are exactly the file's: a dry run finds nothing to do.
		out, err := program(t, ctx, "", append([]string{"managers", "import", csv, "--dry-run"}, st...)...)
		if err != nil || !strings.Contains(out, "0 to add, 0 to update, 0 to remove") {
			t.Errorf("dry run of the generated file against the loaded org: %q, %v", out, err)
		}
		// A second load into a database with users is refused.
		if _, err := program(t, ctx, "", append([]string{"bench", "generate", "--users", "1000", "--load"}, st...)...); err == nil {
			t.Error("loading into a database that has users must fail")
		}
	})
}
