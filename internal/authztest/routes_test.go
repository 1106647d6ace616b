package authztest

import (
	"net/http"
	"testing"

	"reportline/internal/muxpattern"
	"reportline/internal/testapp"
	"reportline/store"
)

// registeredPatterns returns every pattern registered on the server's mux:
// the server's own endpoints and every part of the service, as `reportline
// serve` wires them (api.New, api.NewV2, api.NewAuthZEN, scim.New, ui.New).
// The patterns are read by muxpattern.List, which confirms each one routes
// back to itself; too few of them means the walk no longer understands
// net/http's ServeMux, and fails loudly rather than passes silently.
func registeredPatterns(t *testing.T) []string {
	t.Helper()
	env := testapp.New(t, store.SQLite)
	mux := http.NewServeMux()
	// The server's own endpoints: server.New registers them on its private
	// mux; keep this list in step with server/server.go (the test below
	// checks that they answer).
	for _, p := range serverOwnPatterns {
		mux.HandleFunc(p, func(http.ResponseWriter, *http.Request) {})
	}
	for _, r := range allRoutes(t, env.App) {
		r.Register(mux)
	}
	found, err := muxpattern.List(mux)
	if err != nil {
		t.Fatal(err)
	}
	if len(found) < 100 {
		t.Fatalf("found %d patterns on the mux; the reflection walk no longer understands net/http's ServeMux", len(found))
	}
	return found
}

// serverOwnPatterns are the endpoints server.New registers itself.
var serverOwnPatterns = []string{"GET /healthz", "GET /readyz", "GET /metrics"}

// TestEveryRouteHasAnExpectation fails when the server registers a route
// that the hand-written matrix does not cover, or when the matrix names a
// route that no longer exists.
func TestEveryRouteHasAnExpectation(t *testing.T) {
	t.Parallel()
	got := registeredPatterns(t)
	rows := map[string]bool{}
	for _, r := range matrix {
		if rows[r.pattern] {
			t.Errorf("the matrix has two rows for %q", r.pattern)
		}
		rows[r.pattern] = true
	}
	for _, p := range got {
		if !rows[p] {
			t.Errorf("route %q has no row in the authorization matrix (matrix_table_test.go): add one with the expected decision of every role", p)
		}
	}
	registered := map[string]bool{}
	for _, p := range got {
		registered[p] = true
	}
	for _, r := range matrix {
		if !registered[r.pattern] {
			t.Errorf("the matrix has a row for %q, which the server no longer registers", r.pattern)
		}
	}
}
