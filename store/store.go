// Package store keeps Reportline's data in SQLite (the embedded default) or
// PostgreSQL. Both engines share the same SQL wherever the engines agree;
// the few places where they differ (placeholders, bulk paths, locking) are
// isolated in the dialect.
//
// Every row belongs to a tenant (docs/tenants.md). Transactions begin at a
// tenant handle's Read and Write (db.Tenant(id)); the Tx a callback
// receives is bound to that tenant, every statement it runs filters or
// inserts the tenant, and everything done with it commits or rolls back as
// one unit.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"reportline"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// Engine names a database engine.
type Engine string

// The supported engines.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// DB is an open Reportline database.
type DB struct {
	engine Engine
	write  *sql.DB // SQLite: the single writer connection; PostgreSQL: the pool
	read   *sql.DB // SQLite: a pool of readers; PostgreSQL: the same pool
	now    func() time.Time
	citus  bool   // a Citus coordinator (citus.go): no triggers, the store does their work
	url    string // PostgreSQL: the URL, for the connection of ListenGraph

	// done ends with Close: a GraphListener's round trip stops then.
	done  context.Context
	close context.CancelFunc

	// implicit is the tenant of a context that names none (see ctxTenant):
	// ImplicitTenant, but for a test on a shared Citus database, which
	// gets a fresh tenant of its own (WithDefaultTenant).
	implicit TenantID
}

// Open connects to the database named by rawURL: a postgres:// URL, or a
// sqlite: path, or "" for SQLite in dataDir/reportline.db. It does not
// migrate; call Migrate.
func Open(ctx context.Context, rawURL, dataDir string) (*DB, error) {
	switch {
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		return openPostgres(ctx, rawURL)
	case rawURL == "":
		if err := os.MkdirAll(dataDir, 0o750); err != nil {
			return nil, fmt.Errorf("create data folder: %w", err)
		}
		return openSQLite(ctx, filepath.Join(dataDir, "reportline.db"))
	case strings.HasPrefix(rawURL, "sqlite:"):
		return openSQLite(ctx, strings.TrimPrefix(strings.TrimPrefix(rawURL, "sqlite:"), "//"))
	default:
		return nil, fmt.Errorf("database url %q: want postgres://… or sqlite:PATH", redact(rawURL))
	}
}

func openPostgres(ctx context.Context, rawURL string) (*DB, error) {
	db, err := sql.Open("pgx", rawURL)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(32)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to postgres %s: %w", redact(rawURL), err)
	}
	citus, err := isCitus(ctx, db)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to postgres %s: %w", redact(rawURL), err)
	}
	done, stop := context.WithCancel(context.Background())
	return &DB{engine: Postgres, write: db, read: db, now: time.Now, citus: citus, url: rawURL, done: done, close: stop}, nil
}

// sqlitePragmas are set on every connection: WAL so readers never block the
// writer, a busy timeout instead of instant SQLITE_BUSY, enforced foreign
// keys, and a 64 MiB page cache (the 2 MiB default doubles bulk load time).
const sqlitePragmas = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)" +
	"&_pragma=synchronous(NORMAL)&_pragma=cache_size(-65536)&_time_format=sqlite"

func openSQLite(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("sqlite: empty path")
	}
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + sqlitePragmas
	// One writer connection: SQLite allows one writer at a time, and
	// queueing in Go is cheaper than retrying on SQLITE_BUSY. Write
	// transactions start IMMEDIATE so they take the lock up front.
	// Both pools keep each connection's compiled statements (stmtcache.go).
	write := sql.OpenDB(newStmtCacheConnector(dsn + "&_txlock=immediate"))
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	// Readers get a small page cache: eight of them at 64 MiB each would
	// dominate the process's memory, and bulk reads stream anyway.
	read := sql.OpenDB(newStmtCacheConnector(dsn + "&_pragma=query_only(1)&_pragma=cache_size(-8192)"))
	read.SetMaxOpenConns(8)
	read.SetMaxIdleConns(8)
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		read.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	done, stop := context.WithCancel(context.Background())
	return &DB{engine: SQLite, write: write, read: read, now: time.Now, done: done, close: stop}, nil
}

// Engine reports which engine the database runs on.
func (db *DB) Engine() Engine { return db.engine }

// Close closes every connection.
func (db *DB) Close() error {
	db.close()
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.read.PingContext(ctx); err != nil {
		return fmt.Errorf("ping %s: %w", db.engine, err)
	}
	return nil
}

// TenantID names a tenant (the domain's type, so callers above the store
// and the store speak of the same key).
type TenantID = reportline.TenantID

// ImplicitTenant is the tenant of an installation that configures none.
const ImplicitTenant = reportline.ImplicitTenant

// Tenant is a handle on one tenant's data: its transactions are bound to
// the tenant, so a query it runs cannot reach another tenant's rows.
type Tenant struct {
	db *DB
	id TenantID
}

// Tenant returns the handle of tenant id. It does not check that the
// tenant exists: a write then fails on its foreign key, a read finds
// nothing.
func (db *DB) Tenant(id TenantID) *Tenant { return &Tenant{db: db, id: id} }

// ID reports the tenant the handle is bound to.
func (t *Tenant) ID() TenantID { return t.id }

// Read runs fn in a read-only transaction of the tenant.
func (t *Tenant) Read(ctx context.Context, fn func(*Tx) error) error {
	return t.db.run(ctx, t.id, t.db.read, &sql.TxOptions{ReadOnly: t.db.engine == Postgres}, fn)
}

// ReadOnce runs fn on a reading connection without a transaction: each
// statement sees what was committed when it ran (no BEGIN or COMMIT, so a
// single read is one round trip). For callers that need no snapshot across
// statements, or that check for themselves that nothing changed between
// them (the access checks: graph_version). Statements stay bound to the
// tenant.
func (t *Tenant) ReadOnce(ctx context.Context, fn func(*Tx) error) error {
	conn, err := t.db.read.Conn(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", translate(err))
	}
	defer conn.Close()
	return fn(&Tx{tx: conn, conn: conn, engine: t.db.engine, tenant: t.id, now: t.db.now, noTriggers: t.db.citus})
}

// Write runs fn in a read-write transaction of the tenant that commits when
// fn returns nil and rolls back otherwise. On SQLite write transactions are
// serialised; on PostgreSQL they run concurrently, and Tx.LockLinks
// serialises the ones of a tenant whose correctness depends on its whole
// link graph.
func (t *Tenant) Write(ctx context.Context, fn func(*Tx) error) error {
	return t.db.run(ctx, t.id, t.db.write, nil, fn)
}

// Read, ReadOnce and Write on the DB act in the tenant the context carries
// (reportline.WithTenant: the server sets it once it has resolved the
// request's tenant, docs/tenants.md), and in the implicit tenant when it
// carries none: the CLI without --tenant and background work, which runs
// in the implicit tenant until step 3. So the application above the store
// is tenant-scoped per request without naming the tenant.

// WithDefaultTenant makes id the tenant of a context that names none, in
// place of the implicit tenant. It exists for tests on a shared database
// (a Citus cluster: one migrated database per run, a fresh tenant per
// test; internal/testapp); call it before the DB is used.
func (db *DB) WithDefaultTenant(id TenantID) { db.implicit = id }

// DefaultTenant is the tenant of a context that names none: the implicit
// tenant unless WithDefaultTenant chose another.
func (db *DB) DefaultTenant() TenantID { return db.implicit }

// ctxTenant is the handle of the tenant ctx carries, else the implicit
// tenant's.
func (db *DB) ctxTenant(ctx context.Context) *Tenant {
	if id, ok := reportline.TenantOf(ctx); ok {
		return db.Tenant(id)
	}
	if db.implicit != 0 {
		return db.Tenant(db.implicit)
	}
	return db.Tenant(ImplicitTenant)
}

// Read runs fn in a read-only transaction of the context's tenant.
func (db *DB) Read(ctx context.Context, fn func(*Tx) error) error {
	return db.ctxTenant(ctx).Read(ctx, fn)
}

// ReadOnce runs fn on a reading connection of the context's tenant,
// without a transaction (see Tenant.ReadOnce).
func (db *DB) ReadOnce(ctx context.Context, fn func(*Tx) error) error {
	return db.ctxTenant(ctx).ReadOnce(ctx, fn)
}

// Write runs fn in a read-write transaction of the context's tenant (see
// Tenant.Write).
func (db *DB) Write(ctx context.Context, fn func(*Tx) error) error {
	return db.ctxTenant(ctx).Write(ctx, fn)
}

func (db *DB) run(ctx context.Context, tenant TenantID, pool *sql.DB, opts *sql.TxOptions, fn func(*Tx) error) (err error) {
	// The transaction runs on a dedicated connection so that bulk paths
	// can reach the driver's own API (PostgreSQL COPY) inside it.
	conn, err := pool.Conn(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", translate(err))
	}
	defer conn.Close()
	sqlTx, err := conn.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin: %w", translate(err))
	}
	tx := &Tx{tx: sqlTx, conn: conn, engine: db.engine, tenant: tenant, now: db.now, noTriggers: db.citus}
	defer func() {
		if p := recover(); p != nil {
			sqlTx.Rollback()
			panic(p)
		}
		if err == nil {
			// On Citus the graph version is bumped here, once, as the
			// triggers do per statement elsewhere (citus.go).
			err = tx.bumpGraph(ctx)
		}
		if err != nil {
			sqlTx.Rollback()
			return
		}
		if cerr := sqlTx.Commit(); cerr != nil {
			err = fmt.Errorf("commit: %w", translate(cerr))
		}
	}()
	return fn(tx)
}

// redact removes the password from a database URL before it is shown.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable url)"
	}
	return u.Redacted()
}

// Redact removes the password from a database URL, for logs.
func Redact(raw string) string { return redact(raw) }

// LimitIdle keeps at most n idle connections, each for at most d. For
// tests that hold many DBs open on one server at once (on Citus every test
// shares one database, and each connection to the coordinator holds its
// own to the workers), where the default pool of 32 idle connections per
// DB runs the server out of connections.
func (db *DB) LimitIdle(n int, d time.Duration) {
	for _, p := range []*sql.DB{db.write, db.read} {
		p.SetMaxIdleConns(n)
		p.SetConnMaxIdleTime(d)
	}
}
