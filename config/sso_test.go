package config

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSSOFromEnvAndValidate(t *testing.T) {
	t.Parallel()
	secretFile := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(secretFile, []byte("file-s3cret\n"), 0o600)
	oidc := map[string]string{"REPORTLINE_PUBLIC_URL": "https://rl.example.com", "REPORTLINE_OIDC_ISSUER": "https://login.example.com/t/v2.0",
		"REPORTLINE_OIDC_CLIENT_ID": "app", "REPORTLINE_OIDC_CLIENT_SECRET": "env-s3cret"}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range oidc {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name, wantErr string
		env           map[string]string
		check         func(SSO) bool
	}{
		{"off", "", map[string]string{}, func(s SSO) bool { return !s.OIDCEnabled() && !s.SAMLEnabled() }},
		{"oidc", "", with("REPORTLINE_OIDC_SCOPES", "email, profile offline_access"), func(s SSO) bool {
			return s.OIDCEnabled() && s.OIDCClientSecret == "env-s3cret" && strings.Join(s.OIDCScopes, "|") == "email|profile|offline_access"
		}},
		{"secret from a file", "", with("REPORTLINE_OIDC_CLIENT_SECRET", "", "REPORTLINE_OIDC_CLIENT_SECRET_FILE", secretFile), func(s SSO) bool { return s.OIDCClientSecret == "file-s3cret" }},
		{"both secrets", "both set", with("REPORTLINE_OIDC_CLIENT_SECRET_FILE", secretFile), nil},
		{"no public URL", "REPORTLINE_PUBLIC_URL", with("REPORTLINE_PUBLIC_URL", ""), nil},
		{"no client id", "CLIENT_ID", with("REPORTLINE_OIDC_CLIENT_ID", ""), nil},
		{"SSO-only without a break-glass admin", "BREAK_GLASS", with("REPORTLINE_SSO_ONLY", "true"), nil},
		{"SSO-only with one", "", with("REPORTLINE_SSO_ONLY", "true", "REPORTLINE_SSO_BREAK_GLASS_EMAIL", "root@example.com"), func(s SSO) bool { return s.Only && s.BreakGlass == "root@example.com" }},
		{"SSO-only without a provider", "no identity provider", map[string]string{"REPORTLINE_SSO_ONLY": "1", "REPORTLINE_SSO_BREAK_GLASS_EMAIL": "root@example.com"}, nil},
		{"not a boolean", "true or false", with("REPORTLINE_SSO_TRUST_EMAILS", "yes please"), nil},
		{"unknown directory", "graph, scim or ldap", with("REPORTLINE_SSO_DIRECTORY", "ad"), nil},
		{"saml without our key pair", "SP_KEY_FILE", map[string]string{"REPORTLINE_PUBLIC_URL": "https://rl.example.com", "REPORTLINE_SAML_IDP_METADATA_URL": "https://idp.example.com/md"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			err := c.FromEnv(func(k string) string { return tc.env[k] })
			if err == nil {
				err = c.Validate()
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one naming %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(c.SSO) {
				t.Errorf("got %+v", c.SSO)
			}
		})
	}
}

// TestSSOSecretNeverPrinted: neither %v, %+v nor a log line shows the
// client secret.
func TestSSOSecretNeverPrinted(t *testing.T) {
	t.Parallel()
	s := SSO{OIDCIssuer: "https://idp", OIDCClientID: "app", OIDCClientSecret: "hunter2-s3cret"}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "sso", s, "all", Config{SSO: s})
	for _, out := range []string{fmt.Sprintf("%v", s), fmt.Sprintf("%+v", s), buf.String()} {
		if strings.Contains(out, "hunter2") {
			t.Errorf("the secret is printed: %s", out)
		}
	}
}
