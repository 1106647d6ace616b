package outbox

import (
	"context"
	"log/slog"
	"reportline/usecase"
	"time"

	"reportline"
)

// Tx is the storage of the outbox and its delivery: enqueue, claim under a
// lease, hand back, record attempts, and the addresses that bounced.
type Tx interface {
	// EnqueueMessages inserts messages whose key is new (INSERT … ON
	// CONFLICT (key) DO NOTHING) and reports how many it inserted.
	EnqueueMessages(ctx context.Context, msgs []reportline.OutboxMessage) (int, error)
	// ClaimMessages leases up to c.Limit due messages to c.Owner (pending
	// ones whose time has come, and sending ones whose lease expired),
	// counting one more attempt each; concurrent claims never return the
	// same message twice.
	ClaimMessages(ctx context.Context, c reportline.OutboxClaim) ([]reportline.OutboxMessage, error)
	// ReleaseMessages makes the unfinished messages leased to owner
	// pending again, due at once.
	ReleaseMessages(ctx context.Context, owner string) (int, error)
	// FinishDeliveries logs each attempt and moves its message to the
	// attempt's status, unless the message is no longer leased to owner.
	FinishDeliveries(ctx context.Context, owner string, attempts []reportline.DeliveryAttempt) (int, error)
	// RecordBounce marks an address refused for good.
	RecordBounce(ctx context.Context, address string, at time.Time, reason string) error
	// Bounces returns which addresses bounced for good, and when.
	Bounces(ctx context.Context, addresses []string) (map[string]time.Time, error)
}

// Outbox is the outbox's use cases: Enqueue, inside a caller's transaction,
// and the delivery worker.
type Outbox struct {
	store usecase.Store[Tx]
	now   func() time.Time
	log   *slog.Logger
	// unsubscribeURL is the one-click unsubscribe link of a bulk message
	// to user ("" when there is none): package app signs it.
	unsubscribeURL func(ctx context.Context, user reportline.UserID, t reportline.NotificationType) (string, error)
	// tenants lists the tenants a worker delivers for (SetTenants); nil:
	// the context's tenant alone.
	tenants reportline.TenantLister
	// mailRate is the context's tenant's mail rate in messages a minute,
	// 0 for no limit (SetMailRate); nil: no limit.
	mailRate func(ctx context.Context) float64
}

// SetMailRate gives the workers each tenant's sending rate, asked in the
// tenant's context before each batch (messages a minute; 0: no limit): a
// tenant's digest burst then leaves at its rate, and the other tenants'
// mail between its batches (Worker.DeliverDue).
func (o *Outbox) SetMailRate(perMinute func(ctx context.Context) float64) {
	o.mailRate = perMinute
}

// SetTenants makes the workers deliver the mail of every tenant list
// returns, one batch per tenant in turn (see Worker.DeliverDue): all
// false asks for the tenants whose mail goes out (not suspended), in the
// order of this round; all true for every tenant (a hand back).
func (o *Outbox) SetTenants(list reportline.TenantLister) {
	o.tenants = list
}

// New returns the outbox over a store, with the clock, the logger and the
// function that signs unsubscribe links.
func New(store usecase.Store[Tx], now func() time.Time, log *slog.Logger,
	unsubscribeURL func(ctx context.Context, user reportline.UserID, t reportline.NotificationType) (string, error)) *Outbox {
	return &Outbox{store: store, now: now, log: log, unsubscribeURL: unsubscribeURL}
}
