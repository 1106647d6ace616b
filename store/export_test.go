package store

import "context"

// MigrateTo applies the migrations up to version last, for tests of a
// later migration on data written by an earlier schema.
func (db *DB) MigrateTo(ctx context.Context, last int) error { return db.migrateTo(ctx, last) }

// WithoutTriggers drops the graph version and append-only triggers and
// makes the store do their work, as it does on Citus (citus.go), so that
// every run tests that path on SQLite and plain PostgreSQL.
func (db *DB) WithoutTriggers(ctx context.Context) error {
	q := `SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'
		AND (name GLOB 'graph_version*' OR name GLOB '*_no_update' OR name GLOB '*_no_delete')`
	if db.engine == Postgres {
		q = `SELECT tgname, tgrelid::regclass::text FROM pg_trigger WHERE NOT tgisinternal
			AND (tgname LIKE 'graph\_version%' OR tgname LIKE '%\_no\_change')`
	}
	rows, err := db.write.QueryContext(ctx, q)
	if err != nil {
		return err
	}
	var drops []string
	for rows.Next() {
		var name, table string
		if err := rows.Scan(&name, &table); err != nil {
			rows.Close()
			return err
		}
		if db.engine == Postgres {
			drops = append(drops, "DROP TRIGGER "+quoteIdent(name)+" ON "+quoteIdent(table))
		} else {
			drops = append(drops, "DROP TRIGGER "+quoteIdent(name))
		}
	}
	rows.Close()
	for _, d := range drops {
		if _, err := db.write.ExecContext(ctx, d); err != nil {
			return err
		}
	}
	db.citus = true
	return nil
}
