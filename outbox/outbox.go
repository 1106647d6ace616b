// Package outbox is how every email leaves Reportline. A use case
// enqueues its messages inside its own write transaction (Enqueue), so a message exists
// exactly when the bookkeeping that asked for it committed; each message's
// idempotency key makes a second enqueue of the same message a no-op. The
// delivery worker (Worker) then claims due messages under a
// lease, hands them to a Sender and records every attempt.
package outbox

import (
	"context"
	"fmt"
	"time"

	"reportline"
)

// Enqueue adds messages to the outbox inside tx, an open write transaction,
// and reports how many were new: a message whose Key is already in the
// outbox is skipped. Each message is validated (key, type, address,
// subject, text body) and gets its deterministic Message-ID from its key
// unless it has one. The whole call fails, inserting nothing the caller
// would keep, if any message is invalid: the caller's transaction rolls
// back on the returned error.
func (o *Outbox) Enqueue(ctx context.Context, tx Tx, msgs ...reportline.OutboxMessage) (int, error) {
	if len(msgs) == 0 {
		return 0, nil
	}
	now := o.now()
	out := make([]reportline.OutboxMessage, len(msgs))
	for i, m := range msgs {
		if err := m.Validate(); err != nil {
			return 0, fmt.Errorf("outbox message %q: %w", m.Key, err)
		}
		// Keys are unique within a tenant: another tenant's Message-ID
		// names its tenant, so that two tenants' messages of one key stay
		// two messages (for the recipient's mail system, and for the .eml
		// sink, whose file names then hash it too).
		if t, ok := reportline.TenantOf(ctx); ok && t != reportline.ImplicitTenant &&
			(m.MessageID == "" || m.MessageID == reportline.MessageIDFor(m.Key)) {
			m.MessageID = reportline.MessageIDFor(fmt.Sprintf("%s.tenant%d", m.Key, t))
		}
		m.ID, m.Status, m.Attempts, m.LastError = 0, reportline.DeliveryPending, 0, ""
		m.SentAt = time.Time{}
		if m.NextAttempt.IsZero() {
			m.NextAttempt = now
		}
		m.CreatedAt = now
		out[i] = m
	}
	n, err := tx.EnqueueMessages(ctx, out)
	if err != nil {
		return 0, fmt.Errorf("enqueue: %w", err)
	}
	return n, nil
}
