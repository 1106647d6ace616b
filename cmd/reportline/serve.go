package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"time"

	"golang.org/x/time/rate"

	"reportline"
	"reportline/api"
	"reportline/app"
	"reportline/config"
	"reportline/demo"
	"reportline/operatorui"
	"reportline/scim"
	"reportline/server"
	"reportline/store"
	"reportline/ui"
)

func cmdServe(ctx context.Context, e env, args []string) error {
	cfg, _, err := loadConfig(e, "serve", args, func(c *config.Config, fs *flag.FlagSet) { c.ServeFlags(fs) })
	if err != nil {
		return err
	}
	metrics := server.NewMetrics()
	return withServices(ctx, e, cfg, metrics, func(s services) error { return serve(ctx, e, cfg, s, metrics) })
}

// serve runs the server over the services until ctx ends.
func serve(ctx context.Context, e env, cfg config.Config, s services, metrics *server.Metrics) error {
	db, a, log := s.db, s.app, s.log
	if err := a.RecoverImports(ctx); err != nil {
		return err
	}
	stopOutbox, err := startOutbox(ctx, cfg, a, metrics, log)
	if err != nil {
		return err
	}
	defer stopOutbox()
	defer startWebhooks(ctx, a, log)()
	stopSyncs, err := startDirectorySyncs(ctx, cfg, a, log)
	if err != nil {
		return err
	}
	defer stopSyncs()
	defer startScheduler(ctx, a, log)()
	if cfg.Demo {
		loaded, err := demo.Load(ctx, a)
		if err != nil {
			return err
		}
		if loaded {
			log.Info("demo organisation loaded")
		}
	}
	// The reporting graph in memory, built before serving (decisions walk
	// the database until it is).
	go func() {
		start := time.Now()
		if n, err := a.WarmGraphIndex(ctx); err != nil {
			log.Warn("reporting graph index: build failed; decisions read the database", "err", err)
		} else {
			log.Info("reporting graph index built", "links", n, "took", time.Since(start).Round(time.Millisecond))
		}
	}()
	pages, err := ui.New(a, log)
	if err != nil {
		return err
	}
	routes := []server.Routes{api.New(a, log), api.NewV2(a, log), api.NewAuthZEN(a, log), scim.New(a, log), pages}
	single, err := newSSO(cfg, a, pages, log)
	if err != nil {
		return err
	}
	if single != nil {
		routes = append(routes, single)
	}
	srv := server.NewHTTPServer(server.Config{
		App: a, Logger: log, Metrics: metrics, Routes: routes, Tenants: tenantSource{db, a},
		PublicURL: cfg.PublicBaseURL(), TrustedProxies: cfg.TrustedProxies, Admission: admission(cfg.Admission),
		Ready: func(ctx context.Context) error {
			if err := db.Ping(ctx); err != nil {
				return err
			}
			pending, err := db.Pending(ctx)
			if err != nil {
				return err
			}
			if len(pending) > 0 {
				return fmt.Errorf("migrations not applied: %v", pending)
			}
			return nil
		},
	})
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	log.Info("reportline serving", "url", "http://"+ln.Addr().String(), "public_url", cfg.PublicURL, "database", describeDB(cfg), "engine", db.Engine())
	if cfg.Demo {
		printDemo(e, ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	stopOperator, err := serveOperatorPage(ctx, cfg, s)
	if err != nil {
		srv.Close()
		return err
	}
	defer stopOperator()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight")
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	// Imports started from the pages run on after their request; let them
	// finish rather than cut them off (they would be marked failed).
	pages.Wait()
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// tenantSource is what the server resolves tenants from: the application's
// list of tenants (the process's one cached copy, app.TenantsTTL) and the
// store's credential routes.
type tenantSource struct {
	*store.DB
	app *app.App
}

// Tenants is the application's cached list.
func (s tenantSource) Tenants(ctx context.Context) ([]reportline.Tenant, error) {
	return s.app.Tenants(ctx)
}

// admission turns the operator's settings into the server's; what is not
// set keeps server.DefaultAdmission.
func admission(c config.Admission) server.Admission {
	a := server.Admission{Off: c.Off, MaxWait: c.MaxWait}
	a.Read.Slots, a.Write.Slots, a.Upload.Slots, a.SignIn.Slots = c.Slots["read"], c.Slots["write"], c.Slots["upload"], c.Slots["sign-in"]
	if c.SignInPerMinute > 0 {
		a.SignInRate = rate.Limit(float64(c.SignInPerMinute) / 60)
	}
	return a
}

func printDemo(e env, addr string) {
	fmt.Fprintf(e.stdout, "\nReportline demo is running at http://%s\nSign in with any of these (password %q):\n", addr, demo.Password)
	for _, l := range demo.Logins {
		fmt.Fprintf(e.stdout, "  %-32s %s\n", l.Email, l.Role)
	}
	fmt.Fprintln(e.stdout)
}

// serveOperatorPage starts the operator page on its own listener when
// REPORTLINE_OPERATOR_ADDR names one (docs/tenants.md); it returns what
// stops it.
func serveOperatorPage(ctx context.Context, cfg config.Config, s services) (func(), error) {
	if cfg.OperatorAddr == "" {
		return func() {}, nil
	}
	page, err := operatorui.New(s.app, s.db, s.log)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.OperatorAddr)
	if err != nil {
		return nil, fmt.Errorf("operator page: listen on %s: %w", cfg.OperatorAddr, err)
	}
	srv := &http.Server{Handler: page.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, IdleTimeout: 2 * time.Minute}
	s.log.Info("operator page serving", "url", "http://"+ln.Addr().String())
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("operator page stopped", "err", err)
		}
	}()
	return func() {
		shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}, nil
}
