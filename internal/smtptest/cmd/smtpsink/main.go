// Command smtpsink is a tiny SMTP server for tests: it accepts every
// message on a loopback port and appends one JSON line per connection and
// per message to a journal file, so a test in another process can count
// connections and messages (by Message-ID). Recipients containing
// "reject" get a permanent 550, those containing "tempfail" a 451. With
// -user and -password it offers AUTH PLAIN and requires it.
//
// It prints "listening ADDR" on stdout once it accepts connections.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/mail"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	journal := flag.String("journal", "", "file to append events to (required)")
	delay := flag.Duration("data-delay", 0, "time to wait before accepting each message's data")
	idle := flag.Duration("idle-timeout", time.Minute, "close a connection idle this long")
	user := flag.String("user", "", "require AUTH PLAIN as this user")
	password := flag.String("password", "", "the password of -user")
	flag.Parse()
	if err := run(*addr, *journal, *delay, *idle, *user, *password); err != nil {
		log.Fatal(err)
	}
}

func run(addr, journalPath string, delay, idle time.Duration, user, password string) error {
	if journalPath == "" {
		return errors.New("-journal is required")
	}
	f, err := os.OpenFile(journalPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	be := &backend{journal: f, delay: delay, user: user, password: password}
	s := smtp.NewServer(be)
	s.Domain = "smtpsink.test"
	s.AllowInsecureAuth = true
	s.ReadTimeout = idle
	s.WriteTimeout = time.Minute
	s.MaxMessageBytes = 10 << 20
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Printf("listening %s\n", l.Addr())
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	go func() { <-sig; s.Close() }()
	if err := s.Serve(l); err != nil && !errors.Is(err, smtp.ErrServerClosed) {
		return err
	}
	return nil
}

// Event is one line of the journal.
type Event struct {
	Event     string   `json:"event"` // "conn" or "msg"
	Conn      int64    `json:"conn"`
	From      string   `json:"from,omitempty"`
	To        []string `json:"to,omitempty"`
	MessageID string   `json:"message_id,omitempty"`
	Subject   string   `json:"subject,omitempty"`
	Size      int      `json:"size,omitempty"`
	At        int64    `json:"at"` // Unix nanoseconds
}

type backend struct {
	mu      sync.Mutex
	journal io.Writer
	conns   int64
	delay   time.Duration
	// user and password, when set, are the only credentials accepted, and
	// a session must authenticate before MAIL.
	user, password string
}

func (b *backend) write(e Event) error {
	e.At = time.Now().UnixNano()
	line, err := json.Marshal(e)
	if err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	_, err = b.journal.Write(append(line, '\n'))
	return err
}

func (b *backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	b.mu.Lock()
	b.conns++
	id := b.conns
	b.mu.Unlock()
	return &session{b: b, conn: id}, b.write(Event{Event: "conn", Conn: id})
}

type session struct {
	b      *backend
	conn   int64
	authed bool
	from   string
	to     []string
}

// AuthMechanisms offers PLAIN when credentials are configured.
func (s *session) AuthMechanisms() []string {
	if s.b.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

// Auth checks PLAIN credentials.
func (s *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, password string) error {
		if user != s.b.user || password != s.b.password {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad credentials"}
		}
		s.authed = true
		return nil
	}), nil
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.b.user != "" && !s.authed {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "authentication required"}
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	switch {
	case strings.Contains(to, "reject"):
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	case strings.Contains(to, "tempfail"):
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	if s.b.delay > 0 {
		time.Sleep(s.b.delay)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	msg, err := mail.ReadMessage(bufio.NewReader(strings.NewReader(string(data))))
	if err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "unparsable message: " + err.Error()}
	}
	return s.b.write(Event{Event: "msg", Conn: s.conn, From: s.from, To: s.to,
		MessageID: msg.Header.Get("Message-Id"), Subject: msg.Header.Get("Subject"), Size: len(data)})
}
