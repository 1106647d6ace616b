package app

import (
	"context"
	"time"

	"reportline"
	"reportline/notify"
)

// notifyTx is the storage of the event notifications (package notify: what
// its Tx reads that no other part of Tx lists), admins' switches per role
// and the service's secrets (migration 0015).
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
	// ServiceSecret returns the named secret, storing value when there is
	// none yet.
	ServiceSecret(ctx context.Context, name string, value []byte, at time.Time) ([]byte, error)
}

// notifyStore is a transaction as package notify sees it: the store's
// methods, and the links that count and who covers for an absent manager
// by app's rules (effective.go, absences.go), read in the same
// transaction.
type notifyStore struct {
	Tx
	a *App
}

func (t notifyStore) EffectiveManagers(ctx context.Context, managees []reportline.UserID) (map[reportline.UserID][]reportline.Link, error) {
	return t.a.managersOfMany(ctx, t.Tx, managees)
}

func (t notifyStore) CoverOf(ctx context.Context, manager reportline.UserID, at time.Time) (notify.Cover, bool, error) {
	c, ok, err := t.a.coverFor(ctx, t.Tx, manager, at)
	return notify.Cover{Delegate: c.Delegate, Instead: c.Instead}, ok, err
}

// newEvents builds the notifications of events over the store.
func (a *App) newEvents() *notify.Events {
	return notify.New(narrow(a.store, func(tx Tx) notify.Tx { return notifyStore{tx, a} }),
		notify.Config{Now: a.now, Log: a.log, Outbox: a.Outbox, Zone: parisZone, Look: func(ctx context.Context) notify.Look {
			br := a.branding(ctx)
			return notify.Look{PublicURL: a.publicURL(ctx), Brand: MailBrandOf(br), DefaultLocale: br.Locale}
		}})
}
