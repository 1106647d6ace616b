package muxpattern_test

import (
	"net/http"
	"slices"
	"testing"

	"reportline/internal/muxpattern"
)

// TestListFindsEveryRegistration checks the walk itself: every way of
// registering (method or not, wildcards, {$}, subtrees, helpers) is found.
func TestListFindsEveryRegistration(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	want := []string{"/", "/files/", "DELETE /a/{id}/b/{other}", "GET /x/{rest...}", "GET /{$}", "POST /a/{id}"} // sorted
	h := func(http.ResponseWriter, *http.Request) {}
	register := func(m *http.ServeMux, p string) { m.HandleFunc(p, h) } // as a package's helper would
	for _, p := range want {
		register(mux, p)
	}
	got, err := muxpattern.List(mux)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("List = %q, want %q", got, want)
	}
}

func TestSample(t *testing.T) {
	t.Parallel()
	tests := []struct{ pattern, method, path, sample string }{
		{"/", "GET", "/", "/no-such-route"},
		{"GET /{$}", "GET", "/{$}", "/"},
		{"POST /a/{id}", "POST", "/a/{id}", "/a/1"},
		{"DELETE /a/{id}/b/{other}", "DELETE", "/a/{id}/b/{other}", "/a/1/b/1"},
		{"GET /x/{rest...}", "GET", "/x/{rest...}", "/x/1"},
		{"/files/", "GET", "/files/", "/files/no-such-route"},
	}
	for _, tt := range tests {
		if got := muxpattern.Method(tt.pattern); got != tt.method {
			t.Errorf("Method(%q) = %q, want %q", tt.pattern, got, tt.method)
		}
		if got := muxpattern.Path(tt.pattern); got != tt.path {
			t.Errorf("Path(%q) = %q, want %q", tt.pattern, got, tt.path)
		}
		if got := muxpattern.Sample(tt.pattern); got != tt.sample {
			t.Errorf("Sample(%q) = %q, want %q", tt.pattern, got, tt.sample)
		}
	}
}
