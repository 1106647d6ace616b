package webhook

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"time"

	"reportline"
	"reportline/schedule"
	"reportline/usecase"
)

// Options tune the delivery worker; zero fields take the defaults in
// brackets.
type Options struct {
	Owner       string        // this worker's name in leases [host-pid-random]
	Batch       int           // deliveries claimed at once [32]
	Lease       time.Duration // a claimed delivery is this worker's for [2m]
	Poll        time.Duration // how often to look for due deliveries [2s]
	MaxAttempts int           // attempts before a delivery fails for good [15]
	Backoff     time.Duration // the delay after the first failure, doubled after each [10s]
	MaxBackoff  time.Duration // the longest delay [1h]
	Jitter      func() float64
	// Tenants lists the tenants the worker delivers for, one batch of
	// each in turn (DeliverDue), in each one's reportline.WithTenant
	// context. Nil: the context's tenant alone.
	Tenants reportline.TenantLister
}

func (o Options) withDefaults() Options {
	if o.Owner == "" {
		host, _ := os.Hostname()
		o.Owner = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), rand.Text()[:8])
	}
	if o.Batch <= 0 {
		o.Batch = 32
	}
	if o.Lease <= 0 {
		o.Lease = 2 * time.Minute
	}
	if o.Poll <= 0 {
		o.Poll = 2 * time.Second
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 15
	}
	if o.Backoff <= 0 {
		o.Backoff = 10 * time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = time.Hour
	}
	if o.Jitter == nil {
		o.Jitter = mrand.Float64
	}
	return o
}

// Worker delivers webhooks, like the outbox's worker delivers mail:
// several workers share the work by leases, a dead worker's deliveries are
// claimed again when the lease runs out (the receiver recognises the
// repeat by its Webhook-Id), a failure is retried after a growing delay.
type Worker struct {
	store  usecase.Store[Tx]
	client *http.Client
	now    func() time.Time
	log    *slog.Logger
	opt    Options
}

// NewWorker returns a worker over store that POSTs with client (NewClient).
func NewWorker(store usecase.Store[Tx], client *http.Client, now func() time.Time, log *slog.Logger, opt Options) *Worker {
	return &Worker{store: store, client: client, now: now, log: log, opt: opt.withDefaults()}
}

// Run delivers due events until ctx is done.
func (w *Worker) Run(ctx context.Context) {
	schedule.Every(ctx, w.opt.Poll, w.log, "webhook delivery", func(ctx context.Context) error {
		_, err := w.DeliverDue(ctx)
		return err
	})
}

// HandBack makes this worker's unfinished deliveries due again at once,
// in every tenant (Options.Tenants). A stopping process calls it once Run
// has returned; one that dies without it leaves them to the lease.
func (w *Worker) HandBack(ctx context.Context) (int, error) {
	var n int
	err := reportline.EachTenant(ctx, w.opt.Tenants, true, func(ctx context.Context) error {
		return w.store.Write(ctx, func(tx Tx) error {
			m, err := tx.ReleaseWebhookDeliveries(ctx, w.opt.Owner)
			n += m
			return err
		})
	})
	if n > 0 {
		w.log.Info("webhook deliveries handed back", "owner", w.opt.Owner, "count", n)
	}
	return n, err
}

// DeliverDue claims and POSTs batches until none is due (or ctx is done),
// and returns how many deliveries it attempted. With several tenants
// (Options.Tenants) it goes round the active ones, one batch of each per
// round, until none had a delivery due: a tenant's backlog delays
// another's events by one batch per round at most, and a tenant's failure
// does not stop the others. (A claim holds at most one delivery per
// subscriber and subject, so a short batch does not mean none is left.)
func (w *Worker) DeliverDue(ctx context.Context) (int, error) {
	total := 0
	for ctx.Err() == nil {
		more := false
		err := reportline.EachTenant(ctx, w.opt.Tenants, false, func(ctx context.Context) error {
			n, err := w.deliverBatch(ctx)
			total += n
			if err == nil && n > 0 {
				more = true
			}
			return err
		})
		if err != nil || !more {
			return total, err
		}
	}
	return total, nil
}

func (w *Worker) deliverBatch(ctx context.Context) (int, error) {
	var ds []reportline.WebhookDelivery
	var subs map[int64]reportline.WebhookSubscriber
	err := w.store.Write(ctx, func(tx Tx) error {
		var err error
		ds, err = tx.ClaimWebhookDeliveries(ctx, reportline.WebhookClaim{Owner: w.opt.Owner, Now: w.now(), Lease: w.opt.Lease, Limit: w.opt.Batch})
		if err != nil || len(ds) == 0 {
			return err
		}
		all, err := tx.WebhookSubscribers(ctx)
		subs = make(map[int64]reportline.WebhookSubscriber, len(all))
		for _, s := range all {
			subs[s.ID] = s
		}
		return err
	})
	if err != nil || len(ds) == 0 {
		return 0, err
	}
	// One claim holds at most one delivery per (subscriber, subject), so
	// they may go in parallel without breaking the order per person.
	results := make([]reportline.WebhookAttempt, len(ds))
	sendCtx := context.WithoutCancel(ctx)
	done := make(chan struct{}, len(ds))
	for i, d := range ds {
		go func() {
			results[i] = w.send(sendCtx, subs[d.SubscriberID], d)
			done <- struct{}{}
		}()
	}
	for range ds {
		<-done
	}
	err = w.store.Write(sendCtx, func(tx Tx) error {
		_, err := tx.FinishWebhookDeliveries(sendCtx, w.opt.Owner, results)
		return err
	})
	return len(ds), err
}

// send POSTs one delivery and says what became of it. The secret is used
// to sign and never logged.
func (w *Worker) send(ctx context.Context, s reportline.WebhookSubscriber, d reportline.WebhookDelivery) reportline.WebhookAttempt {
	at := w.now()
	r := reportline.WebhookAttempt{DeliveryID: d.ID, At: at, Attempt: d.Attempts}
	status, err := w.post(ctx, s, d)
	r.HTTPStatus = status
	if err == nil {
		r.Status = reportline.DeliverySent
		return r
	}
	r.Error = err.Error()
	if d.Attempts >= w.opt.MaxAttempts || s.ID == 0 {
		r.Status = reportline.DeliveryFailed
		w.log.Warn("webhook delivery failed for good", "delivery", d.ID, "subscriber", d.SubscriberID, "attempts", d.Attempts, "err", r.Error)
		return r
	}
	delay := w.opt.Backoff << min(d.Attempts-1, 20)
	if delay <= 0 || delay > w.opt.MaxBackoff {
		delay = w.opt.MaxBackoff
	}
	delay = time.Duration(float64(delay) * (0.5 + w.opt.Jitter()))
	r.Status, r.NextAttempt = reportline.DeliveryPending, at.Add(delay)
	return r
}

func (w *Worker) post(ctx context.Context, s reportline.WebhookSubscriber, d reportline.WebhookDelivery) (int, error) {
	if s.ID == 0 {
		return 0, fmt.Errorf("subscriber %d is gone", d.SubscriberID)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(d.Body))
	if err != nil {
		return 0, err
	}
	ts := w.now().Unix()
	req.Header.Set("Content-Type", "application/cloudevents+json; charset=utf-8")
	req.Header.Set("User-Agent", "Reportline-Webhooks/1")
	req.Header.Set(HeaderID, d.EventID)
	req.Header.Set(HeaderTimestamp, fmt.Sprint(ts))
	req.Header.Set(HeaderSignature, Sign(s.Secret, ts, d.Body))
	resp, err := w.client.Do(req)
	if err != nil {
		// Not the *url.Error's text: it repeats the URL, whose query
		// may hold the receiver's own token.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return 0, fmt.Errorf("POST: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("the receiver answered %s", resp.Status)
	}
	return resp.StatusCode, nil
}
