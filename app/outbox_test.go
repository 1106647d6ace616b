package app_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/internal/smtptest"
	"reportline/internal/testapp"
	rlmail "reportline/mail"
	"reportline/outbox"
	"reportline/store"
)

// smtpSender returns a sender to a fresh smtpsink process.
func smtpSender(t *testing.T) (*smtptest.Server, *rlmail.SMTPSender) {
	t.Helper()
	srv := smtptest.Start(t)
	host, port, _ := net.SplitHostPort(srv.Addr)
	p, _ := strconv.Atoi(port)
	s, err := rlmail.NewSMTPSender(rlmail.SMTPConfig{Host: host, Port: p, TLS: rlmail.TLSNone, From: "reportline@example.com", Pool: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return srv, s
}

func outboxMessage(key, to string) reportline.OutboxMessage {
	return reportline.OutboxMessage{Key: key, Type: reportline.NotifyTemplateMessage, To: to, Subject: "Subject " + key, Text: "Text of " + key}
}

// enqueue enqueues in its own write transaction.
func enqueue(t *testing.T, env *testapp.Env, msgs ...reportline.OutboxMessage) int {
	t.Helper()
	var n int
	err := env.DB.Write(context.Background(), func(tx *store.Tx) error {
		var err error
		n, err = env.App.Enqueue(context.Background(), tx, msgs...)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func outboxState(t *testing.T, env *testapp.Env, key string) (reportline.OutboxMessage, []reportline.DeliveryAttempt) {
	t.Helper()
	var m reportline.OutboxMessage
	var as []reportline.DeliveryAttempt
	err := env.DB.Read(context.Background(), func(tx *store.Tx) error {
		ms, err := tx.OutboxMessages(context.Background(), reportline.DeliveryFilter{})
		if err != nil {
			return err
		}
		for _, x := range ms {
			if x.Key == key {
				m = x
			}
		}
		as, err = tx.DeliveryAttempts(context.Background(), m.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m, as
}

func TestEnqueueIsIdempotentByKey(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		env := testapp.New(t, engine)
		srv, s := smtpSender(t)
		m := outboxMessage("weekly_digest:2026-W48:1", "Ann@Example.com")
		if n := enqueue(t, env, m, m); n != 1 {
			t.Errorf("enqueue of one key twice in one call inserted %d, want 1", n)
		}
		if n := enqueue(t, env, m); n != 0 {
			t.Errorf("enqueue of an existing key inserted %d, want 0", n)
		}
		w := env.App.NewOutboxWorker(s, outbox.Options{})
		if n, err := w.DeliverDue(context.Background()); n != 1 || err != nil {
			t.Fatalf("DeliverDue = %d, %v; want 1, nil", n, err)
		}
		if n := enqueue(t, env, m); n != 0 {
			t.Errorf("enqueue of a sent key inserted %d, want 0", n)
		}
		if n, _ := w.DeliverDue(context.Background()); n != 0 {
			t.Errorf("second DeliverDue attempted %d, want 0", n)
		}
		got := srv.ByMessageID(t)
		if len(got) != 1 || got["<weekly_digest.2026-W48.1@reportline.local>"] != 1 {
			t.Errorf("the SMTP server received %v, want the message once", got)
		}
		sent, _ := outboxState(t, env, m.Key)
		if sent.Status != reportline.DeliverySent || sent.To != "ann@example.com" || !sent.SentAt.Equal(env.Now.Now()) {
			t.Errorf("message after delivery = %+v", sent)
		}
	})
}

func TestEnqueueRefusesInvalidMessages(t *testing.T) {
	env := testapp.New(t, store.SQLite)
	tests := []struct {
		name  string
		m     reportline.OutboxMessage
		field string
	}{
		{"no key", outboxMessage("", "a@example.com"), "key"},
		{"bad address", outboxMessage("k", "not an address"), "to"},
		{"unknown type", reportline.OutboxMessage{Key: "k", Type: "fax", To: "a@example.com", Subject: "s", Text: "t"}, "type"},
		{"two-line subject", reportline.OutboxMessage{Key: "k", Type: reportline.NotifyBirthday, To: "a@example.com", Subject: "a\r\nBcc: x@y", Text: "t"}, "subject"},
		{"no text", reportline.OutboxMessage{Key: "k", Type: reportline.NotifyBirthday, To: "a@example.com", Subject: "s"}, "text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := env.DB.Write(context.Background(), func(tx *store.Tx) error {
				_, err := env.App.Enqueue(context.Background(), tx, outboxMessage("fine", "ok@example.com"), tt.m)
				return err
			})
			if reportline.ErrorCode(err) != reportline.Invalid || !containsField(err, tt.field) {
				t.Errorf("error = %v, want invalid %s", err, tt.field)
			}
		})
	}
	if m, _ := outboxState(t, env, "fine"); m.ID != 0 {
		t.Error("a valid message of a refused call was kept")
	}
}

func containsField(err error, field string) bool {
	e, ok := errors.AsType[*reportline.Error](err)
	return ok && e.Field == field
}

// TestOutboxRetriesWithBackoff sends to an address the SMTP server answers
// with 451 (try later): each attempt is logged, the next one comes after
// 30 s, 60 s, 120 s… (jitter pinned to the nominal delay), and the message
// fails for good after MaxAttempts. A 550 fails at once.
func TestOutboxRetriesWithBackoff(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		env := testapp.New(t, engine)
		srv, s := smtpSender(t)
		enqueue(t, env, outboxMessage("temp", "tempfail@example.com"), outboxMessage("perm", "reject@example.com"),
			outboxMessage("ok", "ok@example.com"))
		w := env.App.NewOutboxWorker(s, outbox.Options{MaxAttempts: 4, Backoff: 30 * time.Second, MaxBackoff: time.Hour,
			Jitter: func() float64 { return 0.5 }})
		ctx := context.Background()
		if n, err := w.DeliverDue(ctx); n != 3 || err != nil {
			t.Fatalf("first pass = %d, %v; want 3 attempts", n, err)
		}
		perm, as := outboxState(t, env, "perm")
		if perm.Status != reportline.DeliveryFailed || perm.Attempts != 1 || len(as) != 1 || perm.LastError == "" {
			t.Errorf("after a 550: %+v %+v; want failed after one attempt with the error kept", perm, as)
		}
		for i, delay := range []time.Duration{30 * time.Second, 60 * time.Second, 120 * time.Second} {
			env.Now.Advance(delay - time.Second)
			if n, _ := w.DeliverDue(ctx); n != 0 {
				t.Fatalf("retry %d: attempted %v early", i+1, time.Second)
			}
			env.Now.Advance(time.Second)
			if n, err := w.DeliverDue(ctx); n != 1 || err != nil {
				t.Fatalf("retry %d after %v: %d, %v; want 1 attempt", i+1, delay, n, err)
			}
		}
		temp, as := outboxState(t, env, "temp")
		if temp.Status != reportline.DeliveryFailed || temp.Attempts != 4 || len(as) != 4 {
			t.Fatalf("after 4 temporary failures: %s, %d attempts, %d logged; want failed, 4, 4", temp.Status, temp.Attempts, len(as))
		}
		for i, a := range as[:3] {
			if a.Status != reportline.DeliveryPending || a.Attempt != i+1 || a.Error == "" {
				t.Errorf("attempt %d = %+v, want pending with the error", i+1, a)
			}
		}
		env.Now.Advance(24 * time.Hour)
		if n, _ := w.DeliverDue(ctx); n != 0 {
			t.Errorf("a failed message was attempted again")
		}
		if got := srv.ByMessageID(t); len(got) != 1 || got[reportline.MessageIDFor("ok")] != 1 {
			t.Errorf("server received %v, want only the good message", got)
		}
	})
}

// TestOutboxLeaseExpiryTakeover: a worker claims messages and dies before
// sending; another worker sends them once the lease has expired, not
// before.
func TestOutboxLeaseExpiryTakeover(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		env := testapp.New(t, engine)
		srv, s := smtpSender(t)
		enqueue(t, env, outboxMessage("a", "a@example.com"), outboxMessage("b", "b@example.com"))
		ctx := context.Background()
		now := env.Now.Now()
		err := env.DB.Write(ctx, func(tx *store.Tx) error {
			ms, err := tx.ClaimMessages(ctx, reportline.OutboxClaim{Owner: "crashed", Now: now, Lease: 5 * time.Minute, Limit: 10})
			if len(ms) != 2 {
				t.Errorf("the crashing worker claimed %d, want 2", len(ms))
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		w := env.App.NewOutboxWorker(s, outbox.Options{Lease: 5 * time.Minute})
		// The service's clock does not end a lease; the database's does.
		env.Now.Advance(time.Hour)
		if n, _ := w.DeliverDue(ctx); n != 0 {
			t.Fatalf("took over %d messages while the lease held", n)
		}
		ageLeases(t, env.DB, "outbox", 5*time.Minute)
		if n, err := w.DeliverDue(ctx); n != 2 || err != nil {
			t.Fatalf("after the lease expired: %d, %v; want 2", n, err)
		}
		srv.WaitMessages(t, 2, 5*time.Second)
		for _, k := range []string{"a", "b"} {
			m, _ := outboxState(t, env, k)
			if m.Status != reportline.DeliverySent || m.Attempts != 2 {
				t.Errorf("%s: %s after %d attempts, want sent after 2 (the crashed one counts)", k, m.Status, m.Attempts)
			}
		}
	})
}

// TestOutboxWorkerStops runs the worker as serve does and stops it.
func TestOutboxWorkerStops(t *testing.T) {
	env := testapp.New(t, store.SQLite)
	srv, s := smtpSender(t)
	ctx, cancel := context.WithCancel(context.Background())
	w := env.App.NewOutboxWorker(s, outbox.Options{Poll: 10 * time.Millisecond})
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	enqueue(t, env, outboxMessage("live", "a@example.com"))
	srv.WaitMessages(t, 1, 5*time.Second)
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the worker did not stop")
	}
}

// TestOutboxWorkersShareTheWork runs three workers at once over one
// database, as replicas sharing one PostgreSQL do: every message reaches
// the SMTP server exactly once and is sent at its first attempt.
func TestOutboxWorkersShareTheWork(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		env := testapp.New(t, engine)
		srv, s := smtpSender(t)
		const n = 150
		var msgs []reportline.OutboxMessage
		for i := range n {
			msgs = append(msgs, outboxMessage(fmt.Sprintf("share:%d", i), fmt.Sprintf("m%d@example.com", i)))
		}
		enqueue(t, env, msgs...)
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for i := range 3 {
			w := env.App.NewOutboxWorker(s, outbox.Options{Owner: fmt.Sprint("replica-", i), Batch: 10, Poll: 5 * time.Millisecond})
			wg.Go(func() { w.Run(ctx) })
		}
		srv.WaitMessages(t, n, 30*time.Second)
		cancel()
		wg.Wait()
		counts := srv.ByMessageID(t)
		for _, m := range msgs {
			if c := counts[reportline.MessageIDFor(m.Key)]; c != 1 {
				t.Errorf("%s received %d times, want once", m.Key, c)
			}
		}
		page, err := env.App.DeliveryLog(context.Background(), app.SystemActor(reportline.SourceAPI), reportline.DeliveryFilter{Status: reportline.DeliverySent, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range page.Messages {
			if m.Attempts != 1 {
				t.Errorf("%s sent after %d attempts, want 1", m.Key, m.Attempts)
			}
		}
	})
}

// ageLeases moves every lease of table (outbox or scheduled_runs) d into
// the past, as the database's clock would show it d later: leases follow
// the database's clock, which tests cannot set.
func ageLeases(t *testing.T, db *store.DB, table string, d time.Duration) {
	t.Helper()
	err := db.Write(context.Background(), func(tx *store.Tx) error {
		return tx.ExecRaw(context.Background(), fmt.Sprintf("UPDATE %s SET lease_until = lease_until - %d WHERE lease_until IS NOT NULL", table, d.Microseconds()))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestOutboxHandBack: a worker that stops hands back the messages it
// claimed and did not finish, and another replica sends them at once, not
// after the 5-minute lease.
func TestOutboxHandBack(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		env := testapp.New(t, engine)
		srv, s := smtpSender(t)
		enqueue(t, env, outboxMessage("a", "a@example.com"), outboxMessage("b", "b@example.com"))
		ctx := context.Background()
		stopping := env.App.NewOutboxWorker(s, outbox.Options{Owner: "stopping"})
		// The stopping replica's claim committed, and it stopped before
		// sending (its shutdown came between the claim and the sends).
		err := env.DB.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.ClaimMessages(ctx, reportline.OutboxClaim{Owner: "stopping", Now: env.Now.Now(), Lease: 5 * time.Minute, Limit: 10})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		other := env.App.NewOutboxWorker(s, outbox.Options{Owner: "other"})
		if n, _ := other.DeliverDue(ctx); n != 0 {
			t.Fatalf("took over %d messages while the lease held", n)
		}
		if n, err := stopping.HandBack(ctx); n != 2 || err != nil {
			t.Fatalf("hand back = %d, %v; want 2", n, err)
		}
		if n, err := other.DeliverDue(ctx); n != 2 || err != nil {
			t.Fatalf("after the hand-back: %d, %v; want both sent at once", n, err)
		}
		srv.WaitMessages(t, 2, 5*time.Second)
	})
}
