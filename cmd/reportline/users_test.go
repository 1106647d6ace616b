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

func TestUsersImportCommand(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		st := storageArgs(t, engine)
		if _, err := program(t, ctx, "", append([]string{"migrate"}, st...)...); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		write := func(name, body string) string {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		}
		good := write("good.csv", "uid;email;firstname;manager_uid\r\nboss;boss@acme.example;Bo\xeate;\r\nann;ann@acme.example;Ann;boss\r\n")
		mixed := write("mixed.csv", "uid,email,manager_uid\ncarl,carl@acme.example,boss\ndan,dan@acme.example,ghost\n")
		bad := write("bad.csv", "uid,emial\nx,x@acme.example\n")

		out, err := program(t, ctx, "", append([]string{"users", "import", good, "--dry-run"}, st...)...)
		// The preview knows that line 2 creates boss, whom line 3 names.
		if err != nil || !strings.Contains(out, "Preview of good.csv (windows-1252, ;-separated)") ||
			!strings.Contains(out, "2 rows: 2 created, 0 updated, 0 unchanged, 0 refused") || !strings.Contains(out, "Nothing was changed") {
			t.Fatalf("dry run: %q, %v", out, err)
		}
		out, err = program(t, ctx, "", append([]string{"users", "import", good}, st...)...)
		if err != nil || !strings.Contains(out, "2 rows: 2 created, 0 updated, 0 unchanged, 0 refused") {
			t.Fatalf("import: %q, %v", out, err)
		}
		out, err = program(t, ctx, "", append([]string{"users", "import", mixed}, st...)...)
		if exitCode(err) != exitRejectedLines || !strings.Contains(out, `manager_uid "ghost": no user has external uid "ghost"`) {
			t.Fatalf("some rows refused: %q, %v (exit %d)", out, err, exitCode(err))
		}
		if _, err := program(t, ctx, "", append([]string{"users", "import", bad}, st...)...); exitCode(err) != 1 || !strings.Contains(err.Error(), `line 1: unknown column "emial"`) {
			t.Errorf("bad file: %v (exit %d)", err, exitCode(err))
		}
		if _, err := program(t, ctx, "", append([]string{"users", "import", mixed, "--as", "ann@acme.example"}, st...)...); exitCode(err) != 1 || !strings.Contains(err.Error(), "admins") {
			t.Errorf("a plain user: %v (exit %d)", err, exitCode(err))
		}
		if _, err := program(t, ctx, "", "users", "frob"); exitCode(err) != 2 {
			t.Errorf("usage: exit %d", exitCode(err))
		}
	})
}
