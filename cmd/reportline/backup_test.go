package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"reportline/internal/pgtest"
	"reportline/store"
)

// sameData checks that two databases hold the same rows for every tenant
// (by the store's counts) and that the application reads the same links
// from both (managers export through the real program).
func sameData(t *testing.T, from, to []string) {
	t.Helper()
	ctx := context.Background()
	a, b := openStorage(t, from), openStorage(t, to)
	for _, slug := range []string{"default", "acme"} {
		ca, err := a.TenantRowCounts(ctx, tenantID(t, a, slug))
		if err != nil {
			t.Fatal(err)
		}
		cb, err := b.TenantRowCounts(ctx, tenantID(t, b, slug))
		if err != nil {
			t.Fatal(err)
		}
		for table, n := range ca {
			if cb[table] != n {
				t.Errorf("%s in %s: %d rows restored, %d in the original", table, slug, cb[table], n)
			}
		}
		exp := func(st []string) string {
			out, err := program(t, ctx, "", append([]string{"--tenant", slug, "managers", "export"}, st...)...)
			if err != nil {
				t.Fatalf("managers export: %v", err)
			}
			return out
		}
		if got, want := exp(to), exp(from); got != want || !strings.Contains(want, "ann@example.com") {
			t.Errorf("%s: the restored database exports\n%s\nthe original\n%s", slug, got, want)
		}
	}
}

// `reportline backup FILE` copies a SQLite database (every tenant) into a
// file that serves as the data folder's database; it never overwrites a
// file. On PostgreSQL it points to pg_dump.
func TestBackupSQLite(t *testing.T) {
	t.Parallel()
	cli, st := twoTenantsCLI(t, store.SQLite)
	// A reader holds a snapshot open while the backup runs: it is online.
	db := openStorage(t, st)
	ctx := context.Background()
	if err := db.Read(ctx, func(*store.Tx) error {
		file := filepath.Join(t.TempDir(), "backup.db")
		out, err := cli("", "backup", file)
		if err != nil || !strings.Contains(out, "copied to") {
			t.Fatalf("backup: %q, %v", out, err)
		}
		if _, err := cli("", "backup", file); err == nil || !strings.Contains(err.Error(), "already exists") {
			t.Errorf("a backup over an existing file: %v", err)
		}
		// Restore: the file becomes a data folder's database.
		dir := t.TempDir()
		if err := copyFile(file, filepath.Join(dir, "reportline.db")); err != nil {
			t.Fatal(err)
		}
		sameData(t, st, []string{"--data", dir})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := program(t, ctx, "", "--tenant", "acme", "backup", "x.db", "--data", st[1]); err == nil {
		t.Error("backup --tenant was accepted")
	}
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o600)
}

// On PostgreSQL, `reportline backup` says to use pg_dump; a pg_dump of a
// Reportline database restored by pg_restore into an empty database reads
// back the same (when this machine has the PostgreSQL binaries).
func TestBackupPostgres(t *testing.T) {
	t.Parallel()
	cli, st := twoTenantsCLI(t, store.Postgres)
	if _, err := cli("", "backup", filepath.Join(t.TempDir(), "x.db")); err == nil || !strings.Contains(err.Error(), "pg_dump") {
		t.Errorf("backup on PostgreSQL: %v, want the pg_dump advice", err)
	}
	bin, err := pgtest.BinDir()
	if err != nil {
		t.Skipf("no local PostgreSQL binaries for pg_dump: %v", err)
	}
	dump := filepath.Join(t.TempDir(), "reportline.dump")
	run := func(name string, args ...string) {
		t.Helper()
		out, err := exec.Command(filepath.Join(bin, name), args...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, out)
		}
	}
	run("pg_dump", "--format=custom", "--file="+dump, "--dbname="+st[3])
	restored := pgtest.New(t)
	run("pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--dbname="+restored, dump)
	to := []string{"--data", t.TempDir(), "--database", restored}
	sameData(t, st, to)
	// The restored database takes new writes: its sequences came along.
	if out, err := program(t, context.Background(), "", append([]string{"--tenant", "acme", "token", "create", "--email", "ann@example.com"}, to...)...); err != nil {
		t.Errorf("a write on the restored database: %q, %v", out, err)
	}
}
