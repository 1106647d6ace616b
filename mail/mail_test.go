package mail_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"reportline"
	"reportline/internal/smtptest"
	rlmail "reportline/mail"
)

func message(key, to string) reportline.OutboxMessage {
	return reportline.OutboxMessage{Key: key, Type: reportline.NotifyWeeklyDigest, To: to,
		Subject: "Your team this week — Équipe", Text: "Hello Ann,\nthree completions.\n",
		HTML: "<p>Hello Ann,</p><p>three <b>completions</b>.</p>", MessageID: reportline.MessageIDFor(key),
		CreatedAt: time.Date(2026, 11, 23, 13, 0, 0, 0, time.UTC)}
}

// parts reads a multipart/alternative message's parts by content type.
func parts(t *testing.T, raw []byte) (*mail.Message, map[string]string) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("net/mail cannot parse the message: %v\n%s", err, raw)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type = %q (%v), want multipart/alternative", msg.Header.Get("Content-Type"), err)
	}
	out := map[string]string{}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(p) // quoted-printable is decoded by NextPart
		if err != nil {
			t.Fatal(err)
		}
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		out[ct] = string(body)
	}
	return msg, out
}

func TestFileSenderWritesParsableEml(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "mail")
	s, err := rlmail.NewFileSender(dir, "Reportline <reportline@example.com>")
	if err != nil {
		t.Fatal(err)
	}
	m := message("weekly_digest:2026-W48:7", "ann@example.com")
	for range 2 { // a retried delivery rewrites the same file
		if err := s.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != rlmail.FileName(m) || !strings.HasSuffix(entries[0].Name(), ".eml") {
		t.Fatalf("mail folder holds %v, want only %s (no temporary files)", entries, rlmail.FileName(m))
	}
	raw, err := os.ReadFile(filepath.Join(dir, entries[0].Name()))
	if err != nil {
		t.Fatal(err)
	}
	msg, ps := parts(t, raw)
	dec := new(mime.WordDecoder)
	subject, _ := dec.DecodeHeader(msg.Header.Get("Subject"))
	for _, c := range []struct{ name, got, want string }{
		{"Message-ID", msg.Header.Get("Message-Id"), "<weekly_digest.2026-W48.7@reportline.local>"},
		{"To", msg.Header.Get("To"), "<ann@example.com>"},
		{"Subject", subject, m.Subject},
		{"Date", msg.Header.Get("Date"), "Mon, 23 Nov 2026 13:00:00 +0000"},
		{"text part", strings.ReplaceAll(ps["text/plain"], "\r\n", "\n"), m.Text},
		{"HTML part", ps["text/html"], m.HTML},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	again, err := rlmail.Render(m, "Reportline <reportline@example.com>")
	if err != nil || !bytes.Equal(again, raw) {
		t.Errorf("rendering the message again gave other bytes (%v): messages must be deterministic", err)
	}
}

func TestFileNamesStayApart(t *testing.T) {
	t.Parallel()
	a, b := rlmail.FileName(reportline.OutboxMessage{Key: "a:b"}), rlmail.FileName(reportline.OutboxMessage{Key: "a.b"})
	if a == b || strings.ContainsAny(a, ":/") {
		t.Errorf("file names %q and %q: want distinct, safe names", a, b)
	}
}

func newSMTP(t *testing.T, srv *smtptest.Server, pool int, rate float64) *rlmail.SMTPSender {
	t.Helper()
	host, port, _ := net.SplitHostPort(srv.Addr)
	p, _ := strconv.Atoi(port)
	s, err := rlmail.NewSMTPSender(rlmail.SMTPConfig{Host: host, Port: p, TLS: rlmail.TLSNone, From: "reportline@example.com",
		Pool: pool, Rate: rate, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestSMTPPoolReusesConnections sends 60 messages from 8 goroutines through
// a pool of 3 to a real SMTP server process: every message arrives once,
// over at most 3 connections.
func TestSMTPPoolReusesConnections(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	s := newSMTP(t, srv, 3, 0)
	const n = 60
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < n; i += 8 {
				errs <- s.Send(context.Background(), message(fmt.Sprintf("k%d", i), fmt.Sprintf("u%d@example.com", i)))
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got := srv.WaitMessages(t, n, 5*time.Second)
	counts := srv.ByMessageID(t)
	for i := range n {
		if id := reportline.MessageIDFor(fmt.Sprintf("k%d", i)); counts[id] != 1 {
			t.Errorf("message %s received %d times, want once", id, counts[id])
		}
	}
	if len(got) != n {
		t.Errorf("received %d messages, want %d", len(got), n)
	}
	if c := srv.Connections(t); c > 3 || c < 1 {
		t.Errorf("the server saw %d connections, want 1 to 3 (the pool size)", c)
	}
	if d := s.Dials(); d > 3 {
		t.Errorf("the sender dialled %d times, want at most 3", d)
	}
}

func TestSMTPErrorsArePermanentOrNot(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	s := newSMTP(t, srv, 1, 0)
	tests := []struct {
		to        string
		permanent bool
	}{
		{"reject@example.com", true},
		{"tempfail@example.com", false},
	}
	for _, tt := range tests {
		err := s.Send(context.Background(), message("x-"+tt.to, tt.to))
		if err == nil {
			t.Fatalf("send to %s succeeded, want an error", tt.to)
		}
		var p interface{ Permanent() bool }
		if got := errors.As(err, &p) && p.Permanent(); got != tt.permanent {
			t.Errorf("send to %s: permanent = %v, want %v (%v)", tt.to, got, tt.permanent, err)
		}
	}
	// The sender recovers from the dropped connections.
	if err := s.Send(context.Background(), message("ok", "ok@example.com")); err != nil {
		t.Fatal(err)
	}
	srv.WaitMessages(t, 1, 5*time.Second)
}

func TestSMTPReconnectsAfterServerRestart(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	s := newSMTP(t, srv, 1, 0)
	if err := s.Send(context.Background(), message("one", "a@example.com")); err != nil {
		t.Fatal(err)
	}
	srv.Stop() // the pooled connection is now dead
	err := s.Send(context.Background(), message("two", "a@example.com"))
	if err == nil {
		t.Fatal("send with the server down succeeded")
	}
	var p interface{ Permanent() bool }
	if errors.As(err, &p) && p.Permanent() {
		t.Errorf("a dead relay is a permanent error (%v); want a retry", err)
	}
}

// TestSMTPReconnectsWhenTheRelayDropsAnIdleConnection: the relay closes a
// pooled connection while it is idle; the next message goes through on a
// fresh one, once.
func TestSMTPReconnectsWhenTheRelayDropsAnIdleConnection(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, "-idle-timeout", "200ms")
	s := newSMTP(t, srv, 1, 0)
	for i, wait := range []time.Duration{0, 600 * time.Millisecond} {
		time.Sleep(wait)
		if err := s.Send(context.Background(), message(fmt.Sprint("idle", i), "a@example.com")); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	srv.WaitMessages(t, 2, 5*time.Second)
	if d := s.Dials(); d != 2 {
		t.Errorf("dials = %d, want 2 (the first connection, then one after the relay closed it)", d)
	}
	for id, n := range srv.ByMessageID(t) {
		if n != 1 {
			t.Errorf("%s received %d times", id, n)
		}
	}
}

// TestSMTPAuthenticates logs in with AUTH PLAIN (on loopback, where plain
// text is allowed); a wrong password fails the send.
func TestSMTPAuthenticates(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, "-user", "reportline", "-password", "s3cret")
	host, port, _ := net.SplitHostPort(srv.Addr)
	p, _ := strconv.Atoi(port)
	for _, tt := range []struct {
		password string
		ok       bool
	}{{"s3cret", true}, {"wrong", false}} {
		s, err := rlmail.NewSMTPSender(rlmail.SMTPConfig{Host: host, Port: p, TLS: rlmail.TLSNone, From: "r@example.com",
			Username: "reportline", Password: tt.password})
		if err != nil {
			t.Fatal(err)
		}
		err = s.Send(context.Background(), message("auth-"+tt.password, "a@example.com"))
		s.Close()
		if (err == nil) != tt.ok {
			t.Errorf("password %q: %v, want ok %v", tt.password, err, tt.ok)
		}
	}
	if got := srv.WaitMessages(t, 1, 5*time.Second); len(got) != 1 {
		t.Errorf("received %d messages, want 1", len(got))
	}
}

// TestFileSenderBatch: a message sent unsynced, then made durable with the
// batch's folder fsync, is the same file as one sent alone.
func TestFileSenderBatch(t *testing.T) {
	t.Parallel()
	alone, batch := filepath.Join(t.TempDir(), "alone"), filepath.Join(t.TempDir(), "batch")
	m := message("weekly_digest:2026-W48:7", "ann@example.com")
	a, err := rlmail.NewFileSender(alone, "reportline@example.com")
	if err != nil {
		t.Fatal(err)
	}
	b, err := rlmail.NewFileSender(batch, "reportline@example.com")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := a.Send(ctx, m); err != nil {
		t.Fatal(err)
	}
	if err := b.SendUnsynced(ctx, m); err != nil {
		t.Fatal(err)
	}
	if err := b.SyncBatch(ctx); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(alone, rlmail.FileName(m)))
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(batch, rlmail.FileName(m)))
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("batch file = %d bytes (%v), want the %d bytes Send writes", len(got), err, len(want))
	}
	if entries, _ := os.ReadDir(batch); len(entries) != 1 {
		t.Errorf("batch folder holds %v, want one file and no temporary one", entries)
	}
}
