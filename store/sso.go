package store

import (
	"context"
	"fmt"
	"time"

	"reportline"
)

// SSOLink returns the user a provider's subject is linked to; NotFound when
// it is linked to none.
func (tx *Tx) SSOLink(ctx context.Context, provider, subject string) (reportline.SSOLink, error) {
	l := reportline.SSOLink{Provider: provider, Subject: subject}
	var created int64
	err := tx.queryRow(ctx, `SELECT user_id, email, created_at FROM sso_identities WHERE tenant_id = $T AND provider = $1 AND subject = $2`,
		provider, subject).Scan(&l.UserID, &l.Email, &created)
	if err != nil {
		return l, notFound(translate(err), "single sign-on identity", subject)
	}
	l.CreatedAt = time.UnixMicro(created).UTC()
	return l, nil
}

// CreateSSOLink links a provider's subject to a user; Conflict when the
// subject is already linked.
func (tx *Tx) CreateSSOLink(ctx context.Context, l reportline.SSOLink) error {
	_, err := tx.exec(ctx, `INSERT INTO sso_identities (tenant_id, provider, subject, user_id, email, created_at) VALUES ($T, $1, $2, $3, $4, $5)`,
		l.Provider, l.Subject, l.UserID, l.Email, micros(l.CreatedAt))
	if err != nil {
		return fmt.Errorf("link sso identity: %w", translate(err))
	}
	return nil
}

// SSOLinksOfUser returns the identities linked to a user, oldest first.
func (tx *Tx) SSOLinksOfUser(ctx context.Context, user reportline.UserID) ([]reportline.SSOLink, error) {
	rows, err := tx.query(ctx, `SELECT provider, subject, email, created_at FROM sso_identities WHERE tenant_id = $T AND user_id = $1 ORDER BY created_at, provider, subject`, user)
	if err != nil {
		return nil, fmt.Errorf("sso identities: %w", err)
	}
	defer rows.Close()
	var out []reportline.SSOLink
	for rows.Next() {
		l := reportline.SSOLink{UserID: user}
		var created int64
		if err := rows.Scan(&l.Provider, &l.Subject, &l.Email, &created); err != nil {
			return nil, fmt.Errorf("sso identities: %w", err)
		}
		l.CreatedAt = time.UnixMicro(created).UTC()
		out = append(out, l)
	}
	return out, rows.Err()
}

// UseOnce records a single-use key until expires and reports whether it
// was new; a key seen before (and not yet expired at now) gives false.
// Expired keys are forgotten first.
func (tx *Tx) UseOnce(ctx context.Context, key string, expires, now time.Time) (bool, error) {
	if _, err := tx.exec(ctx, `DELETE FROM sso_used WHERE tenant_id = $T AND expires_at < $1`, micros(now)); err != nil {
		return false, fmt.Errorf("forget used keys: %w", err)
	}
	r, err := tx.exec(ctx, `INSERT INTO sso_used (tenant_id, key, expires_at) VALUES ($T, $1, $2) ON CONFLICT (tenant_id, key) DO NOTHING`, key, micros(expires))
	if err != nil {
		return false, fmt.Errorf("use key: %w", err)
	}
	n, _ := r.RowsAffected()
	return n == 1, nil
}

// UserSessions returns a user's live sessions at now, newest first.
func (tx *Tx) UserSessions(ctx context.Context, user reportline.UserID, now time.Time) ([]reportline.Session, error) {
	rows, err := tx.query(ctx, `SELECT hash, created_at, expires_at, method, logout_hint FROM sessions WHERE tenant_id = $T AND user_id = $1 AND expires_at > $2
		ORDER BY created_at DESC, hash`, user, micros(now))
	if err != nil {
		return nil, fmt.Errorf("sessions: %w", err)
	}
	defer rows.Close()
	var out []reportline.Session
	for rows.Next() {
		s := reportline.Session{UserID: user}
		var created, expires int64
		if err := rows.Scan(&s.Hash, &created, &expires, &s.Method, &s.LogoutHint); err != nil {
			return nil, fmt.Errorf("sessions: %w", err)
		}
		s.CreatedAt, s.ExpiresAt = time.UnixMicro(created).UTC(), time.UnixMicro(expires).UTC()
		out = append(out, s)
	}
	return out, rows.Err()
}

// TakeOnce removes a single-use key that has not expired at now and reports
// whether there was one (a pending SAML request, consumed by its answer).
func (tx *Tx) TakeOnce(ctx context.Context, key string, now time.Time) (bool, error) {
	r, err := tx.exec(ctx, `DELETE FROM sso_used WHERE tenant_id = $T AND key = $1 AND expires_at >= $2`, key, micros(now))
	if err != nil {
		return false, fmt.Errorf("take key: %w", err)
	}
	n, _ := r.RowsAffected()
	return n == 1, nil
}
