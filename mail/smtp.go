package mail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/textproto"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	gomail "github.com/wneessen/go-mail"
	gosmtp "github.com/wneessen/go-mail/smtp"

	"reportline"
)

// TLS says how an SMTP connection is encrypted.
type TLS string

// The TLS modes.
const (
	TLSMandatory     TLS = "mandatory"     // STARTTLS required (the default)
	TLSOpportunistic TLS = "opportunistic" // STARTTLS when the server offers it
	TLSNone          TLS = "none"          // plain text (a relay on loopback)
	TLSImplicit      TLS = "implicit"      // TLS from the first byte (smtps://, port 465)
)

// SMTPConfig is how to reach the relay.
type SMTPConfig struct {
	Host     string
	Port     int
	Username string // empty: no SMTP AUTH
	Password string // never logged
	TLS      TLS
	From     string  // the From address of every message
	Pool     int     // connections kept open and used at once [4]
	Rate     float64 // messages per second at most; 0 for no cap
	Timeout  time.Duration
	DKIM     *DKIM // sign every message; nil: no signature
}

// SMTPSender sends through an SMTP relay. It keeps up to Pool connections
// open and reuses each for message after message (MAIL, RCPT, DATA only,
// instead of connect, EHLO, STARTTLS and AUTH each time, and QUIT), and
// holds the whole sender to Rate messages per second with a token bucket.
// It is safe for concurrent use; Send blocks while every connection is
// busy.
type SMTPSender struct {
	client *gomail.Client
	from   string
	slots  chan struct{} // one per connection that may be open
	idle   chan idleConn // open connections not in use
	rate   *tokenBucket
	dkim   *DKIM
	dials  atomic.Int64
	mu     sync.Mutex // guards closed, and idle against a Close
	closed bool
}

// NewSMTPSender returns a sender; it connects on the first Send.
func NewSMTPSender(cfg SMTPConfig) (*SMTPSender, error) {
	if cfg.Host == "" {
		return nil, errors.New("smtp: no host")
	}
	if cfg.Pool <= 0 {
		cfg.Pool = 4
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	// No NOOP before and no RSET after each message: a message that went
	// through DATA ends its transaction, and a connection that fails is
	// dropped, so neither round trip buys anything (see Send for an idle
	// connection the relay closed).
	opts := []gomail.Option{gomail.WithTimeout(cfg.Timeout), gomail.WithoutNoop(), gomail.WithoutRset()}
	if cfg.Port != 0 {
		opts = append(opts, gomail.WithPort(cfg.Port))
	}
	switch cfg.TLS {
	case TLSMandatory, "":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSOpportunistic:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	default:
		return nil, fmt.Errorf("smtp: unknown TLS mode %q", cfg.TLS)
	}
	if cfg.Username != "" {
		// Over TLS, the strongest mechanism the relay offers. In plain
		// text (allowed by the configuration only to a loopback relay),
		// go-mail's discovery offers nothing, so PLAIN, which go-mail in
		// turn allows only to localhost.
		auth := gomail.SMTPAuthAutoDiscover
		if cfg.TLS == TLSNone {
			auth = gomail.SMTPAuthPlain
		}
		opts = append(opts, gomail.WithSMTPAuth(auth), gomail.WithUsername(cfg.Username), gomail.WithPassword(cfg.Password))
	}
	c, err := gomail.NewClient(cfg.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("smtp client for %s: %w", cfg.Host, err)
	}
	s := &SMTPSender{client: c, from: cfg.From, dkim: cfg.DKIM, slots: make(chan struct{}, cfg.Pool), idle: make(chan idleConn, cfg.Pool)}
	if cfg.Rate > 0 {
		// A tenth of a second's worth of burst: enough to absorb the
		// scheduling jitter of a loaded machine, too little for a relay's
		// per-second limit to notice.
		s.rate = newTokenBucket(cfg.Rate, max(1, int(cfg.Rate/10)), time.Now)
	}
	return s, nil
}

// idleConn is a pooled connection and when it was last used.
type idleConn struct {
	c    *gosmtp.Client
	used time.Time
}

// maxIdle is how long a pooled connection may stay unused: relays close
// idle connections after a few minutes (RFC 5321 asks them to wait at
// least five), so older ones are closed rather than tried.
const maxIdle = time.Minute

// Dials reports how many connections the sender opened so far.
func (s *SMTPSender) Dials() int64 { return s.dials.Load() }

// Send delivers m. An SMTP 5xx answer is a permanent error (Permanent()
// reports true): retrying would get the same answer.
func (s *SMTPSender) Send(ctx context.Context, m reportline.OutboxMessage) error {
	msg, err := Build(m, s.from)
	if err != nil {
		return permanent{err}
	}
	if s.rate != nil {
		if err := s.rate.wait(ctx); err != nil {
			return err
		}
	}
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.slots }()
	conn, reused, err := s.conn(ctx)
	if err != nil {
		return fmt.Errorf("connect to the SMTP relay: %w", err)
	}
	if s.dkim != nil {
		return s.sendSigned(ctx, conn, m, msg)
	}
	err = s.client.SendWithSMTPClient(conn, msg)
	if err != nil && reused && connBroken(err) {
		// The relay closed the idle connection: nothing was accepted on
		// it, so one fresh connection may try again.
		s.client.CloseWithSMTPClient(conn)
		if conn, err = s.dial(ctx); err != nil {
			return fmt.Errorf("connect to the SMTP relay: %w", err)
		}
		err = s.client.SendWithSMTPClient(conn, msg)
	}
	if err != nil {
		// The connection's state is unknown after a failure: drop it.
		s.client.CloseWithSMTPClient(conn)
		if se, ok := errors.AsType[*gomail.SendError](err); ok && se.ErrorCode() >= 500 {
			if se.Reason == gomail.ErrSMTPRcptTo {
				// The relay refused the address itself: a bounce.
				return bounce{permanent{err}}
			}
			return permanent{err}
		}
		return err
	}
	s.release(conn)
	return nil
}

// conn returns an idle connection, or a new one.
func (s *SMTPSender) conn(ctx context.Context) (*gosmtp.Client, bool, error) {
	for {
		select {
		case ic := <-s.idle:
			if time.Since(ic.used) > maxIdle {
				s.client.CloseWithSMTPClient(ic.c)
				continue
			}
			return ic.c, true, nil
		default:
		}
		c, err := s.dial(ctx)
		return c, false, err
	}
}

func (s *SMTPSender) dial(ctx context.Context) (*gosmtp.Client, error) {
	s.dials.Add(1)
	return s.client.DialToSMTPClientWithContext(ctx)
}

// release returns a healthy connection to the pool, or closes it when the
// sender is closed.
func (s *SMTPSender) release(c *gosmtp.Client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		s.client.CloseWithSMTPClient(c)
		return
	}
	select {
	case s.idle <- idleConn{c: c, used: time.Now()}:
	default:
		s.client.CloseWithSMTPClient(c)
	}
}

// Close says QUIT on every idle connection; connections in use close when
// their send ends.
func (s *SMTPSender) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	var errs []error
	for {
		select {
		case ic := <-s.idle:
			errs = append(errs, s.client.CloseWithSMTPClient(ic.c))
		default:
			return errors.Join(errs...)
		}
	}
}

// connBroken reports whether a send failed at its very first command on
// the connection (MAIL FROM) because the connection is gone (a network
// error, or 421: the relay closed it, e.g. for idling), not because the
// relay refused the message: nothing of it was accepted.
func connBroken(err error) bool {
	se, ok := errors.AsType[*gomail.SendError](err)
	if !ok || (se.Reason != gomail.ErrConnCheck && se.Reason != gomail.ErrSMTPMailFrom) {
		return false
	}
	code := se.ErrorCode()
	return code == 0 || code == 421
}

// permanent marks an error that retrying cannot fix.
type permanent struct{ error }

// Permanent reports true: see outbox.Sender.
func (permanent) Permanent() bool { return true }

func (p permanent) Unwrap() error { return p.error }

// bounce marks a permanent refusal of the recipient's address (a 5xx
// answer to RCPT TO) during the SMTP session.
type bounce struct{ permanent }

// Bounced reports true: see outbox.Sender.
func (bounce) Bounced() bool { return true }

// sendSigned sends msg signed with DKIM: the signature covers the exact
// bytes, so they are written as they are (MAIL, RCPT, DATA) rather than
// handed to go-mail, which would write them again.
func (s *SMTPSender) sendSigned(ctx context.Context, conn *gosmtp.Client, m reportline.OutboxMessage, msg *gomail.Msg) error {
	var raw bytes.Buffer
	if _, err := msg.WriteTo(&raw); err != nil {
		s.release(conn)
		return permanent{fmt.Errorf("render message %s: %w", m.MessageID, err)}
	}
	signed, err := s.dkim.Sign(raw.Bytes())
	if err != nil {
		s.release(conn)
		return permanent{err}
	}
	fail := func(stage string, err error) error {
		s.client.CloseWithSMTPClient(conn)
		var te *textproto.Error
		if errors.As(err, &te) && te.Code >= 500 {
			if stage == "rcpt" {
				return bounce{permanent{fmt.Errorf("%s: %w", stage, err)}}
			}
			return permanent{fmt.Errorf("%s: %w", stage, err)}
		}
		return fmt.Errorf("%s: %w", stage, err)
	}
	if err := conn.Mail(s.from); err != nil {
		return fail("mail from", err)
	}
	if err := conn.Rcpt(m.To); err != nil {
		return fail("rcpt", err)
	}
	w, err := conn.Data()
	if err != nil {
		return fail("data", err)
	}
	if _, err := w.Write(signed); err != nil {
		return fail("data", err)
	}
	if err := w.Close(); err != nil {
		return fail("data", err)
	}
	s.release(conn)
	return nil
}

// CheckSMTP connects to the relay as a sender of cfg would (EHLO, STARTTLS
// or TLS as cfg.TLS says, AUTH when a user name is set), sends nothing and
// says QUIT. Its error names the relay and the step; it never carries the
// password.
func CheckSMTP(ctx context.Context, cfg SMTPConfig) error {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	cfg.Pool = 1
	s, err := NewSMTPSender(cfg)
	if err != nil {
		return err
	}
	c, err := s.dial(ctx)
	if err != nil {
		msg := err.Error()
		if cfg.Password != "" {
			msg = strings.ReplaceAll(msg, cfg.Password, "[secret]")
		}
		return fmt.Errorf("the relay %s:%d: %s", cfg.Host, cfg.Port, msg)
	}
	return s.client.CloseWithSMTPClient(c)
}
