package store

import "context"

// MigrateTo applies the migrations up to version last, for tests of a
// later migration on data written by an earlier schema.
func (db *DB) MigrateTo(ctx context.Context, last int) error { return db.migrateTo(ctx, last) }
