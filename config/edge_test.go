package config

import (
	"flag"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

func TestPublicURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://Reportline.Example.com/":      "https://reportline.example.com",
		"https://rl.example.com/people/":       "https://rl.example.com/people",
		"http://127.0.0.1:8080":                "http://127.0.0.1:8080",
		" https://rl.example.com ":             "https://rl.example.com",
		"https://rl.example.com:8443/a/b/c///": "https://rl.example.com:8443/a/b/c",
	} {
		c := Default()
		if err := c.FromEnv(env(map[string]string{"REPORTLINE_PUBLIC_URL": in})); err != nil {
			t.Fatal(err)
		}
		if err := c.Validate(); err != nil {
			t.Errorf("%q: %v", in, err)
			continue
		}
		if got := c.PublicBaseURL().String(); got != want {
			t.Errorf("%q → %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"rl.example.com":                "want https://HOST",
		"ftp://rl.example.com":          "want https://HOST",
		"https://":                      "no host",
		"https://admin:pw@rl.example":   "user name or password",
		"https://rl.example.com/?a=b":   "query or fragment",
		"https://rl.example.com/#frag":  "query or fragment",
		"https://rl.example.com/%zz":    "invalid URL escape",
		"javascript:alert(1)//evil.com": "want https://HOST",
	} {
		c := Default()
		c.PublicURL = in
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", in, err, want)
		}
	}
	if c := Default(); c.PublicBaseURL() != nil {
		t.Errorf("default public URL = %v, want none", c.PublicBaseURL())
	}
}

func TestTrustedProxies(t *testing.T) {
	t.Parallel()
	c := Default()
	if err := c.FromEnv(env(map[string]string{"REPORTLINE_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.10 fd00::/8,::ffff:172.16.0.1"})); err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.10/32"), netip.MustParsePrefix("fd00::/8"), netip.MustParsePrefix("172.16.0.1/32")}
	if !slices.Equal(c.TrustedProxies, want) {
		t.Errorf("env → %v, want %v", c.TrustedProxies, want)
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	c.ServeFlags(fs)
	if err := fs.Parse([]string{"--trusted-proxies", "10.1.2.3/16", "--public-url", "https://rl.example.com"}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.TrustedProxies, []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}) || c.PublicURL != "https://rl.example.com" {
		t.Errorf("flags → %v %q", c.TrustedProxies, c.PublicURL)
	}
	for _, bad := range []string{"10.0.0.0/33", "proxy.internal", "10.0.0"} {
		c := Default()
		err := c.FromEnv(env(map[string]string{"REPORTLINE_TRUSTED_PROXIES": bad}))
		if err == nil || !strings.Contains(err.Error(), "REPORTLINE_TRUSTED_PROXIES") || !strings.Contains(err.Error(), bad) {
			t.Errorf("%q: err = %v, want it named", bad, err)
		}
	}
}

// env is a getenv over a map.
func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}
