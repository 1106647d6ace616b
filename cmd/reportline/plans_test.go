package main

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"reportline/internal/testapp"
	"reportline/store"
)

// TestPlanCommands: create, an item naming nobody refused with why, show,
// schedule refused without changes, cancel.
func TestPlanCommands(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		st := storageArgs(t, engine)
		out, err := program(t, ctx, "", append([]string{"plans", "create", "Spring reorganisation"}, st...)...)
		m := regexp.MustCompile(`plan (\d+): Spring reorganisation \(draft\)`).FindStringSubmatch(out)
		if err != nil || m == nil {
			t.Fatalf("plans create: %q, %v", out, err)
		}
		_, err = program(t, ctx, "", append([]string{"plans", "add", m[1], "--manager", "nobody@example.com", "--managee", "none@example.com"}, st...)...)
		if err == nil || !strings.Contains(err.Error(), "nobody@example.com") {
			t.Fatalf("plans add naming nobody: %v, want refused naming the address", err)
		}
		out, err = program(t, ctx, "", append([]string{"plans", "show", m[1]}, st...)...)
		if err != nil || !strings.Contains(out, "draft") || !strings.Contains(out, "0 added") {
			t.Fatalf("plans show: %q, %v", out, err)
		}
		if _, err := program(t, ctx, "", append([]string{"plans", "schedule", m[1], "--at", "2099-01-01T09:00"}, st...)...); err == nil ||
			!strings.Contains(err.Error(), "no changes") {
			t.Fatalf("scheduling an empty plan: %v, want refused", err)
		}
		out, err = program(t, ctx, "", append([]string{"plans", "cancel", m[1]}, st...)...)
		if err != nil || !strings.Contains(out, "cancelled") {
			t.Fatalf("plans cancel: %q, %v", out, err)
		}
		out, err = program(t, ctx, "", append([]string{"plans", "list"}, st...)...)
		if err != nil || !strings.Contains(out, "cancelled") {
			t.Fatalf("plans list: %q, %v", out, err)
		}
	})
}
