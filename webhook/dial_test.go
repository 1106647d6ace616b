package webhook

import (
	"net/netip"
	"testing"
)

func TestForbiddenAddresses(t *testing.T) {
	for _, a := range []string{"127.0.0.1", "127.8.9.10", "::1", "10.0.0.1", "172.16.5.4", "192.168.0.1", "169.254.169.254",
		"fe80::1", "fc00::1", "fd00:ec2::254", "100.100.100.200", "0.0.0.0", "::", "::ffff:127.0.0.1", "::ffff:169.254.169.254", "224.0.0.1"} {
		if !forbidden(netip.MustParseAddr(a)) {
			t.Errorf("%s is allowed", a)
		}
	}
	for _, a := range []string{"93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "8.8.8.8"} {
		if forbidden(netip.MustParseAddr(a)) {
			t.Errorf("%s is refused", a)
		}
	}
}

func TestCheckURL(t *testing.T) {
	for _, u := range []string{"http://hooks.example.com/", "https://", "ftp://x/", "https://user:pw@hooks.example.com/",
		"https://127.0.0.1/", "https://[::1]:8443/", "https://localhost/", "https://a.localhost/", "https://169.254.169.254/",
		"https://metadata.google.internal/", "https://[::ffff:10.0.0.1]/", "not a url"} {
		if CheckURL(u, false) == nil {
			t.Errorf("%s accepted", u)
		}
	}
	if err := CheckURL("https://hooks.example.com/reportline?x=1", false); err != nil {
		t.Errorf("a public URL refused: %v", err)
	}
	if err := CheckURL("https://127.0.0.1:8443/", true); err != nil {
		t.Errorf("a loopback URL refused though the operator allows it: %v", err)
	}
	if CheckURL("http://127.0.0.1/", true) == nil {
		t.Error("plain http accepted")
	}
}
