package authztest

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"

	"reportline/internal/testapp"
	"reportline/store"
)

// registeredPatterns returns every pattern registered on the server's mux:
// the server's own endpoints and every part of the service, as `reportline
// serve` wires them (api.New, api.NewV2, api.NewAuthZEN, scim.New, ui.New).
//
// http.ServeMux has no way to list its patterns, and every package
// registers on a *http.ServeMux directly (often through helpers), so the
// patterns are read from the mux's routing tree by reflection (read-only),
// and each one is then confirmed through the public API: mux.Handler must
// route a request built from the pattern back to that very pattern. A Go
// release that changes the mux's internals makes this fail loudly (too few
// patterns, or one that does not route back), never pass silently.
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
	found := patternsOf(t, mux)
	if len(found) < 100 {
		t.Fatalf("found %d patterns on the mux; the reflection walk no longer understands net/http's ServeMux", len(found))
	}
	return found
}

// patternsOf lists the patterns registered on mux, each confirmed to route
// back to itself.
func patternsOf(t *testing.T, mux *http.ServeMux) []string {
	t.Helper()
	var found []string
	seen := map[uintptr]bool{}
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer:
			if v.IsNil() || seen[v.Pointer()] {
				return
			}
			seen[v.Pointer()] = true
			walk(v.Elem())
		case reflect.Interface:
			if !v.IsNil() {
				walk(v.Elem())
			}
		case reflect.Struct:
			if v.Type().Name() == "pattern" && v.Type().PkgPath() == "net/http" {
				if s := v.FieldByName("str"); s.IsValid() {
					found = append(found, s.String())
				}
				return
			}
			for i := range v.NumField() {
				walk(v.Field(i))
			}
		case reflect.Slice, reflect.Array:
			for i := range v.Len() {
				walk(v.Index(i))
			}
		case reflect.Map:
			it := v.MapRange()
			for it.Next() {
				walk(it.Value())
			}
		}
	}
	walk(reflect.ValueOf(mux))
	slices.Sort(found)
	found = slices.Compact(found)
	for _, p := range found {
		req := httptest.NewRequest(methodOf(p), "http://x"+samplePath(p), nil)
		if _, got := mux.Handler(req); got != p {
			t.Fatalf("pattern %q: a request to %s routes to %q", p, samplePath(p), got)
		}
	}
	return found
}

// serverOwnPatterns are the endpoints server.New registers itself.
var serverOwnPatterns = []string{"GET /healthz", "GET /readyz", "GET /metrics"}

// methodOf returns a pattern's method, GET when it has none.
func methodOf(p string) string {
	if m, _, ok := strings.Cut(p, " "); ok {
		return m
	}
	return "GET"
}

// pathOf returns a pattern's path.
func pathOf(p string) string {
	if _, rest, ok := strings.Cut(p, " "); ok {
		return rest
	}
	return p
}

// samplePath fills a pattern's wildcards with sample values.
func samplePath(p string) string {
	s := pathOf(p)
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			b.WriteString(s)
			break
		}
		j := strings.IndexByte(s[i:], '}')
		b.WriteString(s[:i])
		if s[i:i+j+1] != "{$}" {
			b.WriteString("1")
		}
		s = s[i+j+1:]
	}
	out := b.String()
	if strings.HasSuffix(out, "/") && !strings.HasSuffix(p, "{$}") {
		out += "no-such-route" // a subtree pattern: some path below it
	}
	return out
}

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

// TestPatternsOfFindsEveryRegistration checks the walk itself: every way of
// registering (method or not, wildcards, {$}, subtrees, helpers) is found.
func TestPatternsOfFindsEveryRegistration(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	want := []string{"/", "/files/", "DELETE /a/{id}/b/{other}", "GET /x/{rest...}", "GET /{$}", "POST /a/{id}"} // sorted
	h := func(http.ResponseWriter, *http.Request) {}
	register := func(m *http.ServeMux, p string) { m.HandleFunc(p, h) } // as a package's helper would
	for _, p := range want {
		register(mux, p)
	}
	got := patternsOf(t, mux)
	if !slices.Equal(got, want) {
		t.Errorf("patternsOf = %q, want %q", got, want)
	}
}
