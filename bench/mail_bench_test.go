package bench_test

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	gomail "github.com/wneessen/go-mail"

	"reportline"
	"reportline/internal/smtptest"
	"reportline/mail"
)

// D2 (BENCHMARKS.md): delivery to a real SMTP server on loopback, the
// smtpsink process of internal/smtptest (go-smtp, every message parsed and
// journaled), with the same messages and the same parallelism (4 sends in
// flight) on both arms:
//
//   - pooled: mail.SMTPSender with a pool of 4 connections, each reused
//     for message after message (NOOP check, MAIL, RCPT, DATA, RSET);
//   - one connection per message: the same go-mail message sent with
//     DialAndSend (connect, EHLO, MAIL, RCPT, DATA, QUIT each time).
//
// The rate cap: mail.SMTPSender with REPORTLINE_BENCH_MAIL_RATE msgs/s (200
// by default) and the same pool sends as fast as it may; the rate is
// measured at the server, from the arrival times of the first and last
// messages, and compared with the cap.

const (
	mailsEnv    = "REPORTLINE_BENCH_MAILS"
	mailRateEnv = "REPORTLINE_BENCH_MAIL_RATE"
	mailConc    = 4
)

func benchMessages(n int) []reportline.OutboxMessage {
	out := make([]reportline.OutboxMessage, n)
	text := "Hello Camille,\n\nYour team this week: 3 completions, 2 in progress, 1 late.\n\n"
	for i := range out {
		key := fmt.Sprintf("weekly_digest:2026-W48:%d", i)
		out[i] = reportline.OutboxMessage{ID: int64(i), Key: key, Type: reportline.NotifyWeeklyDigest,
			To: fmt.Sprintf("manager%d@example.com", i), Subject: "Your team this week", Text: text,
			HTML: "<p>Hello Camille,</p><p>Your team this week: <b>3</b> completions.</p>", MessageID: reportline.MessageIDFor(key),
			CreatedAt: time.Date(2026, 11, 23, 13, 0, 0, 0, time.UTC)}
	}
	return out
}

// perMessageSender opens one connection per message: the baseline of D2.
type perMessageSender struct {
	host string
	port int
}

func (s perMessageSender) Send(ctx context.Context, m reportline.OutboxMessage) error {
	msg, err := mail.Build(m, "reportline@example.com")
	if err != nil {
		return err
	}
	c, err := gomail.NewClient(s.host, gomail.WithPort(s.port), gomail.WithTLSPolicy(gomail.NoTLS))
	if err != nil {
		return err
	}
	return c.DialAndSendWithContext(ctx, msg)
}

// sendAll sends msgs from mailConc goroutines and returns the wall time.
func sendAll(ctx context.Context, s interface {
	Send(context.Context, reportline.OutboxMessage) error
}, msgs []reportline.OutboxMessage) (time.Duration, error) {
	start := time.Now()
	next := make(chan reportline.OutboxMessage)
	errs := make(chan error, mailConc)
	var wg sync.WaitGroup
	for range mailConc {
		wg.Go(func() {
			for m := range next {
				if err := s.Send(ctx, m); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for _, m := range msgs {
		next <- m
	}
	close(next)
	wg.Wait()
	close(errs)
	return time.Since(start), <-errs
}

func loopbackSMTP(b *testing.B, srv *smtptest.Server, rate float64) *mail.SMTPSender {
	host, port, _ := net.SplitHostPort(srv.Addr)
	p, _ := strconv.Atoi(port)
	s, err := mail.NewSMTPSender(mail.SMTPConfig{Host: host, Port: p, TLS: mail.TLSNone, From: "reportline@example.com",
		Pool: mailConc, Rate: rate})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

func BenchmarkMailD2Pooling(b *testing.B) {
	ctx := context.Background()
	srv := smtptest.Start(b)
	msgs := benchMessages(envInt(b, mailsEnv, 1000))
	host, port, _ := net.SplitHostPort(srv.Addr)
	p, _ := strconv.Atoi(port)
	pooled, single := loopbackSMTP(b, srv, 0), perMessageSender{host: host, port: p}
	var pooledRates, singleRates, ratios []float64
	for b.Loop() {
		tp, err := sendAll(ctx, pooled, msgs)
		if err != nil {
			b.Fatal(err)
		}
		ts, err := sendAll(ctx, single, msgs)
		if err != nil {
			b.Fatal(err)
		}
		pr, sr := float64(len(msgs))/tp.Seconds(), float64(len(msgs))/ts.Seconds()
		pooledRates, singleRates, ratios = append(pooledRates, pr), append(singleRates, sr), append(ratios, pr/sr)
	}
	b.ReportMetric(float64(len(msgs)), "msgs")
	b.ReportMetric(middle(pooledRates), "pooled-msg/s")
	b.ReportMetric(middle(singleRates), "per-message-msg/s")
	b.ReportMetric(middle(ratios), "x-per-message")
	b.ReportMetric(float64(pooled.Dials()), "pooled-dials")
}

func BenchmarkMailD2RateCap(b *testing.B) {
	ctx := context.Background()
	rate := float64(envInt(b, mailRateEnv, 200))
	n := envInt(b, mailsEnv, 1000)
	var achieved, errPct []float64
	for b.Loop() {
		srv := smtptest.Start(b) // a fresh journal per round
		s := loopbackSMTP(b, srv, rate)
		if _, err := sendAll(ctx, s, benchMessages(n)); err != nil {
			b.Fatal(err)
		}
		got := srv.WaitMessages(b, n, time.Minute)
		first, last := got[0].At, got[0].At
		for _, m := range got {
			first, last = min(first, m.At), max(last, m.At)
		}
		// n messages span n-1 intervals of 1/rate.
		r := float64(n-1) / (float64(last-first) / 1e9)
		achieved, errPct = append(achieved, r), append(errPct, (r/rate-1)*100)
		srv.Stop()
	}
	b.ReportMetric(rate, "cap-msg/s")
	b.ReportMetric(middle(achieved), "measured-msg/s")
	b.ReportMetric(middle(errPct), "error-%")
}

// TestMailBenchmarksDeliverEverything checks, at a small size, that both
// arms of D2 deliver each message exactly once.
func TestMailBenchmarksDeliverEverything(t *testing.T) {
	srv := smtptest.Start(t)
	host, port, _ := net.SplitHostPort(srv.Addr)
	p, _ := strconv.Atoi(port)
	pooled, err := mail.NewSMTPSender(mail.SMTPConfig{Host: host, Port: p, TLS: mail.TLSNone, From: "reportline@example.com", Pool: mailConc})
	if err != nil {
		t.Fatal(err)
	}
	defer pooled.Close()
	msgs := benchMessages(40)
	for _, s := range []interface {
		Send(context.Context, reportline.OutboxMessage) error
	}{pooled, perMessageSender{host: host, port: p}} {
		if _, err := sendAll(context.Background(), s, msgs); err != nil {
			t.Fatal(err)
		}
	}
	srv.WaitMessages(t, 80, 10*time.Second)
	counts := srv.ByMessageID(t)
	for _, m := range msgs {
		if n := counts[m.MessageID]; n != 2 {
			t.Errorf("%s received %d times, want twice (once per arm)", m.MessageID, n)
		}
	}
	if c := srv.Connections(t); c != 40+int(pooled.Dials()) {
		t.Errorf("connections = %d, want 40 (one per message) + %d (the pool)", c, pooled.Dials())
	}
}

// middle is the median of vs (package bench keeps its own unexported).
func middle(vs []float64) float64 {
	s := slices.Sorted(slices.Values(vs))
	if n := len(s); n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[len(s)/2]
}
