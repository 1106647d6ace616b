package store

import (
	"context"
	"encoding/base64"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"reportline"
)

// Importing a tenant export (docs/tenants.md, "How a tenant is moved"): the
// files `tenant export` wrote become a new tenant of this installation, on
// either engine, in one transaction.

// ImportSource gives the files of an export: Open returns a table's CSV
// (TABLE.csv) and the name to give in errors; a missing file is an error
// that wraps fs.ErrNotExist.
type ImportSource interface {
	Open(table string) (rc io.ReadCloser, file string, err error)
}

// ImportReport says what an import did.
type ImportReport struct {
	Tenant TenantID
	// Rows are the rows imported per table.
	Rows map[string]int64
	// Skipped are the tables left out, with why: their rows need a value
	// the export does not carry (a secret or a credential's hash), or
	// refer to such rows.
	Skipped map[string]string
}

// ImportTenant creates the tenant slug (answering on host, "" for none) and
// loads into it every table of the export that manifest describes and src
// holds, in one transaction: on any error nothing is left, not even the
// tenant. Rows keep their ids (links, history, audit and documents refer
// to them); tenant_id becomes the new tenant's. The export's schema must
// not be newer than this installation's; a column this installation has and
// the export lacks takes its default. Tables whose rows need an omitted
// secret column (credential hashes, passwords, sealed secrets, webhook
// signing secrets) are skipped, with the tables that refer to them, and
// listed in the report. Errors name the file, line and column. Recorded in
// the operator log for actor.
func (db *DB) ImportTenant(ctx context.Context, actor, slug, host string, m ExportManifest, src ImportSource) (ImportReport, error) {
	r := ImportReport{Rows: map[string]int64{}, Skipped: map[string]string{}}
	if m.Format != ExportFormat {
		return r, reportline.Errorf(reportline.Invalid, "manifest.json: format %q, want %q", m.Format, ExportFormat)
	}
	slug = strings.ToLower(strings.TrimSpace(slug))
	if slug == "" {
		return r, reportline.Errorf(reportline.Invalid, "a tenant needs a slug")
	}
	var hostArg any
	if host = reportline.NormalizeHost(host); host != "" {
		hostArg = host
	}
	err := db.run(ctx, 0, db.write, nil, func(tx *Tx) error {
		var schema int
		if err := tx.queryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&schema); err != nil {
			return fmt.Errorf("schema version: %w", translate(err))
		}
		if m.SchemaVersion > schema {
			return reportline.Errorf(reportline.Invalid, "manifest.json: the export is of schema %d, this installation's is %d: upgrade it first", m.SchemaVersion, schema)
		}
		var id TenantID
		if err := tx.queryRow(ctx, `INSERT INTO tenants (slug, host, status, created_at) VALUES ($1, $2, 'active', $3) RETURNING id`,
			slug, hostArg, micros(tx.now())).Scan(&id); err != nil {
			if reportline.IsCode(translate(err), reportline.Conflict) {
				return reportline.Errorf(reportline.Conflict, "a tenant with slug %q or host %q already exists", slug, host)
			}
			return translate(err)
		}
		tx.tenant, r.Tenant = id, id
		tables, err := tx.tenantTables(ctx)
		if err != nil {
			return err
		}
		slices.Reverse(tables) // parents first
		byName := map[string]TenantTable{}
		for _, t := range tables {
			byName[t.Name] = t
		}
		exported := map[string]ExportedTable{}
		for _, et := range m.Tables {
			if _, ok := byName[et.Name]; !ok {
				return reportline.Errorf(reportline.Invalid, "manifest.json: table %s is not in this installation's schema (%d)", et.Name, schema)
			}
			exported[et.Name] = et
		}
		skip := skippedTables(tables, exported)
		var total int64
		for _, t := range tables {
			et, ok := exported[t.Name]
			if !ok || et.Rows == 0 && t.Name == grantsTable {
				continue // a table newer than the export: empty for this tenant
			}
			if why, skipped := skip[t.Name]; skipped {
				r.Skipped[t.Name] = why
				continue
			}
			n, err := tx.importTable(ctx, t, et, src)
			if err != nil {
				return err
			}
			r.Rows[t.Name] = n
			total += n
		}
		if err := tx.advanceSequences(ctx, tables); err != nil {
			return err
		}
		return tx.operatorLog(ctx, actor, "tenant.import", fmt.Sprintf("slug=%s host=%s from=%s/%s rows=%d", slug, host, m.Tenant.Slug, m.Engine, total))
	})
	if err != nil {
		return ImportReport{}, fmt.Errorf("import tenant %s: %w", slug, err)
	}
	return r, nil
}

// skippedTables are the tables an export cannot restore: one whose omitted
// column this installation requires (no null, no default), and every table
// whose foreign keys lead to one.
func skippedTables(tables []TenantTable, exported map[string]ExportedTable) map[string]string {
	skip := map[string]string{}
	for _, t := range tables {
		for _, c := range t.Columns {
			if slices.Contains(exported[t.Name].Omitted, c.Name) && c.NotNull && !c.HasDefault {
				skip[t.Name] = fmt.Sprintf("its column %s (a secret) is not in the export", c.Name)
			}
		}
	}
	for changed := true; changed; { // tables are parents first, but a cycle-free closure is simplest
		changed = false
		for _, t := range tables {
			if _, done := skip[t.Name]; done {
				continue
			}
			for _, p := range t.parents {
				if _, gone := skip[p]; gone {
					skip[t.Name] = "it refers to " + p + ", which is skipped"
					changed = true
					break
				}
			}
		}
	}
	return skip
}

// importTable inserts the rows of one table's CSV and checks their number
// against the manifest.
func (tx *Tx) importTable(ctx context.Context, t TenantTable, et ExportedTable, src ImportSource) (int64, error) {
	rc, file, err := src.Open(t.Name)
	if err != nil {
		return 0, fmt.Errorf("table %s: %w", t.Name, err)
	}
	defer rc.Close()
	cr := csv.NewReader(rc)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return 0, fmt.Errorf("%s, line 1: the header: %w", file, err)
	}
	header = slices.Clone(header) // the reader reuses its record
	tenantCol := slices.Index(header, "tenant_id")
	if !slices.Equal(header, et.Columns) {
		return 0, reportline.Errorf(reportline.Invalid, "%s, line 1: the header %q is not the manifest's columns %q", file, strings.Join(header, ","), strings.Join(et.Columns, ","))
	}
	cols := map[string]TableColumn{}
	for _, c := range t.Columns {
		cols[c.Name] = c
	}
	var names, marks []string
	var use []int // the CSV's column of each inserted column; -1: the tenant
	var types []TableColumn
	params := 0
	for i, h := range header {
		c, ok := cols[h]
		if !ok {
			return 0, reportline.Errorf(reportline.Invalid, "%s, line 1, column %d: %s.%s is not in this installation's schema", file, i+1, t.Name, h)
		}
		names, use, types = append(names, quoteIdent(h)), append(use, i), append(types, c)
		if h == "tenant_id" {
			marks = append(marks, "$T")
			continue
		}
		params++
		mark := "$" + strconv.Itoa(params)
		if tx.engine == Postgres && (c.Type == "jsonb" || c.Type == "json") {
			mark += "::" + c.Type
		}
		marks = append(marks, mark)
	}
	for _, c := range t.Columns {
		if !slices.Contains(header, c.Name) && !slices.Contains(et.Omitted, c.Name) && c.NotNull && !c.HasDefault {
			return 0, reportline.Errorf(reportline.Invalid, "%s: the export has no column %s, which this installation requires (the export's schema is older than the migration that added it)", file, c.Name)
		}
	}
	// Placeholders: $T is the tenant, the others $1… in the CSV's order.
	q := `INSERT INTO ` + quoteIdent(t.Name) + ` (` + strings.Join(names, ", ") + `) VALUES (` + strings.Join(marks, ", ") + `)`
	var n int64
	args := make([]any, 0, len(header))
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return n, reportline.Errorf(reportline.Invalid, "%s, line %d, column %d: %v", file, pe.Line, pe.Column, pe.Err)
			}
			return n, fmt.Errorf("%s, after %d rows: %w", file, n, err)
		}
		line, _ := cr.FieldPos(0)
		args = args[:0]
		for k, i := range use {
			if i == tenantCol {
				continue
			}
			v, err := parseCell(rec[i], types[k], tx.engine)
			if err != nil {
				_, col := cr.FieldPos(i)
				return n, reportline.Errorf(reportline.Invalid, "%s, line %d, column %d (%s): %v", file, line, col, header[i], err)
			}
			args = append(args, v)
		}
		if _, err := tx.exec(ctx, q, args...); err != nil {
			if tx.engine == SQLite && reportline.IsCode(err, reportline.Conflict) && slices.Contains(header, "id") {
				return n, fmt.Errorf("%s, line %d: %w (rows keep their ids, and on SQLite an id is unique in the whole installation: "+
					"import into a new SQLite installation or into PostgreSQL)", file, line, err)
			}
			return n, fmt.Errorf("%s, line %d: %w", file, line, err)
		}
		n++
	}
	if n != et.Rows {
		return n, reportline.Errorf(reportline.Invalid, "%s: %d rows, the manifest says %d (a truncated or edited file)", file, n, et.Rows)
	}
	return n, nil
}

// parseCell reads one cell as exportTable wrote it (formatCell).
func parseCell(s string, c TableColumn, engine Engine) (any, error) {
	if s == "" {
		switch {
		case !c.NotNull:
			return nil, nil
		case cellKindOf(c.Type) == cellPlain && !isNumeric(c.Type):
			return "", nil
		}
		return nil, fmt.Errorf("empty, and %s %s may not be", c.Type, c.Name)
	}
	switch cellKindOf(c.Type) {
	case cellBool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not true or false", s)
		}
		return b, nil
	case cellBinary:
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("not standard base64: %v", err)
		}
		return b, nil
	case cellJSON:
		return s, nil
	}
	if strings.Contains(c.Type, "int") {
		// A boolean of one engine may be an integer of the other
		// (notification_roles.enabled is INTEGER on SQLite).
		switch s {
		case "true":
			return int64(1), nil
		case "false":
			return int64(0), nil
		}
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a whole number", s)
		}
		return v, nil
	}
	if isNumeric(c.Type) {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", s)
		}
		return v, nil
	}
	return s, nil
}

// nextvalOf finds the sequence of a column default nextval('name'::regclass).
var nextvalOf = regexp.MustCompile(`nextval\('([^']+)'`)

func isNumeric(t string) bool {
	return strings.Contains(t, "int") || t == "real" || t == "double precision" || t == "numeric" || t == "float"
}

// advanceSequences moves each identity past the ids the import brought, so
// that the next row made here does not take one of them (PostgreSQL: one
// sequence per table; SQLite picks the largest rowid plus one by itself).
func (tx *Tx) advanceSequences(ctx context.Context, tables []TenantTable) error {
	if tx.engine != Postgres {
		return nil
	}
	for _, t := range tables {
		if !slices.ContainsFunc(t.Columns, func(c TableColumn) bool { return c.Name == "id" && c.HasDefault }) {
			continue
		}
		var seq *string
		if err := tx.queryRow(ctx, `SELECT pg_get_serial_sequence($1, 'id')`, t.Name).Scan(&seq); err != nil {
			return fmt.Errorf("the sequence of %s: %w", t.Name, translate(err))
		}
		if seq == nil {
			// On Citus the identities became plain sequence defaults
			// (citus.go), which the sequence may not be owned by.
			var def *string
			if err := tx.queryRow(ctx, `SELECT column_default FROM information_schema.columns
				WHERE table_schema = current_schema() AND table_name = $1 AND column_name = 'id'`, t.Name).Scan(&def); err != nil {
				return fmt.Errorf("the default of %s.id: %w", t.Name, translate(err))
			}
			if def == nil {
				continue
			}
			m := nextvalOf.FindStringSubmatch(*def)
			if m == nil {
				continue
			}
			seq = &m[1]
		}
		// Every tenant's ids: the sequence is the table's, above tenants.
		if _, err := tx.exec(ctx, `SELECT setval($1, GREATEST((SELECT COALESCE(MAX(id), 0) FROM `+quoteIdent(t.Name)+`), nextval($1::regclass) - 1) + 1, false)`, *seq); err != nil {
			return fmt.Errorf("advance the sequence of %s: %w", t.Name, err)
		}
	}
	return nil
}
