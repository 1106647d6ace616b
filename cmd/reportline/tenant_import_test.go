package main

import (
	"archive/zip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"reportline/internal/testapp"
	"reportline/store"
)

// `tenant import` loads a `tenant export` zip made on SQLite into a
// PostgreSQL installation: the tenant's managers export is the same there,
// the output says what was not imported and what to re-enter, the slug
// cannot be taken twice, and a damaged file is refused naming it, with
// nothing left behind.
func TestTenantImport(t *testing.T) {
	t.Parallel()
	testapp.NeedBothEngines(t)
	from, _ := twoTenantsCLI(t, store.SQLite)
	zipFile := filepath.Join(t.TempDir(), "acme.zip")
	if out, err := from("", "tenant", "export", "acme", "--out", zipFile); err != nil {
		t.Fatalf("tenant export: %q %v", out, err)
	}
	to, _ := twoTenantsCLI(t, store.Postgres) // its own acme: import under another slug
	out, err := to("", "tenant", "import", zipFile, "--slug", "acme2", "--host", "acme2.example")
	if err != nil || !strings.Contains(out, "tenant acme2 imported") || !strings.Contains(out, "credentials:") ||
		!strings.Contains(out, "password set") {
		t.Fatalf("tenant import: %q, %v", out, err)
	}
	got, err := to("", "--tenant", "acme2", "managers", "export")
	if err != nil {
		t.Fatal(err)
	}
	want, err := from("", "--tenant", "acme", "managers", "export")
	if err != nil || got != want || !strings.Contains(want, "ann@example.com") {
		t.Errorf("managers export of the imported tenant\n%s\nof the exported one\n%s (%v)", got, want, err)
	}
	if _, err := to("", "tenant", "import", zipFile, "--slug", "acme2", "--host", "other.example"); err == nil {
		t.Error("a second import under the same slug was accepted")
	}
	if _, err := to("", "tenant", "import", zipFile, "--slug", "acme3"); err == nil || !strings.Contains(err.Error(), "--host") {
		t.Errorf("without --host: %v", err)
	}

	// A damaged users.csv: refused naming the file and line, no tenant left.
	damaged := filepath.Join(t.TempDir(), "damaged.zip")
	rewriteZip(t, zipFile, damaged, "users.csv", func(b []byte) []byte {
		return []byte(strings.Replace(string(b), "\n", "\n\"unterminated\n", 2))
	})
	_, err = to("", "tenant", "import", damaged, "--slug", "acme3", "--host", "acme3.example")
	if err == nil || !strings.Contains(err.Error(), "users.csv, line") {
		t.Fatalf("a damaged file: %v, want users.csv and the line named", err)
	}
	if list, _ := to("", "tenant", "list"); strings.Contains(list, "acme3") {
		t.Errorf("a failed import left its tenant:\n%s", list)
	}

	// Back into the SQLite installation it came from: its ids are taken
	// there (one rowid per table across tenants), which the error explains.
	_, err = from("", "tenant", "import", zipFile, "--slug", "acme4", "--host", "acme4.example")
	if err == nil || !strings.Contains(err.Error(), "on SQLite an id is unique in the whole installation") || !strings.Contains(err.Error(), ".csv, line 2") {
		t.Errorf("ids taken on SQLite: %v", err)
	}
}

// rewriteZip copies a zip, changing one file.
func rewriteZip(t *testing.T, from, to, name string, change func([]byte) []byte) {
	t.Helper()
	zr, err := zip.OpenReader(from)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	f, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	for _, zf := range zr.File {
		b, err := readZipFile(zf)
		if err != nil {
			t.Fatal(err)
		}
		if zf.Name == name {
			b = change(b)
		}
		w, err := zw.Create(zf.Name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
}

func readZipFile(zf *zip.File) ([]byte, error) {
	rc, err := zf.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := rc.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			if err.Error() == "EOF" {
				return []byte(b.String()), nil
			}
			return nil, err
		}
	}
}
