// Package smtptest runs a real SMTP server, cmd/smtpsink, as a separate
// process for tests, and reads back what it received: the connections it
// accepted and each message's Message-ID, recipients and subject.
package smtptest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Event is one line of the server's journal (see cmd/smtpsink).
type Event struct {
	Event     string   `json:"event"` // "conn" or "msg"
	Conn      int64    `json:"conn"`
	From      string   `json:"from"`
	To        []string `json:"to"`
	MessageID string   `json:"message_id"`
	Subject   string   `json:"subject"`
	Size      int      `json:"size"`
	At        int64    `json:"at"` // Unix nanoseconds
}

// build compiles smtpsink once per test binary.
var build = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "smtpsink-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "smtpsink")
	out, err := exec.Command("go", "build", "-o", bin, "reportline/internal/smtptest/cmd/smtpsink").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("build smtpsink: %v\n%s", err, out)
	}
	return bin, nil
})

// Server is a running smtpsink process.
type Server struct {
	Addr    string // host:port on loopback
	journal string
	cmd     *exec.Cmd
	once    sync.Once
}

// Start builds (once) and starts an smtpsink process with extra flags
// (e.g. "-data-delay", "5ms"); it stops when the test ends.
func Start(t testing.TB, flags ...string) *Server {
	t.Helper()
	bin, err := build()
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{journal: filepath.Join(t.TempDir(), "journal.jsonl")}
	s.cmd = exec.Command(bin, append([]string{"-journal", s.journal}, flags...)...)
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s.cmd.Stderr = os.Stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start smtpsink: %v", err)
	}
	t.Cleanup(s.Stop)
	line, err := bufio.NewReader(stdout).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening ")
	if err != nil || !ok {
		s.Stop()
		t.Fatalf("smtpsink did not start: %q %v", line, err)
	}
	s.Addr = addr
	return s
}

// URL is the REPORTLINE_SMTP_URL of the server (no TLS: it is loopback).
func (s *Server) URL() string { return "smtp://" + s.Addr + "?starttls=none" }

// Stop ends the process (SIGTERM, then waits).
func (s *Server) Stop() {
	s.once.Do(func() {
		s.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { s.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			s.cmd.Process.Kill()
			<-done
		}
	})
}

// Events returns the journal so far.
func (s *Server) Events(t testing.TB) []Event {
	t.Helper()
	b, err := os.ReadFile(s.journal)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []Event
	for line := range bytes.Lines(b) {
		if !bytes.HasSuffix(line, []byte("\n")) {
			break // a line being written
		}
		var e Event
		if err := json.Unmarshal(line, &e); err != nil {
			t.Fatalf("journal: %v", err)
		}
		out = append(out, e)
	}
	return out
}

// Messages returns the messages received so far.
func (s *Server) Messages(t testing.TB) []Event {
	t.Helper()
	var out []Event
	for _, e := range s.Events(t) {
		if e.Event == "msg" {
			out = append(out, e)
		}
	}
	return out
}

// Connections returns how many connections the server accepted.
func (s *Server) Connections(t testing.TB) int {
	t.Helper()
	n := 0
	for _, e := range s.Events(t) {
		if e.Event == "conn" {
			n++
		}
	}
	return n
}

// ByMessageID counts the messages received per Message-ID.
func (s *Server) ByMessageID(t testing.TB) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, m := range s.Messages(t) {
		out[m.MessageID]++
	}
	return out
}

// WaitMessages waits until at least n messages arrived, or fails the test
// after timeout.
func (s *Server) WaitMessages(t testing.TB, n int, timeout time.Duration) []Event {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ms := s.Messages(t)
		if len(ms) >= n {
			return ms
		}
		if time.Now().After(deadline) {
			t.Fatalf("smtpsink received %d messages in %v, want %d", len(ms), timeout, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
