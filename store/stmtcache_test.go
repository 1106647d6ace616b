package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
)

// The statement cache must be invisible: a statement whose rows are still
// open is never handed out again, and reused statements see new arguments
// and new rows.
func TestStmtCacheIsInvisible(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := sql.OpenDB(newStmtCacheConnector("file:" + filepath.Join(t.TempDir(), "c.db")))
	defer db.Close()
	db.SetMaxOpenConns(1) // one connection, as the writer: every query meets the cache
	if _, err := db.ExecContext(ctx, `CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)`); err != nil {
		t.Fatal(err)
	}
	const insert = `INSERT INTO t (id, v) VALUES (?1, ?2)`
	for i := 1; i <= 5; i++ {
		if _, err := db.ExecContext(ctx, insert, i, fmt.Sprint("v", i)); err != nil {
			t.Fatal(err)
		}
	}
	const byID = `SELECT v FROM t WHERE id >= ?1 ORDER BY id`
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	// The same text inside its own iteration: the inner query must not
	// reset the outer one's statement.
	outer, err := tx.QueryContext(ctx, byID, 1)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for outer.Next() {
		var v string
		if err := outer.Scan(&v); err != nil {
			t.Fatal(err)
		}
		var first string
		if err := tx.QueryRowContext(ctx, byID, 5).Scan(&first); err != nil {
			t.Fatal(err)
		}
		got = append(got, v+"/"+first)
	}
	if err := outer.Close(); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[v1/v5 v2/v5 v3/v5 v4/v5 v5/v5]" {
		t.Errorf("nested queries read %v", got)
	}
	if _, err := tx.ExecContext(ctx, insert, 6, "v6"); err != nil {
		t.Fatal(err)
	}
	var last string
	if err := tx.QueryRowContext(ctx, `SELECT max(v) FROM t`).Scan(&last); err != nil || last != "v6" {
		t.Errorf("after a reused insert: %q, %v", last, err)
	}
	// A statement prepared for a loop stays its own until closed.
	st, err := tx.PrepareContext(ctx, insert)
	if err != nil {
		t.Fatal(err)
	}
	for i := 7; i <= 9; i++ {
		if _, err := st.ExecContext(ctx, i, fmt.Sprint("v", i)); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, insert, 100+i, "x"); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM t`).Scan(&n); err != nil || n != 12 {
		t.Errorf("count = %d, %v; want 12", n, err)
	}
	// More texts than the cache holds: idle ones make room, all still work.
	for i := range maxCachedStmts + 10 {
		var x int
		if err := tx.QueryRowContext(ctx, fmt.Sprintf(`SELECT %d`, i)).Scan(&x); err != nil || x != i {
			t.Fatalf("SELECT %d = %d, %v", i, x, err)
		}
	}
	// A query that fails leaves its statement usable.
	if _, err := tx.ExecContext(ctx, insert, 1, "duplicate"); err == nil {
		t.Error("a duplicate key was accepted")
	}
	if _, err := tx.ExecContext(ctx, insert, 50, "v50"); err != nil {
		t.Errorf("after a failure: %v", err)
	}
}
