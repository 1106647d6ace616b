package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"reportline"
)

const outboxColumns = `id, key, type, recipient_id, to_addr, subject, text_body, html_body, message_id, late,
	status, attempts, next_attempt, created_at, sent_at, last_error`

// EnqueueMessages adds messages to the outbox, skipping those whose key is
// already there (INSERT … ON CONFLICT (key) DO NOTHING), and reports how
// many it added. Callers validate the messages and set their status,
// NextAttempt and CreatedAt.
func (tx *Tx) EnqueueMessages(ctx context.Context, msgs []reportline.OutboxMessage) (int, error) {
	n := 0
	for _, m := range msgs {
		r, err := tx.exec(ctx, `INSERT INTO outbox (tenant_id, key, type, recipient_id, to_addr, subject, text_body, html_body,
				message_id, late, status, attempts, next_attempt, created_at, last_error)
			VALUES ($T, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, $11, $12, '')
			ON CONFLICT (tenant_id, key) DO NOTHING`,
			m.Key, m.Type, nullID(m.Recipient), m.To, m.Subject, m.Text, m.HTML, m.MessageID, m.Late,
			m.Status, micros(m.NextAttempt), micros(m.CreatedAt))
		if err != nil {
			return n, fmt.Errorf("enqueue %s: %w", m.Key, err)
		}
		k, err := r.RowsAffected()
		if err != nil {
			return n, fmt.Errorf("enqueue %s: %w", m.Key, err)
		}
		n += int(k)
	}
	return n, nil
}

// ClaimMessages takes up to c.Limit due messages: pending ones whose next
// attempt has come by c.Now, and sending ones whose lease expired (their
// worker died) by the database's clock. They become sending, leased to
// c.Owner for c.Lease by the database's clock, with one more attempt
// counted. On PostgreSQL concurrent claims skip each other's rows (FOR
// UPDATE SKIP LOCKED), so replicas share the work; SQLite has one writer.
func (tx *Tx) ClaimMessages(ctx context.Context, c reportline.OutboxClaim) ([]reportline.OutboxMessage, error) {
	lock := ""
	if tx.engine == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	now := tx.dbNow()
	// The claimed ids are materialised: read once. As a plain IN
	// (subquery), PostgreSQL may run the subquery again for each row it
	// updates (a nested loop, which the tenant's key makes likely), and
	// each run, skipping what the statement already took, claims more than
	// the limit.
	rows, err := tx.query(ctx, `WITH claimed AS MATERIALIZED (SELECT id FROM outbox
			WHERE tenant_id = $T AND ((status = 'pending' AND next_attempt <= $3) OR (status = 'sending' AND lease_until <= `+now+`))
			ORDER BY id LIMIT $4`+lock+`)
		UPDATE outbox SET status = 'sending', lease_owner = $1, lease_until = `+now+` + $2, attempts = attempts + 1
		WHERE tenant_id = $T AND id IN (SELECT id FROM claimed)
		RETURNING `+outboxColumns, c.Owner, c.Lease.Microseconds(), micros(c.Now), c.Limit)
	if err != nil {
		return nil, fmt.Errorf("claim outbox messages: %w", err)
	}
	return scanOutbox(rows)
}

// ReleaseMessages hands back the messages leased to owner and not
// finished (a worker that stops): they are pending again, due at once for
// any worker, rather than after the lease runs out. It returns how many.
func (tx *Tx) ReleaseMessages(ctx context.Context, owner string) (int, error) {
	res, err := tx.exec(ctx, `UPDATE outbox SET status = 'pending', lease_owner = NULL, lease_until = NULL
		WHERE tenant_id = $T AND status = 'sending' AND lease_owner = $1`, owner)
	if err != nil {
		return 0, fmt.Errorf("release the messages of %s: %w", owner, err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// FinishDeliveries records attempts and their outcomes: each attempt joins
// the delivery log, and its message becomes sent, pending again (to retry
// at NextAttempt) or failed. A message whose lease owner is no longer
// owner (its lease expired and another worker took it) keeps the other
// worker's state; only the attempt is logged. It returns how many messages
// changed.
func (tx *Tx) FinishDeliveries(ctx context.Context, owner string, results []reportline.DeliveryAttempt) (int, error) {
	n := 0
	for _, r := range results {
		_, err := tx.exec(ctx, `INSERT INTO outbox_attempts (tenant_id, message_id, at, attempt, status, error) VALUES ($T, $1, $2, $3, $4, $5)`,
			r.MessageID, micros(r.At), r.Attempt, r.Status, r.Error)
		if err != nil {
			return n, fmt.Errorf("log delivery attempt of message %d: %w", r.MessageID, err)
		}
		var res sql.Result
		switch r.Status {
		case reportline.DeliverySent:
			res, err = tx.exec(ctx, `UPDATE outbox SET status = 'sent', sent_at = $1, lease_owner = NULL, lease_until = NULL, last_error = ''
				WHERE tenant_id = $T AND id = $2 AND status = 'sending' AND lease_owner = $3`, micros(r.At), r.MessageID, owner)
		case reportline.DeliveryPending:
			res, err = tx.exec(ctx, `UPDATE outbox SET status = 'pending', next_attempt = $1, lease_owner = NULL, lease_until = NULL, last_error = $2
				WHERE tenant_id = $T AND id = $3 AND status = 'sending' AND lease_owner = $4`, micros(r.NextAttempt), r.Error, r.MessageID, owner)
		case reportline.DeliveryFailed:
			res, err = tx.exec(ctx, `UPDATE outbox SET status = 'failed', lease_owner = NULL, lease_until = NULL, last_error = $1
				WHERE tenant_id = $T AND id = $2 AND status = 'sending' AND lease_owner = $3`, r.Error, r.MessageID, owner)
		default:
			return n, fmt.Errorf("finish delivery of message %d: unexpected status %q", r.MessageID, r.Status)
		}
		if err != nil {
			return n, fmt.Errorf("finish delivery of message %d: %w", r.MessageID, err)
		}
		k, err := res.RowsAffected()
		if err != nil {
			return n, fmt.Errorf("finish delivery of message %d: %w", r.MessageID, err)
		}
		n += int(k)
	}
	return n, nil
}

// maxLogPage caps one page of the delivery log.
const maxLogPage = 500

// OutboxMessages returns the messages f selects, newest first.
func (tx *Tx) OutboxMessages(ctx context.Context, f reportline.DeliveryFilter) ([]reportline.OutboxMessage, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args))))
	}
	if f.Recipient != "" {
		add(`lower(to_addr) LIKE ? ESCAPE '\'`, "%"+escapeLike(strings.ToLower(f.Recipient))+"%")
	}
	if f.Type != "" {
		add(`type = ?`, f.Type)
	}
	if f.Status != "" {
		add(`status = ?`, f.Status)
	}
	if !f.Since.IsZero() {
		add(`created_at >= ?`, micros(f.Since))
	}
	if !f.Until.IsZero() {
		add(`created_at < ?`, micros(f.Until))
	}
	if f.BeforeID > 0 {
		add(`id < ?`, f.BeforeID)
	}
	limit := f.Limit
	if limit <= 0 || limit > maxLogPage {
		limit = maxLogPage
	}
	q := `SELECT ` + outboxColumns + ` FROM outbox WHERE tenant_id = $T`
	if len(where) > 0 {
		q += ` AND ` + strings.Join(where, ` AND `)
	}
	args = append(args, limit)
	q += fmt.Sprintf(` ORDER BY id DESC LIMIT $%d`, len(args))
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read the delivery log: %w", err)
	}
	return scanOutbox(rows)
}

// OutboxCounts counts the outbox's pending, sending and failed messages
// (for /metrics); sent ones, the bulk of the table, are not counted.
func (tx *Tx) OutboxCounts(ctx context.Context) (map[reportline.DeliveryStatus]int, error) {
	rows, err := tx.query(ctx, `SELECT status, COUNT(*) FROM outbox WHERE tenant_id = $T AND status IN ('pending', 'sending', 'failed') GROUP BY status`)
	if err != nil {
		return nil, fmt.Errorf("count the outbox: %w", err)
	}
	defer rows.Close()
	out := map[reportline.DeliveryStatus]int{}
	for rows.Next() {
		var s reportline.DeliveryStatus
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, fmt.Errorf("count the outbox: %w", translate(err))
		}
		out[s] = n
	}
	return out, translate(rows.Err())
}

// OutboxMessage returns one message of the outbox.
func (tx *Tx) OutboxMessage(ctx context.Context, id int64) (reportline.OutboxMessage, error) {
	rows, err := tx.query(ctx, `SELECT `+outboxColumns+` FROM outbox WHERE tenant_id = $T AND id = $1`, id)
	if err != nil {
		return reportline.OutboxMessage{}, fmt.Errorf("read outbox message %d: %w", id, err)
	}
	ms, err := scanOutbox(rows)
	if err != nil {
		return reportline.OutboxMessage{}, err
	}
	if len(ms) == 0 {
		return reportline.OutboxMessage{}, reportline.Errorf(reportline.NotFound, "outbox message %d not found", id)
	}
	return ms[0], nil
}

// DeliveryAttempts returns the attempts to send a message, oldest first.
func (tx *Tx) DeliveryAttempts(ctx context.Context, message int64) ([]reportline.DeliveryAttempt, error) {
	rows, err := tx.query(ctx, `SELECT message_id, at, attempt, status, error FROM outbox_attempts WHERE tenant_id = $T AND message_id = $1 ORDER BY id`, message)
	if err != nil {
		return nil, fmt.Errorf("read delivery attempts of message %d: %w", message, err)
	}
	defer rows.Close()
	var out []reportline.DeliveryAttempt
	for rows.Next() {
		var a reportline.DeliveryAttempt
		var at sql.NullInt64
		if err := rows.Scan(&a.MessageID, &at, &a.Attempt, &a.Status, &a.Error); err != nil {
			return nil, fmt.Errorf("read delivery attempts: %w", translate(err))
		}
		a.At = fromMicros(at)
		out = append(out, a)
	}
	return out, translate(rows.Err())
}

// AppendTemplateSend records a message sent from a template, setting its ID.
func (tx *Tx) AppendTemplateSend(ctx context.Context, s *reportline.TemplateSend) error {
	err := tx.queryRow(ctx, `INSERT INTO template_sends (tenant_id, at, actor_id, source, group_id, subject, body, recipients)
		VALUES ($T, $1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		micros(s.At), nullID(s.ActorID), s.Source, s.GroupID, s.Subject, s.Body, s.Recipients).Scan(&s.ID)
	if err != nil {
		return fmt.Errorf("record template message: %w", translate(err))
	}
	return nil
}

// TemplateSends returns the last limit messages sent from templates, newest
// first.
func (tx *Tx) TemplateSends(ctx context.Context, limit int) ([]reportline.TemplateSend, error) {
	rows, err := tx.query(ctx, `SELECT id, at, actor_id, source, group_id, subject, body, recipients
		FROM template_sends WHERE tenant_id = $T ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("read template messages: %w", err)
	}
	defer rows.Close()
	var out []reportline.TemplateSend
	for rows.Next() {
		var s reportline.TemplateSend
		var at, actor sql.NullInt64
		if err := rows.Scan(&s.ID, &at, &actor, &s.Source, &s.GroupID, &s.Subject, &s.Body, &s.Recipients); err != nil {
			return nil, fmt.Errorf("read template messages: %w", translate(err))
		}
		s.At, s.ActorID = fromMicros(at), reportline.UserID(actor.Int64)
		out = append(out, s)
	}
	return out, translate(rows.Err())
}

func scanOutbox(rows *sql.Rows) ([]reportline.OutboxMessage, error) {
	defer rows.Close()
	var out []reportline.OutboxMessage
	for rows.Next() {
		var m reportline.OutboxMessage
		var recipient, next, created, sent sql.NullInt64
		if err := rows.Scan(&m.ID, &m.Key, &m.Type, &recipient, &m.To, &m.Subject, &m.Text, &m.HTML, &m.MessageID, &m.Late,
			&m.Status, &m.Attempts, &next, &created, &sent, &m.LastError); err != nil {
			return nil, fmt.Errorf("read outbox: %w", translate(err))
		}
		m.Recipient = reportline.UserID(recipient.Int64)
		m.NextAttempt, m.CreatedAt, m.SentAt = fromMicros(next), fromMicros(created), fromMicros(sent)
		out = append(out, m)
	}
	return out, translate(rows.Err())
}
