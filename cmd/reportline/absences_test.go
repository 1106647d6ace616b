package main

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"reportline/internal/testapp"
	"reportline/store"
)

// TestAbsenceCommands: set (the fallback chain picks the delegate), list,
// reversed dates refused, end.
func TestAbsenceCommands(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		st := storageArgs(t, engine)
		seedDemo(t, st)
		if _, err := program(t, ctx, "", append([]string{"absences", "set", "--manager", "linus.torvalds@acme.example", "--from", "2030-01-11", "--to", "2030-01-07"}, st...)...); err == nil ||
			!strings.Contains(err.Error(), "ends before it starts") {
			t.Errorf("reversed dates: %v", err)
		}
		out, err := program(t, ctx, "", append([]string{"absences", "set", "--manager", "linus.torvalds@acme.example", "--from", "2030-01-07", "--to", "2030-01-11"}, st...)...)
		m := regexp.MustCompile(`absence (\d+)\tlinus.torvalds@acme.example\t2030-01-07 → 2030-01-11\tdelegate \S+ \((second_manager|manager_manager)\)`).FindStringSubmatch(out)
		if err != nil || m == nil {
			t.Fatalf("absences set: %q, %v", out, err)
		}
		out, err = program(t, ctx, "", append([]string{"absences", "list", "--manager", "linus.torvalds@acme.example"}, st...)...)
		if err != nil || !strings.Contains(out, "absence "+m[1]) {
			t.Fatalf("absences list: %q, %v", out, err)
		}
		out, err = program(t, ctx, "", append([]string{"absences", "end", m[1]}, st...)...)
		if err != nil || !strings.Contains(out, "ended") {
			t.Fatalf("absences end: %q, %v", out, err)
		}
		if out, _ := program(t, ctx, "", append([]string{"absences", "list", "--manager", "linus.torvalds@acme.example"}, st...)...); out != "" {
			t.Errorf("after cancelling: %q", out)
		}
	})
}
