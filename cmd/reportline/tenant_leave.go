package main

import (
	"archive/zip"
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"reportline"
	"reportline/config"
	"reportline/store"
)

// Leaving (docs/tenants.md, "Leaving and forgetting"): the operator exports
// a tenant's data and deletes the tenant.

// cmdTenantExport runs `reportline tenant export SLUG --out DIR|FILE.zip`.
func cmdTenantExport(ctx context.Context, e env, args []string) error {
	var slug, out string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		slug, args = args[0], args[1:]
	}
	cfg, _, err := loadConfig(e, "tenant export", args, func(c *config.Config, fs *flag.FlagSet) {
		c.StorageFlags(fs)
		fs.StringVar(&out, "out", "", "where to write: a new `folder`, or a file ending in .zip")
	})
	if err != nil {
		return err
	}
	if strings.TrimSpace(slug) == "" || out == "" {
		return fmt.Errorf("tenant export: name the tenant (its slug) and --out")
	}
	w, err := newExportWriter(out)
	if err != nil {
		return fmt.Errorf("tenant export: %w", err)
	}
	var m store.ExportManifest
	err = withServices(ctx, e, cfg, nil, func(s services) error {
		var err error
		m, err = s.db.ExportTenant(ctx, slug, w)
		return err
	})
	if err == nil {
		err = w.finish(m)
	}
	if err != nil {
		w.abort()
		return fmt.Errorf("tenant export: %s", reportline.ErrorMessage(err))
	}
	var rows int64
	for _, t := range m.Tables {
		rows += t.Rows
	}
	fmt.Fprintf(e.stdout, "tenant %s exported to %s: %d tables, %d rows (schema %d); secrets left out, see manifest.json\n",
		m.Tenant.Slug, out, len(m.Tables), rows, m.SchemaVersion)
	return nil
}

// exportWriter writes an export as one CSV file per table and a
// manifest.json, into a new folder or a zip file. Both are readable by
// their owner alone: they hold the tenant's personal data.
type exportWriter struct {
	path  string
	zip   *zip.Writer
	file  *os.File // the zip file, or the current table's CSV in a folder
	csv   *csv.Writer
	files []string
}

func newExportWriter(path string) (*exportWriter, error) {
	w := &exportWriter{path: path}
	if strings.EqualFold(filepath.Ext(path), ".zip") {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, err
		}
		w.file, w.zip = f, zip.NewWriter(f)
		return w, nil
	}
	if err := os.Mkdir(path, 0o700); err != nil {
		return nil, fmt.Errorf("%w (the folder must not exist yet)", err)
	}
	return w, nil
}

// create starts one file of the export.
func (w *exportWriter) create(name string) (io.Writer, error) {
	if err := w.closeFile(); err != nil {
		return nil, err
	}
	w.files = append(w.files, name)
	if w.zip != nil {
		return w.zip.Create(name)
	}
	f, err := os.OpenFile(filepath.Join(w.path, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	w.file = f
	return f, nil
}

// closeFile ends the current table's CSV.
func (w *exportWriter) closeFile() error {
	if w.csv != nil {
		w.csv.Flush()
		if err := w.csv.Error(); err != nil {
			return err
		}
		w.csv = nil
	}
	if w.zip == nil && w.file != nil {
		err := w.file.Close()
		w.file = nil
		return err
	}
	return nil
}

// BeginTable starts TABLE.csv with its header line.
func (w *exportWriter) BeginTable(name string, columns []string) error {
	f, err := w.create(name + ".csv")
	if err != nil {
		return err
	}
	// The cells are written as stored (no spreadsheet formula guard): the
	// export is a copy of the data, meant to be read back, not a report.
	w.csv = csv.NewWriter(f)
	return w.csv.Write(columns)
}

// Row writes one line of the current table.
func (w *exportWriter) Row(cells []string) error { return w.csv.Write(cells) }

// finish writes manifest.json and closes everything.
func (w *exportWriter) finish(m store.ExportManifest) error {
	f, err := w.create("manifest.json")
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return err
	}
	if err := w.closeFile(); err != nil {
		return err
	}
	if w.zip != nil {
		if err := w.zip.Close(); err != nil {
			return err
		}
		return w.file.Close()
	}
	return nil
}

// abort removes what an export that failed had written.
func (w *exportWriter) abort() {
	if w.zip != nil {
		w.file.Close()
		os.Remove(w.path)
		return
	}
	if w.file != nil {
		w.file.Close()
	}
	for _, f := range w.files {
		os.Remove(filepath.Join(w.path, f))
	}
	os.Remove(w.path)
}

// cmdTenantDelete runs `reportline tenant delete SLUG [--yes]`: without
// --yes, the slug must be typed again on standard input.
func cmdTenantDelete(ctx context.Context, e env, args []string) error {
	var slug string
	var yes bool
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		slug, args = args[0], args[1:]
	}
	cfg, _, err := loadConfig(e, "tenant delete", args, func(c *config.Config, fs *flag.FlagSet) {
		c.StorageFlags(fs)
		fs.BoolVar(&yes, "yes", false, "delete without asking to type the slug again")
	})
	if err != nil {
		return err
	}
	slug = strings.ToLower(strings.TrimSpace(slug))
	if slug == "" {
		return fmt.Errorf("tenant delete: name the tenant (its slug)")
	}
	if !yes {
		fmt.Fprintf(e.stderr, "This deletes every row of tenant %s: its people, links, audit, settings and tokens, for good.\nType the slug again to confirm: ", slug)
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("tenant delete: read the confirmation: %w", err)
		}
		if strings.ToLower(strings.TrimSpace(line)) != slug {
			return fmt.Errorf("tenant delete: the slug typed does not match %q: nothing deleted", slug)
		}
	}
	var deleted map[string]int64
	err = withServices(ctx, e, cfg, nil, func(s services) error {
		var err error
		deleted, err = s.db.DeleteTenant(ctx, operatorLabel(e), slug)
		return err
	})
	if err != nil {
		return fmt.Errorf("tenant delete: %s", reportline.ErrorMessage(err))
	}
	var total int64
	names := make([]string, 0, len(deleted))
	for name, n := range deleted {
		total += n
		if n > 0 {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	fmt.Fprintf(e.stdout, "tenant %s deleted: %d rows in %d tables\n", slug, total, len(names))
	for _, name := range names {
		fmt.Fprintf(e.stdout, "  %-24s %d\n", name, deleted[name])
	}
	return nil
}
