package config

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestGraphFromEnv(t *testing.T) {
	t.Parallel()
	secretFile := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(secretFile, []byte("from-file~secret\n"), 0o600)
	certFile := filepath.Join(t.TempDir(), "graph.pem")
	os.WriteFile(certFile, []byte("-----BEGIN CERTIFICATE-----\n"), 0o600) // read as it is; graphsync parses it
	base := map[string]string{"REPORTLINE_GRAPH_TENANT": "contoso.onmicrosoft.com", "REPORTLINE_GRAPH_CLIENT_ID": "app-id", "REPORTLINE_GRAPH_CLIENT_SECRET": "s3cret"}
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
	tests := []struct {
		name    string
		env     map[string]string
		want    Graph
		wantErr string
	}{
		{"not configured", map[string]string{}, Graph{}, ""},
		{"configured: hourly by default", base, Graph{Tenant: "contoso.onmicrosoft.com", ClientID: "app-id", ClientSecret: "s3cret", SyncInterval: time.Hour}, ""},
		{"secret from a file", with("REPORTLINE_GRAPH_CLIENT_SECRET", "", "REPORTLINE_GRAPH_CLIENT_SECRET_FILE", secretFile),
			Graph{Tenant: "contoso.onmicrosoft.com", ClientID: "app-id", ClientSecret: "from-file~secret", SyncInterval: time.Hour}, ""},
		{"interval 0: CLI only", with("REPORTLINE_GRAPH_SYNC_INTERVAL", "0"), Graph{Tenant: "contoso.onmicrosoft.com", ClientID: "app-id", ClientSecret: "s3cret"}, ""},
		{"other cloud", with("REPORTLINE_GRAPH_API_URL", "https://graph.microsoft.us", "REPORTLINE_GRAPH_AUTHORITY_URL", "https://login.microsoftonline.us", "REPORTLINE_GRAPH_SYNC_INTERVAL", "15m"),
			Graph{Tenant: "contoso.onmicrosoft.com", ClientID: "app-id", ClientSecret: "s3cret", APIURL: "https://graph.microsoft.us", AuthorityURL: "https://login.microsoftonline.us", SyncInterval: 15 * time.Minute}, ""},
		{"both secrets", with("REPORTLINE_GRAPH_CLIENT_SECRET_FILE", secretFile), Graph{}, "both set"},
		{"unreadable secret file", with("REPORTLINE_GRAPH_CLIENT_SECRET", "", "REPORTLINE_GRAPH_CLIENT_SECRET_FILE", secretFile+".missing"), Graph{}, "REPORTLINE_GRAPH_CLIENT_SECRET_FILE"},
		{"certificate instead of a secret", with("REPORTLINE_GRAPH_CLIENT_SECRET", "", "REPORTLINE_GRAPH_CERTIFICATE_FILE", certFile),
			Graph{Tenant: "contoso.onmicrosoft.com", ClientID: "app-id", Certificate: []byte("-----BEGIN CERTIFICATE-----\n"), SyncInterval: time.Hour}, ""},
		{"secret and certificate", with("REPORTLINE_GRAPH_CERTIFICATE_FILE", certFile), Graph{}, "keep one credential"},
		{"unreadable certificate file", with("REPORTLINE_GRAPH_CLIENT_SECRET", "", "REPORTLINE_GRAPH_CERTIFICATE_FILE", certFile+".missing"), Graph{}, "REPORTLINE_GRAPH_CERTIFICATE_FILE"},
		{"no secret", with("REPORTLINE_GRAPH_CLIENT_SECRET", ""), Graph{}, "REPORTLINE_GRAPH_CLIENT_SECRET (or _FILE, or REPORTLINE_GRAPH_CERTIFICATE_FILE) not set"},
		{"no tenant", with("REPORTLINE_GRAPH_TENANT", ""), Graph{}, "REPORTLINE_GRAPH_TENANT not set"},
		{"excluded names", with("REPORTLINE_GRAPH_EXCLUDE", " room-*@contoso.com, svc.* "),
			Graph{Tenant: "contoso.onmicrosoft.com", ClientID: "app-id", ClientSecret: "s3cret", SyncInterval: time.Hour, Exclude: []string{"room-*@contoso.com", "svc.*"}}, ""},
		{"malformed exclusion", with("REPORTLINE_GRAPH_EXCLUDE", "room-[*"), Graph{}, `pattern "room-[*" is malformed`},
		{"empty exclusion between commas", with("REPORTLINE_GRAPH_EXCLUDE", "a*,,b*"), Graph{}, `pattern "" is malformed`},
		{"bad interval", with("REPORTLINE_GRAPH_SYNC_INTERVAL", "hourly"), Graph{}, "want a duration"},
		{"interval too short", with("REPORTLINE_GRAPH_SYNC_INTERVAL", "10s"), Graph{}, "at least 1m"},
		{"bad API URL", with("REPORTLINE_GRAPH_API_URL", "graph.microsoft.com"), Graph{}, "REPORTLINE_GRAPH_API_URL"},
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
					t.Fatalf("err = %v, want one saying %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "from-file~secret") {
					t.Errorf("error shows the secret: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(c.Graph, tt.want) {
				t.Errorf("Graph = %#v\n want %#v", c.Graph, tt.want)
			}
		})
	}
}

func TestGraphSecretIsNotPrinted(t *testing.T) {
	t.Parallel()
	g := Graph{Tenant: "t", ClientID: "c", ClientSecret: "s3cret-value"}
	for _, s := range []string{fmt.Sprint(g), fmt.Sprintf("%v %+v", g, Config{Graph: g}), g.LogValue().String()} {
		if strings.Contains(s, "s3cret-value") {
			t.Errorf("secret printed: %s", s)
		}
	}
}
