// Package notify owns the notifications of events and the admins' view of
// every notification: the emails sent when a temporary link starts or ends
// and when a manager is added or removed (Events, events.go), the
// catalogue of notifications with a sample of each, and the delivery log
// of what the outbox sent (Catalogue, catalogue.go). Footer says, at the
// bottom of any notice, why it came.
//
// Its use cases read and write through Tx and LogTx, nothing more. Which
// links count (the Assign role mode, the org structure) and who covers for
// an absent manager are package app's rules: app hands them to this
// package as methods of Tx, over the same transaction, as it does for
// package digest.
package notify

import (
	"context"
	"log/slog"
	"time"

	"reportline"
	"reportline/i18n"
	"reportline/notice"
	"reportline/outbox"
	"reportline/schedule"
	"reportline/usecase"
)

// Tx is what the notifications of events read and write: the cursors of
// what was already announced, the audit log and the links' dates that say
// what happened, the people and their choices, and the outbox.
type Tx interface {
	outbox.Tx
	schedule.CursorTx

	// MaxAuditID is the newest audit entry's id, 0 when none.
	MaxAuditID(ctx context.Context) (int64, error)
	// Audit returns the audit entries that f selects, oldest first after
	// f.AfterID.
	Audit(ctx context.Context, f reportline.AuditFilter) ([]reportline.AuditEntry, error)
	// LinksStartingOrEnding returns the links whose start or end falls in
	// (from, to].
	LinksStartingOrEnding(ctx context.Context, from, to time.Time) ([]reportline.Link, error)
	// NotificationRolesOff returns the (type, audience) pairs admins
	// switched off.
	NotificationRolesOff(ctx context.Context) (map[reportline.NotificationRole]bool, error)
	// NotificationOptOuts returns which of users opted out of type t.
	NotificationOptOuts(ctx context.Context, t reportline.NotificationType, users []reportline.UserID) (map[reportline.UserID]bool, error)
	// UsersByIDs returns the users of ids that exist.
	UsersByIDs(ctx context.Context, ids []reportline.UserID) (map[reportline.UserID]reportline.User, error)

	// EffectiveManagers returns the links that count (app's effective.go)
	// of each managee; managees with none are absent.
	EffectiveManagers(ctx context.Context, managees []reportline.UserID) (map[reportline.UserID][]reportline.Link, error)
	// CoverOf reports whether manager is away at instant at (an absence in
	// effect), and who covers and how (app's absences.go).
	CoverOf(ctx context.Context, manager reportline.UserID, at time.Time) (Cover, bool, error)
}

// Cover is who receives an absent manager's notifications.
type Cover struct {
	// Delegate covers for the manager.
	Delegate reportline.UserID
	// Instead is the setting cover.notify: true when the delegate gets the
	// manager's notifications instead of the manager, false when with them.
	Instead bool
}

// Look is how the context's tenant's mail looks and where it links.
type Look struct {
	// PublicURL is the tenant's address without a trailing slash; "" when
	// it has none (mail then carries no button).
	PublicURL string
	// Brand is the brand of the mail.
	Brand notice.Brand
	// DefaultLocale is the language of a recipient whose profile names
	// none.
	DefaultLocale string
}

// Config is what Events needs besides its store.
type Config struct {
	Now func() time.Time
	Log *slog.Logger
	// Outbox enqueues the messages in the events' transactions.
	Outbox *outbox.Outbox
	// Look returns the context's tenant's look.
	Look func(ctx context.Context) Look
	// Zone is the time zone of the dates in the messages.
	Zone *time.Location
}

// Events sends the notifications of link events.
type Events struct {
	store usecase.Store[Tx]
	now   func() time.Time
	log   *slog.Logger
	box   *outbox.Outbox
	look  func(ctx context.Context) Look
	zone  *time.Location
}

// New returns the notifications of events over store.
func New(store usecase.Store[Tx], cfg Config) *Events {
	e := &Events{store: store, now: cfg.Now, log: cfg.Log, box: cfg.Outbox, look: cfg.Look, zone: cfg.Zone}
	if e.now == nil {
		e.now = time.Now
	}
	if e.log == nil {
		e.log = slog.Default()
	}
	if e.zone == nil {
		e.zone = time.UTC
	}
	return e
}

// start starts a notice to u in u's language (else the look's), under the
// look's brand, whose button leads to My team at the look's public URL
// (none when it has none).
func start(u reportline.User, lk Look) (notice.Draft, *i18n.Localizer) {
	n, l := notice.Start(u, lk.Brand.Normalized(), "", lk.DefaultLocale)
	if lk.PublicURL != "" {
		n.Button, n.URL = l.T("mail.open", map[string]any{"Brand": n.BrandName}), lk.PublicURL+"/team"
	}
	return n, l
}

// Footer says at the bottom of n why it came: the notification is
// mandatory for its reader, or how to stop it.
func Footer(n *notice.Draft, l *i18n.Localizer, t reportline.NotificationType, mandatory bool) {
	b := n.BrandName
	if mandatory {
		n.Footer = append(n.Footer, l.T("mail.footer.mandatory", map[string]any{"Brand": b}))
		return
	}
	n.Footer = append(n.Footer, l.T("mail.footer.optional", map[string]any{"Brand": b, "Notification": Name(l, t)}))
}

// Name is a notification's name in the reader's language.
func Name(l *i18n.Localizer, t reportline.NotificationType) string {
	if s := l.T("notification."+string(t), nil); s != "notification."+string(t) {
		return s
	}
	n, _ := reportline.NotificationByType(t)
	return n.Name
}
