package testapp

import (
	"context"
	"os"
	"testing"

	"reportline/internal/pgtest"
	"reportline/store"
)

// postgresURL returns a fresh database cloned from a migrated template, so
// migrations run once per test process, not once per test.
func postgresURL(t testing.TB) string {
	t.Helper()
	return pgtest.NewFromTemplate(t, "reportline-migrated", migrate)
}

func migrate(url string) error {
	ctx := context.Background()
	db, err := store.Open(ctx, url, "")
	if err != nil {
		return err
	}
	defer db.Close()
	return db.Migrate(ctx)
}

// Main runs a package's tests and then stops the throwaway PostgreSQL
// server, if one was started, and removes the SQLite template file. Call it
// from TestMain. The after funcs run once the tests are over, before the
// process exits (browser.Close, for a package with browser tests).
func Main(m *testing.M, after ...func()) {
	mainRan.Store(true)
	code := pgtest.Run(m)
	for _, f := range after {
		f()
	}
	if err := removeSQLiteTemplate(); err != nil {
		os.Stderr.WriteString("testapp: " + err.Error() + "\n")
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}
