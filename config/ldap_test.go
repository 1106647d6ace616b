package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLDAPFromEnv(t *testing.T) {
	t.Parallel()
	pwFile := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pwFile, []byte("from-file\n"), 0o600)
	base := map[string]string{"REPORTLINE_LDAP_URL": "ldaps://dc1.corp.example", "REPORTLINE_LDAP_BASE_DN": "dc=corp,dc=example",
		"REPORTLINE_LDAP_BIND_DN": "cn=sync,dc=corp,dc=example", "REPORTLINE_LDAP_BIND_PASSWORD": "s3cret"}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	configured := LDAP{URL: "ldaps://dc1.corp.example", BaseDN: "dc=corp,dc=example", BindDN: "cn=sync,dc=corp,dc=example", BindPassword: "s3cret", SyncInterval: time.Hour}
	tests := []struct {
		name    string
		env     map[string]string
		want    LDAP
		wantErr string
	}{
		{"not configured", map[string]string{}, LDAP{}, ""},
		{"configured: hourly by default", base, configured, ""},
		{"password from a file", with("REPORTLINE_LDAP_BIND_PASSWORD", "", "REPORTLINE_LDAP_BIND_PASSWORD_FILE", pwFile),
			func() LDAP { l := configured; l.BindPassword = "from-file"; return l }(), ""},
		{"AD with StartTLS, every 15 minutes", with("REPORTLINE_LDAP_URL", "ldap://dc1", "REPORTLINE_LDAP_STARTTLS", "true", "REPORTLINE_LDAP_PRESET", "ad",
			"REPORTLINE_LDAP_PAGE_SIZE", "1000", "REPORTLINE_LDAP_SYNC_INTERVAL", "15m"),
			func() LDAP {
				l := configured
				l.URL, l.StartTLS, l.Preset, l.PageSize, l.SyncInterval = "ldap://dc1", true, "ad", 1000, 15*time.Minute
				return l
			}(), ""},
		{"both passwords", with("REPORTLINE_LDAP_BIND_PASSWORD_FILE", pwFile), LDAP{}, "both set"},
		{"bad StartTLS", with("REPORTLINE_LDAP_STARTTLS", "sometimes"), LDAP{}, "REPORTLINE_LDAP_STARTTLS"},
		{"bad page size", with("REPORTLINE_LDAP_PAGE_SIZE", "many"), LDAP{}, "REPORTLINE_LDAP_PAGE_SIZE"},
		{"bad URL", with("REPORTLINE_LDAP_URL", "https://dc1"), LDAP{}, "want ldap://"},
		{"no base DN", with("REPORTLINE_LDAP_BASE_DN", ""), LDAP{}, "REPORTLINE_LDAP_BASE_DN"},
		{"interval too short", with("REPORTLINE_LDAP_SYNC_INTERVAL", "10s"), LDAP{}, "at least 1m"},
		{"settings without a URL", map[string]string{"REPORTLINE_LDAP_BIND_DN": "cn=x"}, LDAP{}, "REPORTLINE_LDAP_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			err := c.FromEnv(func(k string) string { return tt.env[k] })
			if err == nil {
				err = c.Validate()
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.LDAP != tt.want {
				t.Errorf("LDAP = %v, want %v", c.LDAP, tt.want)
			}
			if s := fmt.Sprint(c.LDAP) + fmt.Sprintf("%+v", c.LDAP); strings.Contains(s, "s3cret") || strings.Contains(s, "from-file") {
				t.Errorf("the password shows when printed: %s", s)
			}
		})
	}
}
