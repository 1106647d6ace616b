package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"

	"reportline"
	"reportline/app"
	"reportline/config"
	"reportline/directory"
	"reportline/secret"
	"reportline/store"
)

// loadConfig builds the configuration of the command named name (a name of
// the command table): defaults, then the environment, then the command's
// flags. --help prints the command's usage text, flags and notes.
func loadConfig(e env, name string, args []string, flags func(*config.Config, *flag.FlagSet)) (config.Config, *flag.FlagSet, error) {
	cfg := config.Default()
	if err := cfg.FromEnv(e.getenv); err != nil {
		return cfg, nil, err
	}
	fs := flag.NewFlagSet("reportline "+name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), commandUsage(name)+"\nFlags:\n")
		fs.PrintDefaults()
		if notes := commandNotes(name); notes != "" {
			fmt.Fprint(fs.Output(), "\n"+notes)
		}
	}
	flags(&cfg, fs)
	// --help is an answer (standard output, exit 0); a wrong flag is an
	// error (standard error, exit 2). The flag package tells them apart
	// only after printing, so it prints into a buffer first.
	var out bytes.Buffer
	fs.SetOutput(&out)
	err := fs.Parse(args)
	fs.SetOutput(e.stderr)
	if errors.Is(err, flag.ErrHelp) {
		e.stdout.Write(out.Bytes())
		return cfg, fs, errHelp
	}
	e.stderr.Write(out.Bytes())
	if err != nil {
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

// services are what a command works with once the database is open.
type services struct {
	db  *store.DB
	app *app.App
	log *slog.Logger
}

// withServices is the one setup of every command that uses the database:
// it opens and migrates the database of cfg, builds the services over it in
// the tenant of --tenant (reporting runs, imports and syncs to rec, the
// server's metrics, unless nil), runs f with them and closes the database.
func withServices(ctx context.Context, e env, cfg config.Config, rec app.Recorder, f func(services) error) error {
	log := newLogger(cfg, e.stderr)
	db, a, err := openAppRecorded(ctx, cfg, log, rec)
	if err != nil {
		return err
	}
	defer db.Close()
	return f(services{db: db, app: a, log: log})
}

// withApp is withServices for a command that needs the application alone.
func withApp(ctx context.Context, e env, cfg config.Config, f func(*app.App) error) error {
	return withServices(ctx, e, cfg, nil, func(s services) error { return f(s.app) })
}

// withActor is withApp for a command that acts as someone: the operator
// (allowed everything), or the user whose address --as gave (as).
func withActor(ctx context.Context, e env, cfg config.Config, as string, f func(*app.App, app.Actor) error) error {
	return withApp(ctx, e, cfg, func(a *app.App) error {
		if as == "" {
			return f(a, app.OperatorActor(reportline.SourceCLI, osUserName(e)))
		}
		u, err := a.GetUserByEmail(ctx, as)
		if err != nil {
			return fmt.Errorf("--as %s: %s", as, reportline.ErrorMessage(err))
		}
		return f(a, app.UserActor(u, reportline.SourceCLI))
	})
}

// openApp opens and migrates the database and returns the services over it;
// the caller closes the database. Commands use withApp.
func openApp(ctx context.Context, cfg config.Config, log *slog.Logger) (*store.DB, *app.App, error) {
	return openAppRecorded(ctx, cfg, log, nil)
}

// openAppRecorded is openApp whose services report runs, imports and syncs
// to rec (the server's metrics); nil records nothing.
func openAppRecorded(ctx context.Context, cfg config.Config, log *slog.Logger, rec app.Recorder) (*store.DB, *app.App, error) {
	keys, err := secret.FromEnv(func(name string) string {
		return map[string]string{secret.EnvKey: cfg.SecretKey, secret.EnvOldKeys: cfg.SecretOldKeys}[name]
	})
	if err != nil {
		return nil, nil, err
	}
	db, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return nil, nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, nil, err
	}
	// --tenant: every transaction of the command is the tenant's, and its
	// mail links to the tenant's address.
	tenant, public, err := cliTenant(ctx, db, cfg.PublicURL)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	st := app.Adapt(inTenant(tenant, db.Read), inTenant(tenant, db.Write), db.Ping, inTenant(tenant, db.ReadOnce))
	return db, app.New(st, app.Config{Logger: log, PublicURL: public, Directory: directoryGuard(cfg),
		SSOOnly: cfg.SSO.Only, WebhookAllowPrivate: cfg.WebhookAllowPrivate, BreakGlassEmail: cfg.SSO.BreakGlass, UnsubscribeKey: []byte(cfg.Mail.UnsubscribeKey), Recorder: rec,
		Brand: app.MailBrand{Name: cfg.Mail.BrandName, Accent: cfg.Mail.Accent, LogoURL: cfg.Mail.LogoURL}, DefaultLocale: cfg.Mail.DefaultLocale,
		Tenants: db.Tenants, GraphVersions: db.GraphVersions, ListenGraph: app.ListenWith(db.Listens()), Tenant: tenant, Secrets: keys, Connectors: connectors(cfg, log), TenantLimits: tenantLimits(cfg.Admission)}), nil
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

// directoryGuard turns the configuration into the app's directory guard.
// LDAP and Graph are on when configured (SCIM: while a client exists).
func directoryGuard(cfg config.Config) directory.Guard {
	c := cfg.Directory
	g := directory.Guard{MayChangePlatformAdmins: c.MayChangePlatformAdmins, HoldPercent: c.HoldPercent, HoldCount: c.HoldCount}
	if cfg.LDAP.Enabled() {
		g.On = append(g.On, reportline.SourceLDAP)
	}
	if cfg.Graph.Enabled() {
		g.On = append(g.On, reportline.SourceGraph)
	}
	return g
}
