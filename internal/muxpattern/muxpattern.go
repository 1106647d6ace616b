// Package muxpattern lists the patterns registered on an http.ServeMux, for
// tests that must cover every route: the authorization matrix
// (internal/authztest) and the UI's link crawl (ui). Both walk the same
// route table, so they share this one walk rather than keep two copies that
// could drift apart.
//
// It imports the standard library only and is never imported by
// production code.
package muxpattern

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
)

// List returns every pattern registered on mux, sorted, each confirmed to
// route back to itself.
//
// http.ServeMux has no way to list its patterns, and packages register on a
// *http.ServeMux directly (often through helpers), so the patterns are read
// from the mux's routing tree by reflection (read-only), and each one is then
// confirmed through the public API: mux.Handler must route a request built
// from the pattern back to that very pattern. A Go release that changes the
// mux's internals makes List return an error (a pattern that does not route
// back) or too few patterns, which callers check: it never passes silently.
func List(mux *http.ServeMux) ([]string, error) {
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
			for it := v.MapRange(); it.Next(); {
				walk(it.Value())
			}
		}
	}
	walk(reflect.ValueOf(mux))
	slices.Sort(found)
	found = slices.Compact(found)
	for _, p := range found {
		req := httptest.NewRequest(Method(p), "http://x"+Sample(p), nil)
		if _, got := mux.Handler(req); got != p {
			return nil, fmt.Errorf("pattern %q: a request to %s routes to %q", p, Sample(p), got)
		}
	}
	return found, nil
}

// Method returns a pattern's method, GET when it has none.
func Method(p string) string {
	if m, _, ok := strings.Cut(p, " "); ok {
		return m
	}
	return http.MethodGet
}

// Path returns a pattern's path.
func Path(p string) string {
	if _, rest, ok := strings.Cut(p, " "); ok {
		return rest
	}
	return p
}

// Sample returns a path the pattern serves: its wildcards filled with "1",
// {$} dropped, and a subtree pattern given a path below it.
func Sample(p string) string {
	s := Path(p)
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
