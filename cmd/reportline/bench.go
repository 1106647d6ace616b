package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"reportline/app"
	"reportline/bench"
	"reportline/config"
	"reportline/refdata"
)

func cmdBenchGenerate(ctx context.Context, e env, args []string) error {
	var users int
	var seed uint64
	var csvPath string
	var load bool
	cfg, _, err := loadConfig(e, "bench generate", args, func(c *config.Config, fs *flag.FlagSet) {
		c.StorageFlags(fs)
		fs.IntVar(&users, "users", refdata.ReferenceUsers, "number of `users` (500000 is the reference size)")
		fs.Uint64Var(&seed, "seed", 1, "the `seed`: the same seed gives the same organisation everywhere")
		fs.StringVar(&csvPath, "csv", "", "write the pairs as an import CSV to `FILE` (\"-\" for stdout)")
		fs.BoolVar(&load, "load", false, "bulk-load users and links into the database (which must have no users)")
	})
	if err != nil {
		return err
	}
	if csvPath == "" && !load {
		fmt.Fprint(e.stderr, "bench generate: give --csv FILE, --load, or both\n\n"+commandUsage("bench generate"))
		return errUsage
	}
	start := time.Now()
	org, err := refdata.Generate(refdata.Config{Users: users, Seed: seed})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "generated %d users and %d links (seed %d) in %s\n", org.Size(), len(org.Pairs()), seed, since(start))

	if csvPath != "" {
		if err := writeCSV(e, csvPath, org); err != nil {
			return err
		}
	}
	if load {
		return loadOrg(ctx, e, cfg, org)
	}
	return nil
}

func writeCSV(e env, path string, org *refdata.Org) error {
	start := time.Now()
	if path == "-" {
		return refdata.WriteCSV(e.stdout, org)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("bench generate: %w", err)
	}
	cw := &countingWriter{w: f}
	err = refdata.WriteCSV(cw, org)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("bench generate: write %s: %w", path, err)
	}
	fmt.Fprintf(e.stderr, "wrote %s: %d lines, %.1f MB in %s\n", path, len(org.Pairs())+1, float64(cw.n)/1e6, since(start))
	return nil
}

func loadOrg(ctx context.Context, e env, cfg config.Config, org *refdata.Org) error {
	// Opened through the commands' setup: migrated, in the implicit tenant.
	if err := withApp(ctx, e, cfg, func(*app.App) error { return nil }); err != nil {
		return err
	}
	raw, err := refdata.OpenDB(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return fmt.Errorf("bench generate: %w", err)
	}
	defer raw.Close()
	start := time.Now()
	fmt.Fprintf(e.stderr, "loading into %s…\n", describeDB(cfg))
	err = refdata.Load(ctx, raw, org, refdata.LoadOptions{Progress: func(table string, done, total int) {
		fmt.Fprintf(e.stderr, "  %-5s %7d / %d  (%s)\n", table, done, total, since(start))
	}})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "loaded %d users and %d links in %s\n", org.Size(), len(org.Pairs()), since(start))
	return nil
}

func cmdBenchReport(_ context.Context, e env, paths []string) error {
	var ms []bench.Measurement
	read := func(r io.Reader, name string) error {
		m, err := bench.ParseBenchmarks(r)
		if err != nil {
			return fmt.Errorf("bench report: %s: %w", name, err)
		}
		ms = append(ms, m...)
		return nil
	}
	if len(paths) == 0 {
		if err := read(e.stdin, "stdin"); err != nil {
			return err
		}
	}
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return fmt.Errorf("bench report: %w", err)
		}
		err = read(f, p)
		f.Close()
		if err != nil {
			return err
		}
	}
	if len(ms) == 0 {
		return errors.New("bench report: no benchmark results in the input")
	}
	return bench.WriteMarkdown(e.stdout, bench.Summarize(ms))
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func since(t time.Time) string { return time.Since(t).Round(time.Millisecond).String() }
