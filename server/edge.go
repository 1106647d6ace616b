package server

import (
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"reportline/web"
)

// edge resolves, once per request, how the request reached the service
// (web.Edge): the client's address, whether it came over https, and the
// public URL. Forwarding headers (X-Forwarded-For, X-Forwarded-Proto) are
// believed only from a peer in trusted; from anyone else they are ignored,
// so a client cannot choose the address its rate limits are counted on.
func edge(public *url.URL, trusted []netip.Prefix, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		peer := web.PeerAddr(r)
		e := web.Edge{Client: peer, PublicURL: public, Secure: r.TLS != nil}
		if isTrusted(trusted, peer) {
			e.Client = forwardedClient(r.Header.Values("X-Forwarded-For"), trusted, peer)
			if !e.Secure {
				e.Secure = strings.EqualFold(lastValue(r.Header.Values("X-Forwarded-Proto")), "https")
			}
		}
		if public != nil {
			// The address users reach decides: a proxy that terminates
			// TLS and forwards plain HTTP still serves https users.
			e.Secure = public.Scheme == "https"
		}
		next.ServeHTTP(w, r.WithContext(web.WithEdge(r.Context(), e)))
	})
}

// forwardedClient walks X-Forwarded-For from the nearest hop outwards and
// returns the first address that is not a trusted proxy: the addresses to
// its left were written by the client itself and prove nothing. A
// malformed entry stops the walk at the last address a trusted proxy
// vouched for.
func forwardedClient(headers []string, trusted []netip.Prefix, peer netip.Addr) netip.Addr {
	var hops []string
	for _, h := range headers {
		hops = append(hops, strings.Split(h, ",")...)
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return client
		}
		client = a.Unmap()
		if !isTrusted(trusted, client) {
			return client
		}
	}
	return client
}

func isTrusted(trusted []netip.Prefix, a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// lastValue returns the last comma-separated value of a header (the one the
// nearest proxy wrote).
func lastValue(headers []string) string {
	if len(headers) == 0 {
		return ""
	}
	h := headers[len(headers)-1]
	if i := strings.LastIndexByte(h, ','); i >= 0 {
		h = h[i+1:]
	}
	return strings.TrimSpace(h)
}
