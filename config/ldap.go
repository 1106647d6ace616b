package config

import (
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"
)

// LDAP is the LDAP / Active Directory sync. It is off while URL is empty.
// cmd turns it into an ldapsync.Config (preset, attribute map) and checks
// it there.
type LDAP struct {
	URL          string        // REPORTLINE_LDAP_URL: ldap://HOST[:PORT] or ldaps://HOST[:PORT]
	StartTLS     bool          // REPORTLINE_LDAP_STARTTLS: upgrade an ldap:// connection before binding
	CAFile       string        // REPORTLINE_LDAP_CA_FILE: PEM certificates to trust besides the system's
	BindDN       string        // REPORTLINE_LDAP_BIND_DN: "" binds anonymously
	BindPassword string        // REPORTLINE_LDAP_BIND_PASSWORD, or read from REPORTLINE_LDAP_BIND_PASSWORD_FILE; never logged
	BaseDN       string        // REPORTLINE_LDAP_BASE_DN: where the users are
	Preset       string        // REPORTLINE_LDAP_PRESET: openldap (default) or ad
	Filter       string        // REPORTLINE_LDAP_FILTER: the users to read; the preset's when ""
	Attributes   string        // REPORTLINE_LDAP_ATTRIBUTES: overrides of the preset's map, e.g. "id=uid,disabled=employeeType=disabled"
	PageSize     int           // REPORTLINE_LDAP_PAGE_SIZE: 500 when 0
	SyncInterval time.Duration // REPORTLINE_LDAP_SYNC_INTERVAL: how often serve syncs; 0 never
}

// DefaultLDAPSyncInterval is how often serve syncs when LDAP is configured
// and no interval is given.
const DefaultLDAPSyncInterval = time.Hour

// Enabled reports whether a directory is configured.
func (l LDAP) Enabled() bool { return l.URL != "" }

// LogValue keeps the password out of logs.
func (l LDAP) LogValue() slog.Value {
	return slog.GroupValue(slog.String("url", l.URL), slog.Bool("starttls", l.StartTLS), slog.String("bind_dn", l.BindDN),
		slog.Bool("bind_password_set", l.BindPassword != ""), slog.String("base_dn", l.BaseDN), slog.String("preset", l.Preset),
		slog.Duration("sync_interval", l.SyncInterval))
}

// String keeps the password out of anything printed with %v.
func (l LDAP) String() string {
	return fmt.Sprintf("{URL:%s StartTLS:%t CAFile:%s BindDN:%s BindPassword:[redacted] BaseDN:%s Preset:%s Filter:%s Attributes:%s PageSize:%d SyncInterval:%s}",
		l.URL, l.StartTLS, l.CAFile, l.BindDN, l.BaseDN, l.Preset, l.Filter, l.Attributes, l.PageSize, l.SyncInterval)
}

func (l *LDAP) fromEnv(getenv func(string) string) error {
	for name, dst := range map[string]*string{
		"REPORTLINE_LDAP_URL": &l.URL, "REPORTLINE_LDAP_CA_FILE": &l.CAFile, "REPORTLINE_LDAP_BIND_DN": &l.BindDN,
		"REPORTLINE_LDAP_BASE_DN": &l.BaseDN, "REPORTLINE_LDAP_PRESET": &l.Preset, "REPORTLINE_LDAP_FILTER": &l.Filter,
		"REPORTLINE_LDAP_ATTRIBUTES": &l.Attributes,
	} {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			*dst = v
		}
	}
	if v := getenv("REPORTLINE_LDAP_STARTTLS"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("REPORTLINE_LDAP_STARTTLS %q: want true or false", v)
		}
		l.StartTLS = b
	}
	if v := getenv("REPORTLINE_LDAP_PAGE_SIZE"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("REPORTLINE_LDAP_PAGE_SIZE %q: want a number of entries", v)
		}
		l.PageSize = n
	}
	password, file := getenv("REPORTLINE_LDAP_BIND_PASSWORD"), getenv("REPORTLINE_LDAP_BIND_PASSWORD_FILE")
	switch {
	case password != "" && file != "":
		return fmt.Errorf("REPORTLINE_LDAP_BIND_PASSWORD and REPORTLINE_LDAP_BIND_PASSWORD_FILE are both set: keep one")
	case password != "":
		l.BindPassword = password
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return fmt.Errorf("REPORTLINE_LDAP_BIND_PASSWORD_FILE: %w", err)
		}
		l.BindPassword = strings.TrimRight(string(b), "\r\n")
	}
	if l.Enabled() && l.SyncInterval == 0 {
		l.SyncInterval = DefaultLDAPSyncInterval
	}
	if v := getenv("REPORTLINE_LDAP_SYNC_INTERVAL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("REPORTLINE_LDAP_SYNC_INTERVAL %q: want a duration such as 1h or 30m, or 0 for never: %w", v, err)
		}
		l.SyncInterval = d
	}
	return nil
}

func (l LDAP) validate() error {
	if !l.Enabled() {
		if l.BaseDN != "" || l.BindDN != "" || l.BindPassword != "" {
			return fmt.Errorf("LDAP sync: REPORTLINE_LDAP_URL is not set but other REPORTLINE_LDAP_* settings are")
		}
		return nil
	}
	if !strings.HasPrefix(l.URL, "ldap://") && !strings.HasPrefix(l.URL, "ldaps://") {
		return fmt.Errorf("REPORTLINE_LDAP_URL %q: want ldap://HOST[:PORT] or ldaps://HOST[:PORT]", l.URL)
	}
	if l.BaseDN == "" {
		return fmt.Errorf("LDAP sync: REPORTLINE_LDAP_BASE_DN is not set")
	}
	if l.SyncInterval < 0 || (l.SyncInterval > 0 && l.SyncInterval < time.Minute) {
		return fmt.Errorf("REPORTLINE_LDAP_SYNC_INTERVAL %s: want 0 (never) or at least 1m", l.SyncInterval)
	}
	return nil
}
