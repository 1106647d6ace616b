package mail

import (
	"context"
	"sync"
	"time"
)

// tokenBucket caps a rate: it holds up to burst tokens, refilled at rate
// per second, and each message takes one. A caller that finds it empty
// reserves the next token (the count goes below zero) and sleeps until it
// is due, so callers are served in arrival order and the long-run rate is
// exactly rate. The burst absorbs late wake-ups and slow sends: time a
// busy sender could not use is kept (up to burst tokens) rather than lost,
// so a loaded machine still reaches the cap; over any window T at most
// burst + rate×T messages go. It starts with one token, so a restart does
// not send a burst. (golang.org/x/time/rate does the same; this is 50
// lines and no dependency.)
type tokenBucket struct {
	mu     sync.Mutex
	rate   float64 // tokens per second
	burst  float64
	tokens float64
	last   time.Time
	now    func() time.Time
}

func newTokenBucket(rate float64, burst int, now func() time.Time) *tokenBucket {
	return &tokenBucket{rate: rate, burst: float64(burst), tokens: 1, last: now(), now: now}
}

// reserve takes a token and returns how long to wait before using it.
func (b *tokenBucket) reserve() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	b.tokens--
	if b.tokens >= 0 {
		return 0
	}
	return time.Duration(-b.tokens / b.rate * float64(time.Second))
}

// cancel gives back a reserved token that was not used.
func (b *tokenBucket) cancel() {
	b.mu.Lock()
	b.tokens = min(b.burst, b.tokens+1)
	b.mu.Unlock()
}

// wait blocks until a token is available or ctx is done.
func (b *tokenBucket) wait(ctx context.Context) error {
	d := b.reserve()
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		b.cancel()
		return ctx.Err()
	}
}
