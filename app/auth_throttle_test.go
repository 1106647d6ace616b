package app_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// authReplica is a second App over the same database and clock, as another
// `serve` process sharing one PostgreSQL would be.
func authReplica(env *testapp.Env, cfg app.Config) *app.App {
	cfg.Now, cfg.Logger, cfg.PasswordParams = env.Now.Now, slog.New(slog.DiscardHandler), testapp.FastPasswords
	return app.New(app.Adapt(env.DB.Read, env.DB.Write, env.DB.Ping), cfg)
}

// TestLoginBurstIsThrottledBeforeHashing is the hostile case of issue 11:
// 60 simultaneous sign-ins for one account from one address used to be
// all evaluated (each an argon2id hash). Attempts are now counted before
// any hash, so exactly the free allowance is evaluated and the rest are
// refused at once.
func TestLoginBurstIsThrottledBeforeHashing(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine)
		a := o.env.App
		var wg sync.WaitGroup
		codes := make([]reportline.Code, 60)
		for i := range codes {
			wg.Go(func() {
				_, _, err := a.Login(ctx, "pa@example.com", "wrong password", "10.0.0.9")
				codes[i] = reportline.ErrorCode(err)
			})
		}
		wg.Wait()
		count := map[reportline.Code]int{}
		for _, c := range codes {
			count[c]++
		}
		if count[reportline.Unauthenticated] != app.LoginPerAccount.Free || count[reportline.RateLimited] != 60-app.LoginPerAccount.Free {
			t.Errorf("60 simultaneous sign-ins: %v; want %d evaluated (401) and the rest refused (429)", count, app.LoginPerAccount.Free)
		}
		// The delay passes; the right password works: a delay, not a lock-out.
		o.env.Now.Advance(app.LoginPerAccount.Base)
		if _, _, err := a.Login(ctx, "pa@example.com", "correct horse battery", "10.0.0.9"); err != nil {
			t.Errorf("after the delay: %v", err)
		}
	})
}

// TestLoginDelaysGrowAndEveryReplicaSeesThem: after the free attempts the
// delay doubles with each attempt; another replica sees the same counts;
// an unknown address is throttled exactly like a known one.
func TestLoginDelaysGrowAndEveryReplicaSeesThem(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine)
		a, b := o.env.App, authReplica(o.env, app.Config{})
		for _, email := range []string{"pa@example.com", "nobody@example.com"} {
			t.Run(email, func(t *testing.T) {
				client := "192.0.2." + email[:2]
				for i := range app.LoginPerAccount.Free {
					if _, _, err := a.Login(ctx, email, "wrong password", client); !reportline.IsCode(err, reportline.Unauthenticated) {
						t.Fatalf("attempt %d: %v, want a wrong password", i+1, err)
					}
				}
				for _, wait := range []string{"1s", "2s", "4s"} {
					_, _, err := b.Login(ctx, email, "correct horse battery", client)
					if !reportline.IsCode(err, reportline.RateLimited) || !strings.HasSuffix(reportline.ErrorMessage(err), "try again in "+wait) {
						t.Fatalf("on the other replica: %v, want refused for %s", err, wait)
					}
					d, _ := time.ParseDuration(wait)
					o.env.Now.Advance(d)
					if _, _, err := b.Login(ctx, email, "wrong password", client); !reportline.IsCode(err, reportline.Unauthenticated) {
						t.Fatalf("after %s: %v, want evaluated", wait, err)
					}
				}
				o.env.Now.Advance(8 * time.Second)
				_, _, err := a.Login(ctx, email, "correct horse battery", client)
				if email == "pa@example.com" && err != nil {
					t.Fatalf("right password after the delay: %v", err)
				}
				if email != "pa@example.com" && reportline.ErrorMessage(err) != "wrong email or password" {
					t.Fatalf("unknown address after the delay: %v", err)
				}
			})
		}
		// A success cleared the account's count: the free attempts are back.
		for i := range app.LoginPerAccount.Free - 1 {
			if _, _, err := a.Login(ctx, "pa@example.com", "wrong password", "192.0.2.1"); !reportline.IsCode(err, reportline.Unauthenticated) {
				t.Fatalf("attempt %d after a success: %v", i+1, err)
			}
		}
	})
}

// TestLoginPerClientThrottle: one address trying many accounts is slowed
// down; another address is not.
func TestLoginPerClientThrottle(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine)
		a := o.env.App
		for i := range app.LoginPerClient.Free {
			email := "guess" + string(rune('a'+i)) + "@example.com"
			if _, _, err := a.Login(ctx, email, "password123", "203.0.113.5"); !reportline.IsCode(err, reportline.Unauthenticated) {
				t.Fatalf("guess %d: %v", i+1, err)
			}
		}
		if _, _, err := a.Login(ctx, "pa@example.com", "correct horse battery", "203.0.113.5"); !reportline.IsCode(err, reportline.RateLimited) {
			t.Errorf("the guessing address: %v, want refused", err)
		}
		if _, _, err := a.Login(ctx, "pa@example.com", "correct horse battery", "203.0.113.6"); err != nil {
			t.Errorf("another address: %v", err)
		}
	})
}

// TestLoginHashingIsBounded: with every hashing slot taken, a sign-in is
// refused as busy after a short wait instead of queueing, and its attempt
// was counted before it waited.
func TestLoginHashingIsBounded(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine)
		a := authReplica(o.env, app.Config{MaxConcurrentHashes: 1, HashWait: 20 * time.Millisecond})
		release := a.OccupyHashSlots()
		for i := range app.LoginPerAccount.Free {
			_, _, err := a.Login(ctx, "pa@example.com", "correct horse battery", "10.1.1.1")
			if !reportline.IsCode(err, reportline.RateLimited) || !strings.Contains(reportline.ErrorMessage(err), "busy") {
				t.Fatalf("attempt %d with no free slot: %v, want busy", i+1, err)
			}
		}
		release()
		_, _, err := a.Login(ctx, "pa@example.com", "correct horse battery", "10.1.1.1")
		if !reportline.IsCode(err, reportline.RateLimited) || !strings.Contains(reportline.ErrorMessage(err), "too many sign-in attempts") {
			t.Errorf("after %d busy attempts: %v, want throttled (they were counted)", app.LoginPerAccount.Free, err)
		}
		o.env.Now.Advance(time.Second)
		if _, _, err := a.Login(ctx, "pa@example.com", "correct horse battery", "10.1.1.1"); err != nil {
			t.Errorf("with a free slot: %v", err)
		}
	})
}
