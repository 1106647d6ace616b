package testapp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"reportline/store"
)

// sqliteFile is the name store.Open gives the database in its data folder.
const sqliteFile = "reportline.db"

// Migrating a fresh SQLite file runs every migration, each in its own
// transaction with its own fsync; copying an already migrated file costs a
// file copy. So a test process that runs through Main migrates one template
// file and every test gets a copy of it, as PostgreSQL tests get a clone of a
// migrated template database. OpenDB still runs Migrate on the copy, which
// then finds nothing to do.
var (
	// mainRan is set by Main: only then is there someone to remove the
	// template's folder when the tests end, so only then is one made.
	mainRan atomic.Bool

	sqliteTpl struct {
		once sync.Once
		dir  string // the template's folder, removed by Main
		err  error
	}
)

// sqliteTemplate returns the folder of the migrated template file, building it
// on the first call; "" when there is none to use (Main did not run).
func sqliteTemplate() (string, error) {
	if !mainRan.Load() {
		return "", nil
	}
	sqliteTpl.once.Do(func() {
		sqliteTpl.dir, sqliteTpl.err = buildSQLiteTemplate()
	})
	return sqliteTpl.dir, sqliteTpl.err
}

func buildSQLiteTemplate() (dir string, err error) {
	dir, err = os.MkdirTemp("", "rltest-sqlite-")
	if err != nil {
		return "", fmt.Errorf("sqlite template: %w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
			dir = ""
		}
	}()
	ctx := context.Background()
	db, err := store.Open(ctx, "", dir)
	if err != nil {
		return dir, fmt.Errorf("sqlite template: %w", err)
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return dir, fmt.Errorf("sqlite template: migrate: %w", err)
	}
	// Closing the last connection checkpoints the WAL into the main file
	// (copySQLite copies a WAL left behind all the same).
	if err := db.Close(); err != nil {
		return dir, fmt.Errorf("sqlite template: close: %w", err)
	}
	return dir, nil
}

// copySQLite copies the template's database file (and its WAL, if one was
// left) from the folder from into the folder to.
func copySQLite(from, to string) error {
	for _, suffix := range []string{"", "-wal"} {
		err := copyFile(filepath.Join(from, sqliteFile+suffix), filepath.Join(to, sqliteFile+suffix))
		if suffix != "" && errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("copy the sqlite template: %w", err)
		}
	}
	return nil
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}

// removeSQLiteTemplate removes the template's folder, if one was made.
func removeSQLiteTemplate() error {
	sqliteTpl.once.Do(func() {}) // no template may be built from now on
	if sqliteTpl.dir == "" {
		return nil
	}
	return os.RemoveAll(sqliteTpl.dir)
}
