package main

import (
	"archive/zip"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"reportline/internal/testapp"
	"reportline/store"
)

// twoTenantsCLI fills the implicit tenant and tenant acme with the same
// people through the CLI (users with a line manager, a token), and returns
// the command runner.
func twoTenantsCLI(t *testing.T, engine store.Engine) (cli func(stdin string, args ...string) (string, error), st []string) {
	t.Helper()
	ctx := context.Background()
	st = storageArgs(t, engine)
	cli = func(stdin string, args ...string) (string, error) {
		return program(t, ctx, stdin, append(args, st...)...)
	}
	if _, err := cli("", "tenant", "create", "--slug", "acme", "--host", "acme.example"); err != nil {
		t.Fatal(err)
	}
	users := filepath.Join(t.TempDir(), "users.csv")
	if err := os.WriteFile(users, []byte("uid,email,firstname,secondname,manager_uid\nboss,boss@example.com,Bo,Ss,\nann,ann@example.com,Ann,Lee,boss\nbob,bob@example.com,Bob,Ray,boss\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tenant := range []string{"default", "acme"} {
		if out, err := cli("", "--tenant", tenant, "users", "import", users); err != nil {
			t.Fatalf("users import in %s: %q %v", tenant, out, err)
		}
		if out, err := cli("a sturdy password\n", "--tenant", tenant, "admin", "create", "--email", "root@example.com"); err != nil {
			t.Fatalf("admin create in %s: %q %v", tenant, out, err)
		}
		if out, err := cli("", "--tenant", tenant, "token", "create", "--email", "root@example.com"); err != nil {
			t.Fatalf("token create in %s: %q %v", tenant, out, err)
		}
	}
	return cli, st
}

// openStorage opens the database of storage arguments.
func openStorage(t *testing.T, st []string) *store.DB {
	t.Helper()
	url := ""
	if len(st) > 2 {
		url = st[3]
	}
	db, err := store.Open(context.Background(), url, st[1])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// tenantID returns the id of the tenant with slug.
func tenantID(t *testing.T, db *store.DB, slug string) store.TenantID {
	t.Helper()
	ts, err := db.Tenants(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range ts {
		if x.Slug == slug {
			return x.ID
		}
	}
	t.Fatalf("no tenant %s", slug)
	return 0
}

// `tenant export` writes a zip (or a folder) of one CSV per tenant table
// and a manifest whose counts are the tenant's, with no other tenant's
// rows and no secret; `tenant delete` asks for the slug again, removes
// every row of the tenant and none of another's, and refuses the implicit
// tenant.
func TestTenantExportAndDelete(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		cli, st := twoTenantsCLI(t, engine)
		ctx := context.Background()
		db := openStorage(t, st)
		acme := tenantID(t, db, "acme")
		want, err := db.TenantRowCounts(ctx, acme)
		if err != nil {
			t.Fatal(err)
		}

		zipPath := filepath.Join(t.TempDir(), "acme.zip")
		out, err := cli("", "tenant", "export", "acme", "--out", zipPath)
		if err != nil || !strings.Contains(out, "tenant acme exported") {
			t.Fatalf("tenant export: %q, %v", out, err)
		}
		zr, err := zip.OpenReader(zipPath)
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		files := map[string]*zip.File{}
		for _, f := range zr.File {
			files[f.Name] = f
		}
		var m store.ExportManifest
		readJSON(t, files["manifest.json"], &m)
		if m.Tenant.Slug != "acme" || m.SchemaVersion < 26 || len(m.Tables) != len(want) {
			t.Fatalf("manifest: %+v (want %d tables)", m, len(want))
		}
		for _, et := range m.Tables {
			if et.Rows != want[et.Name] {
				t.Errorf("%s: manifest %d rows, the tenant has %d", et.Name, et.Rows, want[et.Name])
			}
			records := readCSV(t, files[et.Name+".csv"])
			if int64(len(records)-1) != et.Rows || strings.Join(records[0], ",") != strings.Join(et.Columns, ",") {
				t.Errorf("%s.csv: %d lines, header %v; manifest %d rows, %v", et.Name, len(records), records[0], et.Rows, et.Columns)
			}
			for _, r := range records[1:] {
				if r[0] != strconvID(acme) {
					t.Errorf("%s.csv holds a row of tenant %s", et.Name, r[0])
				}
			}
		}
		if want["users"] != 4 || want["links"] != 2 || want["api_tokens"] != 1 {
			t.Errorf("acme's counts: %v", want)
		}
		users := readCSV(t, files["users.csv"])
		if len(users) != 5 || !strings.Contains(flat(users), "ann@example.com") {
			t.Errorf("users.csv: %v", users)
		}
		for name, f := range files {
			if name == "manifest.json" {
				continue
			}
			if s := flat(readCSV(t, f)); strings.Contains(s, "$argon2") {
				t.Errorf("%s holds a password hash", name)
			}
		}

		// A folder, the same files.
		dir := filepath.Join(t.TempDir(), "acme")
		if _, err := cli("", "tenant", "export", "acme", "--out", dir); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(dir, "manifest.json")); err != nil {
			t.Error(err)
		}
		if _, err := cli("", "tenant", "export", "acme", "--out", dir); err == nil {
			t.Error("an export into an existing folder was allowed")
		}
		if _, err := cli("", "tenant", "export", "nobody", "--out", filepath.Join(t.TempDir(), "x.zip")); err == nil || !strings.Contains(err.Error(), "not found") {
			t.Errorf("export of an unknown tenant: %v", err)
		}

		// Delete: the slug must be typed again.
		before, _ := db.TenantRowCounts(ctx, store.ImplicitTenant)
		if _, err := cli("acm\n", "tenant", "delete", "acme"); err == nil || !strings.Contains(err.Error(), "nothing deleted") {
			t.Fatalf("delete with a wrong confirmation: %v", err)
		}
		if n, _ := db.TenantRowCounts(ctx, acme); n["users"] != 4 {
			t.Fatalf("a refused delete removed rows: %v", n)
		}
		out, err = cli("acme\n", "tenant", "delete", "acme")
		if err != nil || !strings.Contains(out, "tenant acme deleted") {
			t.Fatalf("tenant delete: %q, %v", out, err)
		}
		after, _ := db.TenantRowCounts(ctx, acme)
		for table, n := range after {
			if n != 0 {
				t.Errorf("%s keeps %d rows of acme", table, n)
			}
		}
		still, _ := db.TenantRowCounts(ctx, store.ImplicitTenant)
		for table, n := range before {
			if still[table] != n {
				t.Errorf("%s: the implicit tenant has %d rows, had %d", table, still[table], n)
			}
		}
		if _, err := cli("", "tenant", "delete", "default", "--yes"); err == nil || !strings.Contains(err.Error(), "implicit tenant") {
			t.Errorf("deleting the implicit tenant: %v", err)
		}
		log, _ := db.OperatorLog(ctx)
		if last := log[len(log)-1]; last.Action != "tenant.delete" || last.Tenant != acme {
			t.Errorf("operator log: %+v", last)
		}
	})
}

func strconvID(id store.TenantID) string { return strconv.FormatInt(int64(id), 10) }

func readJSON(t *testing.T, f *zip.File, v any) {
	t.Helper()
	if f == nil {
		t.Fatal("file missing from the export")
	}
	r, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := json.NewDecoder(r).Decode(v); err != nil {
		t.Fatal(err)
	}
}

func readCSV(t *testing.T, f *zip.File) [][]string {
	t.Helper()
	if f == nil {
		t.Fatal("file missing from the export")
	}
	r, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", f.Name, err)
	}
	return records
}

func flat(records [][]string) string {
	var b strings.Builder
	for _, r := range records {
		b.WriteString(strings.Join(r, ","))
		b.WriteByte('\n')
	}
	return b.String()
}

// `users erase` asks for the email again (or --yes), erases the person in
// the tenant --tenant names and in no other, and prints no personal data.
func TestUsersErase(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		cli, st := twoTenantsCLI(t, engine)
		ctx := context.Background()
		db := openStorage(t, st)
		if _, err := cli("someone@example.com\n", "--tenant", "acme", "users", "erase", "ann@example.com"); err == nil || !strings.Contains(err.Error(), "nothing erased") {
			t.Fatalf("erase with a wrong confirmation: %v", err)
		}
		out, err := cli("ann@example.com\n", "--tenant", "acme", "users", "erase", "ann@example.com")
		if err != nil || !strings.Contains(out, "erased: now erased-") || !strings.Contains(out, "1 links ended") || strings.Contains(out, "ann@") {
			t.Fatalf("users erase: %q, %v", out, err)
		}
		var inAcme, inDefault error
		db.Tenant(tenantID(t, db, "acme")).Read(ctx, func(tx *store.Tx) error { _, inAcme = tx.UserByEmail(ctx, "ann@example.com"); return nil })
		db.Read(ctx, func(tx *store.Tx) error { _, inDefault = tx.UserByEmail(ctx, "ann@example.com"); return nil })
		if inAcme == nil || inDefault != nil {
			t.Errorf("ann after the erasure: in acme %v, in the implicit tenant %v; want gone from acme only", inAcme, inDefault)
		}
		if _, err := cli("", "users", "erase", "nobody@example.com", "--yes"); err == nil || !strings.Contains(err.Error(), "not found") {
			t.Errorf("erasing nobody: %v", err)
		}
		if _, err := cli("", "users", "erase", "bob@example.com", "--yes", "--as", "ann@example.com"); err == nil {
			t.Error("a member erased someone")
		}
	})
}
