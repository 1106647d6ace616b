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
	h := server.New(server.Config{
		App:    e.App,
		Logger: slog.New(slog.DiscardHandler),
		Ready:  func(ctx context.Context) error { return e.DB.Ping(ctx) },
		Routes: routes,
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}
