package server

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"reportline"
	"reportline/web"
)

// Limits bound what one client can hold of the server: time to send its
// headers and body, idle time between requests, header size. Body sizes are
// bounded where each body is read (web.LimitBody), by the handler that
// knows what it expects. docs/security.md lists every value.
type Limits struct {
	// ReadHeaderTimeout is the time a client has to send a request's
	// headers.
	ReadHeaderTimeout time.Duration
	// MaxHeaderBytes bounds the request line and headers.
	MaxHeaderBytes int
	// BodyTimeout is the time an ordinary request (JSON, a form) has to
	// send its whole body.
	BodyTimeout time.Duration
	// UploadTimeout is the time a signed-in caller's file upload (a
	// multipart form or a text/csv body) has to arrive.
	UploadTimeout time.Duration
	// BodyGrace and MinBodyRate keep any body moving: after the first
	// BodyGrace, a client must have sent at least MinBodyRate bytes per
	// second on average since the body began, or the body is cut. A
	// client trickling one byte every few seconds holds a connection for
	// about BodyGrace, not for the whole timeout.
	BodyGrace   time.Duration
	MinBodyRate int64
	// IdleTimeout closes a kept-alive connection that sends no new
	// request.
	IdleTimeout time.Duration
	// WriteTimeout bounds writing a response. Zero (the default): long
	// downloads (an export of a million links) stream as long as the
	// client reads.
	WriteTimeout time.Duration
}

// DefaultLimits are the production values.
func DefaultLimits() Limits {
	return Limits{
		ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes:    64 << 10,
		BodyTimeout:       30 * time.Second,
		UploadTimeout:     15 * time.Minute,
		BodyGrace:         10 * time.Second,
		MinBodyRate:       4 << 10,
		IdleTimeout:       2 * time.Minute,
	}
}

// withDefaults fills zero fields from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	orDefault(&l.ReadHeaderTimeout, d.ReadHeaderTimeout)
	orDefault(&l.BodyTimeout, d.BodyTimeout)
	orDefault(&l.UploadTimeout, d.UploadTimeout)
	orDefault(&l.BodyGrace, d.BodyGrace)
	orDefault(&l.IdleTimeout, d.IdleTimeout)
	orDefault(&l.MaxHeaderBytes, d.MaxHeaderBytes)
	orDefault(&l.MinBodyRate, d.MinBodyRate)
	return l
}

// bodyDeadlines puts a deadline on reading every request body, from the
// moment the request arrives: a request refused before any handler reads
// its body (a wrong token, a cross-origin form) still has its body bounded
// while the server reads what is left of it. Every client gets
// BodyTimeout here; uploadAllowance, after authentication, extends it for a
// signed-in caller's upload.
func bodyDeadlines(l Limits, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		b := &deadlineBody{body: r.Body, rc: http.NewResponseController(w), start: start,
			hard: start.Add(l.BodyTimeout), allowance: l.BodyTimeout, grace: l.BodyGrace, rate: l.MinBodyRate}
		if err := b.setDeadline(); err != nil {
			// The writer cannot set deadlines (not a real connection):
			// nothing to enforce.
			next.ServeHTTP(w, r)
			return
		}
		r.Body = b
		next.ServeHTTP(w, r)
	})
}

// uploadAllowance gives a signed-in caller's upload UploadTimeout instead of
// BodyTimeout. It runs after authentication, so an anonymous client (the
// sign-in form, a SCIM or API call before its token is checked) never gets
// more than BodyTimeout, whatever it sends. The minimum rate still applies.
func uploadAllowance(l Limits, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if b, ok := r.Body.(*deadlineBody); ok && isUpload(r) {
			if _, signedIn := web.User(r.Context()); signedIn {
				b.allowance = l.UploadTimeout
				b.hard = b.start.Add(l.UploadTimeout)
			}
		}
		next.ServeHTTP(w, r)
	})
}

// isUpload reports whether the request sends a file: a multipart form or a
// CSV body.
func isUpload(r *http.Request) bool {
	// The media type without its parameters (mime.ParseMediaType would
	// also build a map of them, for every request with a body).
	mt, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	switch strings.ToLower(strings.TrimSpace(mt)) {
	case "multipart/form-data", "text/csv", "text/plain", "application/octet-stream":
		return true
	}
	return false
}

// deadlineBody sets the connection's read deadline before each read of the
// body: the earlier of the hard limit and the time by which the minimum
// rate wants the next byte.
type deadlineBody struct {
	body      io.ReadCloser
	rc        *http.ResponseController
	start     time.Time
	hard      time.Time
	allowance time.Duration
	grace     time.Duration
	rate      int64
	n         int64
	done      bool
}

func (b *deadlineBody) setDeadline() error {
	d := b.start.Add(b.grace + time.Duration(float64(b.n)/float64(b.rate)*float64(time.Second)))
	if d.After(b.hard) {
		d = b.hard
	}
	return b.rc.SetReadDeadline(d)
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	if !b.done {
		b.setDeadline()
	}
	n, err := b.body.Read(p)
	b.n += int64(n)
	if err == io.EOF && !b.done {
		// The whole body is in: the server's own read of the next
		// request takes over (and clears the deadline).
		b.done = true
	}
	if err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
		return n, b.timeoutError()
	}
	return n, err
}

func (b *deadlineBody) timeoutError() error {
	if time.Now().Before(b.hard) {
		return &reportline.Error{Code: reportline.Invalid, Message: fmt.Sprintf(
			"the body arrived too slowly (less than %s per second after %s); the connection was closed", web.ByteSize(b.rate), b.grace)}
	}
	return &reportline.Error{Code: reportline.Invalid, Message: fmt.Sprintf(
		"the body did not arrive within %s; the connection was closed", b.allowance)}
}

func (b *deadlineBody) Close() error { return b.body.Close() }
