package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"reportline"
)

// SetPasswordHash stores a user's password hash (an encoded argon2id hash).
func (tx *Tx) SetPasswordHash(ctx context.Context, user reportline.UserID, hash string) error {
	_, err := tx.exec(ctx, `INSERT INTO credentials (tenant_id, user_id, password_hash) VALUES ($T, $1, $2)
		ON CONFLICT (tenant_id, user_id) DO UPDATE SET password_hash = excluded.password_hash`, user, hash)
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	return nil
}

// PasswordHash returns a user's password hash; NotFound when they have none.
func (tx *Tx) PasswordHash(ctx context.Context, user reportline.UserID) (string, error) {
	var h string
	err := tx.queryRow(ctx, `SELECT password_hash FROM credentials WHERE tenant_id = $T AND user_id = $1`, user).Scan(&h)
	return h, notFound(translate(err), "password of user", user)
}

// CreateToken stores an API token (its hash) and sets its ID.
func (tx *Tx) CreateToken(ctx context.Context, t *reportline.APIToken) error {
	err := tx.queryRow(ctx, `INSERT INTO api_tokens (tenant_id, user_id, name, hash, created_at, expires_at) VALUES ($T, $1, $2, $3, $4, $5) RETURNING id`,
		t.UserID, t.Name, t.Hash, micros(t.CreatedAt), toMicros(t.ExpiresAt)).Scan(&t.ID)
	if err != nil {
		return fmt.Errorf("create token: %w", translate(err))
	}
	return tx.addRoute(ctx, t.Hash, routeAPIToken)
}

// TokenByHash returns the token with the given hash.
func (tx *Tx) TokenByHash(ctx context.Context, hash []byte) (reportline.APIToken, error) {
	t, err := scanToken(tx.queryRow(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE tenant_id = $T AND hash = $1`, hash))
	return t, notFound(err, "token", "")
}

// TouchToken records that a token was used.
func (tx *Tx) TouchToken(ctx context.Context, id int64, at time.Time) error {
	_, err := tx.exec(ctx, `UPDATE api_tokens SET last_used_at = $2 WHERE tenant_id = $T AND id = $1`, id, micros(at))
	if err != nil {
		return fmt.Errorf("touch token: %w", err)
	}
	return nil
}

// CreateSession stores a session (its hash).
func (tx *Tx) CreateSession(ctx context.Context, s reportline.Session) error {
	method := s.Method
	if method == "" {
		method = "password"
	}
	_, err := tx.exec(ctx, `INSERT INTO sessions (tenant_id, hash, user_id, created_at, expires_at, method, logout_hint) VALUES ($T, $1, $2, $3, $4, $5, $6)`,
		s.Hash, s.UserID, micros(s.CreatedAt), micros(s.ExpiresAt), method, s.LogoutHint)
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return tx.addRoute(ctx, s.Hash, routeSession)
}

// SessionByHash returns the session with the given hash, expired or not.
func (tx *Tx) SessionByHash(ctx context.Context, hash []byte) (reportline.Session, error) {
	var s reportline.Session
	var created, expires int64
	err := tx.queryRow(ctx, `SELECT hash, user_id, created_at, expires_at, method, logout_hint FROM sessions WHERE tenant_id = $T AND hash = $1`, hash).
		Scan(&s.Hash, &s.UserID, &created, &expires, &s.Method, &s.LogoutHint)
	if err != nil {
		return s, notFound(translate(err), "session", "")
	}
	s.CreatedAt, s.ExpiresAt = time.UnixMicro(created).UTC(), time.UnixMicro(expires).UTC()
	return s, nil
}

// DeleteSession removes a session (sign-out).
func (tx *Tx) DeleteSession(ctx context.Context, hash []byte) error {
	if _, err := tx.exec(ctx, `DELETE FROM sessions WHERE tenant_id = $T AND hash = $1`, hash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	if _, err := tx.exec(ctx, `DELETE FROM credential_routes WHERE tenant_id = $T AND kind = 'session' AND hash = $1`, hash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteExpiredSessions removes sessions that expired before t.
func (tx *Tx) DeleteExpiredSessions(ctx context.Context, t time.Time) error {
	if _, err := tx.deleteRoutes(ctx, "session", `SELECT hash FROM sessions WHERE tenant_id = $T AND expires_at < $1`, micros(t)); err != nil {
		return fmt.Errorf("delete expired sessions: %w", err)
	}
	if _, err := tx.exec(ctx, `DELETE FROM sessions WHERE tenant_id = $T AND expires_at < $1`, micros(t)); err != nil {
		return fmt.Errorf("delete expired sessions: %w", err)
	}
	return nil
}

// TokenUser returns an API token and its user, in one query.
func (tx *Tx) TokenUser(ctx context.Context, hash []byte) (reportline.APIToken, reportline.User, error) {
	var t reportline.APIToken
	var used, expires, revoked sql.NullInt64
	var created int64
	row := tx.queryRow(ctx, `SELECT t.id, t.user_id, t.name, t.created_at, t.last_used_at, t.expires_at, t.revoked_at, `+qualifiedUserColumns+`
		FROM api_tokens t JOIN users u ON u.tenant_id = $T AND u.id = t.user_id WHERE t.tenant_id = $T AND t.hash = $1`, hash)
	u, err := scanUser(prefixScanner{row, []any{&t.ID, &t.UserID, &t.Name, &created, &used, &expires, &revoked}})
	if err != nil {
		return t, u, notFound(err, "token", "")
	}
	t.Hash, t.CreatedAt, t.LastUsedAt = hash, time.UnixMicro(created).UTC(), fromMicros(used)
	t.ExpiresAt, t.RevokedAt = fromMicros(expires), fromMicros(revoked)
	return t, u, nil
}

// qualifiedUserColumns are userColumns for a query where users is "u".
const qualifiedUserColumns = `u.id, COALESCE(u.external_uid, ''), u.email, u.first_name, u.last_name, u.status, u.birthday,
	u.position, u.org_unit, u.platform_role, u.locale, u.time_zone, u.created_at, u.updated_at`

// prefixScanner scans leading columns into pre before handing the rest to
// a row scanner such as scanUser.
type prefixScanner struct {
	s   scanner
	pre []any
}

func (p prefixScanner) Scan(dest ...any) error { return p.s.Scan(append(p.pre, dest...)...) }
