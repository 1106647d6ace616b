package mail

import (
	"context"
	"testing"
	"time"
)

// TestTokenBucketHoldsTheRate reserves tokens on a frozen clock: the n-th
// message beyond the burst waits n/rate.
func TestTokenBucketHoldsTheRate(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
	b := newTokenBucket(20, 1, func() time.Time { return now })
	for i := range 41 {
		want := time.Duration(i) * time.Second / 20
		if got := b.reserve(); got < want-time.Microsecond || got > want+time.Microsecond {
			t.Fatalf("reservation %d waits %v, want %v", i, got, want)
		}
	}
	// Two seconds later the debt is paid and the bucket holds its burst.
	now = now.Add(4 * time.Second)
	if got := b.reserve(); got != 0 {
		t.Errorf("after the debt is paid: wait %v, want 0", got)
	}
	if got := b.reserve(); got <= 0 {
		t.Errorf("beyond the burst: wait %v, want > 0", got)
	}
}

func TestTokenBucketWaitGivesBackOnCancel(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
	b := newTokenBucket(1, 1, func() time.Time { return now })
	b.reserve()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := b.wait(ctx); err == nil {
		t.Fatal("wait on a cancelled context succeeded")
	}
	if got := b.reserve(); got != time.Second {
		t.Errorf("after a cancelled wait the next reservation waits %v, want 1s (the token was given back)", got)
	}
}

// TestTokenBucketKeepsUnusedTimeUpToTheBurst: a sender that comes back late
// finds the tokens it could not use, up to the burst, and no more.
func TestTokenBucketKeepsUnusedTimeUpToTheBurst(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
	b := newTokenBucket(100, 5, func() time.Time { return now })
	if got := b.reserve(); got != 0 {
		t.Fatalf("first token: wait %v, want 0", got)
	}
	if got := b.reserve(); got != 10*time.Millisecond {
		t.Fatalf("it starts with one token: second waits %v, want 10ms", got)
	}
	now = now.Add(time.Second) // idle: 100 tokens' worth, kept up to 5
	for i := range 5 {
		if got := b.reserve(); got != 0 {
			t.Fatalf("token %d of the burst waits %v, want 0", i+1, got)
		}
	}
	if got := b.reserve(); got <= 0 {
		t.Errorf("beyond the burst: wait %v, want > 0", got)
	}
}
