package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"reportline"
)

// Webhook subscribers and their deliveries (issue 20, package webhook).

// CreateWebhookSubscriber stores s and sets its ID.
func (tx *Tx) CreateWebhookSubscriber(ctx context.Context, s *reportline.WebhookSubscriber) error {
	err := tx.queryRow(ctx, `INSERT INTO webhook_subscribers (tenant_id, url, secret, types, created_by, created_at)
		VALUES ($T, $1, $2, $3, $4, $5) RETURNING id`,
		s.URL, s.Secret, strings.Join(s.Types, ","), int64(s.CreatedBy), micros(s.CreatedAt)).Scan(&s.ID)
	if err != nil {
		return fmt.Errorf("create webhook subscriber: %w", translate(err))
	}
	return nil
}

// DeleteWebhookSubscriber removes a subscriber, its deliveries and their
// log; NotFound when there is none.
func (tx *Tx) DeleteWebhookSubscriber(ctx context.Context, id int64) error {
	if _, err := tx.exec(ctx, `DELETE FROM webhook_attempts WHERE tenant_id = $T AND delivery_id IN
			(SELECT id FROM webhook_deliveries WHERE tenant_id = $T AND subscriber_id = $1)`, id); err != nil {
		return fmt.Errorf("delete webhook attempts: %w", err)
	}
	if _, err := tx.exec(ctx, `DELETE FROM webhook_deliveries WHERE tenant_id = $T AND subscriber_id = $1`, id); err != nil {
		return fmt.Errorf("delete webhook deliveries: %w", err)
	}
	res, err := tx.exec(ctx, `DELETE FROM webhook_subscribers WHERE tenant_id = $T AND id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete webhook subscriber: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &reportline.Error{Code: reportline.NotFound, Message: fmt.Sprintf("no webhook subscriber %d", id)}
	}
	return nil
}

// WebhookSubscribers returns every subscriber, oldest first, secrets included.
func (tx *Tx) WebhookSubscribers(ctx context.Context) ([]reportline.WebhookSubscriber, error) {
	rows, err := tx.query(ctx, `SELECT id, url, secret, types, created_by, created_at, disabled_at FROM webhook_subscribers
		WHERE tenant_id = $T ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("webhook subscribers: %w", err)
	}
	defer rows.Close()
	var out []reportline.WebhookSubscriber
	for rows.Next() {
		var s reportline.WebhookSubscriber
		var types string
		var by int64
		var created, disabled sql.NullInt64
		if err := rows.Scan(&s.ID, &s.URL, &s.Secret, &types, &by, &created, &disabled); err != nil {
			return nil, fmt.Errorf("read webhook subscribers: %w", translate(err))
		}
		if types != "" {
			s.Types = strings.Split(types, ",")
		}
		s.CreatedBy, s.CreatedAt, s.DisabledAt = reportline.UserID(by), fromMicros(created), fromMicros(disabled)
		out = append(out, s)
	}
	return out, translate(rows.Err())
}

// SetWebhookSecret replaces a subscriber's signing secret; NotFound when
// there is no such subscriber.
func (tx *Tx) SetWebhookSecret(ctx context.Context, id int64, secret string) error {
	res, err := tx.exec(ctx, `UPDATE webhook_subscribers SET secret = $1 WHERE tenant_id = $T AND id = $2`, secret, id)
	if err != nil {
		return fmt.Errorf("set the secret of webhook subscriber %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &reportline.Error{Code: reportline.NotFound, Message: fmt.Sprintf("no webhook subscriber %d", id)}
	}
	return nil
}

// SetWebhookDisabled disables a subscriber from at, or enables it again
// when at is zero; NotFound when there is no such subscriber.
func (tx *Tx) SetWebhookDisabled(ctx context.Context, id int64, at time.Time) error {
	var v any
	if !at.IsZero() {
		v = micros(at)
	}
	res, err := tx.exec(ctx, `UPDATE webhook_subscribers SET disabled_at = $1 WHERE tenant_id = $T AND id = $2`, v, id)
	if err != nil {
		return fmt.Errorf("disable webhook subscriber %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &reportline.Error{Code: reportline.NotFound, Message: fmt.Sprintf("no webhook subscriber %d", id)}
	}
	return nil
}

// EnqueueWebhookDeliveries adds deliveries, skipping one whose subscriber
// already has its event, and reports how many it added.
func (tx *Tx) EnqueueWebhookDeliveries(ctx context.Context, ds []reportline.WebhookDelivery) (int, error) {
	n := 0
	for _, d := range ds {
		r, err := tx.exec(ctx, `INSERT INTO webhook_deliveries (tenant_id, subscriber_id, event_id, type, subject, body, status,
				attempts, next_attempt, created_at, last_error)
			VALUES ($T, $1, $2, $3, $4, $5, 'pending', 0, $6, $7, '')
			ON CONFLICT (tenant_id, subscriber_id, event_id) DO NOTHING`,
			d.SubscriberID, d.EventID, d.Type, d.Subject, d.Body, micros(d.NextAttempt), micros(d.CreatedAt))
		if err != nil {
			return n, fmt.Errorf("enqueue webhook delivery %s: %w", d.EventID, err)
		}
		k, _ := r.RowsAffected()
		n += int(k)
	}
	return n, nil
}

const webhookColumns = `id, subscriber_id, event_id, type, subject, body, status, attempts, next_attempt, created_at, sent_at, last_error`

// ClaimWebhookDeliveries leases up to c.Limit due deliveries to c.Owner,
// counting one more attempt each. A delivery is due when it is pending and
// its time has come, or sending with an expired lease, and no earlier
// delivery of the same subscriber and subject is still open: events about
// one person reach a subscriber in order. A disabled subscriber's
// deliveries are not due.
func (tx *Tx) ClaimWebhookDeliveries(ctx context.Context, c reportline.WebhookClaim) ([]reportline.WebhookDelivery, error) {
	lock := ""
	if tx.engine == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	now := tx.dbNow()
	rows, err := tx.query(ctx, `WITH claimed AS MATERIALIZED (SELECT d.id FROM webhook_deliveries d
			WHERE d.tenant_id = $T AND ((d.status = 'pending' AND d.next_attempt <= $3) OR (d.status = 'sending' AND d.lease_until <= `+now+`))
			AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.tenant_id = $T AND e.subscriber_id = d.subscriber_id
				AND e.subject = d.subject AND e.id < d.id AND e.status IN ('pending', 'sending'))
			AND NOT EXISTS (SELECT 1 FROM webhook_subscribers s WHERE s.tenant_id = $T AND s.id = d.subscriber_id
				AND s.disabled_at IS NOT NULL)
			ORDER BY d.id LIMIT $4`+lock+`)
		UPDATE webhook_deliveries SET status = 'sending', lease_owner = $1, lease_until = `+now+` + $2, attempts = attempts + 1
		WHERE tenant_id = $T AND id IN (SELECT id FROM claimed)
		RETURNING `+webhookColumns, c.Owner, c.Lease.Microseconds(), micros(c.Now), c.Limit)
	if err != nil {
		return nil, fmt.Errorf("claim webhook deliveries: %w", err)
	}
	return scanWebhook(rows)
}

// ReleaseWebhookDeliveries makes the unfinished deliveries leased to owner
// pending again, due at once.
func (tx *Tx) ReleaseWebhookDeliveries(ctx context.Context, owner string) (int, error) {
	res, err := tx.exec(ctx, `UPDATE webhook_deliveries SET status = 'pending', lease_owner = NULL, lease_until = NULL
		WHERE tenant_id = $T AND status = 'sending' AND lease_owner = $1`, owner)
	if err != nil {
		return 0, fmt.Errorf("release the webhook deliveries of %s: %w", owner, err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// FinishWebhookDeliveries logs each attempt and moves its delivery to the
// attempt's status, unless the delivery is no longer leased to owner.
func (tx *Tx) FinishWebhookDeliveries(ctx context.Context, owner string, attempts []reportline.WebhookAttempt) (int, error) {
	n := 0
	for _, r := range attempts {
		if _, err := tx.exec(ctx, `INSERT INTO webhook_attempts (tenant_id, delivery_id, at, attempt, status, http_status, error)
			VALUES ($T, $1, $2, $3, $4, $5, $6)`, r.DeliveryID, micros(r.At), r.Attempt, r.Status, r.HTTPStatus, r.Error); err != nil {
			return n, fmt.Errorf("log webhook attempt of %d: %w", r.DeliveryID, err)
		}
		var res sql.Result
		var err error
		switch r.Status {
		case reportline.DeliverySent:
			res, err = tx.exec(ctx, `UPDATE webhook_deliveries SET status = 'sent', sent_at = $1, lease_owner = NULL, lease_until = NULL, last_error = ''
				WHERE tenant_id = $T AND id = $2 AND status = 'sending' AND lease_owner = $3`, micros(r.At), r.DeliveryID, owner)
		case reportline.DeliveryPending:
			res, err = tx.exec(ctx, `UPDATE webhook_deliveries SET status = 'pending', next_attempt = $1, lease_owner = NULL, lease_until = NULL, last_error = $2
				WHERE tenant_id = $T AND id = $3 AND status = 'sending' AND lease_owner = $4`, micros(r.NextAttempt), r.Error, r.DeliveryID, owner)
		case reportline.DeliveryFailed:
			res, err = tx.exec(ctx, `UPDATE webhook_deliveries SET status = 'failed', lease_owner = NULL, lease_until = NULL, last_error = $1
				WHERE tenant_id = $T AND id = $2 AND status = 'sending' AND lease_owner = $3`, r.Error, r.DeliveryID, owner)
		default:
			return n, fmt.Errorf("finish webhook delivery %d: unexpected status %q", r.DeliveryID, r.Status)
		}
		if err != nil {
			return n, fmt.Errorf("finish webhook delivery %d: %w", r.DeliveryID, err)
		}
		k, _ := res.RowsAffected()
		n += int(k)
	}
	return n, nil
}

// WebhookDeliveries returns the delivery log of a subscriber (0: all),
// newest first, at most limit.
func (tx *Tx) WebhookDeliveries(ctx context.Context, subscriber int64, limit int) ([]reportline.WebhookDelivery, error) {
	if limit <= 0 || limit > maxLogPage {
		limit = maxLogPage
	}
	rows, err := tx.query(ctx, `SELECT `+webhookColumns+` FROM webhook_deliveries
		WHERE tenant_id = $T AND ($1 = 0 OR subscriber_id = $1) ORDER BY id DESC LIMIT $2`, subscriber, limit)
	if err != nil {
		return nil, fmt.Errorf("webhook deliveries: %w", err)
	}
	return scanWebhook(rows)
}

func scanWebhook(rows *sql.Rows) ([]reportline.WebhookDelivery, error) {
	defer rows.Close()
	var out []reportline.WebhookDelivery
	for rows.Next() {
		var d reportline.WebhookDelivery
		var next, created, sent sql.NullInt64
		if err := rows.Scan(&d.ID, &d.SubscriberID, &d.EventID, &d.Type, &d.Subject, &d.Body, &d.Status, &d.Attempts,
			&next, &created, &sent, &d.LastError); err != nil {
			return nil, fmt.Errorf("read webhook deliveries: %w", translate(err))
		}
		d.NextAttempt, d.CreatedAt, d.SentAt = fromMicros(next), fromMicros(created), fromMicros(sent)
		out = append(out, d)
	}
	return out, translate(rows.Err())
}

// ReplayWebhookDelivery makes a delivery of subscriber that failed for
// good or was sent pending again, due at at, its attempts counted afresh;
// NotFound when the subscriber has no such delivery id (one pending or
// being sent is already on its way).
func (tx *Tx) ReplayWebhookDelivery(ctx context.Context, subscriber, id int64, at time.Time) error {
	res, err := tx.exec(ctx, `UPDATE webhook_deliveries SET status = 'pending', next_attempt = $1, attempts = 0, last_error = ''
		WHERE tenant_id = $T AND id = $2 AND subscriber_id = $3 AND status IN ('failed', 'sent')`, micros(at), id, subscriber)
	if err != nil {
		return fmt.Errorf("replay webhook delivery %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &reportline.Error{Code: reportline.NotFound, Message: fmt.Sprintf("webhook %d has no delivery %d that failed or was sent (one waiting is already on its way)", subscriber, id)}
	}
	return nil
}

// SetWebhookSubscriberSecret replaces the secret column of a subscriber:
// "" once its signing secret is sealed in the secrets table (app,
// "webhook.ID.signing_secret"). NotFound when there is no such subscriber.
func (tx *Tx) SetWebhookSubscriberSecret(ctx context.Context, id int64, secret string) error {
	res, err := tx.exec(ctx, `UPDATE webhook_subscribers SET secret = $1 WHERE tenant_id = $T AND id = $2`, secret, id)
	if err != nil {
		return fmt.Errorf("set webhook subscriber %d's secret: %w", id, translate(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &reportline.Error{Code: reportline.NotFound, Message: fmt.Sprintf("no webhook subscriber %d", id)}
	}
	return nil
}
