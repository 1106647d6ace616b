package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"reportline"
)

// tokenColumns are read by scanToken, in its order.
const tokenColumns = `id, user_id, name, hash, created_at, last_used_at, expires_at, revoked_at`

func scanToken(s scanner) (reportline.APIToken, error) {
	var t reportline.APIToken
	var created int64
	var used, expires, revoked sql.NullInt64
	if err := s.Scan(&t.ID, &t.UserID, &t.Name, &t.Hash, &created, &used, &expires, &revoked); err != nil {
		return t, translate(err)
	}
	t.CreatedAt = time.UnixMicro(created).UTC()
	t.LastUsedAt, t.ExpiresAt, t.RevokedAt = fromMicros(used), fromMicros(expires), fromMicros(revoked)
	return t, nil
}

// Token returns the token with the given id.
func (tx *Tx) Token(ctx context.Context, id int64) (reportline.APIToken, error) {
	t, err := scanToken(tx.queryRow(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE tenant_id = $T AND id = $1`, id))
	return t, notFound(err, "token", id)
}

// Tokens returns the tokens of a user, or of everybody when user is 0,
// newest first.
func (tx *Tx) Tokens(ctx context.Context, user reportline.UserID) ([]reportline.APIToken, error) {
	q, args := `SELECT `+tokenColumns+` FROM api_tokens WHERE tenant_id = $T ORDER BY id DESC`, []any(nil)
	if user != 0 {
		q, args = `SELECT `+tokenColumns+` FROM api_tokens WHERE tenant_id = $T AND user_id = $1 ORDER BY id DESC`, []any{user}
	}
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("tokens: %w", err)
	}
	defer rows.Close()
	var out []reportline.APIToken
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("tokens: %w", err)
		}
		out = append(out, t)
	}
	return out, translate(rows.Err())
}

// RevokeToken marks a token revoked at the given time; a token already
// revoked keeps its first revocation time. NotFound when there is none.
func (tx *Tx) RevokeToken(ctx context.Context, id int64, at time.Time) error {
	r, err := tx.exec(ctx, `UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $2) WHERE tenant_id = $T AND id = $1`, id, micros(at))
	if err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return reportline.Errorf(reportline.NotFound, "token %d not found", id)
	}
	return tx.bumpForCredentials(ctx)
}

// bumpForCredentials bumps the tenant's graph version for a revocation:
// replicas trust a cached API token while their index is confirmed at the
// version it was read at (app/token_cache.go), so a revocation must move
// it as a deactivation does.
func (tx *Tx) bumpForCredentials(ctx context.Context) error {
	return tx.bumpVersion(ctx)
}

// RevokeUserTokens revokes every token of a user that is not revoked yet
// and reports how many.
func (tx *Tx) RevokeUserTokens(ctx context.Context, user reportline.UserID, at time.Time) (int, error) {
	r, err := tx.exec(ctx, `UPDATE api_tokens SET revoked_at = $2 WHERE tenant_id = $T AND user_id = $1 AND revoked_at IS NULL`, user, micros(at))
	if err != nil {
		return 0, fmt.Errorf("revoke tokens: %w", err)
	}
	n, _ := r.RowsAffected()
	if n > 0 {
		if err := tx.bumpForCredentials(ctx); err != nil {
			return 0, err
		}
	}
	return int(n), nil
}

// DeleteUserSessions ends every session of a user except the one whose
// hash is keep (nil keeps none) and reports how many it ended.
func (tx *Tx) DeleteUserSessions(ctx context.Context, user reportline.UserID, keep []byte) (int, error) {
	if keep == nil {
		keep = []byte{}
	}
	if _, err := tx.deleteRoutes(ctx, "session", `SELECT hash FROM sessions WHERE tenant_id = $T AND user_id = $1 AND hash <> $2`, user, keep); err != nil {
		return 0, fmt.Errorf("end sessions: %w", err)
	}
	r, err := tx.exec(ctx, `DELETE FROM sessions WHERE tenant_id = $T AND user_id = $1 AND hash <> $2`, user, keep)
	if err != nil {
		return 0, fmt.Errorf("end sessions: %w", err)
	}
	n, _ := r.RowsAffected()
	return int(n), nil
}

// CreatePasswordReset stores a password reset (its hash).
func (tx *Tx) CreatePasswordReset(ctx context.Context, r reportline.PasswordReset) error {
	_, err := tx.exec(ctx, `INSERT INTO password_resets (tenant_id, hash, user_id, created_at, expires_at) VALUES ($T, $1, $2, $3, $4)`,
		r.Hash, r.UserID, micros(r.CreatedAt), micros(r.ExpiresAt))
	if err != nil {
		return fmt.Errorf("create password reset: %w", err)
	}
	return nil
}

// PasswordReset returns the reset with the given hash, used or not.
func (tx *Tx) PasswordReset(ctx context.Context, hash []byte) (reportline.PasswordReset, error) {
	var r reportline.PasswordReset
	var created, expires int64
	var used sql.NullInt64
	err := tx.queryRow(ctx, `SELECT hash, user_id, created_at, expires_at, used_at FROM password_resets WHERE tenant_id = $T AND hash = $1`, hash).
		Scan(&r.Hash, &r.UserID, &created, &expires, &used)
	if err != nil {
		return r, notFound(translate(err), "password reset", "")
	}
	r.CreatedAt, r.ExpiresAt, r.UsedAt = time.UnixMicro(created).UTC(), time.UnixMicro(expires).UTC(), fromMicros(used)
	return r, nil
}

// UsePasswordReset marks a reset used at the given time, only if it is
// unused and not expired then; it reports whether it did. Two concurrent
// uses of one link: exactly one wins.
func (tx *Tx) UsePasswordReset(ctx context.Context, hash []byte, at time.Time) (bool, error) {
	r, err := tx.exec(ctx, `UPDATE password_resets SET used_at = $2 WHERE tenant_id = $T AND hash = $1 AND used_at IS NULL AND expires_at > $2`, hash, micros(at))
	if err != nil {
		return false, fmt.Errorf("use password reset: %w", err)
	}
	n, _ := r.RowsAffected()
	return n == 1, nil
}

// DeletePasswordResets removes a user's resets that are unused (so a new
// password, or a newer link, voids the older links), and every reset of
// anybody that expired before t.
func (tx *Tx) DeletePasswordResets(ctx context.Context, user reportline.UserID, t time.Time) error {
	_, err := tx.exec(ctx, `DELETE FROM password_resets WHERE tenant_id = $T AND ((user_id = $1 AND used_at IS NULL) OR expires_at < $2)`, user, micros(t))
	if err != nil {
		return fmt.Errorf("delete password resets: %w", err)
	}
	return nil
}
