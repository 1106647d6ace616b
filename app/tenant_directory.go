package app

import (
	"context"
	"fmt"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"reportline"
	"reportline/directory"
	"reportline/secret"
)

// A tenant's own directory sources (issue 13; docs/directory-tenants.md).
// The implicit tenant's LDAP and Graph sources are the environment's
// (REPORTLINE_LDAP_*, REPORTLINE_GRAPH_*: the environment wins for it);
// any other tenant stores its own here, as OIDC is stored
// (tenant_sso.go): the plain fields in its settings rows, the bind
// password and the client secret sealed by package secret in its secrets
// rows, bound to the tenant and the setting's name. No table of its own:
// settings and secrets are already per tenant, exported (secrets left
// out) and deleted with the tenant.

// The settings keys of a tenant's sources and the names of their secrets.
const (
	settingLDAPURL        = directory.SettingLDAPURL
	settingLDAPStartTLS   = "directory.ldap.starttls"
	settingLDAPCA         = "directory.ldap.ca_pem"
	settingLDAPBindDN     = "directory.ldap.bind_dn"
	settingLDAPBaseDN     = "directory.ldap.base_dn"
	settingLDAPPreset     = "directory.ldap.preset"
	settingLDAPFilter     = "directory.ldap.filter"
	settingLDAPAttributes = "directory.ldap.attributes"
	settingLDAPInterval   = "directory.ldap.interval"
	secretLDAPBind        = "directory.ldap.bind_password"

	settingGraphTenant   = directory.SettingGraphTenant
	settingGraphClientID = "directory.graph.client_id"
	settingGraphExclude  = "directory.graph.exclude"
	settingGraphGuests   = "directory.graph.include_guests"
	settingGraphInterval = "directory.graph.interval"
	secretGraphClient    = "directory.graph.client_secret"

	settingHoldPercent = directory.SettingHoldPercent
	settingHoldCount   = directory.SettingHoldCount
)

// DefaultSyncInterval is a source's schedule when its tenant set none, as
// REPORTLINE_LDAP_SYNC_INTERVAL's default.
const DefaultSyncInterval = time.Hour

// TenantLDAP is a tenant's LDAP directory. BindPassword is filled only for
// the sync and the connection test (TenantSources); views carry PasswordSet.
type TenantLDAP struct {
	URL        string // ldap:// or ldaps://; "" when the tenant has none
	StartTLS   bool
	CA         string // PEM certificates to trust besides the system's
	BindDN     string
	BaseDN     string
	Preset     string // openldap or ad
	Filter     string // the preset's when ""
	Attributes string // overrides, "field=attribute,…" (REPORTLINE_LDAP_ATTRIBUTES)
	// Interval is the schedule: a sync when no run started within it; 0:
	// never scheduled (syncs from the page or the CLI only).
	Interval     time.Duration
	PasswordSet  bool
	BindPassword secret.Value
}

// Enabled says whether the tenant has an LDAP directory.
func (l TenantLDAP) Enabled() bool { return l.URL != "" }

// TenantGraph is a tenant's Microsoft Entra ID, read through Graph.
// ClientSecret is filled only for the sync (TenantSources).
type TenantGraph struct {
	Tenant        string // the Entra tenant id or domain; "" when none
	ClientID      string
	Exclude       []string // userPrincipalName or mail patterns that are not people
	IncludeGuests bool
	Interval      time.Duration
	SecretSet     bool
	ClientSecret  secret.Value
}

// Enabled says whether the tenant has a Graph directory.
func (g TenantGraph) Enabled() bool { return g.Tenant != "" }

// TenantDirectory is a tenant's directory sources and the bounds of its
// deactivation guard (0: the installation's). Environment is true for the
// implicit tenant, whose sources are the environment's and are not shown.
type TenantDirectory struct {
	Environment bool
	LDAP        TenantLDAP
	Graph       TenantGraph
	HoldPercent float64
	HoldCount   int
}

// TenantLDAPChange and TenantGraphChange change the fields that are not
// nil; a secret is write-only, a pointer to "" removes it.
type TenantLDAPChange struct {
	URL, CA, BindDN, BaseDN, Preset, Filter, Attributes *string
	StartTLS                                            *bool
	Interval                                            *time.Duration
	BindPassword                                        *secret.Value
}

// TenantGraphChange: see TenantLDAPChange.
type TenantGraphChange struct {
	Tenant, ClientID *string
	Exclude          *[]string
	IncludeGuests    *bool
	Interval         *time.Duration
	ClientSecret     *secret.Value
}

// TenantDirectoryChange changes a tenant's sources and guard.
type TenantDirectoryChange struct {
	LDAP        TenantLDAPChange
	Graph       TenantGraphChange
	HoldPercent *float64
	HoldCount   *int
}

// settingReader reads a setting, "" when it was never written.
func settingReader(ctx context.Context, tx tenantTx) func(key string) (string, error) {
	return func(key string) (string, error) {
		v, err := tx.Setting(ctx, key)
		if reportline.IsCode(err, reportline.NotFound) {
			return "", nil
		}
		if err != nil {
			return "", fmt.Errorf("read the setting %s: %w", key, err)
		}
		return v, nil
	}
}

// readSettings reads each key into its string.
func readSettings(get func(string) (string, error), fields map[string]*string) error {
	for k, v := range fields {
		var err error
		if *v, err = get(k); err != nil {
			return err
		}
	}
	return nil
}

// secretSet says whether the secret name is stored.
func secretSet(ctx context.Context, tx tenantTx, name string) (bool, error) {
	_, err := tx.Secret(ctx, name)
	if reportline.IsCode(err, reportline.NotFound) {
		return false, nil
	}
	return err == nil, err
}

// parseInterval reads a stored interval; the default when never set.
func parseInterval(s string) time.Duration {
	if s == "" {
		return DefaultSyncInterval
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return DefaultSyncInterval
	}
	return d
}

// readTenantDirectory reads the context's tenant's sources, without secrets.
func readTenantDirectory(ctx context.Context, tx tenantTx) (TenantDirectory, error) {
	var d TenantDirectory
	if !directory.Own(ctx) {
		d.Environment = true
		return d, nil
	}
	get := settingReader(ctx, tx)
	var starttls, ldapEvery, exclude, guests, graphEvery, pct, count string
	l, g := &d.LDAP, &d.Graph
	err := readSettings(get, map[string]*string{
		settingLDAPURL: &l.URL, settingLDAPStartTLS: &starttls, settingLDAPCA: &l.CA, settingLDAPBindDN: &l.BindDN,
		settingLDAPBaseDN: &l.BaseDN, settingLDAPPreset: &l.Preset, settingLDAPFilter: &l.Filter, settingLDAPAttributes: &l.Attributes,
		settingLDAPInterval: &ldapEvery, settingGraphTenant: &g.Tenant, settingGraphClientID: &g.ClientID, settingGraphExclude: &exclude,
		settingGraphGuests: &guests, settingGraphInterval: &graphEvery, settingHoldPercent: &pct, settingHoldCount: &count,
	})
	if err != nil {
		return d, err
	}
	l.StartTLS, l.Interval = starttls == "true", parseInterval(ldapEvery)
	g.Exclude, g.IncludeGuests, g.Interval = strings.Fields(exclude), guests == "true", parseInterval(graphEvery)
	if g.Exclude == nil {
		g.Exclude = []string{}
	}
	d.HoldPercent, _ = strconv.ParseFloat(pct, 64)
	d.HoldCount, _ = strconv.Atoi(count)
	if l.PasswordSet, err = secretSet(ctx, tx, secretLDAPBind); err != nil {
		return d, err
	}
	if g.SecretSet, err = secretSet(ctx, tx, secretGraphClient); err != nil {
		return d, err
	}
	return d, nil
}

// TenantDirectory returns the context's tenant's directory sources as its
// platform admins see them: secrets only as set or not set.
func (a *App) TenantDirectory(ctx context.Context, actor Actor) (TenantDirectory, error) {
	return readTenantConfig(ctx, a, actor, readTenantDirectory)
}

// errEnvironmentDirectory refuses to store the implicit tenant's sources.
func errEnvironmentDirectory() error {
	return reportline.Errorf(reportline.Invalid, "this installation's default organisation takes its directories from the environment (REPORTLINE_LDAP_*, REPORTLINE_GRAPH_*) and its mail relay from REPORTLINE_SMTP_URL; other organisations configure theirs here").
		Say("error.tenant.default_directory", nil)
}

// SetTenantDirectory changes the context's tenant's directory sources;
// platform admins of the tenant only, audited (secrets as "set" or
// "removed", never their value). The implicit tenant's are the
// environment's: refused.
func (a *App) SetTenantDirectory(ctx context.Context, actor Actor, c TenantDirectoryChange) (TenantDirectory, error) {
	err := a.setTenantSettings(ctx, actor, tenantSettingsChange{
		what:     "tenant directory sources",
		implicit: errEnvironmentDirectory(),
		settings: c.settings,
		then: func(tx tenantTx, _, after map[string]string) error {
			return a.checkTenantDirectory(ctx, tx, c, after)
		}})
	if err != nil {
		return TenantDirectory{}, err
	}
	return a.TenantDirectory(ctx, actor)
}

// checkTenantDirectory stores the secrets the change gives (the audit says
// "set" or "removed"), then checks that each source is whole.
func (a *App) checkTenantDirectory(ctx context.Context, tx tenantTx, c TenantDirectoryChange, after map[string]string) error {
	if err := a.changeSecret(ctx, tx, secretLDAPBind, "ldap.bind_password", c.LDAP.BindPassword, after); err != nil {
		return err
	}
	if err := a.changeSecret(ctx, tx, secretGraphClient, "graph.client_secret", c.Graph.ClientSecret, after); err != nil {
		return err
	}
	d, err := readTenantDirectory(ctx, tx)
	if err != nil {
		return err
	}
	if d.LDAP.Enabled() && d.LDAP.BaseDN == "" {
		return reportline.FieldError("ldap.base_dn", "", "an LDAP directory needs the base DN its people are under, such as ou=people,dc=example,dc=com")
	}
	if d.LDAP.PasswordSet && d.LDAP.BindDN == "" {
		return reportline.FieldError("ldap.bind_dn", "", "a bind password needs the bind DN it belongs to")
	}
	if d.Graph.Enabled() && d.Graph.ClientID == "" {
		return reportline.FieldError("graph.client_id", "", "Microsoft Graph needs the client (application) id registered in Entra ID")
	}
	return nil
}

// settings checks the change and lists the settings it writes.
func (c TenantDirectoryChange) settings() ([][2]string, error) {
	var out [][2]string
	text := func(key, field string, p *string, max int, check func(string) error) error {
		if p == nil {
			return nil
		}
		v := strings.TrimSpace(*p)
		if len(v) > max {
			return reportline.FieldError(field, "", "%s is at most %d bytes", field, max)
		}
		if check != nil && v != "" {
			if err := check(v); err != nil {
				return err
			}
		}
		out = append(out, [2]string{key, v})
		return nil
	}
	oneLine := func(field string) func(string) error {
		return func(v string) error { return reportline.CheckText(field, v) }
	}
	l, g := c.LDAP, c.Graph
	checks := []error{
		text(settingLDAPURL, "ldap.url", l.URL, 500, checkLDAPURL),
		text(settingLDAPCA, "ldap.ca", l.CA, 64<<10, checkPEM),
		text(settingLDAPBindDN, "ldap.bind_dn", l.BindDN, 1000, oneLine("ldap.bind_dn")),
		text(settingLDAPBaseDN, "ldap.base_dn", l.BaseDN, 1000, oneLine("ldap.base_dn")),
		text(settingLDAPPreset, "ldap.preset", l.Preset, 20, checkPreset),
		text(settingLDAPFilter, "ldap.filter", l.Filter, 2000, checkFilter),
		text(settingLDAPAttributes, "ldap.attributes", l.Attributes, 1000, checkAttributes),
		text(settingGraphTenant, "graph.tenant", g.Tenant, 200, checkWord("graph.tenant", "the Entra tenant is its id or its domain, such as contoso.onmicrosoft.com")),
		text(settingGraphClientID, "graph.client_id", g.ClientID, 200, checkWord("graph.client_id", "the client id is one word")),
	}
	for _, err := range checks {
		if err != nil {
			return nil, err
		}
	}
	if g.Exclude != nil {
		for _, p := range *g.Exclude {
			if _, err := path.Match(p, ""); err != nil || strings.ContainsAny(p, " \t\n") || p == "" {
				return nil, reportline.FieldError("graph.exclude", p, "an exclusion is a pattern such as room-*@contoso.com, without spaces")
			}
		}
		out = append(out, [2]string{settingGraphExclude, strings.Join(*g.Exclude, " ")})
	}
	for _, b := range []struct {
		key string
		v   *bool
	}{{settingLDAPStartTLS, l.StartTLS}, {settingGraphGuests, g.IncludeGuests}} {
		if b.v != nil {
			out = append(out, [2]string{b.key, strconv.FormatBool(*b.v)})
		}
	}
	for _, d := range []struct {
		key, field string
		v          *time.Duration
	}{{settingLDAPInterval, "ldap.interval", l.Interval}, {settingGraphInterval, "graph.interval", g.Interval}} {
		if d.v == nil {
			continue
		}
		if *d.v != 0 && (*d.v < 5*time.Minute || *d.v > 7*24*time.Hour) {
			return nil, reportline.FieldError(d.field, d.v.String(), "a sync runs every 5 minutes at most often and every week at least; 0 schedules none")
		}
		out = append(out, [2]string{d.key, d.v.String()})
	}
	if p := c.HoldPercent; p != nil {
		if *p > 100 || (*p < 0 && *p != -1) {
			return nil, reportline.FieldError("hold_percent", fmt.Sprint(*p), "the share of people a run may deactivate without confirmation is 0 (the installation's) to 100, or -1 for no share limit")
		}
		out = append(out, [2]string{settingHoldPercent, strconv.FormatFloat(*p, 'f', -1, 64)})
	}
	if p := c.HoldCount; p != nil {
		if *p < -1 {
			return nil, reportline.FieldError("hold_count", strconv.Itoa(*p), "the number of people a run may deactivate without confirmation is 0 (the installation's) or more, or -1 for no count limit")
		}
		out = append(out, [2]string{settingHoldCount, strconv.Itoa(*p)})
	}
	if l.BindPassword != nil && strings.ContainsAny(l.BindPassword.Reveal(), "\r\n") {
		return nil, reportline.FieldError("ldap.bind_password", "", "the bind password is one line")
	}
	return out, nil
}

func checkLDAPURL(v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "ldap" && u.Scheme != "ldaps") || u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return reportline.FieldError("ldap.url", v, "the directory's address is ldaps://HOST[:PORT], or ldap://HOST[:PORT] with StartTLS")
	}
	return nil
}

func checkPEM(v string) error {
	if !strings.Contains(v, "-----BEGIN CERTIFICATE-----") {
		return reportline.FieldError("ldap.ca", "", "the certificate to trust is PEM text beginning with -----BEGIN CERTIFICATE-----")
	}
	return nil
}

func checkPreset(v string) error {
	switch strings.ToLower(v) {
	case "openldap", "ad":
		return nil
	}
	return reportline.FieldError("ldap.preset", v, "the kind of directory is openldap or ad (Active Directory)")
}

func checkFilter(v string) error {
	if !strings.HasPrefix(v, "(") || !strings.HasSuffix(v, ")") || strings.Count(v, "(") != strings.Count(v, ")") {
		return reportline.FieldError("ldap.filter", v, "an LDAP filter is in parentheses, such as (objectClass=inetOrgPerson)")
	}
	return reportline.CheckText("ldap.filter", v)
}

var attributeFields = map[string]bool{"id": true, "email": true, "first_name": true, "last_name": true,
	"position": true, "org_unit": true, "manager": true, "disabled": true}

func checkAttributes(v string) error {
	for _, pair := range strings.Split(v, ",") {
		if pair = strings.TrimSpace(pair); pair == "" {
			continue
		}
		field, attr, ok := strings.Cut(pair, "=")
		if !ok || !attributeFields[strings.ToLower(strings.TrimSpace(field))] || strings.TrimSpace(attr) == "" {
			return reportline.FieldError("ldap.attributes", pair, "each entry is FIELD=ATTRIBUTE with FIELD one of id, email, first_name, last_name, position, org_unit, manager, disabled")
		}
	}
	return nil
}

func checkWord(field, msg string) func(string) error {
	return func(v string) error {
		if strings.ContainsAny(v, " \t/\\?#") || reportline.CheckText(field, v) != nil {
			return reportline.FieldError(field, v, "%s", msg)
		}
		return nil
	}
}

// tenantSources is the context's tenant's sources with their secrets
// opened, for the sync and the connection test. Errors name the setting,
// never the secret.
func (a *App) tenantSources(ctx context.Context) (TenantDirectory, error) {
	var d TenantDirectory
	err := a.tenantStore().Read(ctx, func(tx tenantTx) error {
		var err error
		if d, err = readTenantDirectory(ctx, tx); err != nil || d.Environment {
			return err
		}
		if d.LDAP.PasswordSet {
			if d.LDAP.BindPassword, err = a.openSecret(ctx, tx, secretLDAPBind); err != nil {
				return err
			}
		}
		if d.Graph.SecretSet {
			d.Graph.ClientSecret, err = a.openSecret(ctx, tx, secretGraphClient)
		}
		return err
	})
	if err != nil {
		return TenantDirectory{}, fmt.Errorf("the organisation's directory sources: %w", err)
	}
	return d, nil
}
