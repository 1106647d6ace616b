package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// TakeAttempt counts one attempt against a throttle key at time now,
// unless the key is blocked then. It first forgets the key's count when its
// last attempt is older than forgetBefore (and it is not blocked). It
// returns the count including this attempt, or, when blocked, ok = false
// and the time the block ends. Concurrent callers on one key are
// serialised by the row's lock (PostgreSQL) or the one writer (SQLite), so
// each sees a distinct count.
func (tx *Tx) TakeAttempt(ctx context.Context, key string, now, forgetBefore time.Time) (n int, blockedUntil time.Time, ok bool, err error) {
	_, err = tx.exec(ctx, `INSERT INTO login_throttle (tenant_id, key, attempts, blocked_until, updated_at) VALUES ($T, $1, 0, 0, $2)
		ON CONFLICT (tenant_id, key) DO UPDATE SET attempts = 0, blocked_until = 0, updated_at = $2
		WHERE login_throttle.updated_at < $3 AND login_throttle.blocked_until <= $2`, key, micros(now), micros(forgetBefore))
	if err != nil {
		return 0, time.Time{}, false, fmt.Errorf("throttle: %w", err)
	}
	err = tx.queryRow(ctx, `UPDATE login_throttle SET attempts = attempts + 1, updated_at = $2
		WHERE tenant_id = $T AND key = $1 AND blocked_until <= $2 RETURNING attempts`, key, micros(now)).Scan(&n)
	if err == nil {
		return n, time.Time{}, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, time.Time{}, false, fmt.Errorf("throttle: %w", translate(err))
	}
	var until int64
	if err := tx.queryRow(ctx, `SELECT blocked_until FROM login_throttle WHERE tenant_id = $T AND key = $1`, key).Scan(&until); err != nil {
		return 0, time.Time{}, false, fmt.Errorf("throttle: %w", translate(err))
	}
	return 0, time.UnixMicro(until).UTC(), false, nil
}

// BlockAttempts refuses attempts on key until the given time.
func (tx *Tx) BlockAttempts(ctx context.Context, key string, until time.Time) error {
	if _, err := tx.exec(ctx, `UPDATE login_throttle SET blocked_until = $2 WHERE tenant_id = $T AND key = $1`, key, micros(until)); err != nil {
		return fmt.Errorf("throttle block: %w", err)
	}
	return nil
}

// ClearAttempts forgets a key (a successful sign-in clears its account).
func (tx *Tx) ClearAttempts(ctx context.Context, key string) error {
	if _, err := tx.exec(ctx, `DELETE FROM login_throttle WHERE tenant_id = $T AND key = $1`, key); err != nil {
		return fmt.Errorf("throttle clear: %w", err)
	}
	return nil
}

// ForgiveAttempt takes back one attempt counted against key (an attempt
// that turned out to succeed).
func (tx *Tx) ForgiveAttempt(ctx context.Context, key string) error {
	if _, err := tx.exec(ctx, `UPDATE login_throttle SET attempts = attempts - 1 WHERE tenant_id = $T AND key = $1 AND attempts > 0`, key); err != nil {
		return fmt.Errorf("throttle forgive: %w", err)
	}
	return nil
}

// DeleteStaleAttempts forgets every key whose last attempt is older than
// before and that is not blocked at now.
func (tx *Tx) DeleteStaleAttempts(ctx context.Context, before, now time.Time) error {
	if _, err := tx.exec(ctx, `DELETE FROM login_throttle WHERE tenant_id = $T AND updated_at < $1 AND blocked_until <= $2`, micros(before), micros(now)); err != nil {
		return fmt.Errorf("throttle cleanup: %w", err)
	}
	return nil
}
