package store

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"reportline"
)

// Citus (docs/tenants.md, "Built: Citus"): the PostgreSQL mode runs
// unchanged on a Citus coordinator. When the citus extension is present,
// Migrate ends with distribute, which makes every table keyed by tenant_id
// a distributed table (by tenant_id, all colocated) and the global tables
// reference tables. What Citus refuses is handled here too: triggers (the
// graph_version bump and the append-only guards of the audit tables) are
// dropped before a table is distributed, and the store does their work
// itself on Citus (markGraph, refuseAppendOnly).

// referenceTables are the global tables: small, read by every node, and
// written by the operator. schema_migrations stays a plain table of the
// coordinator (nothing refers to it).
var referenceTables = []string{"tenants", "credential_routes", "operator_log", "operators", "operator_sessions"}

// isCitus reports whether the database the pool reaches has the citus
// extension.
func isCitus(ctx context.Context, q interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}) (bool, error) {
	var ok bool
	if err := q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')`).Scan(&ok); err != nil {
		return false, fmt.Errorf("detect citus: %w", err)
	}
	return ok, nil
}

// Citus reports whether the database is a Citus coordinator (the tables
// are then distributed by tenant; see distribute).
func (db *DB) Citus() bool { return db.citus }

// distribute makes the tables of the schema Citus tables, once each (a
// table already distributed or a reference table is left alone), so that it runs after
// every Migrate and catches the tables of later migrations too: such a
// table has tenant_id first (docs/tenants.md, "The key") and no trigger.
// The reference tables come first; the distributed ones follow in the
// order of their foreign keys (a foreign key between distributed tables
// needs both distributed and colocated, one to a reference table needs
// the reference table), each colocated with the first.
func distribute(ctx context.Context, conn *sql.Conn) error {
	done := map[string]bool{}
	// Citus local tables (what a foreign key to a reference table turns
	// a plain table into) are not done: they are distributed below.
	rows, err := conn.QueryContext(ctx, `SELECT table_name::text FROM citus_tables WHERE citus_table_type IN ('distributed', 'reference')`)
	if err != nil {
		return fmt.Errorf("citus: list distributed tables: %w", err)
	}
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return fmt.Errorf("citus: list distributed tables: %w", err)
		}
		done[t] = true
	}
	rows.Close()

	tables, _, err := citusCandidates(ctx, conn)
	if err != nil {
		return err
	}
	// Before any table becomes a Citus table: a foreign key to a reference
	// table turns the referring tables into Citus local tables, on which
	// Citus refuses both DROP IDENTITY and distributing an identity column.
	for _, t := range append(append([]string{}, referenceTables...), tables...) {
		if done[t] {
			continue
		}
		if err := identityToSequence(ctx, conn, t); err != nil {
			return err
		}
	}
	// Foreign keys between tenant tables cannot wait in either order (a
	// distributed table may not refer to a local one, nor be referred to
	// by one), so they are dropped, every table distributed, and they are
	// added again, now between colocated distributed tables.
	fks, err := dropForeignKeys(ctx, conn, tables, done)
	if err != nil {
		return err
	}
	for _, t := range referenceTables {
		if done[t] {
			continue
		}
		if err := dropTriggers(ctx, conn, t); err != nil {
			return err
		}
		if _, err := conn.ExecContext(ctx, `SELECT create_reference_table($1)`, t); err != nil {
			return fmt.Errorf("citus: create_reference_table(%s): %w", t, err)
		}
		done[t] = true
	}
	// The first distributed table (users, the oldest tenant table, when
	// this is a fresh database) anchors the colocation group.
	anchor := ""
	if done["users"] {
		anchor = "users"
	}
	for _, t := range tables {
		if done[t] {
			continue
		}
		if err := dropTriggers(ctx, conn, t); err != nil {
			return err
		}
		colocate := anchor
		if colocate == "" {
			colocate = "none"
		}
		if _, err := conn.ExecContext(ctx, `SELECT create_distributed_table($1, 'tenant_id', colocate_with => $2)`, t, colocate); err != nil {
			return fmt.Errorf("citus: create_distributed_table(%s): %w", t, err)
		}
		if anchor == "" {
			anchor = t
		}
		done[t] = true
	}
	for _, fk := range fks {
		if _, err := conn.ExecContext(ctx, `ALTER TABLE `+quoteIdent(fk.table)+` ADD CONSTRAINT `+quoteIdent(fk.name)+` `+fk.def); err != nil {
			return fmt.Errorf("citus: foreign key %s of %s: %w", fk.name, fk.table, err)
		}
	}
	return revokeAppendOnly(ctx, conn)
}

// citusCandidates lists the tables of the current schema that have a
// tenant_id column and are not reference tables (users first, then by
// name), and the tables each refers to by foreign key.
func citusCandidates(ctx context.Context, conn *sql.Conn) ([]string, map[string][]string, error) {
	rows, err := conn.QueryContext(ctx, `SELECT c.relname FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
		WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition`)
	if err != nil {
		return nil, nil, fmt.Errorf("citus: list tables: %w", err)
	}
	var tables []string
	isRef := map[string]bool{}
	for _, t := range referenceTables {
		isRef[t] = true
	}
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return nil, nil, fmt.Errorf("citus: list tables: %w", err)
		}
		if !isRef[t] {
			tables = append(tables, t)
		}
	}
	rows.Close()
	sort.Slice(tables, func(i, j int) bool {
		if (tables[i] == "users") != (tables[j] == "users") {
			return tables[i] == "users"
		}
		return tables[i] < tables[j]
	})
	refs := map[string][]string{}
	rows, err = conn.QueryContext(ctx, `SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint
		WHERE contype = 'f' AND connamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())`)
	if err != nil {
		return nil, nil, fmt.Errorf("citus: list foreign keys: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var from, to string
		if err := rows.Scan(&from, &to); err != nil {
			return nil, nil, fmt.Errorf("citus: list foreign keys: %w", err)
		}
		refs[from] = append(refs[from], to)
	}
	return tables, refs, rows.Err()
}

// identityToSequence turns the identity columns of table t into columns
// with a sequence default (what bigserial is), which Citus distributes: it
// refuses to distribute a table with an identity column once a foreign key
// to a reference table (tenants) has made it a Citus local table, and to
// drop the identity then, hence before any table is a Citus table. The
// sequence continues from where the identity's stopped, so no id is given
// twice.
func identityToSequence(ctx context.Context, conn *sql.Conn, t string) error {
	rows, err := conn.QueryContext(ctx, `SELECT attname FROM pg_attribute
		WHERE attrelid = $1::regclass AND attidentity <> '' AND NOT attisdropped`, t)
	if err != nil {
		return fmt.Errorf("citus: identity columns of %s: %w", t, err)
	}
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return fmt.Errorf("citus: identity columns of %s: %w", t, err)
		}
		cols = append(cols, c)
	}
	rows.Close()
	for _, c := range cols {
		seq := t + "_" + c + "_seq"
		var next int64
		if err := conn.QueryRowContext(ctx, `SELECT GREATEST(
				(SELECT COALESCE(last_value + 1, 1) FROM pg_sequences WHERE schemaname = current_schema()
					AND sequencename = split_part(pg_get_serial_sequence($1, $2), '.', 2)),
				(SELECT COALESCE(MAX(`+quoteIdent(c)+`), 0) + 1 FROM `+quoteIdent(t)+`), 1)`, t, c).Scan(&next); err != nil {
			return fmt.Errorf("citus: the identity of %s.%s: %w", t, c, err)
		}
		for _, q := range []string{
			`ALTER TABLE ` + quoteIdent(t) + ` ALTER COLUMN ` + quoteIdent(c) + ` DROP IDENTITY`,
			`CREATE SEQUENCE IF NOT EXISTS ` + quoteIdent(seq) + ` OWNED BY ` + quoteIdent(t) + `.` + quoteIdent(c),
			fmt.Sprintf(`SELECT setval('%s', %d, false)`, strings.ReplaceAll(quoteIdent(seq), "'", "''"), next),
			`ALTER TABLE ` + quoteIdent(t) + ` ALTER COLUMN ` + quoteIdent(c) + ` SET DEFAULT nextval('` + strings.ReplaceAll(quoteIdent(seq), "'", "''") + `')`,
		} {
			if _, err := conn.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("citus: the identity of %s.%s: %w", t, c, err)
			}
		}
	}
	return nil
}

type foreignKey struct{ table, name, def string }

// dropForeignKeys drops the foreign keys of the tables not done yet (and
// those that refer to them) and returns them, to be added again.
func dropForeignKeys(ctx context.Context, conn *sql.Conn, tables []string, done map[string]bool) ([]foreignKey, error) {
	todo := map[string]bool{}
	for _, t := range tables {
		if !done[t] {
			todo[t] = true
		}
	}
	rows, err := conn.QueryContext(ctx, `SELECT conrelid::regclass::text, confrelid::regclass::text, conname, pg_get_constraintdef(oid)
		FROM pg_constraint WHERE contype = 'f' AND connamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
		ORDER BY conrelid::regclass::text, conname`)
	if err != nil {
		return nil, fmt.Errorf("citus: list foreign keys: %w", err)
	}
	var fks []foreignKey
	for rows.Next() {
		var from, to string
		var fk foreignKey
		if err := rows.Scan(&from, &to, &fk.name, &fk.def); err != nil {
			rows.Close()
			return nil, fmt.Errorf("citus: list foreign keys: %w", err)
		}
		if todo[from] || todo[to] {
			fk.table = from
			fks = append(fks, fk)
		}
	}
	rows.Close()
	for _, fk := range fks {
		if _, err := conn.ExecContext(ctx, `ALTER TABLE `+quoteIdent(fk.table)+` DROP CONSTRAINT `+quoteIdent(fk.name)); err != nil {
			return nil, fmt.Errorf("citus: drop foreign key %s of %s: %w", fk.name, fk.table, err)
		}
	}
	return fks, nil
}

// dropTriggers drops the user triggers of table t: Citus refuses to
// distribute a table that has any. Their work moves into the store
// (markGraph, refuseAppendOnly).
func dropTriggers(ctx context.Context, conn *sql.Conn, t string) error {
	rows, err := conn.QueryContext(ctx, `SELECT tgname FROM pg_trigger WHERE tgrelid = $1::regclass AND NOT tgisinternal`, t)
	if err != nil {
		return fmt.Errorf("citus: triggers of %s: %w", t, err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return fmt.Errorf("citus: triggers of %s: %w", t, err)
		}
		names = append(names, n)
	}
	rows.Close()
	for _, n := range names {
		if _, err := conn.ExecContext(ctx, `DROP TRIGGER `+quoteIdent(n)+` ON `+quoteIdent(t)); err != nil {
			return fmt.Errorf("citus: drop trigger %s on %s: %w", n, t, err)
		}
	}
	return nil
}

// revokeAppendOnly takes UPDATE and DELETE on the append-only tables away
// from the application's role, reportline_app, when it exists: the wall
// that does not depend on the store's code (a superuser, as the tests and
// a default installation connect, is not bound by it; refuseAppendOnly is
// the wall for it).
func revokeAppendOnly(ctx context.Context, conn *sql.Conn) error {
	var exists bool
	if err := conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'reportline_app')`).Scan(&exists); err != nil {
		return fmt.Errorf("citus: look for reportline_app: %w", err)
	}
	if !exists {
		return nil
	}
	for _, t := range appendOnlyTables {
		if _, err := conn.ExecContext(ctx, `REVOKE UPDATE, DELETE, TRUNCATE ON `+quoteIdent(t)+` FROM reportline_app`); err != nil {
			return fmt.Errorf("citus: revoke on %s: %w", t, err)
		}
	}
	return nil
}

// appendOnlyTables are the tables whose rows are never changed or deleted
// once written (the triggers of migrations 0001, 0005, 0006, 0008 and
// 0013 on SQLite and plain PostgreSQL).
var appendOnlyTables = []string{"audit_log", "change_log", "statistics_views", "template_sends", "directory_user_changes"}

// stmtWrites is what a statement writes that the store must act on where
// the engine has no triggers (Citus): a change the in-memory graph holds,
// or an UPDATE or DELETE of an append-only table.
type stmtWrites struct {
	graph      bool
	appendOnly string // the append-only table the statement would change
	appendVerb string // how: UPDATE, DELETE or TRUNCATE
}

var (
	// A write to a table whose rows the in-memory graph holds (the
	// triggers of 0015, 0018 and 0021). users bumps on UPDATE only when
	// the statement names a column the graph holds; memberships bumps on
	// every write (the triggers bump only for administrating roles: the
	// store cannot see the rows' roles, so Citus bumps more often, never
	// less).
	graphWriteRe       = regexp.MustCompile(`(?is)\b(?:INSERT\s+INTO|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?|UPDATE)\s+"?(links|settings|org_units|manager_positions|capability_matrix|memberships|users)\b`)
	usersGraphColumnRe = regexp.MustCompile(`(?is)\bUPDATE\s+users\b.*\b(status|org_unit|position|email|platform_role)\b`)
	appendOnlyWriteRe  = regexp.MustCompile(`(?is)\b(?:DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?|UPDATE)\s+"?(audit_log|change_log|statistics_views|template_sends|directory_user_changes)\b`)
)

// classify finds what statement q writes (see stmtWrites).
func classify(q string) stmtWrites {
	var w stmtWrites
	for _, m := range graphWriteRe.FindAllStringSubmatch(q, -1) {
		if strings.EqualFold(m[1], "users") && strings.HasPrefix(strings.ToUpper(strings.TrimSpace(m[0])), "UPDATE") {
			if usersGraphColumnRe.MatchString(q) {
				w.graph = true
			}
			continue
		}
		w.graph = true
	}
	if m := appendOnlyWriteRe.FindStringSubmatch(q); m != nil {
		w.appendOnly = strings.ToLower(m[1])
		w.appendVerb = strings.ToUpper(strings.Fields(m[0])[0])
	}
	return w
}

// noteWrite is called with every statement a transaction runs. Where the
// engine has no triggers (Citus) it remembers a change to the graph, bumped
// once at commit (bumpGraph), and refuses an UPDATE or DELETE of an
// append-only table: the application-level guard that stands for the
// triggers there. A dedicated statement could be let through by name
// (erasure of one person, docs/tenants.md); none is today.
func (tx *Tx) noteWrite(b boundQuery) error {
	if !tx.noTriggers {
		return nil
	}
	if b.writes.appendOnly != "" && !tx.grantCovers(b.writes.appendVerb) {
		return reportline.Errorf(reportline.Forbidden, "%s is append-only: its rows are never changed or deleted", b.writes.appendOnly)
	}
	if b.writes.graph {
		tx.graphDirty = true
	}
	return nil
}

// bumpGraph bumps the tenant's graph version once if the transaction
// changed what the in-memory graph holds, in the same transaction, as the
// triggers do on the other engines.
func (tx *Tx) bumpGraph(ctx context.Context) error {
	if !tx.graphDirty || tx.tenant == 0 {
		return nil
	}
	tx.graphDirty = false
	return tx.bumpVersion(ctx)
}

// grantCovers reports whether the transaction's own grant (grantAppendOnly,
// the one exception path of tenant deletion and person erasure) lets a
// statement of that verb change an append-only table: the same rule the
// triggers of the other engines apply (migration 0026), "erase" for an
// UPDATE, "delete" for a DELETE, never a TRUNCATE.
func (tx *Tx) grantCovers(verb string) bool {
	switch verb {
	case "UPDATE":
		return tx.granted["erase"]
	case "DELETE":
		return tx.granted["delete"]
	}
	return false
}
