package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"reportline"
	"reportline/internal/testapp"
	"reportline/store"
)

// --tenant SLUG: a command reads and writes only that tenant (the same
// emails in two tenants stay two people); without it, the implicit
// tenant; an unknown or suspended slug, or a command above tenants, is
// refused with a message saying why.
func TestTenantFlag(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		st := storageArgs(t, engine)
		cli := func(args ...string) (string, error) { return program(t, ctx, "", append(args, st...)...) }
		if _, err := cli("tenant", "create", "--slug", "acme", "--host", "acme.example"); err != nil {
			t.Fatal(err)
		}
		if _, err := cli("tenant", "create", "--slug", "sleepy"); err != nil {
			t.Fatal(err)
		}
		if _, err := cli("tenant", "suspend", "sleepy"); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		csv := func(name, body string) string {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		}
		acme := csv("acme.csv", "uid,email,firstname,manager_uid\nboss,boss@example.com,Acme Boss,\nann,ann@example.com,Ann,boss\n")
		mine := csv("mine.csv", "uid,email,firstname,manager_uid\nboss,boss@example.com,Home Boss,\n")

		// The flag before the command and after it.
		if out, err := cli("--tenant", "acme", "users", "import", acme); err != nil || !strings.Contains(out, "2 created") {
			t.Fatalf("users import --tenant acme: %q, %v", out, err)
		}
		if out, err := cli("users", "import", mine); err != nil || !strings.Contains(out, "1 created") {
			t.Fatalf("users import (implicit): %q, %v", out, err)
		}
		out, err := cli("managers", "export", "--tenant=acme")
		if err != nil || !strings.Contains(out, "ann@example.com") || !strings.Contains(out, "boss@example.com") {
			t.Fatalf("managers export --tenant=acme: %q, %v", out, err)
		}
		out, err = cli("managers", "export")
		if err != nil || strings.Contains(out, "ann@example.com") {
			t.Fatalf("managers export (implicit) shows acme's people: %q, %v", out, err)
		}

		// Its mail links to its host (no public URL is configured here).
		out, err = cli("digest", "preview", "--tenant", "acme", "--manager", "boss@example.com", "--html")
		if err != nil || !strings.Contains(out, "https://acme.example/") {
			t.Errorf("digest preview --tenant acme: %v, want links under https://acme.example/:\n%s", err, out)
		}

		url, data := "", st[1]
		if len(st) > 2 {
			url = st[3]
		}
		db, err := store.Open(ctx, url, data)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		ts, err := db.Tenants(ctx)
		if err != nil || len(ts) != 3 {
			t.Fatalf("tenants %v, %v", ts, err)
		}
		names := map[reportline.TenantID]string{}
		for _, id := range []reportline.TenantID{reportline.ImplicitTenant, ts[1].ID, ts[2].ID} {
			_ = db.Tenant(id).Read(ctx, func(tx *store.Tx) error {
				us, _, err := tx.FindUsers(ctx, reportline.UserFilter{Limit: 10})
				for _, u := range us {
					names[id] += u.Name() + ";"
				}
				return err
			})
		}
		if names[reportline.ImplicitTenant] != "Home Boss;" || !strings.Contains(names[ts[1].ID], "Acme Boss;") ||
			!strings.Contains(names[ts[1].ID], "Ann;") || names[ts[2].ID] != "" {
			t.Errorf("people per tenant: %v, want the implicit tenant's Home Boss, acme's Acme Boss and Ann, nobody in sleepy", names)
		}

		for _, c := range []struct {
			args []string
			want string
		}{
			{[]string{"--tenant", "nobody", "managers", "export"}, "--tenant nobody: no tenant has this slug"},
			{[]string{"--tenant", "sleepy", "managers", "export"}, "--tenant sleepy: the tenant is suspended"},
			{[]string{"--tenant", "acme", "serve"}, "reportline serve takes no --tenant"},
			{[]string{"tenant", "list", "--tenant", "acme"}, "reportline tenant takes no --tenant"},
			{[]string{"managers", "export", "--tenant"}, "--tenant needs a tenant's slug"},
			{[]string{"--tenant", "acme", "managers", "export", "--tenant", "acme"}, "--tenant given twice"},
		} {
			_, err := cli(c.args...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%v: %v, want %q", c.args, err, c.want)
			}
		}
	})
}
