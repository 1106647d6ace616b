package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"reportline"
	"reportline/store"
)

// testThrottle: attempts are counted per key, concurrent takers each see
// a distinct count, a blocked key counts nothing, idle keys are forgotten.
func testThrottle(t *testing.T, db DB) {
	ctx := context.Background()
	now := day
	take := func(key string, at time.Time) (int, time.Time, bool) {
		var n int
		var until time.Time
		var ok bool
		write(t, db, func(tx *store.Tx) error {
			var err error
			n, until, ok, err = tx.TakeAttempt(ctx, key, at, at.Add(-15*time.Minute))
			return err
		})
		return n, until, ok
	}
	var wg sync.WaitGroup
	seen := make([]int, 20)
	for i := range seen {
		wg.Go(func() { seen[i], _, _ = take("k", now) })
	}
	wg.Wait()
	counts := map[int]bool{}
	for _, n := range seen {
		counts[n] = true
	}
	if len(counts) != 20 || !counts[1] || !counts[20] {
		t.Errorf("20 concurrent takes saw counts %v, want 1…20 once each", seen)
	}
	write(t, db, func(tx *store.Tx) error { return tx.BlockAttempts(ctx, "k", now.Add(time.Minute)) })
	if _, until, ok := take("k", now.Add(30*time.Second)); ok || !until.Equal(now.Add(time.Minute)) {
		t.Errorf("a blocked key: ok=%v until %v", ok, until)
	}
	if n, _, ok := take("k", now.Add(time.Minute)); !ok || n != 21 {
		t.Errorf("after the block: n=%d ok=%v, want 21 (the refused take counted nothing)", n, ok)
	}
	write(t, db, func(tx *store.Tx) error { return tx.ForgiveAttempt(ctx, "k") })
	if n, _, _ := take("k", now.Add(time.Minute)); n != 21 {
		t.Errorf("after forgiving one: n=%d, want 21", n)
	}
	if n, _, _ := take("k", now.Add(time.Hour)); n != 1 {
		t.Errorf("after an idle hour: n=%d, want a fresh count", n)
	}
	write(t, db, func(tx *store.Tx) error { return tx.ClearAttempts(ctx, "k") })
	take("old", now)
	write(t, db, func(tx *store.Tx) error {
		return tx.DeleteStaleAttempts(ctx, now.Add(time.Minute), now.Add(time.Minute))
	})
	if n, _, _ := take("old", now.Add(time.Minute)); n != 1 {
		t.Errorf("a stale key was kept: n=%d", n)
	}
}

// testTokenLifecycleAndResets: expiry and revocation round-trip, a user's
// sessions end but one, a reset is used once.
func testTokenLifecycleAndResets(t *testing.T, db DB) {
	ctx := context.Background()
	us := mkUsers(t, db, "a", "b")
	a, b := us[0], us[1]
	ta := reportline.APIToken{UserID: a.ID, Name: "x", Hash: []byte("ha"), CreatedAt: day, ExpiresAt: day.Add(time.Hour)}
	tb := reportline.APIToken{UserID: b.ID, Name: "y", Hash: []byte("hb"), CreatedAt: day}
	write(t, db, func(tx *store.Tx) error {
		for _, tok := range []*reportline.APIToken{&ta, &tb} {
			if err := tx.CreateToken(ctx, tok); err != nil {
				return err
			}
		}
		for _, s := range []string{"s1", "s2"} {
			if err := tx.CreateSession(ctx, reportline.Session{Hash: []byte(s), UserID: a.ID, CreatedAt: day, ExpiresAt: day.Add(time.Hour)}); err != nil {
				return err
			}
		}
		return tx.CreatePasswordReset(ctx, reportline.PasswordReset{Hash: []byte("r1"), UserID: a.ID, CreatedAt: day, ExpiresAt: day.Add(30 * time.Minute)})
	})
	write(t, db, func(tx *store.Tx) error {
		got, err := tx.Token(ctx, ta.ID)
		if err != nil || !got.ExpiresAt.Equal(ta.ExpiresAt) || !got.RevokedAt.IsZero() {
			t.Errorf("Token = %+v, %v", got, err)
		}
		all, _ := tx.Tokens(ctx, 0)
		mine, _ := tx.Tokens(ctx, a.ID)
		if len(all) != 2 || all[0].ID != tb.ID || len(mine) != 1 {
			t.Errorf("Tokens: all %d, a's %d", len(all), len(mine))
		}
		if err := tx.RevokeToken(ctx, ta.ID, day.Add(time.Minute)); err != nil {
			return err
		}
		if err := tx.RevokeToken(ctx, ta.ID, day.Add(time.Hour)); err != nil {
			return err
		}
		if got, _ := tx.Token(ctx, ta.ID); !got.RevokedAt.Equal(day.Add(time.Minute)) {
			t.Errorf("revoked at %v, want the first revocation", got.RevokedAt)
		}
		wantCode(t, tx.RevokeToken(ctx, 999, day), reportline.NotFound)
		if n, err := tx.RevokeUserTokens(ctx, b.ID, day); err != nil || n != 1 {
			t.Errorf("RevokeUserTokens = %d, %v", n, err)
		}
		if n, err := tx.DeleteUserSessions(ctx, a.ID, []byte("s1")); err != nil || n != 1 {
			t.Errorf("DeleteUserSessions = %d, %v", n, err)
		}
		if _, err := tx.SessionByHash(ctx, []byte("s1")); err != nil {
			t.Errorf("the kept session: %v", err)
		}
		if ok, err := tx.UsePasswordReset(ctx, []byte("r1"), day.Add(time.Minute)); !ok || err != nil {
			t.Errorf("first use: %v, %v", ok, err)
		}
		if ok, _ := tx.UsePasswordReset(ctx, []byte("r1"), day.Add(2*time.Minute)); ok {
			t.Errorf("a second use succeeded")
		}
		r, err := tx.PasswordReset(ctx, []byte("r1"))
		if err != nil || !r.UsedAt.Equal(day.Add(time.Minute)) || r.UserID != a.ID {
			t.Errorf("PasswordReset = %+v, %v", r, err)
		}
		if err := tx.DeletePasswordResets(ctx, a.ID, day.Add(time.Hour)); err != nil {
			return err
		}
		_, err = tx.PasswordReset(ctx, []byte("r1"))
		wantCode(t, err, reportline.NotFound)
		return nil
	})
}
