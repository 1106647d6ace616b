package main

import (
	"context"
	"strings"
	"testing"

	"reportline/internal/testapp"
	"reportline/store"
)

// TestOperatorCreateCommand: `operator create EMAIL` takes the password
// from stdin, or generates one; run again it sets a new password.
func TestOperatorCreateCommand(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		st := storageArgs(t, engine)
		out, err := program(t, ctx, "a long operator password\n", append([]string{"operator", "create", "Ops@Example.com"}, st...)...)
		if err != nil || !strings.Contains(out, "operator ops@example.com (id ") || strings.Contains(out, "generated password") {
			t.Fatalf("operator create: %q, %v", out, err)
		}
		out, err = program(t, ctx, "", append([]string{"operator", "create", "ops@example.com"}, st...)...)
		if err != nil || !strings.Contains(out, "existed: given the new password") || !strings.Contains(out, "generated password: ") {
			t.Fatalf("operator create again: %q, %v", out, err)
		}
		if _, err := program(t, ctx, "", append([]string{"operator", "create"}, st...)...); err == nil || !strings.Contains(err.Error(), "name the operator's email address") {
			t.Errorf("operator create without an address: %v", err)
		}
	})
}
