package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"runtime"
	"strings"
	"time"

	"reportline"
)

// Sign-in throttling. Every attempt is counted in the database, in its own
// write transaction, BEFORE any password is hashed, against two keys: the
// account (the address typed, whether or not it exists) and the client
// address. Concurrent attempts each see a distinct count, so a burst of
// simultaneous requests is throttled exactly like a sequence, and every
// replica sees the same counters. After Free attempts the key is blocked
// for a delay that doubles with each further attempt, up to Max; a refused
// attempt counts nothing (its transaction rolls back), so an attacker
// hammering a blocked account does not lengthen its delay. A successful
// sign-in clears the account's count and takes its own attempt back from
// the client's. Counts are forgotten Forget after the last attempt.
//
// Password hashing is then bounded separately: at most a few argon2id
// computations run at once (authState.slots); a request that cannot get a
// slot within HashWait is refused as busy rather than queued for ever.

// ThrottleRule shapes the growing delays of one kind of key.
type ThrottleRule struct {
	Free   int           // attempts allowed before the first delay
	Base   time.Duration // the delay after the Free-th attempt
	Max    time.Duration // the cap: the delay doubles with each attempt up to this
	Forget time.Duration // counts are forgotten this long after the last attempt
}

// The throttle rules. Sign-in: 5 attempts per account and 20 per client
// address, then 1 s, 2 s, 4 s… up to 5 minutes; forgotten after 15 quiet
// minutes. Password reset requests: 3 per account and 10 per client
// address, then 1 min, 2 min… up to an hour; forgotten after an hour.
var (
	LoginPerAccount = ThrottleRule{Free: 5, Base: time.Second, Max: 5 * time.Minute, Forget: 15 * time.Minute}
	LoginPerClient  = ThrottleRule{Free: 20, Base: time.Second, Max: 5 * time.Minute, Forget: 15 * time.Minute}
	ResetPerAccount = ThrottleRule{Free: 3, Base: time.Minute, Max: time.Hour, Forget: time.Hour}
	ResetPerClient  = ThrottleRule{Free: 10, Base: time.Minute, Max: time.Hour, Forget: time.Hour}
)

// staleThrottle is how long any throttle row is kept after its last
// attempt: the longest Forget of the rules above.
const staleThrottle = time.Hour

// delay is how long the key is blocked after its n-th attempt.
func (r ThrottleRule) delay(n int) time.Duration {
	if n < r.Free {
		return 0
	}
	d := r.Base
	for i := r.Free; i < n && d < r.Max; i++ {
		d *= 2
	}
	return min(d, r.Max)
}

// throttleKey is one counter an attempt is charged to.
type throttleKey struct {
	key  string
	rule ThrottleRule
}

// throttled names a counter: a kind ("login-account", "reset-client"…)
// and the SHA-256 of the value, so the key's length is bounded and no
// address is stored in clear.
func throttled(kind, value string, rule ThrottleRule) throttleKey {
	h := sha256.Sum256([]byte(value))
	return throttleKey{key: kind + ":" + hex.EncodeToString(h[:16]), rule: rule}
}

// loginKeys are the counters of a sign-in attempt.
func loginKeys(email, client string) []throttleKey {
	keys := []throttleKey{throttled("login-account", email, LoginPerAccount)}
	if client != "" {
		keys = append(keys, throttled("login-client", client, LoginPerClient))
	}
	return keys
}

// takeAttempts charges one attempt to every key in one write transaction,
// or refuses it (charging none) when any key is blocked.
func (a *App) takeAttempts(ctx context.Context, what string, keys []throttleKey) error {
	now := a.now()
	var wait time.Duration
	err := a.throttleStore().Write(ctx, func(tx throttleTx) error {
		for _, k := range keys {
			n, until, ok, err := tx.TakeAttempt(ctx, k.key, now, now.Add(-k.rule.Forget))
			if err != nil {
				return err
			}
			if !ok {
				wait = max(wait, until.Sub(now))
				continue
			}
			if n == 1 {
				// A new row: sweep the idle ones, so keys sprayed once
				// (random addresses) do not pile up.
				if err := tx.DeleteStaleAttempts(ctx, now.Add(-staleThrottle), now); err != nil {
					return err
				}
			}
			if d := k.rule.delay(n); d > 0 {
				if err := tx.BlockAttempts(ctx, k.key, now.Add(d)); err != nil {
					return err
				}
			}
		}
		if wait > 0 {
			return errTooMany // rolls back: a refused attempt counts nothing
		}
		return nil
	})
	if errors.Is(err, errTooMany) {
		return reportline.Errorf(reportline.RateLimited, "too many %s; try again in %s", what, roundUp(wait)).
			Say(tooManyIDs[what], map[string]any{"Seconds": int(roundUp(wait) / time.Second)})
	}
	return err
}

// tooManyIDs names, by what was counted, the refusal in the pages'
// catalogues (reportline.Error.MsgID).
var tooManyIDs = map[string]string{"sign-in attempts": "error.too_many.signin", "password reset requests": "error.too_many.reset"}

var errTooMany = reportline.Errorf(reportline.RateLimited, "too many attempts")

// roundUp shows a wait in whole seconds, never "0s".
func roundUp(d time.Duration) time.Duration {
	return max(time.Second, (d + time.Second - 1).Truncate(time.Second))
}

// loginSucceeded clears the account's count and gives the client its
// attempt back.
func (a *App) loginSucceeded(ctx context.Context, tx forgiveTx, keys []throttleKey) error {
	for i, k := range keys {
		var err error
		if i == 0 {
			err = tx.ClearAttempts(ctx, k.key)
		} else {
			err = tx.ForgiveAttempt(ctx, k.key)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// authState is the in-process part of sign-in: the hashing slots.
type authState struct {
	slots     chan struct{}
	wait      time.Duration
	publicURL string
	// resetFloor is the least time a password reset request takes, so
	// that a known and an unknown address answer alike.
	resetFloor time.Duration
}

// DefaultHashSlots is the number of password hashes computed at once when
// Config.MaxConcurrentHashes is zero: the CPUs, between 2 and 4.
func DefaultHashSlots() int { return min(max(runtime.GOMAXPROCS(0), 2), 4) }

func newAuthState(cfg Config) authState {
	n := cfg.MaxConcurrentHashes
	if n <= 0 {
		n = DefaultHashSlots()
	}
	wait := cfg.HashWait
	if wait <= 0 {
		wait = 3 * time.Second
	}
	return authState{slots: make(chan struct{}, n), wait: wait,
		publicURL: strings.TrimRight(strings.TrimSpace(cfg.PublicURL), "/"), resetFloor: 250 * time.Millisecond}
}

// errBusy refuses a request that found no free hashing slot in time.
var errBusy = reportline.Errorf(reportline.RateLimited, "the service is busy signing people in; try again in a few seconds").Say("error.busy", nil)

// hashing runs fn, which hashes or checks a password, in one of the few
// hashing slots; it waits at most the configured time for one.
func (a *App) hashing(ctx context.Context, fn func()) error {
	select {
	case a.auth.slots <- struct{}{}:
	default:
		t := time.NewTimer(a.auth.wait)
		defer t.Stop()
		select {
		case a.auth.slots <- struct{}{}:
		case <-t.C:
			return errBusy
		case <-ctx.Done():
			return errBusy
		}
	}
	defer func() { <-a.auth.slots }()
	fn()
	return nil
}
