package main

import (
	"context"
	"encoding/base64"
	"io"
	"strings"
	"testing"

	"reportline/internal/testapp"
	"reportline/store"
)

// `secrets reseal` after a rotation seals every tenant's secrets (here two
// webhook signing secrets, one per tenant) under the new key and says how
// many; a second run has nothing to do; without a key it says which
// variable to set.
func TestSecretsReseal(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		_, st := twoTenantsCLI(t, engine)
		key := func(id string, b byte) string {
			return id + ":" + base64.StdEncoding.EncodeToString([]byte(strings.Repeat(string(rune('a'+b)), 32)))
		}
		cli := func(env map[string]string, args ...string) (string, error) {
			var out strings.Builder
			err := run(ctx, append(args, st...), func(k string) string { return env[k] }, strings.NewReader(""), &out, io.Discard)
			return out.String(), err
		}
		old := map[string]string{"REPORTLINE_SECRET_KEY": key("2026", 1)}
		for _, tenant := range []string{"default", "acme"} {
			if out, err := cli(old, "--tenant", tenant, "webhooks", "add", "--url", "https://hooks.example.com/"+tenant); err != nil {
				t.Fatalf("webhooks add in %s: %q %v", tenant, out, err)
			}
		}
		rotated := map[string]string{"REPORTLINE_SECRET_KEY": key("2027", 2), "REPORTLINE_SECRET_KEYS": key("2026", 1)}
		out, err := cli(rotated, "secrets", "reseal")
		if err != nil || !strings.Contains(out, "2 tenants: 2 secrets sealed again under the current key, 0 already") {
			t.Fatalf("secrets reseal: %q, %v", out, err)
		}
		out, err = cli(rotated, "secrets", "reseal")
		if err != nil || !strings.Contains(out, "0 secrets sealed again under the current key, 2 already") {
			t.Errorf("secrets reseal again: %q, %v", out, err)
		}
		if _, err := cli(nil, "secrets", "reseal"); err == nil || !strings.Contains(err.Error(), "REPORTLINE_SECRET_KEY") {
			t.Errorf("without a key: %v, want the variable named", err)
		}
		if _, err := cli(rotated, "--tenant", "acme", "secrets", "reseal"); err == nil {
			t.Error("--tenant accepted by secrets reseal, which goes through every tenant")
		}
		db := openStorage(t, st)
		for _, slug := range []string{"default", "acme"} {
			if err := db.Tenant(tenantID(t, db, slug)).Read(ctx, func(tx *store.Tx) error {
				subs, err := tx.WebhookSubscribers(ctx)
				for _, s := range subs {
					if s.Secret != "" {
						t.Errorf("%s: webhook %d's row holds its secret", slug, s.ID)
					}
				}
				all, err2 := tx.Secrets(ctx)
				for _, s := range all {
					if s.KeyID != "2027" {
						t.Errorf("%s: %s under %s", slug, s.Name, s.KeyID)
					}
				}
				if err == nil {
					err = err2
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
	})
}
