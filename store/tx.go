package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"reportline"
)

// Tx is one transaction of one tenant. Its methods are the store's whole
// vocabulary; the application layer composes them into use cases. Every
// statement it runs is bound to its tenant (see bindTenant).
type Tx struct {
	tx     stmtRunner // the transaction; for ReadOnce, the connection itself
	conn   *sql.Conn  // the connection tx runs on
	engine Engine
	tenant TenantID
	now    func() time.Time

	// noTriggers: the engine runs no triggers (Citus), so the store bumps
	// the graph version and guards the append-only tables (citus.go).
	noTriggers bool
	graphDirty bool            // a statement changed what the graph holds; bumped at commit
	granted    map[string]bool // the append-only grants this transaction holds (grantAppendOnly)
}

// stmtRunner is what a Tx sends statements through: a *sql.Tx, or for
// ReadOnce a *sql.Conn.
type stmtRunner interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

// Engine reports the engine the transaction runs on.
func (tx *Tx) Engine() Engine { return tx.engine }

// Tenant reports the tenant the transaction is bound to.
func (tx *Tx) Tenant() TenantID { return tx.tenant }

func (tx *Tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	q, args, err := tx.bindNote(q, args)
	if err != nil {
		return nil, err
	}
	r, err := tx.tx.ExecContext(ctx, q, args...)
	return r, translate(err)
}

func (tx *Tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	q, args, err := tx.bindNote(q, args)
	if err != nil {
		return nil, err
	}
	rows, err := tx.tx.QueryContext(ctx, q, args...)
	return rows, translate(err)
}

// queryRow cannot refuse a statement (a *sql.Row carries no error of the
// caller's), so on Citus it notes a graph change but does not guard the
// append-only tables: no statement of the store returns a row from an
// UPDATE or DELETE of one (TestAppendOnlyGuard lists them).
func (tx *Tx) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	b := bindTenant(q, tx.engine)
	if tx.noTriggers && b.writes.graph {
		tx.graphDirty = true
	}
	q, args = tx.bind(q, args)
	return tx.tx.QueryRowContext(ctx, q, args...)
}

// tenantStmt is a statement prepared for a loop, bound to the tenant.
type tenantStmt struct {
	stmt   *sql.Stmt
	tenant []any // the tenant argument, when the statement takes it
}

// prepare prepares q on the transaction, for loops of one statement.
func (tx *Tx) prepare(ctx context.Context, q string) (*tenantStmt, error) {
	b := bindTenant(q, tx.engine)
	if err := tx.noteWrite(b); err != nil {
		return nil, err
	}
	stmt, err := tx.tx.PrepareContext(ctx, b.q)
	if err != nil {
		return nil, translate(err)
	}
	ts := &tenantStmt{stmt: stmt}
	if b.tenant {
		ts.tenant = []any{tx.tenant}
	}
	return ts, nil
}

func (s *tenantStmt) ExecContext(ctx context.Context, args ...any) (sql.Result, error) {
	if s.tenant != nil {
		args = append(s.tenant[:1:1], args...)
	}
	r, err := s.stmt.ExecContext(ctx, args...)
	return r, translate(err)
}

func (s *tenantStmt) QueryRowContext(ctx context.Context, args ...any) *sql.Row {
	if s.tenant != nil {
		args = append(s.tenant[:1:1], args...)
	}
	return s.stmt.QueryRowContext(ctx, args...)
}

func (s *tenantStmt) Close() error { return s.stmt.Close() }

// bind rewrites q for the engine and the tenant, and puts the tenant in
// front of args when q names it.
func (tx *Tx) bind(q string, args []any) (string, []any) {
	b := bindTenant(q, tx.engine)
	if b.tenant {
		args = append([]any{tx.tenant}, args...)
	}
	return b.q, args
}

// bindNote is bind for a statement about to run: on Citus it notes a graph
// change and refuses a change to an append-only table (noteWrite).
func (tx *Tx) bindNote(q string, args []any) (string, []any, error) {
	if tx.noTriggers {
		if err := tx.noteWrite(bindTenant(q, tx.engine)); err != nil {
			return "", nil, err
		}
	}
	q, args = tx.bind(q, args)
	return q, args, nil
}

// indexedBy is the clause that makes SQLite look a table up by the named
// index (" INDEXED BY index"), and nothing on PostgreSQL. With tenant_id
// leading every key (migration 0018) and no statistics (the store never
// runs ANALYZE), SQLite's planner takes an equality on the first column of
// an index for a selective one, and so may search an index by the tenant
// alone (to save a sort, or to cover the columns) where another index has
// the whole key: a lookup that reads every row of the tenant.
// TestHotReadPlans checks the plans of the hot reads. notIndexed
// (" NOT INDEXED") likewise keeps SQLite on the rowid (users.id), which an
// index led by the tenant would otherwise beat.
func (tx *Tx) indexedBy(index string) string {
	if tx.engine != SQLite {
		return ""
	}
	return " INDEXED BY " + index
}

func (tx *Tx) notIndexed() string {
	if tx.engine != SQLite {
		return ""
	}
	return " NOT INDEXED"
}

// boundQuery is a query as sent to the engine.
type boundQuery struct {
	q      string
	tenant bool       // the query names $T: the tenant is its first argument
	writes stmtWrites // what it writes that triggers would act on (citus.go)
}

// bindCache remembers rewritten queries: they are constants (or built
// from a few shapes), so each is rewritten once per process.
var bindCache [2]sync.Map

// bindTenant rewrites a query written in PostgreSQL's form with the
// tenant placeholder $T: $T becomes $1, the tenant, and every $N becomes
// $N+1, so that a statement's own arguments keep their order after it.
// The tenant is always bound as an argument, never formatted into SQL.
// On SQLite, $N becomes its equivalent ?N. A query without $T touches no
// tenant-owned table (scope_test.go checks which statements must have it)
// and is only rebound.
func bindTenant(q string, engine Engine) boundQuery {
	cache := &bindCache[0]
	if engine == SQLite {
		cache = &bindCache[1]
	}
	if r, ok := cache.Load(q); ok {
		return r.(boundQuery)
	}
	b := boundQuery{q: q, writes: classify(q)}
	if strings.Contains(q, "$T") {
		b.tenant = true
		var out strings.Builder
		for i := 0; i < len(q); i++ {
			c := q[i]
			if c != '$' || i+1 >= len(q) {
				out.WriteByte(c)
				continue
			}
			if q[i+1] == 'T' {
				out.WriteString("$1")
				i++
				continue
			}
			j := i + 1
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			if j == i+1 {
				out.WriteByte(c)
				continue
			}
			n, _ := strconv.Atoi(q[i+1 : j])
			fmt.Fprintf(&out, "$%d", n+1)
			i = j - 1
		}
		b.q = out.String()
	}
	if engine == SQLite {
		b.q = strings.ReplaceAll(b.q, "$", "?")
	}
	cache.Store(q, b)
	return b
}

// translate maps driver errors onto reportline error codes at the store
// boundary, so no caller needs to know the engine.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return &reportline.Error{Code: reportline.NotFound, Message: "not found", Err: err}
	}
	if pe, ok := errors.AsType[*pgconn.PgError](err); ok {
		switch pe.Code {
		case "23505":
			return &reportline.Error{Code: reportline.Conflict, Message: "already exists", Err: err}
		case "23503":
			return &reportline.Error{Code: reportline.Invalid, Message: "refers to something that does not exist", Err: err}
		case "23514":
			return &reportline.Error{Code: reportline.Invalid, Message: "violates a rule of the data model", Err: err}
		}
	}
	if se, ok := errors.AsType[*sqlite.Error](err); ok {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return &reportline.Error{Code: reportline.Conflict, Message: "already exists", Err: err}
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return &reportline.Error{Code: reportline.Invalid, Message: "refers to something that does not exist", Err: err}
		case sqlite3.SQLITE_CONSTRAINT_CHECK:
			return &reportline.Error{Code: reportline.Invalid, Message: "violates a rule of the data model", Err: err}
		}
	}
	return err
}

// notFound returns a NotFound error naming what was looked up.
func notFound(err error, what string, key any) error {
	if reportline.IsCode(err, reportline.NotFound) {
		// Named in the pages' catalogues too ("error.not_found.sync_run"),
		// for a 404 page in the reader's language.
		id := "error.not_found." + strings.ReplaceAll(what, " ", "_")
		return (&reportline.Error{Code: reportline.NotFound, Message: fmt.Sprintf("%s %v not found", what, key), Err: err}).
			Say(id, map[string]any{"Key": fmt.Sprint(key)})
	}
	return err
}

// Times are stored as Unix microseconds; NULL is the zero time.

func toMicros(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMicro(), Valid: true}
}

func fromMicros(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.UnixMicro(n.Int64).UTC()
}

func micros(t time.Time) int64 { return t.UnixMicro() }

// nullString stores "" as NULL, for unique columns where "unset" must not collide.
func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

func nullID[T ~int64](id T) sql.NullInt64 { return sql.NullInt64{Int64: int64(id), Valid: id != 0} }

// inList returns "$k,$k+1,…" placeholders for n values starting at k, and
// the values as arguments. Lists are bounded by callers (see chunk).
func inList[T any](start int, vals []T) (string, []any) {
	var b strings.Builder
	args := make([]any, len(vals))
	for i, v := range vals {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "$%d", start+i)
		args[i] = v
	}
	return b.String(), args
}

// chunkSize keeps IN lists under SQLite's default limit of 32,766 variables
// and PostgreSQL's 65,535 parameters, with room for other arguments.
const chunkSize = 500

// chunks splits vals into slices of at most chunkSize.
func chunks[T any](vals []T) [][]T {
	var out [][]T
	for len(vals) > chunkSize {
		out = append(out, vals[:chunkSize])
		vals = vals[chunkSize:]
	}
	if len(vals) > 0 {
		out = append(out, vals)
	}
	return out
}

// ExecRaw runs a statement as written. It exists for tests and maintenance
// tasks; application code uses the named methods.
func (tx *Tx) ExecRaw(ctx context.Context, q string) error {
	_, err := tx.exec(ctx, q)
	return err
}

// dbNow is an SQL expression for the database's current time in
// microseconds since the Unix epoch, the unit of every stored time. Leases
// compare it, never the clock of the replica that asks: replicas whose
// clocks drift apart still agree on whether a lease ran out.
//
// On Citus it is the coordinator's statement_timestamp(): Citus refuses a
// VOLATILE function (clock_timestamp) in an UPDATE of a distributed table,
// and evaluates a STABLE one once, on the coordinator. The lease still
// follows one clock, the coordinator's.
func (tx *Tx) dbNow() string {
	if tx.engine == Postgres && tx.noTriggers {
		return "(EXTRACT(EPOCH FROM statement_timestamp()) * 1000000)::BIGINT"
	}
	if tx.engine == Postgres {
		return "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::BIGINT"
	}
	return "CAST(unixepoch('subsec') * 1000000 AS INTEGER)"
}
