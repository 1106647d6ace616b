package outbox

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"golang.org/x/time/rate"

	"reportline"
	"reportline/schedule"
)

// Sender delivers one message: by SMTP, or as a file (package mail).
// Implementations are safe for concurrent use. An error whose
// Permanent() method returns true (an SMTP 5xx answer, an address the
// relay refuses) is not retried.
type Sender interface {
	Send(ctx context.Context, m reportline.OutboxMessage) error
}

// batchSyncer is a Sender whose sends can be made durable together: the
// .eml sink (mail.FileSender) fsyncs its folder once per batch rather than
// once per message. SendUnsynced is Send except that the message may be
// lost in a crash until SyncBatch returns; the worker records a message as
// sent only after SyncBatch succeeded.
type batchSyncer interface {
	SendUnsynced(ctx context.Context, m reportline.OutboxMessage) error
	SyncBatch(ctx context.Context) error
}

// Options tune the delivery worker; zero fields take the defaults in
// brackets.
type Options struct {
	Owner       string        // this worker's name in leases [host-pid-random]
	Batch       int           // messages claimed at once [64]
	Concurrency int           // sends in flight at once; the SMTP pool size [4]
	Lease       time.Duration // a claimed message is this worker's for [5m]
	Poll        time.Duration // how often to look for due messages when idle [2s]
	MaxAttempts int           // attempts before a message fails for good [8]
	Backoff     time.Duration // the delay after the first failure, doubled after each [30s]
	MaxBackoff  time.Duration // the longest delay [1h]
	SendTimeout time.Duration // one send's limit [1m]
	// Jitter returns a number in [0, 1); the delay after a failure is
	// spread over [½, 1½) of its nominal value so that failures of many
	// messages at once do not retry in lock step. [math/rand/v2]
	Jitter func() float64
}

func (o Options) withDefaults() Options {
	if o.Owner == "" {
		host, _ := os.Hostname()
		o.Owner = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), rand.Text()[:8])
	}
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defd := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.Batch, 64)
	def(&o.Concurrency, 4)
	def(&o.MaxAttempts, 8)
	defd(&o.Lease, 5*time.Minute)
	defd(&o.Poll, 2*time.Second)
	defd(&o.Backoff, 30*time.Second)
	defd(&o.MaxBackoff, time.Hour)
	defd(&o.SendTimeout, time.Minute)
	if o.Jitter == nil {
		o.Jitter = mrand.Float64
	}
	return o
}

// Worker delivers the outbox. Several workers, in one process or in
// replicas sharing one PostgreSQL, share the work: each claims its own
// messages under a lease. A worker that dies leaves its messages
// "sending"; when the lease runs out another worker claims and sends them
// again, with the same Message-ID, so the recipient's mail system can
// recognise the duplicate of a message that was sent but not recorded.
type Worker struct {
	box    *Outbox
	sender Sender
	opt    Options

	mu      sync.Mutex
	buckets map[reportline.TenantID]*rate.Limiter // each tenant's mail rate (SetMailRate)
	held    atomic.Int64                          // batches cut short or skipped by a tenant's rate
}

// HeldBack counts the batches this worker cut short or skipped because
// their tenant had spent its mail rate (the tenant's mail waits for the
// next round; nothing is refused): /metrics shows it.
func (w *Worker) HeldBack() int64 { return w.held.Load() }

// allowance is how many messages the context's tenant may send now: a
// batch when it has no mail rate, else the whole tokens in its bucket
// (which holds one batch at most), and the bucket to spend them from.
func (w *Worker) allowance(ctx context.Context, now time.Time) (int, *rate.Limiter) {
	if w.box.mailRate == nil {
		return w.opt.Batch, nil
	}
	perMinute := w.box.mailRate(ctx)
	if perMinute <= 0 {
		return w.opt.Batch, nil
	}
	id, ok := reportline.TenantOf(ctx)
	if !ok {
		id = reportline.ImplicitTenant
	}
	r := rate.Limit(perMinute / 60)
	w.mu.Lock()
	defer w.mu.Unlock()
	lim := w.buckets[id]
	if lim == nil {
		if w.buckets == nil {
			w.buckets = map[reportline.TenantID]*rate.Limiter{}
		}
		lim = rate.NewLimiter(r, w.opt.Batch)
		lim.AllowN(now, 0) // start the bucket full at the worker's clock
		w.buckets[id] = lim
	} else if lim.Limit() != r {
		lim.SetLimitAt(now, r)
	}
	return min(w.opt.Batch, int(lim.TokensAt(now))), lim
}

// NewOutboxWorker returns a worker that sends through s.
func (o *Outbox) NewOutboxWorker(s Sender, opt Options) *Worker {
	return &Worker{box: o, sender: s, opt: opt.withDefaults()}
}

// Owner is the name this worker leases messages under.
func (w *Worker) Owner() string { return w.opt.Owner }

// Run delivers due messages until ctx is done. A batch in flight when ctx
// ends is finished and recorded (each send bounded by SendTimeout) before
// Run returns. Storage errors are logged and retried at the next poll.
func (w *Worker) Run(ctx context.Context) {
	schedule.Every(ctx, w.opt.Poll, w.box.log, "outbox delivery", func(ctx context.Context) error {
		_, err := w.DeliverDue(ctx)
		return err
	})
}

// HandBack makes the messages this worker claimed and did not finish
// pending again, so that another replica sends them at once instead of
// after the lease. A stopping process calls it once Run has returned;
// a process that dies without it leaves them to the lease.
func (w *Worker) HandBack(ctx context.Context) (int, error) {
	var n int
	err := w.eachTenant(ctx, true, func(ctx context.Context) error {
		return w.box.store.Write(ctx, func(tx Tx) error {
			m, err := tx.ReleaseMessages(ctx, w.opt.Owner)
			n += m
			return err
		})
	})
	if n > 0 {
		w.box.log.Info("outbox messages handed back", "owner", w.opt.Owner, "count", n)
	}
	return n, err
}

// eachTenant runs fn in the context of each tenant the outbox serves
// (every tenant when all), or once in ctx as it is when it serves the
// context's tenant alone. A tenant's failure does not stop the others.
func (w *Worker) eachTenant(ctx context.Context, all bool, fn func(ctx context.Context) error) error {
	return reportline.EachTenant(ctx, w.box.tenants, all, fn)
}

// DeliverDue claims and sends batches until no message is due (or ctx is
// done), and returns how many messages it attempted. When the outbox
// serves several tenants (SetTenants), it goes round them, one batch of
// each tenant per round, until none has a full batch left: a tenant's
// backlog delays another's mail by one batch per round at most.
func (w *Worker) DeliverDue(ctx context.Context) (int, error) {
	total := 0
	for ctx.Err() == nil {
		more := false
		err := w.eachTenant(ctx, false, func(ctx context.Context) error {
			if ctx.Err() != nil {
				return nil
			}
			n, err := w.deliverBatch(ctx)
			total += n
			if err == nil && n == w.opt.Batch {
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

// deliverBatch claims one batch (within the tenant's mail rate), sends it
// and records the outcomes.
func (w *Worker) deliverBatch(ctx context.Context) (int, error) {
	limit, bucket := w.allowance(ctx, w.box.now())
	if limit <= 0 {
		w.held.Add(1)
		return 0, nil
	}
	var msgs []reportline.OutboxMessage
	var bounced map[string]time.Time
	err := w.box.store.Write(ctx, func(tx Tx) error {
		now := w.box.now()
		var err error
		msgs, err = tx.ClaimMessages(ctx, reportline.OutboxClaim{Owner: w.opt.Owner, Now: now, Lease: w.opt.Lease, Limit: limit})
		if err != nil || len(msgs) == 0 {
			return err
		}
		if bucket != nil {
			bucket.AllowN(now, len(msgs))
			if limit < w.opt.Batch && len(msgs) == limit {
				w.held.Add(1)
			}
		}
		var addrs []string
		for _, m := range msgs {
			if isBulk(m.Type) {
				addrs = append(addrs, m.To)
			}
		}
		bounced, err = tx.Bounces(ctx, addrs)
		return err
	})
	if err != nil || len(msgs) == 0 {
		return 0, err
	}
	for i, m := range msgs {
		if isBulk(m.Type) && m.Recipient != 0 {
			if msgs[i].ListUnsubscribe, err = w.box.unsubscribeURL(ctx, m.Recipient, m.Type); err != nil {
				return 0, fmt.Errorf("unsubscribe link: %w", err)
			}
		}
	}
	results := make([]reportline.DeliveryAttempt, len(msgs))
	bounces := make([]string, len(msgs)) // the refusal of an address, when the relay bounced it
	// Sends outlive a cancelled ctx (bounded by SendTimeout): a message
	// handed to the relay must be recorded as sent, not left to a retry.
	sendCtx := context.WithoutCancel(ctx)
	sem := make(chan struct{}, w.opt.Concurrency)
	var wg sync.WaitGroup
	for i, m := range msgs {
		if at, ok := bounced[m.To]; ok && isBulk(m.Type) {
			// A dead address is not tried again every week: the
			// delivery log says why.
			results[i] = reportline.DeliveryAttempt{MessageID: m.ID, At: w.box.now(), Attempt: m.Attempts, Status: reportline.DeliveryFailed,
				Error: fmt.Sprintf("not sent: the relay refused %s for good on %s (a bounce)", m.To, at.Format(time.DateOnly))}
			continue
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			results[i], bounces[i] = w.send(sendCtx, m)
		})
	}
	wg.Wait()
	w.syncBatch(sendCtx, msgs, results)
	err = w.box.store.Write(sendCtx, func(tx Tx) error {
		if _, err := tx.FinishDeliveries(sendCtx, w.opt.Owner, results); err != nil {
			return err
		}
		for i, b := range bounces {
			if b != "" && results[i].Status == reportline.DeliveryFailed {
				if err := tx.RecordBounce(sendCtx, msgs[i].To, results[i].At, b); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		// The messages stay leased; they are sent again when the lease
		// expires, under the same Message-ID.
		return len(msgs), fmt.Errorf("record %d deliveries: %w", len(msgs), err)
	}
	return len(msgs), nil
}

// send makes one attempt and judges its outcome; bounce is the error when
// the relay refused the address itself (an error with Bounced() true).
func (w *Worker) send(ctx context.Context, m reportline.OutboxMessage) (a reportline.DeliveryAttempt, bounce string) {
	ctx, cancel := context.WithTimeout(ctx, w.opt.SendTimeout)
	defer cancel()
	send := w.sender.Send
	if bs, ok := w.sender.(batchSyncer); ok {
		send = bs.SendUnsynced // made durable by syncBatch
	}
	err := send(ctx, m)
	var b interface{ Bounced() bool }
	if errors.As(err, &b) && b.Bounced() {
		bounce = truncate(err.Error(), 1000)
	}
	return w.judge(m, err), bounce
}

// isBulk reports whether notifications of type t are bulk mail.
func isBulk(t reportline.NotificationType) bool {
	n, _ := reportline.NotificationByType(t)
	return n.Bulk
}

// syncBatch makes a batch's sends durable when the sender defers that
// (batchSyncer); should it fail, the messages sent are not recorded as
// sent but judged as failed attempts, retried like any other.
func (w *Worker) syncBatch(ctx context.Context, msgs []reportline.OutboxMessage, results []reportline.DeliveryAttempt) {
	bs, ok := w.sender.(batchSyncer)
	if !ok || !slices.ContainsFunc(results, func(a reportline.DeliveryAttempt) bool { return a.Status == reportline.DeliverySent }) {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, w.opt.SendTimeout)
	defer cancel()
	err := bs.SyncBatch(ctx)
	if err == nil {
		return
	}
	for i, a := range results {
		if a.Status == reportline.DeliverySent {
			results[i] = w.judge(msgs[i], fmt.Errorf("make the batch durable: %w", err))
		}
	}
}

// judge records the outcome of one attempt to send m that ended with err.
func (w *Worker) judge(m reportline.OutboxMessage, err error) reportline.DeliveryAttempt {
	at := w.box.now()
	a := reportline.DeliveryAttempt{MessageID: m.ID, At: at, Attempt: m.Attempts, Status: reportline.DeliverySent}
	if err == nil {
		return a
	}
	a.Error = truncate(err.Error(), 1000)
	var p interface{ Permanent() bool }
	if (errors.As(err, &p) && p.Permanent()) || m.Attempts >= w.opt.MaxAttempts {
		a.Status = reportline.DeliveryFailed
		w.box.log.Warn("mail delivery failed for good", "message", m.ID, "key", m.Key, "attempt", m.Attempts, "err", err)
		return a
	}
	a.Status = reportline.DeliveryPending
	a.NextAttempt = at.Add(w.backoff(m.Attempts))
	w.box.log.Info("mail delivery failed, will retry", "message", m.ID, "key", m.Key, "attempt", m.Attempts,
		"retry_at", a.NextAttempt, "err", err)
	return a
}

// backoff is the delay after the attempt-th failed attempt: Backoff
// doubled per earlier failure, at most MaxBackoff, spread by the jitter
// over [½, 1½) of that.
func (w *Worker) backoff(attempt int) time.Duration {
	d := w.opt.Backoff
	for i := 1; i < attempt && d < w.opt.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, w.opt.MaxBackoff)
	return time.Duration(float64(d) * (0.5 + w.opt.Jitter()))
}

// truncate cuts s to at most n bytes, on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
