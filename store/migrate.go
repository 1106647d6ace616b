package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations
var migrationFS embed.FS

// migration is one numbered .sql file.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the engine's migrations in order. A shipped migration
// is never edited; a change is a new file.
func migrations(engine Engine) ([]migration, error) {
	dir := path.Join("migrations", string(engine))
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var out []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("migration %s: name must be NNNN_name.sql", e.Name())
		}
		b, err := migrationFS.ReadFile(path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		out = append(out, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// migrationLockKey is the PostgreSQL advisory lock that lets several
// replicas start at once: one migrates, the others wait and find nothing
// left to do.
const migrationLockKey = 7_240_871_001

// Migrate applies every migration not applied yet, each in its own
// transaction, and records it in schema_migrations.
func (db *DB) Migrate(ctx context.Context) error { return db.migrateTo(ctx, 0) }

// migrateTo applies the migrations up to version last (0: all of them);
// tests use it to hold data written by an older schema.
func (db *DB) migrateTo(ctx context.Context, last int) error {
	all, err := migrations(db.engine)
	if err != nil {
		return err
	}
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Close()
	if db.engine == Postgres {
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
			return fmt.Errorf("migrate: lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockKey)
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: create schema_migrations: %w", err)
	}
	applied, err := appliedVersions(ctx, conn)
	if err != nil {
		return err
	}
	for _, m := range all {
		if applied[m.version] || (last > 0 && m.version > last) {
			continue
		}
		if err := applyMigration(ctx, conn, db.engine, m); err != nil {
			return err
		}
	}
	if db.engine == Postgres {
		// After every Migrate, not in a migration: the tables of later
		// migrations are distributed too (citus.go).
		citus, err := isCitus(ctx, conn)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		if citus {
			if err := distribute(ctx, conn); err != nil {
				return fmt.Errorf("migrate: %w", err)
			}
		}
		db.citus = citus
	}
	return nil
}

func applyMigration(ctx context.Context, conn *sql.Conn, engine Engine, m migration) error {
	if engine == SQLite {
		// SQLite changes a table's keys by rebuilding it (0018): dropping
		// the old table must neither cascade nor fail on the rows that
		// refer to it. Enforcement is off for the migration (the pragma
		// is a no-op inside a transaction, hence before BEGIN) and every
		// foreign key is checked before the commit instead.
		if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
			return fmt.Errorf("migrate %s: %w", m.name, err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA foreign_keys = ON")
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", m.name, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return fmt.Errorf("migrate %s: %w", m.name, err)
	}
	if engine == SQLite {
		if err := foreignKeyCheck(ctx, tx); err != nil {
			return fmt.Errorf("migrate %s: %w", m.name, err)
		}
	}
	q := "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)"
	if engine == SQLite {
		q = strings.ReplaceAll(q, "$", "?")
	}
	if _, err := tx.ExecContext(ctx, q, m.version, m.name, time.Now().UnixMicro()); err != nil {
		return fmt.Errorf("migrate %s: record: %w", m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate %s: commit: %w", m.name, err)
	}
	return nil
}

// foreignKeyCheck fails when a row refers to one that does not exist.
func foreignKeyCheck(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return fmt.Errorf("foreign key check: %w", err)
	}
	defer rows.Close()
	if rows.Next() {
		var table, parent string
		var rowid sql.NullInt64
		var fk int
		if err := rows.Scan(&table, &rowid, &parent, &fk); err != nil {
			return fmt.Errorf("foreign key check: %w", err)
		}
		return fmt.Errorf("foreign key check: a row of %s (rowid %v) refers to a missing row of %s", table, rowid.Int64, parent)
	}
	return rows.Err()
}

type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func appliedVersions(ctx context.Context, q querier) (map[int]bool, error) {
	rows, err := q.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	defer rows.Close()
	out := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("read schema_migrations: %w", err)
		}
		out[v] = true
	}
	return out, rows.Err()
}

// Pending returns the names of migrations not applied yet; /readyz is not
// ready while there are any.
func (db *DB) Pending(ctx context.Context) ([]string, error) {
	all, err := migrations(db.engine)
	if err != nil {
		return nil, err
	}
	applied, err := appliedVersions(ctx, db.read)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range all {
		if !applied[m.version] {
			out = append(out, m.name)
		}
	}
	return out, nil
}
