package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"reportline"
)

// ExportFormat names the layout of a tenant export (its manifest's format).
const ExportFormat = "reportline-tenant-export/1"

// ExportSink receives a tenant's tables one after the other: a table's
// columns, then each of its rows as text cells (see ExportTenant for how
// values are written).
type ExportSink interface {
	BeginTable(name string, columns []string) error
	Row(cells []string) error
}

// ExportManifest describes an export: what was exported, from which
// schema, when, and how many rows each table had.
type ExportManifest struct {
	Format        string          `json:"format"`
	Tenant        ExportedTenant  `json:"tenant"`
	Engine        string          `json:"engine"`
	SchemaVersion int             `json:"schema_version"`
	ExportedAt    time.Time       `json:"exported_at"`
	Tables        []ExportedTable `json:"tables"`
}

// ExportedTenant names the exported tenant.
type ExportedTenant struct {
	ID   TenantID `json:"id"`
	Slug string   `json:"slug"`
	Host string   `json:"host,omitempty"`
}

// ExportedTable is one table of an export.
type ExportedTable struct {
	Name    string   `json:"name"`
	Rows    int64    `json:"rows"`
	Columns []string `json:"columns"`
	// Omitted are the table's secret columns, left out (see SecretColumn).
	Omitted []string `json:"omitted,omitempty"`
	// Base64 are the columns of binary values, written in standard base64.
	Base64 []string `json:"base64,omitempty"`
}

// SecretColumn reports whether a column is left out of tenant exports: a
// credential's hash (a column named hash or ending in _hash: API tokens,
// SCIM clients, sessions, password resets, passwords, credential routes),
// anything named for a secret (webhook signing secrets), and the values of
// a *_secrets table (the service's own keys), and the sealed values of
// the tenant's secrets table (its OpenID client secret and the like: sealed
// under the installation's key, useless elsewhere, and a secret all the
// same). A hash is useless to the
// tenant and would let an attacker holding the file test guesses offline;
// a secret would let them sign or decrypt as the installation.
func SecretColumn(table, column string) bool {
	return column == "hash" || strings.HasSuffix(column, "_hash") || strings.Contains(column, "secret") ||
		(strings.HasSuffix(table, "_secrets") && column == "value") || (table == "secrets" && column == "sealed")
}

// ExportTenant writes every table of the tenant named by slug to sink, in
// one snapshot (a repeatable-read transaction on PostgreSQL, a read
// transaction on SQLite), and returns the manifest. Every table with a
// tenant_id column is exported (the catalogue decides, so a new table is
// exported without a change here), its secret columns left out
// (SecretColumn). Cells: NULL and the empty text are both an empty cell;
// booleans are true / false on both engines; binary values are base64;
// JSON documents are their text; numbers are decimal; times are RFC 3339.
// Rows come in id order where the table has an id. NotFound when no
// tenant has the slug.
func (db *DB) ExportTenant(ctx context.Context, slug string, sink ExportSink) (ExportManifest, error) {
	m := ExportManifest{Format: ExportFormat, Engine: string(db.engine)}
	t, err := db.tenantBySlug(ctx, slug)
	if err != nil {
		return m, fmt.Errorf("export tenant: %w", err)
	}
	m.Tenant = ExportedTenant{ID: t.ID, Slug: t.Slug, Host: t.Host}
	opts := &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead}
	if db.engine == SQLite {
		opts = nil // a read transaction is a snapshot in WAL mode
	}
	err = db.run(ctx, t.ID, db.read, opts, func(tx *Tx) error {
		m.ExportedAt = tx.now().UTC()
		if err := tx.queryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&m.SchemaVersion); err != nil {
			return fmt.Errorf("schema version: %w", translate(err))
		}
		tables, err := tx.tenantTables(ctx)
		if err != nil {
			return err
		}
		slices.SortFunc(tables, func(a, b TenantTable) int { return strings.Compare(a.Name, b.Name) })
		for _, table := range tables {
			et, err := tx.exportTable(ctx, table, sink)
			if err != nil {
				return fmt.Errorf("table %s: %w", table.Name, err)
			}
			m.Tables = append(m.Tables, et)
		}
		return nil
	})
	if err != nil {
		return m, fmt.Errorf("export tenant %s: %w", t.Slug, err)
	}
	return m, nil
}

// exportTable writes one table's rows of the transaction's tenant.
func (tx *Tx) exportTable(ctx context.Context, t TenantTable, sink ExportSink) (ExportedTable, error) {
	et := ExportedTable{Name: t.Name}
	var sel []string
	var kinds []cellKind
	hasID := false
	for _, c := range t.Columns {
		if SecretColumn(t.Name, c.Name) {
			et.Omitted = append(et.Omitted, c.Name)
			continue
		}
		k := cellKindOf(c.Type)
		expr := quoteIdent(c.Name)
		if k == cellJSON && tx.engine == Postgres {
			expr += "::text" // the document as stored, not the driver's decoding
		}
		if k == cellBinary {
			et.Base64 = append(et.Base64, c.Name)
		}
		hasID = hasID || c.Name == "id"
		sel, kinds = append(sel, expr), append(kinds, k)
		et.Columns = append(et.Columns, c.Name)
	}
	if err := sink.BeginTable(t.Name, et.Columns); err != nil {
		return et, err
	}
	order := ""
	if hasID {
		order = " ORDER BY id"
	}
	rows, err := tx.query(ctx, `SELECT `+strings.Join(sel, ", ")+` FROM `+quoteIdent(t.Name)+` WHERE tenant_id = $T`+order)
	if err != nil {
		return et, err
	}
	defer rows.Close()
	vals := make([]any, len(sel))
	ptrs := make([]any, len(sel))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	cells := make([]string, len(sel))
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return et, translate(err)
		}
		for i, v := range vals {
			cells[i] = formatCell(v, kinds[i])
		}
		if err := sink.Row(cells); err != nil {
			return et, err
		}
		et.Rows++
	}
	return et, translate(rows.Err())
}

// cellKind is how a column's values are written.
type cellKind int

const (
	cellPlain cellKind = iota
	cellBool
	cellBinary
	cellJSON
)

func cellKindOf(declared string) cellKind {
	switch declared {
	case "boolean":
		return cellBool
	case "bytea", "blob":
		return cellBinary
	case "json", "jsonb":
		return cellJSON
	}
	return cellPlain
}

// formatCell writes one value as text, the same on both engines.
func formatCell(v any, k cellKind) string {
	switch x := v.(type) {
	case nil:
		return ""
	case bool:
		return strconv.FormatBool(x)
	case int64:
		if k == cellBool { // SQLite keeps booleans as 0 / 1
			return strconv.FormatBool(x != 0)
		}
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case []byte:
		if k == cellBinary {
			return base64.StdEncoding.EncodeToString(x)
		}
		return string(x)
	case string:
		if k == cellBinary {
			return base64.StdEncoding.EncodeToString([]byte(x))
		}
		return x
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprint(v)
}

// tenantBySlug reads a tenant by its slug; NotFound when none has it.
func (db *DB) tenantBySlug(ctx context.Context, slug string) (reportline.Tenant, error) {
	slug = strings.ToLower(strings.TrimSpace(slug))
	var t reportline.Tenant
	err := db.run(ctx, 0, db.read, &sql.TxOptions{ReadOnly: db.engine == Postgres}, func(tx *Tx) error {
		var err error
		t, err = scanTenant(tx.queryRow(ctx, `SELECT `+tenantColumns+` FROM tenants WHERE slug = $1`, slug))
		return notFound(err, "tenant", slug)
	})
	return t, err
}
