package config

import (
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Graph is the Microsoft Entra ID sync through Microsoft Graph. It is off
// while Tenant is empty.
type Graph struct {
	Tenant       string // REPORTLINE_GRAPH_TENANT: tenant id or verified domain
	ClientID     string // REPORTLINE_GRAPH_CLIENT_ID: the app registration's application id
	ClientSecret string // REPORTLINE_GRAPH_CLIENT_SECRET, or read from REPORTLINE_GRAPH_CLIENT_SECRET_FILE; never logged
	// Certificate is the PEM certificate and private key read from
	// REPORTLINE_GRAPH_CERTIFICATE_FILE, the credential to use instead of a
	// client secret (the certificate uploaded to the app registration);
	// never logged.
	Certificate  []byte
	AuthorityURL string        // REPORTLINE_GRAPH_AUTHORITY_URL: "" for https://login.microsoftonline.com
	APIURL       string        // REPORTLINE_GRAPH_API_URL: "" for https://graph.microsoft.com
	SyncInterval time.Duration // REPORTLINE_GRAPH_SYNC_INTERVAL: how often serve syncs; 0 never
	// IncludeGuests (REPORTLINE_GRAPH_INCLUDE_GUESTS): sync B2B guests
	// (userType Guest) too; by default they are left out.
	IncludeGuests bool
	// Exclude (REPORTLINE_GRAPH_EXCLUDE, comma-separated) lists patterns of
	// the userPrincipalName or mail of entries that are not people (room
	// and equipment mailboxes, service accounts): `*` any run, `?` one
	// character, any case, e.g. room-*@contoso.com.
	Exclude []string
}

// DefaultGraphSyncInterval is how often serve syncs when Graph is
// configured and no interval is given.
const DefaultGraphSyncInterval = time.Hour

// Enabled reports whether a tenant is configured.
func (g Graph) Enabled() bool { return g.Tenant != "" }

// LogValue keeps the secret out of logs.
func (g Graph) LogValue() slog.Value {
	return slog.GroupValue(slog.String("tenant", g.Tenant), slog.String("client_id", g.ClientID),
		slog.Bool("client_secret_set", g.ClientSecret != ""), slog.Bool("certificate_set", len(g.Certificate) > 0), slog.Duration("sync_interval", g.SyncInterval))
}

// String keeps the secret out of anything printed with %v.
func (g Graph) String() string {
	return fmt.Sprintf("{Tenant:%s ClientID:%s ClientSecret:[redacted] AuthorityURL:%s APIURL:%s SyncInterval:%s}",
		g.Tenant, g.ClientID, g.AuthorityURL, g.APIURL, g.SyncInterval)
}

func (g *Graph) fromEnv(getenv func(string) string) error {
	for name, dst := range map[string]*string{
		"REPORTLINE_GRAPH_TENANT": &g.Tenant, "REPORTLINE_GRAPH_CLIENT_ID": &g.ClientID,
		"REPORTLINE_GRAPH_AUTHORITY_URL": &g.AuthorityURL, "REPORTLINE_GRAPH_API_URL": &g.APIURL,
	} {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			*dst = v
		}
	}
	secret, file := getenv("REPORTLINE_GRAPH_CLIENT_SECRET"), getenv("REPORTLINE_GRAPH_CLIENT_SECRET_FILE")
	switch {
	case secret != "" && file != "":
		return fmt.Errorf("REPORTLINE_GRAPH_CLIENT_SECRET and REPORTLINE_GRAPH_CLIENT_SECRET_FILE are both set: keep one")
	case secret != "":
		g.ClientSecret = secret
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return fmt.Errorf("REPORTLINE_GRAPH_CLIENT_SECRET_FILE: %w", err)
		}
		g.ClientSecret = strings.TrimRight(string(b), "\r\n")
	}
	if file := getenv("REPORTLINE_GRAPH_CERTIFICATE_FILE"); file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return fmt.Errorf("REPORTLINE_GRAPH_CERTIFICATE_FILE: %w", err)
		}
		g.Certificate = b
	}
	if g.Enabled() && g.SyncInterval == 0 {
		g.SyncInterval = DefaultGraphSyncInterval
	}
	if v := strings.TrimSpace(getenv("REPORTLINE_GRAPH_INCLUDE_GUESTS")); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("REPORTLINE_GRAPH_INCLUDE_GUESTS %q: want true or false", v)
		}
		g.IncludeGuests = b
	}
	if v := strings.TrimSpace(getenv("REPORTLINE_GRAPH_EXCLUDE")); v != "" {
		for _, p := range strings.Split(v, ",") {
			p = strings.TrimSpace(p)
			if _, err := path.Match(p, ""); p == "" || err != nil {
				return fmt.Errorf("REPORTLINE_GRAPH_EXCLUDE: pattern %q is malformed: want names with * and ?, such as room-*@contoso.com, separated by commas", p)
			}
			g.Exclude = append(g.Exclude, p)
		}
	}
	if v := getenv("REPORTLINE_GRAPH_SYNC_INTERVAL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("REPORTLINE_GRAPH_SYNC_INTERVAL %q: want a duration such as 1h or 30m, or 0 for never: %w", v, err)
		}
		g.SyncInterval = d
	}
	return nil
}

func (g Graph) validate() error {
	if !g.Enabled() && g.ClientID == "" && g.ClientSecret == "" && len(g.Certificate) == 0 {
		return nil
	}
	if g.ClientSecret != "" && len(g.Certificate) > 0 {
		return fmt.Errorf("REPORTLINE_GRAPH_CLIENT_SECRET (or _FILE) and REPORTLINE_GRAPH_CERTIFICATE_FILE are both set: keep one credential")
	}
	credential := g.ClientSecret
	if len(g.Certificate) > 0 {
		credential = "certificate"
	}
	var missing []string
	for name, v := range map[string]string{"REPORTLINE_GRAPH_TENANT": g.Tenant, "REPORTLINE_GRAPH_CLIENT_ID": g.ClientID, "REPORTLINE_GRAPH_CLIENT_SECRET (or _FILE, or REPORTLINE_GRAPH_CERTIFICATE_FILE)": credential} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return fmt.Errorf("incomplete Microsoft Graph settings: %s not set; set all three or none", strings.Join(missing, ", "))
	}
	for name, v := range map[string]string{"REPORTLINE_GRAPH_AUTHORITY_URL": g.AuthorityURL, "REPORTLINE_GRAPH_API_URL": g.APIURL} {
		if v == "" {
			continue
		}
		if u, err := url.Parse(v); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("%s %q: want https://HOST", name, v)
		}
	}
	if g.SyncInterval < 0 || (g.SyncInterval > 0 && g.SyncInterval < time.Minute) {
		return fmt.Errorf("REPORTLINE_GRAPH_SYNC_INTERVAL %s: want 0 (never) or at least 1m", g.SyncInterval)
	}
	return nil
}
