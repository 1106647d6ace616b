package schedule

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// A job ticks at once, again after a failure, and stops when asked, having
// logged the failure under its name.
func TestEveryTicksAtOnceRetriesAndStops(t *testing.T) {
	var logged strings.Builder
	log := slog.New(slog.NewTextHandler(&logged, nil))
	ticks := make(chan int, 10)
	n := 0
	stop := Start(t.Context(), time.Millisecond, log, "test job", func(context.Context) error {
		n++
		ticks <- n
		if n == 1 {
			return errors.New("first tick fails")
		}
		return nil
	})
	for want := 1; want <= 2; want++ {
		if got := <-ticks; got != want {
			t.Fatalf("tick %d, want %d", got, want)
		}
	}
	stop()
	if !strings.Contains(logged.String(), "test job") || !strings.Contains(logged.String(), "first tick fails") {
		t.Errorf("log = %q, want the job's name and its error", logged.String())
	}
}

// A tick that fails because the job is stopping is not an error worth a log
// line.
func TestEveryDoesNotLogTheStop(t *testing.T) {
	var logged strings.Builder
	log := slog.New(slog.NewTextHandler(&logged, nil))
	ctx, cancel := context.WithCancel(t.Context())
	Every(ctx, time.Hour, log, "test job", func(ctx context.Context) error {
		cancel()
		return ctx.Err()
	})
	if logged.Len() != 0 {
		t.Errorf("log = %q, want nothing", logged.String())
	}
}
