package config

import (
	"fmt"
	"net/netip"
	"net/url"
	"strings"
)

// ParsePublicURL checks a public URL (REPORTLINE_PUBLIC_URL, --public-url):
// http or https, a host, no credentials, query or fragment. The result has
// no trailing slash, so links are written base + "/path". "" is nil: no
// public URL configured.
func ParsePublicURL(s string) (*url.URL, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("public URL %q: %w", s, err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("public URL %q: want https://HOST (or http://HOST), the address users reach", s)
	case u.Host == "":
		return nil, fmt.Errorf("public URL %q: no host", s)
	case u.User != nil:
		return nil, fmt.Errorf("public URL %q: must not hold a user name or password", s)
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return nil, fmt.Errorf("public URL %q: must not have a query or fragment", s)
	}
	u.Host = strings.ToLower(u.Host)
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// ParseTrustedProxies reads a comma- or space-separated list of CIDR
// prefixes or single addresses (REPORTLINE_TRUSTED_PROXIES,
// --trusted-proxies): "10.0.0.0/8, 192.168.1.10, fd00::/8".
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' }) {
		if strings.Contains(f, "/") {
			p, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, fmt.Errorf("trusted proxies: %q: want a CIDR prefix such as 10.0.0.0/8 or an address", f)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("trusted proxies: %q: want a CIDR prefix such as 10.0.0.0/8 or an address", f)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}
