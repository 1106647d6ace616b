// Package schedule is the one ticker of the work that runs on a timer: the
// weekly digest and birthday scheduler, the outbox's delivery worker and
// every scheduled directory sync call Every, so they wake, log their
// failures and stop the same way. What is due, and which replica does it,
// is each job's own business, decided through the database (leases, run
// records), never through memory.
//
// It imports only the standard library, so the use cases (app, outbox) and
// the binary (cmd/reportline) can all use it.
package schedule

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Every calls tick at once and then every interval until ctx ends. A tick
// that fails is logged (as name) and the next one tries again; a failure
// caused by ctx ending is not logged. A tick that outlasts the interval
// delays the next one, never doubles it.
func Every(ctx context.Context, interval time.Duration, log *slog.Logger, name string, tick func(context.Context) error) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := tick(ctx); err != nil && ctx.Err() == nil {
			log.Error(name, "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Start runs Every in its own goroutine and returns stop, which cancels it
// and waits until the tick in progress has returned.
func Start(ctx context.Context, interval time.Duration, log *slog.Logger, name string, tick func(context.Context) error) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { Every(ctx, interval, log, name, tick) })
	return func() { cancel(); wg.Wait() }
}
