// Package testapp builds a whole Reportline for tests: a fresh database on
// the chosen engine, the application services, and (with Serve) the real
// HTTP server on a loopback listener.
package testapp

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/directory"
	"reportline/internal/pgtest"
	"reportline/store"
)

// Engines lists the engines every store-backed test runs on.
var Engines = []store.Engine{store.SQLite, store.Postgres}

// Env is a test's Reportline.
type Env struct {
	DB  *store.DB
	App *app.App
	Now *Clock
}

// Clock is a settable clock for tests.
type Clock struct{ t time.Time }

// Now returns the clock's time.
func (c *Clock) Now() time.Time { return c.t }

// Set moves the clock.
func (c *Clock) Set(t time.Time) { c.t = t }

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) { c.t = c.t.Add(d) }

// FastPasswords are cheap argon2id parameters so that tests that sign in
// many times stay quick; production uses app.DefaultPasswordParams.
var FastPasswords = app.PasswordParams{Memory: 64, Time: 1, Threads: 1}

// New returns a fresh, migrated Reportline on the engine.
func New(t testing.TB, engine store.Engine) *Env {
	t.Helper()
	db := OpenDB(t, engine)
	clock := &Clock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	a := app.New(app.Adapt(db.Read, db.Write, db.Ping, db.ReadOnce), app.Config{
		Now: clock.Now, Logger: slog.New(slog.DiscardHandler), PasswordParams: FastPasswords, GraphVersions: db.GraphVersions,
		ListenGraph: app.ListenWith(db.Listens()), Tenant: db.DefaultTenant(),
	})
	return &Env{DB: db, App: a, Now: clock}
}

// OpenDB returns a fresh, migrated database on the engine: on PostgreSQL a
// clone of a migrated template database, on SQLite (in a package whose
// TestMain calls Main) a copy of a migrated template file.
func OpenDB(t testing.TB, engine store.Engine) *store.DB {
	t.Helper()
	ctx := context.Background()
	if engine == store.Postgres && pgtest.Citus() {
		return openCitus(t)
	}
	dir, url := Storage(t, engine)
	db, err := store.Open(ctx, url, dir)
	if err != nil {
		t.Fatalf("open %s: %v", engine, err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate %s: %v", engine, err)
	}
	return db
}

// Run runs fn as a subtest on every engine.
func Run(t *testing.T, fn func(t *testing.T, engine store.Engine)) {
	for _, e := range Engines {
		t.Run(string(e), func(t *testing.T) { fn(t, e) })
	}
}

// NeedBothEngines is for a test that moves data between SQLite and
// PostgreSQL. Only a run against Citus has one engine (citus.go); outside
// CI such a run skips the test, and under CI=true it fails, since CI's
// race phase runs every test with both engines and must never skip one.
func NeedBothEngines(t testing.TB) {
	t.Helper()
	if len(Engines) >= 2 {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("needs SQLite and PostgreSQL; under CI=true it runs in the race phase, not against Citus")
	}
	t.Skip("needs SQLite and PostgreSQL: a run against Citus has only PostgreSQL")
}

// Actor returns a UI actor for a user.
func Actor(u reportline.User) app.Actor { return app.UserActor(u, reportline.SourceUI) }

// Logger returns a logger that discards, for services under test.
func (e *Env) Logger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// AppWith returns another App over the same database and clock, with a
// directory guard of the test's choosing.
func (e *Env) AppWith(g directory.Guard) *app.App {
	return app.New(app.Adapt(e.DB.Read, e.DB.Write, e.DB.Ping), app.Config{
		Now: e.Now.Now, Logger: slog.New(slog.DiscardHandler), PasswordParams: FastPasswords, Directory: g,
	})
}

// Reopen returns a second App over the same database and clock: another
// process, or the same one after a restart.
func Reopen(t testing.TB, e *Env) *app.App {
	t.Helper()
	return app.New(app.Adapt(e.DB.Read, e.DB.Write, e.DB.Ping), app.Config{
		Now: e.Now.Now, Logger: slog.New(slog.DiscardHandler), PasswordParams: FastPasswords,
	})
}

// Storage returns a data folder and a database URL ("" on SQLite) for a
// program that opens the store itself, as cmd/reportline's commands do: on
// SQLite the folder holds a copy of the migrated template file (when Main
// runs), on PostgreSQL the URL names a clone of the migrated template
// database. The program's own Migrate then finds nothing to do: a command
// test pays a file copy or a clone, not the 32 migrations (about half a
// second of CPU each time on SQLite under -race, more on PostgreSQL). A test
// of the migrations themselves wants an empty folder and pgtest.New.
func Storage(t testing.TB, engine store.Engine) (dir, url string) {
	t.Helper()
	dir = t.TempDir()
	if engine == store.Postgres {
		if pgtest.Citus() {
			return dir, pgtest.New(t)
		}
		return dir, postgresURL(t)
	}
	tpl, err := sqliteTemplate()
	if err != nil {
		t.Fatal(err)
	}
	if tpl != "" {
		if err := copySQLite(tpl, dir); err != nil {
			t.Fatal(err)
		}
	}
	return dir, ""
}
