package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"reportline/internal/testapp"
	"reportline/store"
)

// TestTokenCommands: create (with a name and a lifetime), list, revoke,
// and a password set that revokes tokens, as an operator types them.
func TestTokenCommands(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		st := storageArgs(t, engine)
		if _, err := program(t, ctx, "a sturdy password\n", append([]string{"admin", "create", "--email", "boss@example.com"}, st...)...); err != nil {
			t.Fatal(err)
		}
		first, err := program(t, ctx, "", append([]string{"token", "create", "--email", "boss@example.com", "--name", "hris sync", "--expires", "90d"}, st...)...)
		if err != nil || !strings.HasPrefix(first, "rlt_") {
			t.Fatalf("token create: %q, %v", first, err)
		}
		if _, err := program(t, ctx, "", append([]string{"token", "create", "--email", "boss@example.com", "--expires", "soon"}, st...)...); err == nil {
			t.Error("a lifetime that is not one must be refused")
		}
		if _, err := program(t, ctx, "", append([]string{"token", "create", "--email", "boss@example.com"}, st...)...); err != nil {
			t.Fatal(err)
		}
		out, err := program(t, ctx, "", append([]string{"token", "list", "--email", "boss@example.com"}, st...)...)
		if err != nil || !strings.Contains(out, `"hris sync"`) || strings.Count(out, "boss@example.com") != 2 || strings.Contains(out, "rlt_") {
			t.Fatalf("token list: %q, %v", out, err)
		}
		expiry := time.Now().UTC().Add(90 * 24 * time.Hour).Format("2006-01-02")
		if !regexp.MustCompile(`"hris sync"\s+boss@example.com\s+active\s+\S+\s+never\s+` + expiry).MatchString(out) {
			t.Errorf("token list shows no 90-day expiry:\n%s", out)
		}
		id := regexp.MustCompile(`(?m)^(\d+)\s+"hris sync"`).FindStringSubmatch(out)
		if id == nil {
			t.Fatalf("no id in %q", out)
		}
		out, err = program(t, ctx, "", append([]string{"token", "revoke", id[1]}, st...)...)
		if err != nil || !strings.Contains(out, "revoked") {
			t.Fatalf("token revoke: %q, %v", out, err)
		}
		if _, err := program(t, ctx, "", append([]string{"token", "revoke", "999"}, st...)...); err == nil {
			t.Error("revoking an unknown token must fail")
		}
		out, _ = program(t, ctx, "", append([]string{"token", "list"}, st...)...)
		if !regexp.MustCompile(`"hris sync"\s+boss@example.com\s+revoked`).MatchString(out) {
			t.Errorf("the revoked token is not listed as revoked:\n%s", out)
		}
		out, err = program(t, ctx, "another sturdy password\n", append([]string{"password", "set", "--email", "boss@example.com", "--revoke-tokens"}, st...)...)
		if err != nil || !strings.Contains(out, "API tokens revoked") {
			t.Fatalf("password set: %q, %v", out, err)
		}
		out, _ = program(t, ctx, "", append([]string{"token", "list"}, st...)...)
		if strings.Contains(out, "active") {
			t.Errorf("a token survived password set --revoke-tokens:\n%s", out)
		}
	})
}
