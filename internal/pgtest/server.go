package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// shared is the server of this test process, started on first use. See
// "Global state" in the package doc.
var shared lazyServer

// lazyServer starts the server once and remembers the outcome, so that a
// broken setup fails every test with the same error instead of retrying a slow
// start in each one.
type lazyServer struct {
	mu   sync.Mutex
	done bool
	s    *server
	err  error
}

// get returns the server, starting it on the first call. Callers that arrive
// during the start wait for it.
func (l *lazyServer) get() (*server, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.done {
		l.s, l.err = startServer()
		l.done = true
	}
	return l.s, l.err
}

// close tears the server down if it was started. Later calls of get fail.
func (l *lazyServer) close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.s
	l.done, l.s, l.err = true, nil, errors.New("pgtest: used after Run returned")
	if s == nil {
		return nil
	}
	return s.close()
}

// server is a PostgreSQL server on which tests get their databases.
type server struct {
	base  *url.URL      // URL of the admin database; database URLs replace its path
	pool  *pgxpool.Pool // admin connections, to the database of base
	local *localServer  // the throwaway server, or nil for $DATABASE_URL

	version int // server_version_num, such as 150020

	// strategy is the CREATE DATABASE clause that picks the copy method, or
	// "" for the server's default.
	strategy string

	seq atomic.Int64 // the <n> of rltest_<pid>_<n>

	mu        sync.Mutex
	templates map[string]*template // by key
	made      []string             // template databases, dropped by close
}

// template is one template database, built once.
type template struct {
	once sync.Once
	name string
	err  error
}

// startServer connects to $DATABASE_URL or starts a throwaway server.
func startServer() (*server, error) {
	if raw := os.Getenv("DATABASE_URL"); raw != "" {
		u, err := parseURL(raw)
		if err != nil {
			return nil, fmt.Errorf("DATABASE_URL: %w", err)
		}
		s, err := connect(u, nil)
		if err != nil {
			return nil, fmt.Errorf("DATABASE_URL: %w", err)
		}
		return s, nil
	}
	local, err := startLocal()
	if err != nil {
		return nil, err
	}
	s, err := connect(local.url(), local)
	if err != nil {
		return nil, errors.Join(err, local.stop())
	}
	if s.version >= 150000 {
		// FILE_COPY copies the template's files and checkpoints twice,
		// which costs nothing with fsync off: about 8 ms a clone here,
		// against 20 ms for the default, WAL_LOG, which writes every
		// block through the WAL. On a $DATABASE_URL server, whose
		// checkpoints may fsync, the default is the faster one.
		s.strategy = " STRATEGY FILE_COPY"
	}
	return s, nil
}

// parseURL accepts only the URL form, because database URLs are made by
// replacing its path; pgx's key=value form has no path to replace.
func parseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("parsing: %w", err)
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return nil, fmt.Errorf("want a postgres:// URL, got %q", u.Redacted())
	}
	return u, nil
}

// connect opens the admin pool on the server at u and checks that it answers.
func connect(u *url.URL, local *localServer) (*server, error) {
	cfg, err := pgxpool.ParseConfig(u.String())
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %w", u.Redacted(), err)
	}
	// A few connections are enough: creating a database takes a lock that
	// serialises most of the work on the server anyway.
	cfg.MaxConns = 4
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", u.Redacted(), err)
	}
	var version int
	if err := pool.QueryRow(ctx, "SELECT current_setting('server_version_num')::int").Scan(&version); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connecting to %s: %w", u.Redacted(), err)
	}
	s := &server{base: u, pool: pool, local: local, templates: map[string]*template{}}
	if version >= 150000 {
		// WAL_LOG, the default since 15, said explicitly: on a server
		// whose checkpoints may fsync ($DATABASE_URL) it beats FILE_COPY,
		// which checkpoints twice per clone. startServer switches the
		// throwaway server, which does not fsync, to FILE_COPY.
		s.strategy = " STRATEGY WAL_LOG"
	}
	return s, nil
}

// url returns the URL of the database name on the server.
func (s *server) url(name string) string {
	u := *s.base
	u.Path, u.RawPath = "/"+name, ""
	return u.String()
}

// newDatabase clones from into a new database that is dropped when t ends,
// and returns its URL.
func (s *server) newDatabase(t testing.TB, from string) string {
	t.Helper()
	ctx, cancel := adminContext()
	defer cancel()
	name, err := s.create(ctx, from)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := adminContext()
		defer cancel()
		if err := s.drop(ctx, name); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	return s.url(name)
}

// create clones the database from into a new, uniquely named database and
// returns its name.
func (s *server) create(ctx context.Context, from string) (string, error) {
	for range 100 {
		name := "rltest_" + strconv.Itoa(os.Getpid()) + "_" + strconv.FormatInt(s.seq.Add(1), 10)
		_, err := s.pool.Exec(ctx, "CREATE DATABASE "+quote(name)+" TEMPLATE "+quote(from)+s.strategy)
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "42P04" {
			// duplicate_database: left by an earlier process that had the
			// same pid, or by one on another machine sharing the server.
			// It may still be in use, so take the next name, never drop it.
			continue
		}
		if err != nil {
			return "", fmt.Errorf("creating database %s from %s: %w", name, from, err)
		}
		return name, nil
	}
	return "", fmt.Errorf("creating a database from %s: every name taken", from)
}

// drop drops the database name, ending the connections that are still open to
// it: a test that leaks a connection must not leak its database too.
func (s *server) drop(ctx context.Context, name string) error {
	if _, err := s.pool.Exec(ctx, "DROP DATABASE IF EXISTS "+quote(name)+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("dropping database %s: %w", name, err)
	}
	return nil
}

// template returns the name of the template database for key, building it
// with prepare on the first call. Concurrent callers wait for that build.
func (s *server) template(key string, prepare func(url string) error) (string, error) {
	s.mu.Lock()
	tpl, ok := s.templates[key]
	if !ok {
		// Preset the error: if prepare panics, Once counts the build as
		// done and later callers must not get an empty name.
		tpl = &template{err: fmt.Errorf("template %q: prepare panicked in another test", key)}
		s.templates[key] = tpl
	}
	s.mu.Unlock()
	tpl.once.Do(func() {
		tpl.name, tpl.err = s.buildTemplate(key, prepare)
	})
	return tpl.name, tpl.err
}

// buildTemplate creates an empty database, lets prepare fill it, then closes
// it to connections so that it can be cloned.
func (s *server) buildTemplate(key string, prepare func(url string) error) (string, error) {
	ctx, cancel := adminContext()
	defer cancel()
	name, err := s.create(ctx, "template0")
	if err != nil {
		return "", fmt.Errorf("template %q: %w", key, err)
	}
	s.mu.Lock()
	s.made = append(s.made, name)
	s.mu.Unlock()

	if err := prepare(s.url(name)); err != nil {
		return "", fmt.Errorf("template %q: prepare: %w", key, err)
	}

	ctx, cancel = adminContext()
	defer cancel()
	// CREATE DATABASE ... TEMPLATE fails while anyone is connected to the
	// template, so first refuse new connections, then end the ones that
	// prepare left open (a leaked pool would otherwise fail every clone).
	if _, err := s.pool.Exec(ctx, "ALTER DATABASE "+quote(name)+" WITH ALLOW_CONNECTIONS false"); err != nil {
		return "", fmt.Errorf("template %q: closing %s: %w", key, name, err)
	}
	if _, err := s.pool.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name); err != nil {
		return "", fmt.Errorf("template %q: disconnecting %s: %w", key, name, err)
	}
	return name, nil
}

// close drops the templates (on a throwaway server they go with it), closes
// the admin pool and stops the throwaway server.
func (s *server) close() error {
	var errs []error
	if s.local == nil {
		ctx, cancel := adminContext()
		defer cancel()
		s.mu.Lock()
		made := s.made
		s.mu.Unlock()
		for _, name := range made {
			errs = append(errs, s.drop(ctx, name))
		}
	}
	s.pool.Close()
	if s.local != nil {
		errs = append(errs, s.local.stop())
	}
	return errors.Join(errs...)
}

// quote quotes an identifier for SQL.
func quote(name string) string {
	return pgx.Identifier{name}.Sanitize()
}
