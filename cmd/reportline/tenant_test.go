package main

import (
	"context"
	"strings"
	"testing"

	"reportline/internal/testapp"
	"reportline/store"
)

// The operator's tenant commands: create (a host stored lower-case, a
// second slug or host refused), list, suspend and resume, each recorded in
// the operator log as the OS user who ran it.
func TestTenantCommands(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		st := storageArgs(t, engine)
		cli := func(args ...string) (string, error) { return program(t, ctx, "", append(args, st...)...) }

		out, err := cli("tenant", "create", "--slug", "Acme", "--host", "Acme.Reportline.Example:443", "--admin", "root@example.com")
		if err != nil || !strings.Contains(out, "tenant acme created") || !strings.Contains(out, "platform admin root@example.com") ||
			!strings.Contains(out, "generated password: ") {
			t.Fatalf("tenant create: %q, %v", out, err)
		}
		if _, err := cli("tenant", "create", "--slug", "acme"); err == nil || !strings.Contains(err.Error(), "already exists") {
			t.Errorf("a second tenant acme: %v, want refused", err)
		}
		if _, err := cli("tenant", "create", "--slug", "other", "--host", "acme.reportline.example"); err == nil || !strings.Contains(err.Error(), "already exists") {
			t.Errorf("a second tenant on acme's host: %v, want refused", err)
		}
		if _, err := cli("tenant", "create"); err == nil || !strings.Contains(err.Error(), "--slug is required") {
			t.Errorf("create without a slug: %v", err)
		}
		out, err = cli("tenant", "list")
		if err != nil || !strings.Contains(out, "default") || !regexpLine(out, "acme", "acme.reportline.example", "active") {
			t.Fatalf("tenant list: %q, %v", out, err)
		}

		if out, err := cli("tenant", "suspend", "acme"); err != nil || !strings.Contains(out, "tenant acme suspended") {
			t.Fatalf("tenant suspend: %q, %v", out, err)
		}
		if out, _ := cli("tenant", "list"); !regexpLine(out, "acme", "suspended since") {
			t.Errorf("list after suspend: %q", out)
		}
		if out, err := cli("tenant", "resume", "acme"); err != nil || !strings.Contains(out, "tenant acme resumed") {
			t.Fatalf("tenant resume: %q, %v", out, err)
		}
		if out, _ := cli("tenant", "list"); !regexpLine(out, "acme", "active") {
			t.Errorf("list after resume: %q", out)
		}
		if _, err := cli("tenant", "suspend", "nobody"); err == nil || !strings.Contains(err.Error(), "not found") {
			t.Errorf("suspend an unknown tenant: %v", err)
		}
		if _, err := program(t, ctx, "", "tenant", "nonsense"); err != errUsage {
			t.Errorf("tenant nonsense = %v, want the usage", err)
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
		// The admin is the new tenant's, not the implicit tenant's.
		var inAcme, inDefault error
		ts, err := db.Tenants(ctx)
		if err != nil || len(ts) != 2 {
			t.Fatalf("tenants: %v %v", ts, err)
		}
		db.Tenant(ts[1].ID).Read(ctx, func(tx *store.Tx) error { _, inAcme = tx.UserByEmail(ctx, "root@example.com"); return nil })
		db.Read(ctx, func(tx *store.Tx) error { _, inDefault = tx.UserByEmail(ctx, "root@example.com"); return nil })
		if inAcme != nil || inDefault == nil {
			t.Errorf("the admin: in acme %v, in the implicit tenant %v; want acme's only", inAcme, inDefault)
		}
		log, err := db.OperatorLog(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range log {
			if !strings.HasPrefix(e.Actor, "system (os user ") {
				t.Errorf("operator log actor %q, want the OS user", e.Actor)
			}
			got = append(got, e.Action)
		}
		if strings.Join(got, " ") != "tenant.create tenant.suspend tenant.resume" {
			t.Errorf("operator log = %v, want create, suspend, resume", got)
		}
	})
}

// regexpLine reports whether one line of out holds every part, in order.
func regexpLine(out string, parts ...string) bool {
	for _, line := range strings.Split(out, "\n") {
		rest, ok := line, true
		for _, p := range parts {
			i := strings.Index(rest, p)
			if i < 0 {
				ok = false
				break
			}
			rest = rest[i+len(p):]
		}
		if ok {
			return true
		}
	}
	return false
}
