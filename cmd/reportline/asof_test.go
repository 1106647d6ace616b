package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"reportline/internal/testapp"
	"reportline/store"
)

// managers export --as-of exports the links in effect then, in the export's
// own format: before an import, the import's removed links and not its new
// one; before anything, only the header; a bad date exits with an error.
func TestManagersExportAsOf(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		t.Parallel()
		ctx := context.Background()
		st := storageArgs(t, engine)
		dir := t.TempDir()
		if _, err := program(t, ctx, "", append([]string{"migrate"}, st...)...); err != nil {
			t.Fatal(err)
		}
		seedDemo(t, st)
		today, err := program(t, ctx, "", append([]string{"managers", "export"}, st...)...)
		if err != nil {
			t.Fatal(err)
		}
		robsManagers := func(csv string) []string {
			var out []string
			for _, line := range strings.Split(csv, "\n") {
				if f := strings.Split(line, ","); len(f) > 2 && f[1] == "rob.pike@acme.example" {
					out = append(out, f[0]+" "+f[2])
				}
			}
			return out
		}
		before := robsManagers(today)
		if len(before) == 0 {
			t.Fatalf("the demo gives rob no manager: %s", today)
		}
		time.Sleep(5 * time.Millisecond)
		then := time.Now().UTC().Format(time.RFC3339Nano)
		time.Sleep(5 * time.Millisecond)
		good := filepath.Join(dir, "good.csv")
		os.WriteFile(good, []byte("email of manager,email of managee\ngrace.hopper@acme.example,rob.pike@acme.example\n"), 0o600)
		if _, err := program(t, ctx, "", append([]string{"managers", "import", good}, st...)...); err != nil {
			t.Fatal(err)
		}
		asOf, err := program(t, ctx, "", append([]string{"managers", "export", "--as-of", then}, st...)...)
		if err != nil {
			t.Fatal(err)
		}
		if got := robsManagers(asOf); strings.Join(got, ";") != strings.Join(before, ";") {
			t.Errorf("rob's managers exported as of before the import = %v, want %v", got, before)
		}
		now, err := program(t, ctx, "", append([]string{"managers", "export"}, st...)...)
		if err != nil {
			t.Fatal(err)
		}
		if got := robsManagers(now); strings.Join(got, ";") != "grace.hopper@acme.example line" {
			t.Errorf("rob's managers exported today = %v, want grace's line link", got)
		}
		if strings.SplitN(asOf, "\n", 2)[0] != strings.SplitN(now, "\n", 2)[0] {
			t.Errorf("the header changed: %q vs %q", strings.SplitN(asOf, "\n", 2)[0], strings.SplitN(now, "\n", 2)[0])
		}
		long, err := program(t, ctx, "", append([]string{"managers", "export", "--as-of", "2000-01-01"}, st...)...)
		if err != nil || strings.Count(strings.TrimSpace(long), "\n") != 0 {
			t.Errorf("export as of 2000 = %q, %v; want the header alone", long, err)
		}
		if _, err := program(t, ctx, "", append([]string{"managers", "export", "--as-of", "yesterday"}, st...)...); err == nil || !strings.Contains(err.Error(), "as_of") {
			t.Errorf("a bad date: %v, want an error naming as_of", err)
		}
	})
}
