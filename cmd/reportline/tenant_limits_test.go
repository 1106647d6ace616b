package main

import (
	"context"
	"strings"
	"testing"

	"reportline/internal/testapp"
	"reportline/store"
)

// The operator shows and changes a tenant's rate limits; a wrong value or
// an unknown slug is refused.
func TestTenantLimitsCommand(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		st := storageArgs(t, engine)
		cli := func(args ...string) (string, error) { return program(t, ctx, "", append(args, st...)...) }
		if _, err := cli("tenant", "create", "--slug", "acme", "--host", "acme.example"); err != nil {
			t.Fatal(err)
		}
		out, err := cli("tenant", "limits", "acme")
		if err != nil || !strings.Contains(out, "api rate         no limit (the operator's default)") {
			t.Fatalf("tenant limits acme: %q, %v", out, err)
		}
		out, err = cli("tenant", "limits", "acme", "--api-rate", "25", "--mail-per-minute", "120")
		if err != nil || !strings.Contains(out, "api rate         25 requests a second (the tenant's own)") ||
			!strings.Contains(out, "mail rate        120 messages a minute (the tenant's own)") || !strings.Contains(out, "50 requests") && !strings.Contains(out, "twice the rate") {
			t.Fatalf("set acme's limits: %q, %v", out, err)
		}
		// The implicit tenant's stay the operator's.
		if out, err := cli("tenant", "limits", "default"); err != nil || !strings.Contains(out, "api rate         no limit") {
			t.Errorf("the implicit tenant's limits: %q, %v", out, err)
		}
		if _, err := cli("tenant", "limits", "acme", "--api-rate", "fast"); err == nil || !strings.Contains(err.Error(), "limit_api_per_second") {
			t.Errorf("a rate that is no number: %v", err)
		}
		if _, err := cli("tenant", "limits", "nobody"); err == nil || !strings.Contains(err.Error(), "no tenant has the slug") {
			t.Errorf("an unknown slug: %v", err)
		}
		out, err = cli("tenant", "limits", "acme", "--api-rate", "")
		if err != nil || !strings.Contains(out, "api rate         no limit (the operator's default)") || !strings.Contains(out, "120 messages a minute") {
			t.Errorf("acme's API rate removed: %q, %v", out, err)
		}
	})
}
