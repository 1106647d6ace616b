package pgtest

import (
	"fmt"
	"os"
	"sync"
	"testing"
)

// CitusEnv names the variable that points the tests at a running Citus
// cluster (its coordinator's postgres:// URL), as .ci/run's Citus phase
// sets it. Databases cloned from a template do not work there (CREATE
// DATABASE ... TEMPLATE copies the coordinator's files, not the workers'
// shards), so the tests share that one database, prepared once per test
// process, and each test takes a fresh tenant in it (internal/testapp).
const CitusEnv = "REPORTLINE_CITUS_URL"

// Citus reports whether $REPORTLINE_CITUS_URL is set.
func Citus() bool { return os.Getenv(CitusEnv) != "" }

var citusPrepared struct {
	once sync.Once
	err  error
}

// Shared returns the URL of the database named by $REPORTLINE_CITUS_URL,
// which prepare (typically the migrations) readies once per test process,
// and true; or "", false when the variable is not set. The database is
// not dropped: every test of the run shares it, so a test must keep to
// rows of its own (its own tenant). Under CI=true a failed prepare fails
// every test that asks.
func Shared(t testing.TB, prepare func(url string) error) (string, bool) {
	t.Helper()
	raw := os.Getenv(CitusEnv)
	if raw == "" {
		return "", false
	}
	if _, err := parseURL(raw); err != nil {
		t.Fatalf("pgtest: %s: %v", CitusEnv, err)
	}
	citusPrepared.once.Do(func() {
		if err := prepare(raw); err != nil {
			citusPrepared.err = fmt.Errorf("%s: prepare: %w", CitusEnv, err)
		}
	})
	if citusPrepared.err != nil {
		t.Fatalf("pgtest: %v", citusPrepared.err)
	}
	return raw, true
}
