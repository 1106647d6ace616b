// Package digest sends the scheduled notifications to managers: the weekly
// digest of their team's learning (every Monday from 14:00) and the
// birthday notifications (every day from 08:00), both in the tenant's time
// zone (Europe/Paris unless the tenant's digest_time_zone names another),
// through scheduled runs that replicas share so that each goes out once
// (run.go).
//
// Its use cases read and write through Tx and RunTx, nothing more. Which
// links count and what they grant (the Assign role mode, the org
// structure, the capability matrix) are package app's rules: app hands
// them to this package as methods of Tx. The admin's use cases around it
// (previews, settings, the list of runs) ask the policy in app, which then
// calls Notifier.
package digest

import (
	"context"
	"log/slog"
	"time"

	"reportline"
	"reportline/notice"
	"reportline/outbox"
	"reportline/usecase"
)

// Tx is what composing the notifications reads: people, their learning,
// the links that count, the recipients' choices and the tenant's settings.
type Tx interface {
	// NotificationRolesOff returns the (type, audience) pairs admins
	// switched off.
	NotificationRolesOff(ctx context.Context) (map[reportline.NotificationRole]bool, error)
	// NotificationOptOuts returns which of users opted out of type t.
	NotificationOptOuts(ctx context.Context, t reportline.NotificationType, users []reportline.UserID) (map[reportline.UserID]bool, error)
	// Setting returns a setting's value; NotFound when it was never set.
	Setting(ctx context.Context, key string) (string, error)

	// CoveringInstead returns, of managers, those whose notifications
	// go to a delegate instead of them at instant at (an absence in
	// effect, cover.notify = instead), with the delegate.
	CoveringInstead(ctx context.Context, managers []reportline.UserID, at time.Time) (map[reportline.UserID]reportline.UserID, error)
	// UsersByIDs returns the users of ids that exist.
	UsersByIDs(ctx context.Context, ids []reportline.UserID) (map[reportline.UserID]reportline.User, error)
	// ActiveUserIDs returns the ids of every active user.
	ActiveUserIDs(ctx context.Context) (map[reportline.UserID]bool, error)
	// UserStatuses returns the status of each of ids that exists.
	UserStatuses(ctx context.Context, ids []reportline.UserID) (map[reportline.UserID]reportline.Status, error)
	// ActiveUsersWithBirthday returns the active users whose birthday
	// falls on one of the month-days (MM-DD), ordered by id.
	ActiveUsersWithBirthday(ctx context.Context, monthDays []string) ([]reportline.User, error)

	// LearningRecordsOf returns each user's learning records with their
	// course and session.
	LearningRecordsOf(ctx context.Context, users []reportline.UserID) (map[reportline.UserID][]reportline.RecordDetail, error)
	// SessionsStarting returns the sessions of courses starting in [from,
	// to), ordered by start.
	SessionsStarting(ctx context.Context, courses []reportline.CourseID, from, to time.Time) ([]reportline.CourseSession, error)

	// CapabilityMatrix is what each kind of link grants (app's cached
	// matrix). Callers must not modify it.
	CapabilityMatrix(ctx context.Context) (reportline.Matrix, error)
	// EffectiveManagees returns the links that count (app's effective.go)
	// of each manager; managers with none are absent.
	EffectiveManagees(ctx context.Context, managers []reportline.UserID) (map[reportline.UserID][]reportline.Link, error)
	// EffectiveManagers returns the links that count of each managee.
	EffectiveManagers(ctx context.Context, managees []reportline.UserID) (map[reportline.UserID][]reportline.Link, error)
	// EachEffectiveLink calls fn for every link that counts; fn must not
	// use the transaction.
	EachEffectiveLink(ctx context.Context, fn func(reportline.Link) error) error
}

// Recorder counts scheduled runs for /metrics (app.Recorder implements it).
type Recorder interface {
	// ScheduledRun counts a claimed run of kind as this holder leaves it:
	// finished, interrupted or failed.
	ScheduledRun(kind, outcome string)
}

// Look is how the context's tenant's mail looks and where it links.
type Look struct {
	// PublicURL is the tenant's address without a trailing slash; "" when
	// it has none (mail then says where to go instead of linking).
	PublicURL string
	// Brand is the brand of the mail (normalised by Notifier).
	Brand notice.Brand
	// DefaultLocale is the language of a manager whose profile names none.
	DefaultLocale string
}

// Config is what a Notifier needs besides its store.
type Config struct {
	Now func() time.Time
	Log *slog.Logger
	Rec Recorder
	// Outbox enqueues the messages in the run's transactions.
	Outbox *outbox.Outbox
	// Look returns the context's tenant's look (app: its public URL, and
	// the brand and language; per-tenant branding plugs in there).
	Look func(ctx context.Context) Look
}

// Notifier composes and sends the digests and birthday notifications.
type Notifier struct {
	store usecase.Store[Tx]
	runs  usecase.Store[RunTx]
	now   func() time.Time
	log   *slog.Logger
	rec   Recorder
	box   *outbox.Outbox
	look  func(ctx context.Context) Look
}

// New returns the notifier over a store seen two ways (composing, runs).
func New(store usecase.Store[Tx], runs usecase.Store[RunTx], cfg Config) *Notifier {
	return &Notifier{store: store, runs: runs, now: cfg.Now, log: cfg.Log, rec: cfg.Rec, box: cfg.Outbox, look: cfg.Look}
}

// lookOf is the context's tenant's look, its brand normalised.
func (n *Notifier) lookOf(ctx context.Context) Look {
	l := n.look(ctx)
	l.Brand = l.Brand.Normalized()
	return l
}
