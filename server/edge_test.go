package server

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"testing"

	"reportline/web"
)

func TestClientIPBelievesOnlyTrustedProxies(t *testing.T) {
	t.Parallel()
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	for _, tc := range []struct {
		name, peer string
		xff        []string
		want       string
	}{
		{"no proxy", "203.0.113.9:5555", nil, "203.0.113.9"},
		{"untrusted peer forges the header", "203.0.113.9:5555", []string{"1.2.3.4"}, "203.0.113.9"},
		{"trusted proxy", "10.0.0.5:443", []string{"198.51.100.7"}, "198.51.100.7"},
		{"client forges the start of the chain", "10.0.0.5:443", []string{"6.6.6.6, 198.51.100.7"}, "198.51.100.7"},
		{"two trusted hops", "10.0.0.5:443", []string{"198.51.100.7, 10.1.1.1"}, "198.51.100.7"},
		{"several headers", "10.0.0.5:443", []string{"6.6.6.6", "198.51.100.7, 10.1.1.1"}, "198.51.100.7"},
		{"all trusted", "10.0.0.5:443", []string{"10.9.9.9"}, "10.9.9.9"},
		{"garbage stops the walk", "10.0.0.5:443", []string{"198.51.100.7, nonsense, 10.1.1.1"}, "10.1.1.1"},
		{"trusted proxy, no header", "10.0.0.5:443", nil, "10.0.0.5"},
		{"IPv6 proxy", "[fd00::1]:443", []string{"2001:db8::7"}, "2001:db8::7"},
		{"IPv4-mapped peer", "[::ffff:10.0.0.5]:443", []string{"198.51.100.7"}, "198.51.100.7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got netip.Addr
			h := edge(nil, trusted, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = web.ClientIP(r) }))
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.peer
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			if got.String() != tc.want {
				t.Errorf("ClientIP = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestSecureFollowsThePublicURLAndTrustedProxies(t *testing.T) {
	t.Parallel()
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	https, _ := url.Parse("https://rl.example.com")
	plain, _ := url.Parse("http://rl.example.com")
	for _, tc := range []struct {
		name   string
		public *url.URL
		peer   string
		proto  string
		want   bool
	}{
		{"nothing configured", nil, "203.0.113.9:1", "", false},
		{"https public URL behind a plain proxy", https, "10.0.0.5:1", "", true},
		{"http public URL", plain, "10.0.0.5:1", "https", false},
		{"trusted proxy says https", nil, "10.0.0.5:1", "https", true},
		{"untrusted client says https", nil, "203.0.113.9:1", "https", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got bool
			h := edge(tc.public, trusted, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = web.Secure(r) }))
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.peer
			if tc.proto != "" {
				r.Header.Set("X-Forwarded-Proto", tc.proto)
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			if got != tc.want {
				t.Errorf("Secure = %v, want %v", got, tc.want)
			}
		})
	}
}
