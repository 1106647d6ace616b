// Package config is Reportline's one configuration: defaults, then
// REPORTLINE_* environment variables, then command-line flags, then
// Validate. Nothing here is global; cmd builds one Config per run.
package config

import (
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// Config is what the service needs to start.
type Config struct {
	Addr string // HOST:PORT to listen on
	// OperatorAddr is the operator page's HOST:PORT (REPORTLINE_OPERATOR_ADDR),
	// a listener of its own so that no tenant's host reaches it; "" is off.
	OperatorAddr string
	DataDir      string // the data folder: SQLite database, mail sink
	DatabaseURL  string // "" for SQLite in DataDir, or postgres://…
	Demo         bool   // load the demo organisation on first start
	LogLevel     slog.Level
	LogFormat    string    // text or json
	Graph        Graph     // Microsoft Entra ID sync (graph.go)
	LDAP         LDAP      // LDAP / Active Directory sync (ldap.go)
	Mail         Mail      // SMTP or .eml files (mail.go)
	Directory    Directory // guards of every directory source (directory.go)
	SSO          SSO       // single sign-on (sso.go)
	// PublicURL is the address users reach, e.g. https://reportline.example.com
	// (REPORTLINE_PUBLIC_URL, --public-url; see ParsePublicURL). Links in
	// emails, SSO redirects, Secure cookies and HSTS behind a TLS proxy, and
	// the AuthZEN metadata use it. "" leaves them to the request.
	PublicURL string
	// TrustedProxies are the proxies whose X-Forwarded-For and
	// X-Forwarded-Proto are believed (REPORTLINE_TRUSTED_PROXIES,
	// --trusted-proxies, CIDR prefixes). None by default: the TCP peer is
	// the client.
	TrustedProxies []netip.Prefix
	// Admission tunes the admission control of the HTTP server
	// (admission.go).
	Admission Admission
	// WebhookAllowPrivate lets change-event webhooks reach loopback,
	// private and link-local addresses (REPORTLINE_WEBHOOK_ALLOW_PRIVATE;
	// tests and closed networks). Off by default: see docs/webhooks.md.
	WebhookAllowPrivate bool
	// SecretKey and SecretOldKeys seal the secrets tenants configure
	// (REPORTLINE_SECRET_KEY, REPORTLINE_SECRET_KEYS; package secret parses
	// and checks them). Never logged.
	SecretKey     string `json:"-"`
	SecretOldKeys string `json:"-"`
}

// PublicBaseURL returns the parsed public URL, nil when none is configured.
// Validate has checked it.
func (c Config) PublicBaseURL() *url.URL {
	u, _ := ParsePublicURL(c.PublicURL)
	return u
}

// Default returns the defaults of the pinned surface.
func Default() Config {
	return Config{Addr: "127.0.0.1:8080", DataDir: "./data", LogLevel: slog.LevelInfo, LogFormat: "text"}
}

// FromEnv overrides fields from REPORTLINE_* variables.
func (c *Config) FromEnv(getenv func(string) string) error {
	if v := getenv("REPORTLINE_ADDR"); v != "" {
		c.Addr = v
	}
	if v := getenv("REPORTLINE_OPERATOR_ADDR"); v != "" {
		c.OperatorAddr = v
	}
	if v := getenv("REPORTLINE_DATA"); v != "" {
		c.DataDir = v
	}
	if v := getenv("REPORTLINE_DATABASE_URL"); v != "" {
		c.DatabaseURL = v
	}
	if v := getenv("REPORTLINE_LOG_LEVEL"); v != "" {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			return fmt.Errorf("REPORTLINE_LOG_LEVEL: %w", err)
		}
	}
	if v := getenv("REPORTLINE_LOG_FORMAT"); v != "" {
		c.LogFormat = v
	}
	if v := getenv("REPORTLINE_PUBLIC_URL"); v != "" {
		c.PublicURL = v
	}
	if v := getenv("REPORTLINE_TRUSTED_PROXIES"); v != "" {
		p, err := ParseTrustedProxies(v)
		if err != nil {
			return fmt.Errorf("REPORTLINE_TRUSTED_PROXIES: %w", err)
		}
		c.TrustedProxies = p
	}
	if v := getenv("REPORTLINE_WEBHOOK_ALLOW_PRIVATE"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("REPORTLINE_WEBHOOK_ALLOW_PRIVATE: %w", err)
		}
		c.WebhookAllowPrivate = b
	}
	c.SecretKey, c.SecretOldKeys = getenv("REPORTLINE_SECRET_KEY"), getenv("REPORTLINE_SECRET_KEYS")
	if err := c.Admission.fromEnv(getenv); err != nil {
		return err
	}
	if err := c.SSO.fromEnv(getenv); err != nil {
		return err
	}
	if err := c.Graph.fromEnv(getenv); err != nil {
		return err
	}
	if err := c.LDAP.fromEnv(getenv); err != nil {
		return err
	}
	if err := c.Mail.fromEnv(getenv); err != nil {
		return err
	}
	return c.Directory.fromEnv(getenv)
}

// StorageFlags registers the flags every command that opens the database
// takes.
func (c *Config) StorageFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.DataDir, "data", c.DataDir, "data `folder` (SQLite database, mail); env REPORTLINE_DATA")
	fs.StringVar(&c.DatabaseURL, "database", c.DatabaseURL, "database `URL`: postgres://… or empty for SQLite in the data folder; env REPORTLINE_DATABASE_URL")
}

// ServeFlags registers the flags of the serve command.
func (c *Config) ServeFlags(fs *flag.FlagSet) {
	c.StorageFlags(fs)
	fs.StringVar(&c.Addr, "addr", c.Addr, "`HOST:PORT` to listen on; env REPORTLINE_ADDR")
	fs.StringVar(&c.OperatorAddr, "operator-addr", c.OperatorAddr, "`HOST:PORT` of the operator page (tenants: create, suspend, export, delete); off when empty; env REPORTLINE_OPERATOR_ADDR")
	fs.BoolVar(&c.Demo, "demo", c.Demo, "load a small demo organisation on first start and print how to sign in")
	fs.StringVar(&c.PublicURL, "public-url", c.PublicURL, "the `URL` users reach, e.g. https://reportline.example.com (Secure cookies and HSTS when https); env REPORTLINE_PUBLIC_URL")
	fs.Func("trusted-proxies", "`CIDRs` of proxies whose X-Forwarded-For/-Proto are believed, comma-separated; env REPORTLINE_TRUSTED_PROXIES", func(s string) error {
		p, err := ParseTrustedProxies(s)
		c.TrustedProxies = p
		return err
	})
}

// Validate checks the configuration and says what is wrong.
func (c Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("address %q: want HOST:PORT: %w", c.Addr, err)
	}
	if c.OperatorAddr != "" {
		if _, _, err := net.SplitHostPort(c.OperatorAddr); err != nil {
			return fmt.Errorf("operator address %q: want HOST:PORT: %w", c.OperatorAddr, err)
		}
	}
	if c.DataDir == "" {
		return fmt.Errorf("the data folder is empty")
	}
	if u := c.DatabaseURL; u != "" && !strings.HasPrefix(u, "postgres://") && !strings.HasPrefix(u, "postgresql://") && !strings.HasPrefix(u, "sqlite:") {
		return fmt.Errorf("database URL: want postgres://… or sqlite:PATH")
	}
	if _, err := ParsePublicURL(c.PublicURL); err != nil {
		return err
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return fmt.Errorf("log format %q: want text or json", c.LogFormat)
	}
	if err := c.Graph.validate(); err != nil {
		return err
	}
	if err := c.LDAP.validate(); err != nil {
		return err
	}
	if err := c.Mail.validate(); err != nil {
		return err
	}
	if err := c.SSO.validate(c.PublicURL); err != nil {
		return err
	}
	return nil
}
