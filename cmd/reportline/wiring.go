package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"

	"reportline/app"
	"reportline/config"
	"reportline/store"
)

// loadConfig builds the configuration of one command: defaults, then the
// environment, then the command's flags.
func loadConfig(e env, name string, args []string, flags func(*config.Config, *flag.FlagSet)) (config.Config, *flag.FlagSet, error) {
	cfg := config.Default()
	if err := cfg.FromEnv(e.getenv); err != nil {
		return cfg, nil, err
	}
	fs := flag.NewFlagSet("reportline "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	flags(&cfg, fs)
	if err := fs.Parse(args); err != nil {
		return cfg, fs, errUsage
	}
	return cfg, fs, cfg.Validate()
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openApp opens and migrates the database and returns the services over it.
func openApp(ctx context.Context, cfg config.Config, log *slog.Logger) (*store.DB, *app.App, error) {
	db, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return nil, nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, app.New(app.Adapt(db.Read, db.Write, db.Ping), app.Config{Logger: log, PublicURL: cfg.PublicURL,
		UnsubscribeKey: []byte(cfg.Mail.UnsubscribeKey)}), nil
}

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

func describeDB(cfg config.Config) string {
	if cfg.DatabaseURL == "" {
		return fmt.Sprintf("SQLite in %s", cfg.DataDir)
	}
	return store.Redact(cfg.DatabaseURL)
}
