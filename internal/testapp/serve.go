package testapp

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"testing"

	"reportline/server"
)

// Serve starts the real HTTP server with the given routes on a loopback
// listener and returns its base URL (http://127.0.0.1:PORT).
func (e *Env) Serve(t testing.TB, routes ...server.Routes) string {
	t.Helper()
	return e.ServeConfig(t, server.Config{Routes: routes})
}

// ServeConfig is Serve with a server configuration of the test's own
// (public URL, trusted proxies, limits); App, Logger, Ready and Tenants
// default to the Env's.
func (e *Env) ServeConfig(t testing.TB, cfg server.Config) string {
	t.Helper()
	if cfg.App == nil {
		cfg.App = e.App
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Tenants == nil {
		cfg.Tenants = e.DB
	}
	if cfg.Ready == nil {
		cfg.Ready = func(ctx context.Context) error { return e.DB.Ping(ctx) }
	}
	srv := httptest.NewUnstartedServer(nil)
	srv.Config = server.NewHTTPServer(cfg)
	startOn(srv, citusListener(t, e.DB))
	t.Cleanup(srv.Close)
	return srv.URL
}
