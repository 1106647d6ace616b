package refdata

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
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
	return LoadCopies(ctx, db, o, []Copy{{Tenant: opt.Tenant, IDBase: opt.IDBase}}, opt)
}

// Copy is one copy of the org that LoadCopies writes: the tenant it goes
// into (an existing, empty one; 0 is the implicit tenant) and the base
// added to its user ids (see LoadOptions.IDBase).
type Copy struct {
	Tenant, IDBase int64
}

// LoadCopies is Load writing the org once per copy, every copy's rows in
// the same single pass (one COPY per table on PostgreSQL, one transaction
// of prepared INSERTs on SQLite), so that an installation of a thousand
// small tenants costs one load of their total size rather than a thousand
// loads, each with its own transaction and statistics run. opt.Tenant and
// opt.IDBase are not used; the copies say them. Progress counts the rows
// of every copy together.
func LoadCopies(ctx context.Context, db *sql.DB, o *Org, copies []Copy, opt LoadOptions) error {
	if len(copies) == 0 {
		return fmt.Errorf("refdata: load: no copies to load")
	}
	cs := make([]Copy, len(copies))
	for i, c := range copies {
		cs[i] = c
		if c.Tenant == 0 {
			cs[i].Tenant = implicitTenant
		}
	}
	switch db.Driver().(type) {
	case *stdlib.Driver:
		return loadPostgres(ctx, db, o, cs, opt)
	case *sqlite.Driver:
		return loadSQLite(ctx, db, o, cs, opt)
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

func checkEmpty(ctx context.Context, q querier, copies []Copy) error {
	for _, c := range copies {
		var has bool
		if err := q.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM users WHERE tenant_id = "+fmt.Sprint(c.Tenant)+")").Scan(&has); err != nil {
			return fmt.Errorf("refdata: load: %w (is the database migrated?)", err)
		}
		if has {
			return fmt.Errorf("refdata: load: tenant %d of the database already has users; load into an empty tenant of a migrated database", c.Tenant)
		}
	}
	return nil
}

// row walks the (copy, item) pairs of a load in order: copy by copy, every
// item of each, the order both engines write in.
type row struct{ copy, item, done, total int }

func (r *row) next(items int) bool {
	if r.done == r.total {
		return false
	}
	r.copy, r.item = r.done/items, r.done%items
	r.done++
	return true
}

func loadPostgres(ctx context.Context, db *sql.DB, o *Org, copies []Copy, opt LoadOptions) error {
	if err := checkEmpty(ctx, db, copies); err != nil {
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

		n := o.Size()
		r := row{total: n * len(copies)}
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"users"},
			[]string{"tenant_id", "id", "external_uid", "email", "first_name", "last_name", "status", "created_at", "updated_at"},
			pgx.CopyFromFunc(func() ([]any, error) {
				if !r.next(n) {
					return nil, nil
				}
				opt.report("users", r.done, r.total)
				c, u := copies[r.copy], o.User(reportline.UserID(r.item+1))
				return []any{c.Tenant, c.IDBase + int64(u.ID), u.ExternalUID, u.Email, u.FirstName, u.LastName, string(u.Status), epoch, epoch}, nil
			}))
		if err != nil {
			return fmt.Errorf("copy users: %w", err)
		}
		pairs := o.Pairs()
		if opt.NoLinks {
			pairs = nil
		}
		r = row{total: len(pairs) * len(copies)}
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"links"},
			[]string{"tenant_id", "manager_id", "managee_id", "kind", "source", "created_at"},
			pgx.CopyFromFunc(func() ([]any, error) {
				if !r.next(len(pairs)) {
					return nil, nil
				}
				opt.report("links", r.done, r.total)
				c, p := copies[r.copy], pairs[r.item]
				return []any{c.Tenant, c.IDBase + int64(p.ManagerID), c.IDBase + int64(p.ManageeID), "line", "csv", epoch}, nil
			}))
		if err != nil {
			return fmt.Errorf("copy links: %w", err)
		}
		if _, err := tx.Exec(ctx, historyFromLinks(copies)); err != nil {
			return fmt.Errorf("link history: %w", err)
		}
		// The ids were given, so the identity sequence has not moved.
		var last int64
		for _, c := range copies {
			last = max(last, c.IDBase+int64(n))
		}
		if _, err := tx.Exec(ctx, "SELECT setval(pg_get_serial_sequence('users', 'id'), GREATEST($1::bigint, (SELECT max(id) FROM users)))", last); err != nil {
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

func loadSQLite(ctx context.Context, db *sql.DB, o *Org, copies []Copy, opt LoadOptions) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("refdata: load: %w", err)
	}
	defer tx.Rollback()
	if err := checkEmpty(ctx, tx, copies); err != nil {
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
	for r := (row{total: n * len(copies)}); r.next(n); {
		c, u := copies[r.copy], o.User(reportline.UserID(r.item+1))
		if _, err := users.ExecContext(ctx, c.Tenant, c.IDBase+int64(u.ID), u.ExternalUID, u.Email, u.FirstName, u.LastName, string(u.Status), epoch, epoch); err != nil {
			return fmt.Errorf("refdata: load: tenant %d, user %d: %w", c.Tenant, u.ID, err)
		}
		opt.report("users", r.done, r.total)
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
	for r := (row{total: len(pairs) * len(copies)}); r.next(len(pairs)); {
		c, p := copies[r.copy], pairs[r.item]
		if _, err := links.ExecContext(ctx, c.Tenant, c.IDBase+int64(p.ManagerID), c.IDBase+int64(p.ManageeID), epoch); err != nil {
			return fmt.Errorf("refdata: load: tenant %d, link %d → %d: %w", c.Tenant, p.ManagerID, p.ManageeID, err)
		}
		opt.report("links", r.done, r.total)
	}
	if _, err := tx.ExecContext(ctx, historyFromLinks(copies)); err != nil {
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
// links the audit never recorded. One statement for every copy rather than
// one per tenant: a thousand tenants would be a thousand statements, each
// planned on PostgreSQL just after COPY, with no statistics on the new
// rows. The ids are integers of our own, so they are written into the text.
func historyFromLinks(copies []Copy) string {
	ids := make([]string, len(copies))
	for i, c := range copies {
		ids[i] = strconv.FormatInt(c.Tenant, 10)
	}
	return `INSERT INTO link_history (tenant_id, manager_id, managee_id, kind, source, effective_from, recorded_at, origin)
	SELECT tenant_id, manager_id, managee_id, kind, source, created_at, created_at, 'migration' FROM links WHERE tenant_id IN (` + strings.Join(ids, ", ") + `)`
}
