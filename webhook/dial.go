package webhook

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// ErrForbiddenAddress is returned for a URL, or a connection, to an
// address webhooks may not reach.
var ErrForbiddenAddress = errors.New("webhook address refused: loopback, private, link-local and cloud metadata addresses are not allowed")

// forbidden reports whether ip is an address a webhook may not reach
// unless the operator allows private addresses: loopback, private
// (RFC 1918, fc00::/7), link-local (which holds the cloud metadata
// address 169.254.169.254), unspecified, multicast, CGNAT and the
// metadata addresses some clouds use elsewhere.
func forbidden(ip netip.Addr) bool {
	ip = ip.Unmap()
	switch {
	case ip.IsLoopback(), ip.IsPrivate(), ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast(), ip.IsUnspecified(),
		ip.IsMulticast(), ip.IsInterfaceLocalMulticast():
		return true
	}
	for _, p := range []netip.Prefix{
		netip.MustParsePrefix("100.64.0.0/10"),     // carrier-grade NAT (Alibaba's metadata is 100.100.100.200)
		netip.MustParsePrefix("192.0.0.0/24"),      // IETF protocol assignments
		netip.MustParsePrefix("fd00:ec2::254/128"), // AWS metadata over IPv6 (also in fc00::/7)
		netip.MustParsePrefix("0.0.0.0/8"),
	} {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// CheckURL refuses a subscriber URL that is not https:// with a host, or
// whose host is a literal forbidden address (unless allowPrivate). Names
// are checked again on every connection, on the address they resolved to.
func CheckURL(raw string, allowPrivate bool) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
		return errors.New("a webhook URL is https://host/path, without credentials")
	}
	host := u.Hostname()
	if allowPrivate {
		return nil
	}
	if ip, err := netip.ParseAddr(host); err == nil && forbidden(ip) {
		return ErrForbiddenAddress
	}
	if h := strings.ToLower(strings.TrimSuffix(host, ".")); h == "localhost" || strings.HasSuffix(h, ".localhost") ||
		h == "metadata.google.internal" {
		return ErrForbiddenAddress
	}
	return nil
}

// ClientOptions configure the HTTP client of the deliveries.
type ClientOptions struct {
	// AllowPrivate lets webhooks reach loopback and private addresses
	// (REPORTLINE_WEBHOOK_ALLOW_PRIVATE; tests and closed networks).
	AllowPrivate bool
	// RootCAs, when set, replaces the system's roots (tests).
	RootCAs *x509.CertPool
	Timeout time.Duration // one delivery's limit [15s]
}

// NewClient returns the HTTP client deliveries go through. Its dialer
// checks the address every connection actually goes to (after DNS
// resolution, so a name that resolves to a private address is refused
// too), redirects are not followed and no proxy is used.
func NewClient(o ClientOptions) *http.Client {
	if o.Timeout <= 0 {
		o.Timeout = 15 * time.Second
	}
	d := &net.Dialer{Timeout: 10 * time.Second, Control: func(network, address string, _ syscall.RawConn) error {
		if o.AllowPrivate {
			return nil
		}
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("%w: %s", ErrForbiddenAddress, address)
		}
		if forbidden(ap.Addr()) {
			return fmt.Errorf("%w: %s", ErrForbiddenAddress, ap.Addr())
		}
		return nil
	}}
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         func(ctx context.Context, n, a string) (net.Conn, error) { return d.DialContext(ctx, n, a) },
		TLSClientConfig:     &tls.Config{RootCAs: o.RootCAs, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout: 10 * time.Second,
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     90 * time.Second,
	}
	return &http.Client{Transport: tr, Timeout: o.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}
