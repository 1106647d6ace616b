package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// The tenant's tables are read from the database's own catalogue, not from a
// list in the code: a table a later migration adds is exported, deleted and
// counted the day it exists (docs/tenants.md, "Built: step 4").

// TenantTable is a tenant-owned table: one that has a tenant_id column.
type TenantTable struct {
	Name    string
	Columns []TableColumn // tenant_id first, then the others in the table's order
	parents []string      // the tables its foreign keys reference (itself excluded)
}

// TableColumn is a column of a tenant-owned table.
type TableColumn struct {
	Name string
	Type string // as declared, lower-case: bigint, text, boolean, bytea / blob, jsonb…
	// NotNull and HasDefault say whether an insert may leave the column
	// out (an identity or a primary key of SQLite counts as a default).
	NotNull, HasDefault bool
}

// aboveTenants are the tables that carry a tenant_id but belong to no
// tenant: the operator's log outlives the tenants it names.
var aboveTenants = []string{"operator_log"}

// grantsTable is where the append-only guard's grants live for one
// transaction (migration 0026); it is emptied last by a deletion.
const grantsTable = "append_only_grants"

// tenantTables lists the tenant-owned tables, each after every table whose
// foreign keys reference it (children first): the order in which a tenant's
// rows can be deleted.
func (tx *Tx) tenantTables(ctx context.Context) ([]TenantTable, error) {
	cols, err := tx.catalogueColumns(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the catalogue: %w", err)
	}
	edges, err := tx.catalogueForeignKeys(ctx, cols)
	if err != nil {
		return nil, fmt.Errorf("read the catalogue's foreign keys: %w", err)
	}
	byName := map[string]*TenantTable{}
	var names []string
	for name, cs := range cols {
		i := slices.IndexFunc(cs, func(c TableColumn) bool { return c.Name == "tenant_id" })
		if i < 0 || slices.Contains(aboveTenants, name) {
			continue
		}
		ordered := append([]TableColumn{cs[i]}, slices.Delete(slices.Clone(cs), i, i+1)...)
		byName[name] = &TenantTable{Name: name, Columns: ordered}
		names = append(names, name)
	}
	for _, e := range edges {
		if t, ok := byName[e[0]]; ok && e[0] != e[1] && byName[e[1]] != nil && !slices.Contains(t.parents, e[1]) {
			t.parents = append(t.parents, e[1])
		}
	}
	slices.Sort(names)
	return childrenFirst(names, byName)
}

// childrenFirst orders the tables so that every table comes before the
// tables it references (Kahn's algorithm, alphabetical among equals, so the
// order is the same on every run).
func childrenFirst(names []string, byName map[string]*TenantTable) ([]TenantTable, error) {
	referencedBy := map[string]int{}
	for _, n := range names {
		for _, p := range byName[n].parents {
			referencedBy[p]++
		}
	}
	var out []TenantTable
	done := map[string]bool{}
	for len(out) < len(names) {
		progressed := false
		for _, n := range names {
			if done[n] || referencedBy[n] > 0 {
				continue
			}
			done[n], progressed = true, true
			out = append(out, *byName[n])
			for _, p := range byName[n].parents {
				referencedBy[p]--
			}
		}
		if !progressed {
			var left []string
			for _, n := range names {
				if !done[n] {
					left = append(left, n)
				}
			}
			return nil, fmt.Errorf("the foreign keys of %s form a cycle: no order deletes them", strings.Join(left, ", "))
		}
	}
	return out, nil
}

// catalogueColumns returns every table's columns in their order.
func (tx *Tx) catalogueColumns(ctx context.Context) (map[string][]TableColumn, error) {
	q := `SELECT table_name, column_name, data_type, is_nullable = 'NO', column_default IS NOT NULL OR is_identity = 'YES'
		FROM information_schema.columns
		WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`
	if tx.engine == SQLite {
		q = `SELECT m.name, p.name, lower(p.type), p."notnull" <> 0, p.dflt_value IS NOT NULL OR (p.pk = 1 AND lower(p.type) = 'integer')
			FROM sqlite_master m, pragma_table_info(m.name) p
			WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid`
	}
	rows, err := tx.query(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]TableColumn{}
	for rows.Next() {
		var table string
		var c TableColumn
		if err := rows.Scan(&table, &c.Name, &c.Type, &c.NotNull, &c.HasDefault); err != nil {
			return nil, translate(err)
		}
		c.Type = strings.ToLower(c.Type)
		out[table] = append(out[table], c)
	}
	return out, translate(rows.Err())
}

// catalogueForeignKeys returns (table, referenced table) pairs.
func (tx *Tx) catalogueForeignKeys(ctx context.Context, tables map[string][]TableColumn) ([][2]string, error) {
	var out [][2]string
	if tx.engine == Postgres {
		rows, err := tx.query(ctx, `SELECT c.relname, p.relname FROM pg_constraint k
			JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid
			JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE k.contype = 'f' AND n.nspname = current_schema()`)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var e [2]string
			if err := rows.Scan(&e[0], &e[1]); err != nil {
				return nil, translate(err)
			}
			out = append(out, e)
		}
		return out, translate(rows.Err())
	}
	for name := range tables {
		rows, err := tx.query(ctx, `SELECT "table" FROM pragma_foreign_key_list($1)`, name)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var parent string
			if err := rows.Scan(&parent); err != nil {
				rows.Close()
				return nil, translate(err)
			}
			out = append(out, [2]string{name, parent})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, translate(err)
		}
	}
	return out, nil
}

// quoteIdent quotes a table or column name read from the catalogue, so that
// it is never read as SQL.
func quoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// TenantRowCounts returns the number of rows the tenant has in each of its
// tables (every table with a tenant_id but the operator log), zeros
// included. It reads no other tenant's rows.
func (db *DB) TenantRowCounts(ctx context.Context, id TenantID) (map[string]int64, error) {
	out := map[string]int64{}
	err := db.Tenant(id).Read(ctx, func(tx *Tx) error {
		tables, err := tx.tenantTables(ctx)
		if err != nil {
			return err
		}
		for _, t := range tables {
			var n int64
			if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM `+quoteIdent(t.Name)+` WHERE tenant_id = $T`).Scan(&n); err != nil {
				return fmt.Errorf("count %s: %w", t.Name, translate(err))
			}
			out[t.Name] = n
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("count the rows of tenant %d: %w", id, err)
	}
	return out, nil
}
