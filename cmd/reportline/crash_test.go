package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"reportline"
	"reportline/internal/pgtest"
	"reportline/internal/testapp"
	"reportline/store"
)

// TestImportSurvivesKill9 kills `reportline managers import` at random
// moments and checks that the links are then exactly as before the import
// or exactly as after it: never half-written.
func TestImportSurvivesKill9(t *testing.T) {
	t.Parallel()
	if testing.Short() && os.Getenv("CI") != "true" {
		t.Skip("kills a real process 20 times per engine; skipped with -short (never under CI=true)")
	}
	bin := filepath.Join(t.TempDir(), "reportline")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		t.Parallel() // each engine has its own database; they share nothing
		ctx := context.Background()
		dir := t.TempDir()
		args := []string{"--data", dir}
		url := ""
		if engine == store.Postgres {
			url = pgtest.New(t)
			args = append(args, "--database", url)
		}
		db, err := store.Open(ctx, url, dir)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		const users = 8000
		emails := seedUsers(t, db, users)
		// Two complete reporting lines over the same people, as two files:
		// importing one over the other changes every link.
		files := [2]string{filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.csv")}
		var want [2][]string
		for i, f := range files {
			want[i] = writeForest(t, f, emails, uint64(i+1))
		}
		run := func(file string) error {
			cmd := exec.Command(bin, append([]string{"managers", "import", file}, args...)...)
			out, err := cmd.CombinedOutput()
			if err != nil {
				return fmt.Errorf("%v: %s", err, out)
			}
			return nil
		}
		if err := run(files[0]); err != nil {
			t.Fatal(err)
		}
		state := 0
		if got := linkSet(t, db); !slices.Equal(got, want[0]) {
			t.Fatalf("the first import gave %d links, want %d", len(got), len(want[0]))
		}
		// How long a whole import takes, to spread the kills over it.
		start := time.Now()
		if err := run(files[1]); err != nil {
			t.Fatal(err)
		}
		full := time.Since(start)
		state = 1
		rng := rand.New(rand.NewPCG(42, uint64(len(engine))))
		kills, finished := 0, 0
		for trial := range 20 {
			next := 1 - state
			cmd := exec.Command(bin, append([]string{"managers", "import", files[next]}, args...)...)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Duration(rng.Int64N(int64(full) * 13 / 10))) // some land after the commit
			cmd.Process.Signal(syscall.SIGKILL)
			err := cmd.Wait()
			if err == nil {
				finished++
			} else {
				kills++
			}
			got := linkSet(t, db)
			switch {
			case slices.Equal(got, want[next]):
				state = next
			case slices.Equal(got, want[state]):
			default:
				t.Fatalf("trial %d: %d links match neither the state before (%d) nor after (%d) the import", trial, len(got), len(want[state]), len(want[next]))
			}
		}
		t.Logf("%s: a full import takes %v; %d of 20 runs killed, %d finished first", engine, full.Round(time.Millisecond), kills, finished)
		if kills == 0 {
			t.Error("no run was killed before it finished: the test proved nothing")
		}
		// After the kills the service recovers: the next import works.
		if err := run(files[1-state]); err != nil {
			t.Fatalf("import after the kills: %v", err)
		}
	})
}

// seedUsers creates n active users in one transaction and returns their
// addresses.
func seedUsers(t *testing.T, db *store.DB, n int) []string {
	t.Helper()
	ctx := context.Background()
	emails := make([]string, n)
	err := db.Write(ctx, func(tx *store.Tx) error {
		for i := range emails {
			emails[i] = fmt.Sprintf("user%05d@example.com", i)
			u := reportline.User{Email: emails[i], Status: reportline.StatusActive}
			if err := tx.CreateUser(ctx, &u); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return emails
}

// writeForest writes a random reporting line over the users (each user but
// the first reports to one earlier user, so there is no cycle) and returns
// its pairs as "manager managee" strings, sorted.
func writeForest(t *testing.T, path string, emails []string, seed uint64) []string {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, seed))
	var b strings.Builder
	b.WriteString("email of manager,email of managee\n")
	var pairs []string
	for i := 1; i < len(emails); i++ {
		m := emails[rng.IntN(i)]
		fmt.Fprintf(&b, "%s,%s\n", m, emails[i])
		pairs = append(pairs, m+" "+emails[i])
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	slices.Sort(pairs)
	return pairs
}

// linkSet reads every link as "manager managee", sorted.
func linkSet(t *testing.T, db *store.DB) []string {
	t.Helper()
	var out []string
	err := db.Read(context.Background(), func(tx *store.Tx) error {
		return tx.EachLinkRow(context.Background(), func(r reportline.LinkRow) error {
			out = append(out, r.ManagerEmail+" "+r.ManageeEmail)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}
