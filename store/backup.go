package store

import (
	"context"
	"fmt"
	"os"

	"reportline"
)

// Backup writes a consistent copy of the whole SQLite database (every
// tenant) to path while the service keeps running: SQLite's VACUUM INTO,
// which reads one snapshot and writes a compact database file that opens
// as it is (`reportline serve --database sqlite:PATH`, or copied to
// DATA/reportline.db). The file must not exist. On PostgreSQL it refuses
// (Invalid) and says to use pg_dump: the server's own tool copies roles'
// grants, sequences and triggers consistently, and runs where the database
// is.
func (db *DB) Backup(ctx context.Context, path string) error {
	if db.engine != SQLite {
		return reportline.Errorf(reportline.Invalid,
			"a PostgreSQL database is backed up with pg_dump (pg_dump -Fc -f FILE URL; restore with pg_restore --no-owner -d URL FILE), not by reportline backup")
	}
	if _, err := os.Stat(path); err == nil {
		return reportline.Errorf(reportline.Conflict, "%s already exists: a backup never overwrites a file", path)
	}
	// The writer connection: readers are query_only, which refuses VACUUM.
	// VACUUM INTO only reads the database (one snapshot), so another
	// process's writers (a running serve) go on; this process's wait.
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("backup: %w", translate(err))
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		os.Remove(path)
		return fmt.Errorf("backup to %s: %w", path, translate(err))
	}
	if err := os.Chmod(path, 0o600); err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	return nil
}
