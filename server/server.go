// Package server assembles Reportline's HTTP service: the routes of the API
// and the pages, and the middleware every request goes through (request id,
// recovery, access log, metrics, security headers, cross-origin protection,
// authentication), plus the health, readiness and metrics endpoints.
package server

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"reportline/app"
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
	// reachable, migrations applied).
	Ready  func(ctx context.Context) error
	Routes []Routes
}

// New returns the service's root handler.
func New(cfg Config) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := newMetrics(reg)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := cfg.Ready(r.Context()); err != nil {
			cfg.Logger.Warn("not ready", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("not ready: " + err.Error() + "\n"))
			return
		}
		w.Write([]byte("ready\n"))
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	for _, r := range cfg.Routes {
		r.Register(mux)
	}

	var h http.Handler = mux
	h = authenticate(cfg.App, cfg.Logger, h)
	h = crossOrigin(h)
	h = securityHeaders(h)
	h = m.instrument(mux, h)
	h = accessLog(cfg.Logger, h)
	h = recoverPanics(cfg.Logger, h)
	h = requestID(h)
	return h
}
