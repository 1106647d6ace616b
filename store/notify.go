package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"reportline"
)

// The storage of issue 17's notifications: admins' switches per role, the
// event notifications' cursors, permanent bounces and the service's
// generated secrets (migration 0015).

// NotificationRolesOff returns the (type, audience) pairs an admin
// switched off.
func (tx *Tx) NotificationRolesOff(ctx context.Context) (map[reportline.NotificationRole]bool, error) {
	rows, err := tx.query(ctx, `SELECT type, audience FROM notification_roles WHERE tenant_id = $T AND NOT enabled`)
	if err != nil {
		return nil, fmt.Errorf("notification roles: %w", translate(err))
	}
	defer rows.Close()
	out := map[reportline.NotificationRole]bool{}
	for rows.Next() {
		var r reportline.NotificationRole
		if err := rows.Scan(&r.Type, &r.Audience); err != nil {
			return nil, fmt.Errorf("notification roles: %w", translate(err))
		}
		out[r] = true
	}
	return out, translate(rows.Err())
}

// SetNotificationRole switches a notification on or off for one role.
func (tx *Tx) SetNotificationRole(ctx context.Context, r reportline.NotificationRole, enabled bool, at time.Time) error {
	_, err := tx.exec(ctx, `INSERT INTO notification_roles (tenant_id, type, audience, enabled, at) VALUES ($T, $1, $2, $3, $4)
		ON CONFLICT (tenant_id, type, audience) DO UPDATE SET enabled = excluded.enabled, at = excluded.at`,
		r.Type, r.Audience, enabled, micros(at))
	if err != nil {
		return fmt.Errorf("set notification role: %w", translate(err))
	}
	return nil
}

// NotificationCursor returns a cursor's position; ok false when it was
// never set.
func (tx *Tx) NotificationCursor(ctx context.Context, name string) (pos int64, ok bool, err error) {
	err = tx.queryRow(ctx, `SELECT position FROM notification_cursors WHERE tenant_id = $T AND name = $1`, name).Scan(&pos)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("notification cursor %s: %w", name, translate(err))
	}
	return pos, true, nil
}

// AdvanceNotificationCursor moves a cursor forward to pos (never back: a
// replica that read an older stretch does not undo another's progress).
func (tx *Tx) AdvanceNotificationCursor(ctx context.Context, name string, pos int64) error {
	_, err := tx.exec(ctx, `INSERT INTO notification_cursors (tenant_id, name, position) VALUES ($T, $1, $2)
		ON CONFLICT (tenant_id, name) DO UPDATE SET position = excluded.position WHERE notification_cursors.position < excluded.position`, name, pos)
	if err != nil {
		return fmt.Errorf("advance notification cursor %s: %w", name, translate(err))
	}
	return nil
}

// MaxAuditID returns the id of the newest audit entry, 0 when none.
func (tx *Tx) MaxAuditID(ctx context.Context) (int64, error) {
	var id sql.NullInt64
	if err := tx.queryRow(ctx, `SELECT MAX(id) FROM audit_log WHERE tenant_id = $T`).Scan(&id); err != nil {
		return 0, fmt.Errorf("max audit id: %w", translate(err))
	}
	return id.Int64, nil
}

// LinksStartingOrEnding returns the links whose start or end falls in
// (from, to], in pair order.
func (tx *Tx) LinksStartingOrEnding(ctx context.Context, from, to time.Time) ([]reportline.Link, error) {
	rows, err := tx.query(ctx, `SELECT `+linkColumns+` FROM links
		WHERE tenant_id = $T AND ((valid_from > $1 AND valid_from <= $2) OR (valid_until > $1 AND valid_until <= $2))
		ORDER BY manager_id, managee_id`, micros(from), micros(to))
	if err != nil {
		return nil, fmt.Errorf("links starting or ending: %w", translate(err))
	}
	defer rows.Close()
	var out []reportline.Link
	for rows.Next() {
		l, err := scanLink(rows)
		if err != nil {
			return nil, fmt.Errorf("links starting or ending: %w", translate(err))
		}
		out = append(out, l)
	}
	return out, translate(rows.Err())
}

// RecordBounce marks an address the relay refused for good; a later
// bounce updates the time and the error.
func (tx *Tx) RecordBounce(ctx context.Context, address string, at time.Time, reason string) error {
	_, err := tx.exec(ctx, `INSERT INTO mail_bounces (tenant_id, address, at, error) VALUES ($T, $1, $2, $3)
		ON CONFLICT (tenant_id, address) DO UPDATE SET at = excluded.at, error = excluded.error`, address, micros(at), reason)
	if err != nil {
		return fmt.Errorf("record bounce: %w", translate(err))
	}
	return nil
}

// Bounces returns which of the addresses bounced for good, and when.
func (tx *Tx) Bounces(ctx context.Context, addresses []string) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	for _, c := range chunks(addresses) {
		in, args := inList(1, c)
		rows, err := tx.query(ctx, `SELECT address, at FROM mail_bounces WHERE tenant_id = $T AND address IN (`+in+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("bounces: %w", translate(err))
		}
		for rows.Next() {
			var a string
			var at int64
			if err := rows.Scan(&a, &at); err != nil {
				rows.Close()
				return nil, fmt.Errorf("bounces: %w", translate(err))
			}
			out[a] = time.UnixMicro(at).UTC()
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("bounces: %w", translate(err))
		}
	}
	return out, nil
}

// ServiceSecret returns the secret called name, storing value as it when
// there is none yet: the first replica to start wins, the others read
// its value.
func (tx *Tx) ServiceSecret(ctx context.Context, name string, value []byte, at time.Time) ([]byte, error) {
	if _, err := tx.exec(ctx, `INSERT INTO service_secrets (tenant_id, name, value, created_at) VALUES ($T, $1, $2, $3)
		ON CONFLICT (tenant_id, name) DO NOTHING`, name, value, micros(at)); err != nil {
		return nil, fmt.Errorf("service secret %s: %w", name, translate(err))
	}
	var out []byte
	if err := tx.queryRow(ctx, `SELECT value FROM service_secrets WHERE tenant_id = $T AND name = $1`, name).Scan(&out); err != nil {
		return nil, fmt.Errorf("service secret %s: %w", name, translate(err))
	}
	return out, nil
}
