package app

import (
	"context"
	"reportline/outbox"

	"reportline"
)

// outboxTx is the storage of notifications: the outbox, its delivery log
// and the record of template messages (package outbox, messages.go).
type outboxTx interface {
	outbox.Tx

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
