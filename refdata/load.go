package refdata

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib" // also registers the "pgx" driver
	"modernc.org/sqlite"             // also registers the "sqlite" driver

	"reportline"
)

// SQLitePragmas are the connection settings of the store (store.Open): WAL,
// a busy timeout, enforced foreign keys, synchronous=NORMAL and a 64 MiB
// page cache (the 2 MiB default doubles bulk load time). Raw connections
// made for loading and for the benchmark floors use the same, so that floor
// and product run on equal terms.
const SQLitePragmas = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)" +
	"&_pragma=synchronous(NORMAL)&_pragma=cache_size(-65536)&_time_format=sqlite"

// OpenDB opens a plain database/sql pool on the database that store.Open
// would open for the same arguments: a postgres:// URL, sqlite:PATH, or ""
// for SQLite in dataDir/reportline.db.
func OpenDB(ctx context.Context, rawURL, dataDir string) (*sql.DB, error) {
	var db *sql.DB
	var err error
	switch {
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		db, err = sql.Open("pgx", rawURL)
	case rawURL == "" || strings.HasPrefix(rawURL, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(rawURL, "sqlite:"), "//")
		if rawURL == "" {
			path = filepath.Join(dataDir, "reportline.db")
		}
		if _, serr := os.Stat(path); serr != nil {
			return nil, fmt.Errorf("open %s: %w (migrate the database first)", path, serr)
		}
		db, err = sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?"+SQLitePragmas)
	default:
		return nil, fmt.Errorf("database url: want postgres://… or sqlite:PATH")
	}
	if err != nil {
		return nil, err
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// LoadOptions tune Load.
type LoadOptions struct {
	// Progress, when set, is called every 50,000 rows and once at the end
	// of each table.
	Progress func(table string, done, total int)
	// Tenant is the tenant the org is loaded into (an existing row of
	// tenants); 0 is the implicit tenant.
	Tenant int64
	// IDBase is added to every user id, so that several orgs can be
	// loaded into one database (user ids are unique across tenants): the
	// org's user n is IDBase+n. The caller picks bases past every id in
	// use (and, on PostgreSQL, Load moves the id sequence past the last).
	IDBase int64
	// NoLinks loads the users alone, for an import that then writes every
	// link (the import's worst case).
	NoLinks bool
	// Quick skips the VACUUM ANALYZE (PostgreSQL) and the checkpoint
	// (SQLite) after the load, for callers loading many small orgs that
	// run them once at the end.
	Quick bool
}

func (opt LoadOptions) tenant() int64 {
	if opt.Tenant == 0 {
		return implicitTenant
	}
	return opt.Tenant
}

const progressEvery = 50_000

func (opt LoadOptions) report(table string, done, total int) {
	if opt.Progress != nil && (done%progressEvery == 0 || done == total) {
		opt.Progress(table, done, total)
	}
}

// Load writes the org into the users and links tables of a migrated,
// empty Reportline database (its implicit tenant), in one transaction, by the engine's fastest
// path: COPY on PostgreSQL, one prepared INSERT per row on SQLite (which
// beats multi-row VALUES on that driver). Links are written as the CSV
// import would make them: kind line, source csv, no dates, created at the
// org's epoch by nobody. It refuses a database that already has users.
//
// On PostgreSQL it then sets the users id sequence past the loaded ids and
// runs VACUUM ANALYZE on both tables, the state autovacuum would reach on
// its own; on SQLite it checkpoints the WAL into the main file.
//
// Load is both the benchmarks' set-up and the "load" floor of BENCHMARKS.md.
func Load(ctx context.Context, db *sql.DB, o *Org, opt LoadOptions) error {
	switch db.Driver().(type) {
	case *stdlib.Driver:
		return loadPostgres(ctx, db, o, opt)
	case *sqlite.Driver:
		return loadSQLite(ctx, db, o, opt)
	default:
		return fmt.Errorf("refdata: load: unsupported driver %T", db.Driver())
	}
}

// implicitTenant is the tenant of a single-tenant installation (migration
// 0018, store.ImplicitTenant): the org is loaded into it.
const implicitTenant int64 = 1

type querier interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

func checkEmpty(ctx context.Context, q querier, tenant int64) error {
	var has bool
	if err := q.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM users WHERE tenant_id = "+fmt.Sprint(tenant)+")").Scan(&has); err != nil {
		return fmt.Errorf("refdata: load: %w (is the database migrated?)", err)
	}
	if has {
		return fmt.Errorf("refdata: load: tenant %d of the database already has users; load into an empty tenant of a migrated database", tenant)
	}
	return nil
}

func loadPostgres(ctx context.Context, db *sql.DB, o *Org, opt LoadOptions) error {
	tenant, base := opt.tenant(), opt.IDBase
	if err := checkEmpty(ctx, db, tenant); err != nil {
		return err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("refdata: load: %w", err)
	}
	defer conn.Close()
	epoch := o.cfg.Epoch.UnixMicro()
	err = conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		tx, err := pc.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)

		n, id := o.Size(), 0
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"users"},
			[]string{"tenant_id", "id", "external_uid", "email", "first_name", "last_name", "status", "created_at", "updated_at"},
			pgx.CopyFromFunc(func() ([]any, error) {
				if id == n {
					return nil, nil
				}
				id++
				opt.report("users", id, n)
				u := o.User(reportline.UserID(id))
				return []any{tenant, base + int64(u.ID), u.ExternalUID, u.Email, u.FirstName, u.LastName, string(u.Status), epoch, epoch}, nil
			}))
		if err != nil {
			return fmt.Errorf("copy users: %w", err)
		}
		pairs, i := o.Pairs(), 0
		if opt.NoLinks {
			pairs = nil
		}
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"links"},
			[]string{"tenant_id", "manager_id", "managee_id", "kind", "source", "created_at"},
			pgx.CopyFromFunc(func() ([]any, error) {
				if i == len(pairs) {
					return nil, nil
				}
				p := pairs[i]
				i++
				opt.report("links", i, len(pairs))
				return []any{tenant, base + int64(p.ManagerID), base + int64(p.ManageeID), "line", "csv", epoch}, nil
			}))
		if err != nil {
			return fmt.Errorf("copy links: %w", err)
		}
		if _, err := tx.Exec(ctx, historyFromLinks, tenant); err != nil {
			return fmt.Errorf("link history: %w", err)
		}
		// The ids were given, so the identity sequence has not moved.
		if _, err := tx.Exec(ctx, "SELECT setval(pg_get_serial_sequence('users', 'id'), GREATEST($1::bigint, (SELECT max(id) FROM users)))", base+int64(n)); err != nil {
			return fmt.Errorf("set users sequence: %w", err)
		}
		return tx.Commit(ctx)
	})
	if err != nil {
		return fmt.Errorf("refdata: load: %w", err)
	}
	if opt.Quick {
		return nil
	}
	if _, err := conn.ExecContext(ctx, "VACUUM ANALYZE users, links, link_history"); err != nil {
		return fmt.Errorf("refdata: load: vacuum: %w", err)
	}
	return nil
}

func loadSQLite(ctx context.Context, db *sql.DB, o *Org, opt LoadOptions) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("refdata: load: %w", err)
	}
	defer tx.Rollback()
	tenant, base := opt.tenant(), opt.IDBase
	if err := checkEmpty(ctx, tx, tenant); err != nil {
		return err
	}
	epoch := o.cfg.Epoch.UnixMicro()
	users, err := tx.PrepareContext(ctx, `INSERT INTO users (tenant_id, id, external_uid, email, first_name, last_name, status, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("refdata: load: %w", err)
	}
	defer users.Close()
	n := o.Size()
	for id := 1; id <= n; id++ {
		u := o.User(reportline.UserID(id))
		if _, err := users.ExecContext(ctx, tenant, base+int64(u.ID), u.ExternalUID, u.Email, u.FirstName, u.LastName, string(u.Status), epoch, epoch); err != nil {
			return fmt.Errorf("refdata: load: user %d: %w", id, err)
		}
		opt.report("users", id, n)
	}
	links, err := tx.PrepareContext(ctx, `INSERT INTO links (tenant_id, manager_id, managee_id, kind, source, created_at) VALUES (?, ?, ?, 'line', 'csv', ?)`)
	if err != nil {
		return fmt.Errorf("refdata: load: %w", err)
	}
	defer links.Close()
	pairs := o.Pairs()
	if opt.NoLinks {
		pairs = nil
	}
	for i, p := range pairs {
		if _, err := links.ExecContext(ctx, tenant, base+int64(p.ManagerID), base+int64(p.ManageeID), epoch); err != nil {
			return fmt.Errorf("refdata: load: link %d → %d: %w", p.ManagerID, p.ManageeID, err)
		}
		opt.report("links", i+1, len(pairs))
	}
	if _, err := tx.ExecContext(ctx, strings.ReplaceAll(historyFromLinks, "$1", "?"), tenant); err != nil {
		return fmt.Errorf("refdata: load: link history: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("refdata: load: commit: %w", err)
	}
	// No ANALYZE: the store never runs it, so the benchmarks see the query
	// plans a real SQLite deployment gets.
	if opt.Quick {
		return nil
	}
	if _, err := db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return fmt.Errorf("refdata: load: checkpoint: %w", err)
	}
	return nil
}

// historyFromLinks starts the loaded links' history (migration 0020's
// link_history) at the load: the seeded organisation has no audit log, so
// its as-of reads see it from its epoch on, as a migrated database sees
// links the audit never recorded.
const historyFromLinks = `INSERT INTO link_history (tenant_id, manager_id, managee_id, kind, source, effective_from, recorded_at, origin)
	SELECT tenant_id, manager_id, managee_id, kind, source, created_at, created_at, 'migration' FROM links WHERE tenant_id = $1`
