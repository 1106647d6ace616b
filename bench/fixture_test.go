package bench_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"reportline/app"
	"reportline/internal/pgtest"
	"reportline/internal/testapp"
	"reportline/refdata"
	"reportline/store"
)

func TestMain(m *testing.M) {
	code := pgtest.Run(m)
	templates.removeAll()
	os.Exit(code)
}

// Sizes and seeds come from the environment so that one command line runs
// the CI size or the reference size.
const (
	usersEnv  = "REPORTLINE_BENCH_USERS"
	seedEnv   = "REPORTLINE_BENCH_SEED"
	warmupEnv = "REPORTLINE_BENCH_WARMUP"

	defaultUsers  = 10_000
	defaultWarmup = 100
	// testUsers is the size of the correctness tests: small, so they stay fast.
	testUsers = 2_000
)

func envInt(tb testing.TB, name string, def int) int {
	tb.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		tb.Fatalf("%s=%q: want a non-negative integer", name, v)
	}
	return n
}

// benchConfig is the organisation the benchmarks run on.
func benchConfig(tb testing.TB) refdata.Config {
	return refdata.Config{Users: envInt(tb, usersEnv, defaultUsers), Seed: uint64(envInt(tb, seedEnv, 1))}
}

// warmups is how many untimed operations each benchmark runs first, so that
// floor and product both start with warm caches.
func warmups(tb testing.TB) int { return envInt(tb, warmupEnv, defaultWarmup) }

// fixture is a loaded Reportline on one engine: the store and the services
// (the product), a plain database/sql pool on the same database (the floor),
// and the organisation that was loaded.
type fixture struct {
	engine store.Engine
	org    *refdata.Org
	db     *store.DB
	app    *app.App
	raw    *sql.DB
}

// orgs caches generated organisations by config.
var orgs sync.Map // refdata.Config → func() (*refdata.Org, error)

func orgFor(tb testing.TB, cfg refdata.Config) *refdata.Org {
	tb.Helper()
	gen, _ := orgs.LoadOrStore(cfg, sync.OnceValues(func() (*refdata.Org, error) { return refdata.Generate(cfg) }))
	o, err := gen.(func() (*refdata.Org, error))()
	if err != nil {
		tb.Fatal(err)
	}
	return o
}

// newFixture returns a private copy of the loaded organisation on the
// engine. Generating and loading happen once per process, engine and size
// (PostgreSQL: a template database; SQLite: a template file); each caller
// gets a clone, so no benchmark sees another's leftovers. None of it is
// timed: callers reset the timer after set-up.
func newFixture(tb testing.TB, engine store.Engine, cfg refdata.Config) *fixture {
	tb.Helper()
	ctx := context.Background()
	o := orgFor(tb, cfg)
	url, dir := "", tb.TempDir()
	switch engine {
	case store.Postgres:
		key := fmt.Sprintf("reportline-bench-%d-%d", cfg.Users, cfg.Seed)
		url = pgtest.NewFromTemplate(tb, key, func(url string) error { return prepare(ctx, engine, url, "", o) })
	case store.SQLite:
		src, err := templates.sqlite(ctx, o)
		if err != nil {
			tb.Fatal(err)
		}
		if err := copyFile(filepath.Join(dir, "reportline.db"), src); err != nil {
			tb.Fatal(err)
		}
	}
	db, err := store.Open(ctx, url, dir)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil { // a no-op: the template is migrated
		tb.Fatal(err)
	}
	raw, err := refdata.OpenDB(ctx, url, dir)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { raw.Close() })
	if engine == store.Postgres {
		// Cloning writes the whole database through the WAL; a checkpoint
		// now keeps that flush out of the timed region. It needs superuser
		// (or pg_checkpoint); without it the figures are only noisier.
		raw.ExecContext(ctx, "CHECKPOINT")
	}
	// The floor's pool is sized like the store's read pool.
	if engine == store.SQLite {
		raw.SetMaxOpenConns(8)
		raw.SetMaxIdleConns(8)
	} else {
		raw.SetMaxOpenConns(32)
		raw.SetMaxIdleConns(32)
	}
	// The tenant list is configured as serve configures it (cmd/reportline):
	// without it the application answers a new one-tenant list at each call
	// and the server's tenant resolver rebuilds its maps per request, a cost
	// production never pays.
	a := app.New(app.Adapt(db.Read, db.Write, db.Ping, db.ReadOnce), app.Config{
		Logger: slog.New(slog.DiscardHandler), PasswordParams: testapp.FastPasswords, Tenants: db.Tenants,
		GraphVersions: db.GraphVersions, ListenGraph: app.ListenWith(db.Listens()),
	})
	return &fixture{engine: engine, org: o, db: db, app: a, raw: raw}
}

// prepare migrates an empty database and loads the organisation into it.
func prepare(ctx context.Context, engine store.Engine, url, dir string, o *refdata.Org) error {
	t0 := time.Now()
	db, err := store.Open(ctx, url, dir)
	if err != nil {
		return err
	}
	err = db.Migrate(ctx)
	db.Close()
	if err != nil {
		return err
	}
	raw, err := refdata.OpenDB(ctx, url, dir)
	if err != nil {
		return err
	}
	defer raw.Close()
	t1 := time.Now()
	var rows time.Duration // users and links written and committed
	err = refdata.Load(ctx, raw, o, refdata.LoadOptions{Progress: func(table string, done, total int) {
		if table == "links" && done == total {
			rows = time.Since(t1)
		}
	}})
	if err != nil {
		return err
	}
	if o.Size() >= 100_000 {
		// Long set-ups say what they did, so a quiet minute is explained.
		fmt.Fprintf(os.Stderr, "bench: set-up (untimed): %d users and %d links into %s: last row sent after %.1fs, "+
			"load with commit and finish (VACUUM ANALYZE or checkpoint) %.1fs, with migrations %.1fs\n",
			o.Size(), len(o.Pairs()), engine, rows.Seconds(), time.Since(t1).Seconds(), time.Since(t0).Seconds())
	}
	return nil
}

// templates holds the loaded SQLite files, one per organisation, for the
// life of the test process.
var templates = &sqliteTemplates{files: map[refdata.Config]func() (string, error){}}

type sqliteTemplates struct {
	mu    sync.Mutex
	dir   string
	files map[refdata.Config]func() (string, error)
}

// sqlite returns the path of a loaded, checkpointed SQLite file for o,
// building it on first use.
func (s *sqliteTemplates) sqlite(ctx context.Context, o *refdata.Org) (string, error) {
	s.mu.Lock()
	build, ok := s.files[o.Config()]
	if !ok {
		build = sync.OnceValues(func() (string, error) {
			s.mu.Lock()
			if s.dir == "" {
				d, err := os.MkdirTemp("", "reportline-bench-*")
				if err != nil {
					s.mu.Unlock()
					return "", err
				}
				s.dir = d
			}
			dir := filepath.Join(s.dir, fmt.Sprintf("%d-%d", o.Size(), o.Config().Seed))
			s.mu.Unlock()
			if err := prepare(ctx, store.SQLite, "", dir, o); err != nil {
				return "", err
			}
			return filepath.Join(dir, "reportline.db"), nil
		})
		s.files[o.Config()] = build
	}
	s.mu.Unlock()
	return build()
}

func (s *sqliteTemplates) removeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dir != "" {
		os.RemoveAll(s.dir)
	}
}

func copyFile(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	// Flushed now, in the set-up, rather than by the kernel's writeback
	// while a benchmark runs.
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// engines runs fn as a sub-benchmark (or subtest) per engine, the engine's
// name first so that `-bench /postgres` picks one.
func engines[T interface {
	testing.TB
	Run(string, func(T)) bool
}](tb T, fn func(tb T, engine store.Engine)) {
	for _, e := range testapp.Engines {
		tb.Run(string(e), func(tb T) { fn(tb, e) })
	}
}
