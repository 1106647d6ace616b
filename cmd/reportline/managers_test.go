package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"reportline/internal/testapp"
	"reportline/store"
)

func TestManagersCommands(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		t.Parallel() // each engine has its own database; they share nothing
		ctx := context.Background()
		st := storageArgs(t, engine)
		dir := t.TempDir()
		// A small organisation, through the API's own services: the demo.
		if _, err := program(t, ctx, "", append([]string{"migrate"}, st...)...); err != nil {
			t.Fatal(err)
		}
		seedDemo(t, st)

		out, err := program(t, ctx, "", "managers", "template")
		if err != nil || !strings.HasPrefix(out, "email of manager,email of managee\n") {
			t.Fatalf("template: %q, %v", out, err)
		}
		good := filepath.Join(dir, "good.csv")
		os.WriteFile(good, []byte("\ufeffEmail of Manager;Email of Managee\r\ngrace.hopper@acme.example;rob.pike@acme.example\r\n"), 0o600)
		out, err = program(t, ctx, "", append([]string{"managers", "import", good, "--dry-run"}, st...)...)
		if err != nil || !strings.Contains(out, "1 to add") || !strings.Contains(out, "Nothing was changed") || !strings.Contains(out, "semicolon-separated") {
			t.Fatalf("dry run: %q, %v", out, err)
		}
		// The dry run lists the changes line by line: Rob's new manager,
		// and his two current ones, whom the file leaves out.
		if !strings.Contains(out, "\n  + grace.hopper@acme.example → rob.pike@acme.example (line)\n") || strings.Count(out, "\n  - ") != 2 ||
			!strings.Contains(out, " → rob.pike@acme.example") {
			t.Errorf("dry run does not list the changes:\n%s", out)
		}
		// --json, for scripts.
		out, err = program(t, ctx, "", append([]string{"managers", "import", good, "--dry-run", "--json"}, st...)...)
		var doc struct {
			DryRun  bool `json:"dry_run"`
			Applied bool `json:"applied"`
			Counts  struct {
				Add    int `json:"add"`
				Remove int `json:"remove"`
			} `json:"counts"`
			Changes []struct{ Action, Manager, Managee string } `json:"changes"`
		}
		if err != nil || json.Unmarshal([]byte(out), &doc) != nil {
			t.Fatalf("--json: %q, %v", out, err)
		}
		if !doc.DryRun || doc.Applied || doc.Counts.Add != 1 || doc.Counts.Remove != 2 || len(doc.Changes) != 3 ||
			!slices.ContainsFunc(doc.Changes, func(c struct{ Action, Manager, Managee string }) bool {
				return c.Action == "add" && c.Manager == "grace.hopper@acme.example" && c.Managee == "rob.pike@acme.example"
			}) {
			t.Errorf("--json: %+v", doc)
		}
		out, err = program(t, ctx, "", append([]string{"managers", "import", good}, st...)...)
		if err != nil || !strings.Contains(out, "1 added") || !strings.Contains(out, "2 removed") || strings.Contains(out, "to add") {
			t.Fatalf("import (past tense): %q, %v", out, err)
		}
		partly := filepath.Join(dir, "partly.csv")
		os.WriteFile(partly, []byte("email of manager,email of managee\nnobody@acme.example,ken.thompson@acme.example\nlinus.torvalds@acme.example,russ.cox@acme.example\n"), 0o600)
		out, err = program(t, ctx, "", append([]string{"managers", "import", partly}, st...)...)
		var ee exitError
		if !errors.As(err, &ee) || exitCode(err) != exitRejectedLines || !strings.Contains(out, "line 2: manager nobody@acme.example: no account has this address") {
			t.Fatalf("some lines rejected: %q, %v (exit %d)", out, err, exitCode(err))
		}
		bad := filepath.Join(dir, "bad.csv")
		os.WriteFile(bad, []byte("name,department\nJane,Sales\n"), 0o600)
		if _, err := program(t, ctx, "", append([]string{"managers", "import", bad}, st...)...); err == nil || exitCode(err) != 1 {
			t.Errorf("a file without the columns must fail with status 1, got %v", err)
		}
		// An export re-imports without a change.
		export := filepath.Join(dir, "export.csv")
		if _, err := program(t, ctx, "", append([]string{"managers", "export", "-o", export}, st...)...); err != nil {
			t.Fatal(err)
		}
		out, err = program(t, ctx, "", append([]string{"managers", "import", export, "--dry-run"}, st...)...)
		if err != nil || !strings.Contains(out, "0 to add, 0 to update, 0 to remove") {
			t.Errorf("round trip: %q, %v", out, err)
		}
		// --as checks the person's groups: Ada administers Sales only.
		out, err = program(t, ctx, "", append([]string{"managers", "import", good, "--as", "ada.lovelace@acme.example"}, st...)...)
		if err == nil || !strings.Contains(out, "out_of_scope") {
			t.Errorf("import as a user admin of another group: %q, %v", out, err)
		}
	})
}

// seedDemo loads the demo organisation into the database named by st.
func seedDemo(t *testing.T, st []string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	pr, pw := osPipe(t)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0", "--demo"}, st...), func(string) string { return "" }, strings.NewReader(""), pw, devNull{})
	}()
	buf := make([]byte, 4096)
	var got strings.Builder
	for !strings.Contains(got.String(), "linus.torvalds") {
		n, err := pr.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		got.Write(buf[:n])
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestProgressOnlyOnTerminals(t *testing.T) {
	t.Parallel()
	var buf strings.Builder
	if isTerminal(&buf) {
		t.Error("a buffer is a terminal")
	}
	f, err := os.CreateTemp(t.TempDir(), "log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminal(f) {
		t.Error("a regular file (a redirected log) is a terminal")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if isTerminal(w) {
		t.Error("a pipe is a terminal")
	}
}
