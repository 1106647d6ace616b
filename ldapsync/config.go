// Package ldapsync reads users and their managers from an LDAP directory
// (OpenLDAP, Active Directory) and maps them to a reportline.DirectoryBatch
// for app.SyncDirectory. It binds with a simple bind over LDAPS or StartTLS,
// reads with the simple paged results control (RFC 2696), and turns each
// entry's manager DN into the manager entry's external id by comparing
// parsed DNs (escapes, spacing and case do not matter).
package ldapsync

import (
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"
)

// Config says where the directory is and how to read it.
type Config struct {
	URL          string // ldap://host[:port] or ldaps://host[:port]
	StartTLS     bool   // upgrade an ldap:// connection with StartTLS before binding
	CAFile       string // PEM certificates to trust for TLS, besides the system's; "" for the system's only
	CAPEM        string // the same as text (a tenant's setting), besides CAFile's
	BindDN       string // "" binds anonymously
	BindPassword string // never logged
	BaseDN       string
	Filter       string // the users to read; the preset's when ""
	PageSize     int    // entries per page; DefaultPageSize when 0
	Timeout      time.Duration
	Attributes   AttributeMap
}

// DefaultPageSize is the page size when none is set: below Active
// Directory's MaxPageSize of 1000.
const DefaultPageSize = 500

// DefaultTimeout bounds connecting and each request.
const DefaultTimeout = 30 * time.Second

// AttributeMap names the attributes each user field is read from. A field
// may name alternatives separated by "|": the first one the entry has wins
// (for example "mail|userPrincipalName").
type AttributeMap struct {
	ID        string // the stable id: entryUUID (OpenLDAP) or objectGUID (AD)
	Email     string
	FirstName string
	LastName  string
	Position  string
	OrgUnit   string
	Manager   string // a DN
	// Disabled says when an entry is a disabled account: "" never;
	// "attribute" when that attribute is an integer with bit 0x2 set (Active
	// Directory's userAccountControl ACCOUNTDISABLE); "attribute=value" when
	// the attribute has that value, in any case (for example
	// "nsAccountLock=true" or "employeeType=disabled").
	Disabled string
}

// OpenLDAPAttributes is the map for inetOrgPerson entries.
func OpenLDAPAttributes() AttributeMap {
	return AttributeMap{ID: "entryUUID", Email: "mail", FirstName: "givenName", LastName: "sn", Position: "title",
		OrgUnit: "ou|departmentNumber", Manager: "manager"}
}

// ActiveDirectoryAttributes is the map for Active Directory user objects.
// objectGUID is binary; it is written as the canonical GUID string.
func ActiveDirectoryAttributes() AttributeMap {
	return AttributeMap{ID: "objectGUID", Email: "mail|userPrincipalName", FirstName: "givenName", LastName: "sn",
		Position: "title", OrgUnit: "department", Manager: "manager", Disabled: "userAccountControl"}
}

// The presets' filters.
const (
	OpenLDAPFilter        = "(objectClass=inetOrgPerson)"
	ActiveDirectoryFilter = "(&(objectCategory=person)(objectClass=user))"
)

// Preset returns the attribute map and filter of a named directory:
// "openldap" (or "") or "ad".
func Preset(name string) (AttributeMap, string, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "", "openldap":
		return OpenLDAPAttributes(), OpenLDAPFilter, nil
	case "ad", "activedirectory", "active-directory":
		return ActiveDirectoryAttributes(), ActiveDirectoryFilter, nil
	}
	return AttributeMap{}, "", fmt.Errorf("LDAP preset %q: want openldap or ad", name)
}

// ParseAttributeMap overrides m's fields from "field=attribute" pairs
// separated by commas, the fields being id, email, first_name, last_name,
// position, org_unit, manager and disabled: for example
// "id=uid,org_unit=departmentNumber,disabled=employeeType=disabled".
func ParseAttributeMap(m AttributeMap, s string) (AttributeMap, error) {
	fields := map[string]*string{"id": &m.ID, "email": &m.Email, "first_name": &m.FirstName, "last_name": &m.LastName,
		"position": &m.Position, "org_unit": &m.OrgUnit, "manager": &m.Manager, "disabled": &m.Disabled}
	for _, pair := range strings.Split(s, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		field, attr, ok := strings.Cut(pair, "=")
		dst := fields[strings.ToLower(strings.TrimSpace(field))]
		if !ok || dst == nil {
			return m, fmt.Errorf("attribute map entry %q: want FIELD=ATTRIBUTE with FIELD one of id, email, first_name, last_name, position, org_unit, manager, disabled", pair)
		}
		*dst = strings.TrimSpace(attr)
	}
	return m, nil
}

// Validate checks the configuration and says what is wrong.
func (c Config) Validate() error {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "ldap" && u.Scheme != "ldaps") || u.Host == "" {
		return fmt.Errorf("LDAP URL %q: want ldap://HOST[:PORT] or ldaps://HOST[:PORT]", c.URL)
	}
	if c.StartTLS && u.Scheme == "ldaps" {
		return fmt.Errorf("LDAP URL %q: StartTLS is for ldap:// URLs; ldaps:// is TLS already", c.URL)
	}
	if c.BaseDN == "" {
		return fmt.Errorf("LDAP base DN is empty")
	}
	if c.BindDN == "" && c.BindPassword != "" {
		return fmt.Errorf("LDAP bind password set without a bind DN")
	}
	if c.PageSize < 0 || c.PageSize > 100_000 {
		return fmt.Errorf("LDAP page size %d: want 1 to 100000", c.PageSize)
	}
	a := c.Attributes
	for name, v := range map[string]string{"id": a.ID, "email": a.Email} {
		if v == "" {
			return fmt.Errorf("LDAP attribute map: %s has no attribute", name)
		}
	}
	return nil
}

// Encrypted reports whether the connection is protected by TLS.
func (c Config) Encrypted() bool { return strings.HasPrefix(c.URL, "ldaps://") || c.StartTLS }

// LogValue keeps the password out of logs.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(slog.String("url", c.URL), slog.Bool("starttls", c.StartTLS), slog.String("bind_dn", c.BindDN),
		slog.Bool("bind_password_set", c.BindPassword != ""), slog.String("base_dn", c.BaseDN), slog.String("filter", c.Filter),
		slog.Int("page_size", c.PageSize))
}

// String keeps the password out of anything printed with %v.
func (c Config) String() string {
	return fmt.Sprintf("{URL:%s StartTLS:%t BindDN:%s BindPassword:[redacted] BaseDN:%s Filter:%s PageSize:%d}",
		c.URL, c.StartTLS, c.BindDN, c.BaseDN, c.Filter, c.PageSize)
}
