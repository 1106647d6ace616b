package pgtest_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"reportline/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// connect opens a connection to url that closes when t ends.
func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatalf("connecting to %s: %v", url, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func TestNewGivesAnEmptyDatabaseDroppedAfterTheTest(t *testing.T) {
	t.Parallel()
	var name string
	var leaked *pgx.Conn
	t.Run("use", func(t *testing.T) {
		start := time.Now()
		url := pgtest.New(t)
		t.Logf("New took %v", time.Since(start))
		ctx := t.Context()
		conn := connect(t, url)

		if err := conn.QueryRow(ctx, "SELECT current_database()").Scan(&name); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(name, "rltest_") {
			t.Errorf("database name = %q, want the prefix rltest_", name)
		}
		var tables int
		err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_catalog.pg_tables
			WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`).Scan(&tables)
		if err != nil {
			t.Fatal(err)
		}
		if tables != 0 {
			t.Errorf("new database has %d tables, want 0", tables)
		}

		if _, err := conn.Exec(ctx, "CREATE TABLE note (id int PRIMARY KEY, body text)"); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(ctx, "INSERT INTO note VALUES (1, $1)", "hello"); err != nil {
			t.Fatal(err)
		}
		var body string
		if err := conn.QueryRow(ctx, "SELECT body FROM note WHERE id = 1").Scan(&body); err != nil {
			t.Fatal(err)
		}
		if body != "hello" {
			t.Errorf("body = %q, want %q", body, "hello")
		}

		// A connection the test forgets to close must not keep the
		// database alive.
		leaked, err = pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
	})
	if leaked != nil {
		defer leaked.Close(context.Background())
	}
	if name == "" {
		// The subtest was skipped (no PostgreSQL) or has failed already.
		t.SkipNow()
	}

	// The subtest has ended, so its cleanup has dropped the database.
	// pg_database is shared by all databases, so another one can tell.
	other := connect(t, pgtest.New(t))
	var exists bool
	err := other.QueryRow(t.Context(), "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists)
	if err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Errorf("database %s still exists after its test ended", name)
	}
}

func TestNewInParallelGivesSeparateDatabases(t *testing.T) {
	t.Parallel()
	var names sync.Map
	t.Run("group", func(t *testing.T) {
		for i := range 6 {
			t.Run(fmt.Sprint(i), func(t *testing.T) {
				t.Parallel()
				start := time.Now()
				conn := connect(t, pgtest.New(t))
				t.Logf("New took %v", time.Since(start))
				ctx := t.Context()
				// The same table name in each: no collision across databases.
				if _, err := conn.Exec(ctx, "CREATE TABLE t (n int)"); err != nil {
					t.Fatal(err)
				}
				var name string
				if err := conn.QueryRow(ctx, "SELECT current_database()").Scan(&name); err != nil {
					t.Fatal(err)
				}
				if other, dup := names.LoadOrStore(name, i); dup {
					t.Errorf("subtests %v and %d both got database %s", other, i, name)
				}
			})
		}
	})
}

func TestNewFromTemplatePreparesOnceAndClonesHaveItsTables(t *testing.T) {
	t.Parallel()
	var calls, clones atomic.Int32
	prepare := func(url string) error {
		calls.Add(1)
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			return fmt.Errorf("connecting: %w", err)
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, `
			CREATE TABLE person (id int PRIMARY KEY, name text NOT NULL);
			INSERT INTO person VALUES (1, 'Ada');`)
		return err
	}
	// A key of its own per run, so that -count=2 builds a template again.
	key := fmt.Sprintf("pgtest.%s.%p", t.Name(), &calls)

	t.Run("group", func(t *testing.T) {
		for i := range 8 {
			t.Run(fmt.Sprint(i), func(t *testing.T) {
				t.Parallel()
				start := time.Now()
				url := pgtest.NewFromTemplate(t, key, prepare)
				t.Logf("NewFromTemplate took %v", time.Since(start))
				clones.Add(1)
				ctx := t.Context()
				conn := connect(t, url)

				var name string
				if err := conn.QueryRow(ctx, "SELECT name FROM person WHERE id = 1").Scan(&name); err != nil {
					t.Fatalf("reading the template's row: %v", err)
				}
				if name != "Ada" {
					t.Errorf("name = %q, want %q", name, "Ada")
				}
				// Writes stay in this clone: each clone sees its own row only.
				if _, err := conn.Exec(ctx, "INSERT INTO person VALUES ($1, 'clone')", i+2); err != nil {
					t.Fatal(err)
				}
				var n int
				if err := conn.QueryRow(ctx, "SELECT count(*) FROM person").Scan(&n); err != nil {
					t.Fatal(err)
				}
				if n != 2 {
					t.Errorf("clone has %d rows, want 2 (the template's and its own)", n)
				}
			})
		}
	})
	if clones.Load() == 0 {
		t.SkipNow() // no PostgreSQL: the subtests were skipped
	}
	if got := calls.Load(); got != 1 {
		t.Errorf("prepare ran %d times, want 1", got)
	}
}

func TestAvailable(t *testing.T) {
	t.Parallel()
	pgtest.New(t) // skips, or fails under CI, when there is no server
	if !pgtest.Available() {
		t.Error("Available() = false, but New worked")
	}
}
