package main

import (
	"context"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// `managers import` without --as records who ran it: the system, with the
// operating-system user's name. A file with only its header applies
// nothing, and says so with exit status 1.
func TestManagersImportActorAndEmptyFile(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		st := storageArgs(t, engine)
		if _, err := program(t, ctx, "", append([]string{"migrate"}, st...)...); err != nil {
			t.Fatal(err)
		}
		url, dir := "", st[1]
		if len(st) > 2 {
			url = st[3]
		}
		db, err := store.Open(ctx, url, dir)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		a := app.New(app.Adapt(db.Read, db.Write, db.Ping), app.Config{Logger: slog.New(slog.DiscardHandler)})
		sys := app.SystemActor(reportline.SourceCLI)
		for _, email := range []string{"boss@example.com", "worker@example.com"} {
			if _, err := a.CreateUser(ctx, sys, app.UserInput{Email: email, FirstName: "F", LastName: "L"}); err != nil {
				t.Fatal(err)
			}
		}
		files := t.TempDir()

		headerOnly := filepath.Join(files, "header-only.csv")
		os.WriteFile(headerOnly, []byte("email of manager,email of managee\r\n\r\n"), 0o600)
		for _, extra := range [][]string{nil, {"--dry-run"}} {
			out, err := program(t, ctx, "", append(append([]string{"managers", "import", headerOnly}, extra...), st...)...)
			if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), "no data line") {
				t.Errorf("header-only file %v: %q, %v (exit %d); want exit 1 saying there is no data line", extra, out, err, exitCode(err))
			}
		}

		good := filepath.Join(files, "good.csv")
		os.WriteFile(good, []byte("email of manager,email of managee\nboss@example.com,worker@example.com\n"), 0o600)
		if out, err := program(t, ctx, "", append([]string{"managers", "import", good}, st...)...); err != nil {
			t.Fatalf("import: %q, %v", out, err)
		}
		batches, err := a.ListImports(ctx, sys, 0, 10)
		if err != nil || len(batches) == 0 {
			t.Fatalf("imports = %v, %v", batches, err)
		}
		me, err := user.Current()
		if err != nil {
			t.Fatal(err)
		}
		if got, want := batches[0].ActorLabel, "system (os user "+me.Username+")"; got != want || batches[0].ActorID != 0 {
			t.Errorf("the import's actor = %d %q, want the system as %q", batches[0].ActorID, got, want)
		}
	})
}
