package app

import (
	"context"

	"reportline"
)

// outboxTx is the storage of notifications: the outbox, its delivery log
// and the record of template messages (outbox.go, messages.go).
type outboxTx interface {
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
	// OutboxMessages returns the messages f selects, newest first.
	OutboxMessages(ctx context.Context, f reportline.DeliveryFilter) ([]reportline.OutboxMessage, error)
	// OutboxCounts counts the outbox's pending, sending and failed messages
	// by status (not the sent ones).
	OutboxCounts(ctx context.Context) (map[reportline.DeliveryStatus]int, error)
	// OutboxMessage returns one message; NotFound when there is none.
	OutboxMessage(ctx context.Context, id int64) (reportline.OutboxMessage, error)
	// DeliveryAttempts returns a message's attempts, oldest first.
	DeliveryAttempts(ctx context.Context, message int64) ([]reportline.DeliveryAttempt, error)
	// AppendTemplateSend records a message sent from a template.
	AppendTemplateSend(ctx context.Context, s *reportline.TemplateSend) error
	// TemplateSends returns the last limit template messages, newest first.
	TemplateSends(ctx context.Context, limit int) ([]reportline.TemplateSend, error)
}
