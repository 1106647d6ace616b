// Package server assembles Reportline's HTTP service: the routes of the API
// and the pages, and the middleware every request goes through (request id,
// recovery, access log, metrics, security headers, cross-origin protection,
// authentication), plus the health, readiness and metrics endpoints.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/time/rate"

	"reportline/app"
	"reportline/web"
)

// Routes is a part of the service that registers its handlers on the mux:
// the API, the pages.
type Routes interface {
	Register(mux *http.ServeMux)
}

// Config is what the server needs.
type Config struct {
	App    *app.App
	Logger *slog.Logger
	// Ready reports whether the service can take traffic (database
	// reachable, migrations applied). Its error goes to the log, never to
	// the caller: it may name the database's host, user and name.
	Ready  func(ctx context.Context) error
	Routes []Routes
	// PublicURL is the address users reach (REPORTLINE_PUBLIC_URL), nil
	// when not configured. When it is https, cookies are Secure and HSTS
	// is sent, whatever the connection from the proxy is.
	PublicURL *url.URL
	// TrustedProxies are the peers whose X-Forwarded-For and
	// X-Forwarded-Proto are believed (REPORTLINE_TRUSTED_PROXIES).
	TrustedProxies []netip.Prefix
	// Limits bound slow and idle clients; zero fields take
	// DefaultLimits.
	Limits Limits
	// Admission decides which requests run, wait or are refused before
	// their bodies are read; zero fields take DefaultAdmission.
	Admission Admission
	// Tenants resolves each request's tenant (tenant.go); nil: every
	// request is the implicit tenant's.
	Tenants Tenants
	// Metrics are served at /metrics; nil makes new ones (whose counters
	// then see nothing of App: give App the same as its Recorder).
	Metrics *Metrics
}

// NewHTTPServer returns the http.Server of the service: New's handler with
// the limits' timeouts. The caller serves it on its listener.
func NewHTTPServer(cfg Config) *http.Server {
	l := cfg.Limits.withDefaults()
	return &http.Server{
		Handler:           New(cfg),
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		IdleTimeout:       l.IdleTimeout,
		WriteTimeout:      l.WriteTimeout,
		MaxHeaderBytes:    l.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
	}
}

// New returns the service's root handler.
func New(cfg Config) http.Handler {
	m := cfg.Metrics
	if m == nil {
		m = NewMetrics()
	}
	if cfg.App != nil {
		m.reg.MustRegister(&gauges{app: cfg.App, log: cfg.Logger})
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := cfg.Ready(r.Context()); err != nil {
			cfg.Logger.Warn("not ready", "request_id", web.RequestID(r.Context()), "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("not ready: the database cannot be reached or is not migrated (see the server's log)\n"))
			return
		}
		w.Write([]byte("ready\n"))
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
	for _, r := range cfg.Routes {
		r.Register(mux)
	}

	h := notePattern(mux)
	limits := cfg.Limits.withDefaults()
	h = uploadAllowance(limits, h)
	if !cfg.Admission.Off {
		adm := cfg.Admission
		if adm.TenantRate == nil && cfg.App != nil {
			adm.TenantRate = func(ctx context.Context) (rate.Limit, int) {
				l := cfg.App.TenantLimits(ctx)
				return rate.Limit(l.APIPerSecond), l.Burst()
			}
		}
		h = newAdmission(adm, m.admissionRefused).admit(h)
	}
	h = authenticate(cfg.App, cfg.Logger, h)
	h = resolveTenant(cfg.Tenants, cfg.PublicURL, cfg.Logger, h)
	h = crossOrigin(h)
	h = securityHeaders(h)
	h = m.instrument(mux, h)
	h = accessLog(cfg.Logger, h)
	h = bodyDeadlines(limits, h)
	h = edge(cfg.PublicURL, cfg.TrustedProxies, h)
	h = recoverPanics(cfg.Logger, h)
	h = requestID(h)
	return h
}
