package pgtest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestSkipOnlyWhenUnavailableOutsideCI(t *testing.T) {
	t.Parallel()
	unavailable := fmt.Errorf("%w: no binaries", errUnavailable)
	broken := errors.New("initdb: exit status 1")
	tests := []struct {
		name string
		err  error
		ci   bool
		want bool
	}{
		{"unavailable", unavailable, false, true},
		{"unavailable under CI", unavailable, true, false},
		{"broken", broken, false, false},
		{"broken under CI", broken, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := skip(tt.err, tt.ci); got != tt.want {
				t.Errorf("skip(%v, ci=%v) = %v, want %v", tt.err, tt.ci, got, tt.want)
			}
		})
	}
}

func TestTemplateKeepsPrepareError(t *testing.T) {
	t.Parallel()
	s := serverFor(t)
	calls := 0
	prepare := func(string) error {
		calls++
		return errors.New("boom")
	}
	for range 2 {
		// A key of its own per run, so that -count=2 runs prepare again.
		_, err := s.template(fmt.Sprintf("pgtest.failing.%p", &calls), prepare)
		if err == nil || !strings.Contains(err.Error(), "boom") {
			t.Errorf("template error = %v, want one that mentions boom", err)
		}
	}
	if calls != 1 {
		t.Errorf("prepare ran %d times, want 1", calls)
	}
}

// BenchmarkCreateDrop measures what New and NewFromTemplate cost a test: one
// clone and, at cleanup, one drop.
func BenchmarkCreateDrop(b *testing.B) {
	s := serverFor(b)
	tpl, err := s.template("pgtest.bench", func(url string) error { return nil })
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct{ name, from string }{{"empty", "template0"}, {"template", tpl}} {
		from := c.from
		b.Run(c.name, func(b *testing.B) {
			ctx, cancel := adminContext()
			defer cancel()
			for b.Loop() {
				name, err := s.create(ctx, from)
				if err != nil {
					b.Fatal(err)
				}
				if err := s.drop(ctx, name); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
