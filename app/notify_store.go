package app

import (
	"context"
	"time"

	"reportline"
)

// notifyTx is the storage of the event notifications, admins' switches
// per role, bounces and the service's secrets (migration 0015).
type notifyTx interface {
	// NotificationRolesOff returns the (type, audience) pairs switched off.
	NotificationRolesOff(ctx context.Context) (map[reportline.NotificationRole]bool, error)
	// SetNotificationRole switches one notification on or off for a role.
	SetNotificationRole(ctx context.Context, r reportline.NotificationRole, enabled bool, at time.Time) error
	// NotificationCursor returns how far a reader got; ok false when never set.
	NotificationCursor(ctx context.Context, name string) (pos int64, ok bool, err error)
	// AdvanceNotificationCursor moves a cursor forward, never back.
	AdvanceNotificationCursor(ctx context.Context, name string, pos int64) error
	// MaxAuditID is the newest audit entry's id, 0 when none.
	MaxAuditID(ctx context.Context) (int64, error)
	// LinksStartingOrEnding returns the links whose start or end falls in
	// (from, to].
	LinksStartingOrEnding(ctx context.Context, from, to time.Time) ([]reportline.Link, error)
	// RecordBounce marks an address refused for good.
	RecordBounce(ctx context.Context, address string, at time.Time, reason string) error
	// Bounces returns which addresses bounced for good, and when.
	Bounces(ctx context.Context, addresses []string) (map[string]time.Time, error)
	// ServiceSecret returns the named secret, storing value when there is
	// none yet.
	ServiceSecret(ctx context.Context, name string, value []byte, at time.Time) ([]byte, error)
}
