package pgtest

import (
	"context"
	"errors"
	"os"
	"strconv"
	"testing"
	"time"
)

// adminTimeout bounds one administrative step (create, clone, drop), so that a
// stuck server fails the test instead of hanging it until the go test timeout.
const adminTimeout = 60 * time.Second

// New returns the URL (postgres://...) of a new, empty database (a clone of
// template0) that is dropped, with any connections still open to it, when t
// and its subtests end.
//
// New skips t when no PostgreSQL can be had, and fails it instead under
// CI=true.
func New(t testing.TB) string {
	t.Helper()
	s := serverFor(t)
	return s.newDatabase(t, "template0")
}

// NewFromTemplate is like New, but the database is cloned (CREATE DATABASE ...
// TEMPLATE) from a template database that prepare builds once per test process
// for each key; prepare gets the template's URL and typically runs the
// migrations and loads fixtures. Tests that pass the same key share one
// template, so the migrations run once, not once per test.
//
// prepare must close its connections before it returns. If it fails, every
// test that asks for the same key fails with its error.
func NewFromTemplate(t testing.TB, key string, prepare func(url string) error) string {
	t.Helper()
	s := serverFor(t)
	tpl, err := s.template(key, prepare)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return s.newDatabase(t, tpl)
}

// Available reports whether a server can be had: $DATABASE_URL answers, or a
// throwaway server started. It starts that server if it was not running yet,
// so a caller that decides early pays nothing extra later.
func Available() bool {
	_, err := shared.get()
	return err == nil
}

// Run runs the tests of m, then stops the throwaway server and removes its
// directory, or drops the templates made on the $DATABASE_URL server, and
// returns the exit code for os.Exit. Use it from TestMain when TestMain has
// more to do; otherwise use Main.
func Run(m *testing.M) int {
	code := m.Run()
	if err := shared.close(); err != nil {
		// The tests ran; a failed teardown must still be seen, so it turns
		// a pass into a failure.
		os.Stderr.WriteString("pgtest: " + err.Error() + "\n")
		if code == 0 {
			code = 1
		}
	}
	return code
}

// Main runs the tests of m through Run and exits with its code. Call it from
// TestMain:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
func Main(m *testing.M) {
	os.Exit(Run(m))
}

// serverFor returns the process's server, or ends t: skipped when PostgreSQL
// is simply not there, failed when it is there but broken, or when CI=true.
func serverFor(t testing.TB) *server {
	t.Helper()
	s, err := shared.get()
	if err == nil {
		return s
	}
	if skip(err, inCI()) {
		t.Skipf("pgtest: skipping: %v", err)
	}
	if errors.Is(err, errUnavailable) {
		t.Fatalf("pgtest: CI=true, so PostgreSQL tests must run, not skip: %v", err)
	}
	t.Fatalf("pgtest: %v", err)
	return nil
}

// errUnavailable marks the errors that mean "this machine has no PostgreSQL
// to use", as opposed to one that is there but fails.
var errUnavailable = errors.New("PostgreSQL unavailable")

// skip reports whether err should skip a test rather than fail it.
func skip(err error, ci bool) bool {
	return errors.Is(err, errUnavailable) && !ci
}

// inCI reports whether the tests run under CI (CI=true, as most CI systems
// set it), where a missing dependency must fail loudly.
func inCI() bool {
	ci, _ := strconv.ParseBool(os.Getenv("CI"))
	return ci
}

// adminContext returns a context for one administrative step. It does not
// derive from t.Context, because cleanups run after that is canceled.
func adminContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), adminTimeout)
}
