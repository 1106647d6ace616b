package web

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"net/url"
)

// Edge is how a request reached the service, resolved once by the server's
// middleware from its configuration (public URL, trusted proxies): handlers
// read it through ClientIP, Secure and BaseURL and never parse forwarding
// headers themselves.
type Edge struct {
	// Client is the address of the client: the peer, or the address a
	// trusted proxy forwarded (X-Forwarded-For).
	Client netip.Addr
	// Secure says the client reached the service over https: the public
	// URL is https, the connection is TLS, or a trusted proxy said so
	// (X-Forwarded-Proto).
	Secure bool
	// PublicURL is the configured address users reach (REPORTLINE_PUBLIC_URL),
	// nil when none is configured.
	PublicURL *url.URL
}

const edgeKey ctxKey = 100

// WithEdge returns a context carrying the request's edge.
func WithEdge(ctx context.Context, e Edge) context.Context {
	return context.WithValue(ctx, edgeKey, e)
}

func edgeOf(r *http.Request) (Edge, bool) {
	e, ok := r.Context().Value(edgeKey).(Edge)
	return e, ok
}

// ClientIP returns the address of the client that sent the request: the
// TCP peer, or, when the peer is a trusted proxy (REPORTLINE_TRUSTED_PROXIES),
// the nearest untrusted address of X-Forwarded-For. This is the one place
// that answers "who is calling from where"; rate limits and logs use it.
// The zero Addr means the address is unknown.
func ClientIP(r *http.Request) netip.Addr {
	if e, ok := edgeOf(r); ok {
		return e.Client
	}
	return PeerAddr(r)
}

// PeerAddr returns the address of the TCP peer (which may be a proxy).
func PeerAddr(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

// Secure reports whether the client reached the service over https, so that
// cookies are marked Secure and HSTS is sent even behind a TLS-terminating
// proxy.
func Secure(r *http.Request) bool {
	if e, ok := edgeOf(r); ok {
		return e.Secure
	}
	return r.TLS != nil
}

// BaseURL returns the service's absolute base URL without a trailing slash
// ("https://reportline.example.com", or with a path prefix) and whether it
// is the configured public URL. When none is configured it is built from
// the request (its Host header, which the client chooses): use it then only
// for answers to that client, never in anything cached or sent to others.
func BaseURL(r *http.Request) (base string, configured bool) {
	if e, ok := edgeOf(r); ok && e.PublicURL != nil {
		return e.PublicURL.String(), true
	}
	scheme := "http"
	if Secure(r) {
		scheme = "https"
	}
	return scheme + "://" + r.Host, false
}
