package main

import (
	"archive/zip"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"reportline"
	"reportline/config"
	"reportline/store"
)

// cmdTenantImport runs `reportline tenant import FILE --host HOST [--slug
// SLUG]`: an export of `tenant export` (a .zip or its folder) becomes a new
// tenant of this installation, in one transaction (docs/tenants.md, "How a
// tenant is moved").
func cmdTenantImport(ctx context.Context, e env, args []string) error {
	var file, slug, host string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, args = args[0], args[1:]
	}
	cfg, _, err := loadConfig(e, "tenant import", args, func(c *config.Config, fs *flag.FlagSet) {
		c.StorageFlags(fs)
		fs.StringVar(&host, "host", "", "the host name (`HOST`) the tenant answers on here")
		fs.StringVar(&slug, "slug", "", "its `SLUG` here (default: the exported tenant's)")
	})
	if err != nil {
		return err
	}
	if file == "" {
		return fmt.Errorf("tenant import: name the export (a .zip or folder written by tenant export)")
	}
	src, err := openExport(file)
	if err != nil {
		return fmt.Errorf("tenant import: %w", err)
	}
	defer src.Close()
	m, err := src.manifest()
	if err != nil {
		return fmt.Errorf("tenant import: %w", err)
	}
	if slug == "" {
		slug = m.Tenant.Slug
	}
	if strings.TrimSpace(host) == "" {
		return fmt.Errorf("tenant import: --host is required: the host name tenant %s answers on in this installation (it had %q)", slug, m.Tenant.Host)
	}
	var r store.ImportReport
	err = withServices(ctx, e, cfg, nil, func(s services) error {
		var err error
		r, err = s.db.ImportTenant(ctx, operatorLabel(e), slug, host, m, src)
		return err
	})
	if err != nil {
		// The whole text, not ErrorMessage's: the operator needs the file,
		// line and column the store names around the cause.
		return fmt.Errorf("tenant import %s: %w", file, err)
	}
	var rows int64
	for _, n := range r.Rows {
		rows += n
	}
	fmt.Fprintf(e.stdout, "tenant %s imported from %s (%s, schema %d) answering on %s: %d tables, %d rows\n",
		slug, file, m.Engine, m.SchemaVersion, reportline.NormalizeHost(host), len(r.Rows), rows)
	if len(r.Skipped) > 0 {
		names := make([]string, 0, len(r.Skipped))
		for n := range r.Skipped {
			names = append(names, n)
		}
		sort.Strings(names)
		fmt.Fprintln(e.stdout, "not imported (secrets are not in exports):")
		for _, n := range names {
			fmt.Fprintf(e.stdout, "  %s: %s\n", n, r.Skipped[n])
		}
	}
	fmt.Fprintln(e.stdout, importAfterwards)
	return nil
}

// importAfterwards is what the tenant's admins must do after a move.
const importAfterwards = `to do now (docs/tenants.md, "How a tenant is moved"): create the first admin's
password (reportline --tenant SLUG password set --email E; nobody has one), new
API and SCIM tokens, the OpenID client secret (tenant single sign-on) and the
webhooks (their signing secrets are not exported); everyone signs in again.`

// exportSource reads an export from a zip file or a folder.
type exportSource struct {
	dir string
	zr  *zip.ReadCloser
}

func openExport(path string) (*exportSource, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return &exportSource{dir: path}, nil
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, fmt.Errorf("%s: not a zip written by tenant export: %w", path, err)
	}
	return &exportSource{dir: path, zr: zr}, nil
}

func (s *exportSource) Close() {
	if s.zr != nil {
		s.zr.Close()
	}
}

// Open returns a file of the export and its name for errors.
func (s *exportSource) Open(name string) (io.ReadCloser, string, error) {
	if !strings.HasSuffix(name, ".json") {
		name += ".csv"
	}
	where := filepath.Join(s.dir, name)
	if s.zr != nil {
		f, err := s.zr.Open(name)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, where, fmt.Errorf("%s is not in the export: %w", where, err)
		}
		return f, where, err
	}
	f, err := os.Open(where)
	return f, where, err
}

func (s *exportSource) manifest() (store.ExportManifest, error) {
	var m store.ExportManifest
	f, where, err := s.Open("manifest.json")
	if err != nil {
		return m, err
	}
	defer f.Close()
	if err := json.NewDecoder(f).Decode(&m); err != nil {
		return m, fmt.Errorf("%s: %w", where, err)
	}
	if m.Format != store.ExportFormat {
		return m, fmt.Errorf("%s: format %q, want %q (written by reportline tenant export)", where, m.Format, store.ExportFormat)
	}
	return m, nil
}
