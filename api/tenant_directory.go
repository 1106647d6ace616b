package api

import (
	"net/http"
	"time"

	"reportline/app"
	"reportline/secret"
)

// tenantDirectoryRoutes are the organisation's own directory sources and
// mail relay (docs/directory-tenants.md): platform admins of the tenant;
// secrets are write-only. The installation's default organisation takes
// them from the environment.
func (api *API) tenantDirectoryRoutes() []route {
	const secrets = "Secrets are write-only: sealed (AES-256-GCM, REPORTLINE_SECRET_KEY) before they are stored, never returned; an empty string removes one. Without REPORTLINE_SECRET_KEY a secret is refused. The installation's default organisation takes these from the environment: a change is refused."
	return []route{
		{id: "getTenantDirectory", method: "GET", path: "/api/v1/settings/tenant/directory", tag: "settings",
			summary:  "The organisation's LDAP and Microsoft Graph directory sources and their deactivation guard (platform admins); secrets only as set or not set",
			response: TenantDirectory{}, status: http.StatusOK, handler: api.getTenantDirectory},
		{id: "updateTenantDirectory", method: "PATCH", path: "/api/v1/settings/tenant/directory", tag: "settings",
			summary:     "Change the organisation's directory sources (platform admins; not the installation's default organisation)",
			description: "Fields not sent keep theirs. " + secrets,
			request:     TenantDirectoryPatch{}, response: TenantDirectory{}, status: http.StatusOK, handler: api.patchTenantDirectory},
		{id: "getTenantMailRelay", method: "GET", path: "/api/v1/settings/tenant/mail", tag: "settings",
			summary:  "The organisation's own SMTP relay (platform admins); the password only as set or not set; no host: the installation's relay",
			response: TenantMailRelay{}, status: http.StatusOK, handler: api.getTenantMail},
		{id: "updateTenantMailRelay", method: "PATCH", path: "/api/v1/settings/tenant/mail", tag: "settings",
			summary:     "Change the organisation's SMTP relay (platform admins; not the installation's default organisation); an empty host sends through the installation's",
			description: "Fields not sent keep theirs. " + secrets,
			request:     TenantMailRelayPatch{}, response: TenantMailRelay{}, status: http.StatusOK, handler: api.patchTenantMail},
		{id: "testTenantConnection", method: "POST", path: "/api/v1/settings/tenant/connection-test", tag: "settings",
			summary:     "Try the organisation's stored LDAP directory or SMTP relay (platform admins): connect, encrypt, sign in; nothing is read or sent",
			description: "422 with what failed in plain words (never a secret) when the connection fails.",
			request:     ConnectionTest{}, response: ConnectionTest{}, status: http.StatusOK, handler: api.testTenantConnection},
	}
}

// TenantLDAP is an LDAP directory as its admins see it.
type TenantLDAP struct {
	URL             string `json:"url" doc:"ldaps://HOST[:PORT], or ldap://HOST[:PORT] with starttls; empty: none"`
	StartTLS        bool   `json:"starttls"`
	CA              string `json:"ca" doc:"PEM certificates to trust besides the system's"`
	BindDN          string `json:"bind_dn"`
	BindPassword    string `json:"bind_password" enum:"set,not set" doc:"write-only: whether a password is stored"`
	BaseDN          string `json:"base_dn"`
	Preset          string `json:"preset" doc:"openldap or ad; openldap when empty"`
	Filter          string `json:"filter" doc:"the preset's when empty"`
	Attributes      string `json:"attributes" doc:"overrides, field=attribute pairs separated by commas (id, email, first_name, last_name, position, org_unit, manager, disabled)"`
	IntervalMinutes int    `json:"interval_minutes" doc:"a scheduled sync when none started within it; 0: none"`
}

// TenantGraph is a Microsoft Entra ID read through Graph.
type TenantGraph struct {
	Tenant          string   `json:"tenant" doc:"the Entra tenant id or domain; empty: none"`
	ClientID        string   `json:"client_id"`
	ClientSecret    string   `json:"client_secret" enum:"set,not set" doc:"write-only: whether a secret is stored"`
	Exclude         []string `json:"exclude" doc:"userPrincipalName or mail patterns that are not people (room-*@contoso.com)"`
	IncludeGuests   bool     `json:"include_guests"`
	IntervalMinutes int      `json:"interval_minutes"`
}

// TenantDirectory is the organisation's directory sources.
type TenantDirectory struct {
	Environment bool        `json:"environment" doc:"true for the installation's default organisation: its directories are the environment's and are not shown"`
	LDAP        TenantLDAP  `json:"ldap"`
	Graph       TenantGraph `json:"graph"`
	HoldPercent float64     `json:"hold_percent" doc:"a run deactivating more than this share of the source's people waits for a confirmation; 0: the installation's; -1: no share limit"`
	HoldCount   int         `json:"hold_count" doc:"the same as a number of people; 0: the installation's; -1: no count limit"`
}

// TenantLDAPPatch changes the fields it carries.
type TenantLDAPPatch struct {
	URL             *string `json:"url,omitempty"`
	StartTLS        *bool   `json:"starttls,omitempty"`
	CA              *string `json:"ca,omitempty"`
	BindDN          *string `json:"bind_dn,omitempty"`
	BindPassword    *string `json:"bind_password,omitempty" doc:"write-only; empty removes it"`
	BaseDN          *string `json:"base_dn,omitempty"`
	Preset          *string `json:"preset,omitempty"`
	Filter          *string `json:"filter,omitempty"`
	Attributes      *string `json:"attributes,omitempty"`
	IntervalMinutes *int    `json:"interval_minutes,omitempty"`
}

// TenantGraphPatch changes the fields it carries.
type TenantGraphPatch struct {
	Tenant          *string   `json:"tenant,omitempty"`
	ClientID        *string   `json:"client_id,omitempty"`
	ClientSecret    *string   `json:"client_secret,omitempty" doc:"write-only; empty removes it"`
	Exclude         *[]string `json:"exclude,omitempty"`
	IncludeGuests   *bool     `json:"include_guests,omitempty"`
	IntervalMinutes *int      `json:"interval_minutes,omitempty"`
}

// TenantDirectoryPatch changes the parts it carries.
type TenantDirectoryPatch struct {
	LDAP        *TenantLDAPPatch  `json:"ldap,omitempty"`
	Graph       *TenantGraphPatch `json:"graph,omitempty"`
	HoldPercent *float64          `json:"hold_percent,omitempty"`
	HoldCount   *int              `json:"hold_count,omitempty"`
}

// TenantMailRelay is the organisation's SMTP relay.
type TenantMailRelay struct {
	Environment bool   `json:"environment" doc:"true for the installation's default organisation: its relay is the environment's"`
	Host        string `json:"host" doc:"empty: the installation's relay"`
	Port        int    `json:"port" doc:"0: 587, or 465 with implicit TLS"`
	TLS         string `json:"tls" enum:"mandatory,opportunistic,implicit,none"`
	Username    string `json:"username"`
	Password    string `json:"password" enum:"set,not set" doc:"write-only: whether a password is stored"`
	From        string `json:"from" doc:"the From address of the organisation's mail"`
}

// TenantMailRelayPatch changes the fields it carries.
type TenantMailRelayPatch struct {
	Host     *string `json:"host,omitempty"`
	Port     *int    `json:"port,omitempty"`
	TLS      *string `json:"tls,omitempty"`
	Username *string `json:"username,omitempty"`
	Password *string `json:"password,omitempty" doc:"write-only; empty removes it"`
	From     *string `json:"from,omitempty"`
}

// ConnectionTest names what to try, and says it answered.
type ConnectionTest struct {
	What string `json:"what" enum:"ldap,smtp"`
	OK   bool   `json:"ok" doc:"in the answer: true (a failure is a 422 saying what failed)"`
}

func setOrNot(b bool) string {
	if b {
		return "set"
	}
	return "not set"
}

func tenantDirectoryOut(d app.TenantDirectory) TenantDirectory {
	l, g := d.LDAP, d.Graph
	out := TenantDirectory{Environment: d.Environment, HoldPercent: d.HoldPercent, HoldCount: d.HoldCount,
		LDAP: TenantLDAP{URL: l.URL, StartTLS: l.StartTLS, CA: l.CA, BindDN: l.BindDN, BindPassword: setOrNot(l.PasswordSet), BaseDN: l.BaseDN,
			Preset: l.Preset, Filter: l.Filter, Attributes: l.Attributes, IntervalMinutes: int(l.Interval / time.Minute)},
		Graph: TenantGraph{Tenant: g.Tenant, ClientID: g.ClientID, ClientSecret: setOrNot(g.SecretSet), Exclude: g.Exclude,
			IncludeGuests: g.IncludeGuests, IntervalMinutes: int(g.Interval / time.Minute)}}
	if out.Graph.Exclude == nil {
		out.Graph.Exclude = []string{}
	}
	return out
}

func (api *API) getTenantDirectory(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	d, err := api.app.TenantDirectory(r.Context(), actor)
	return tenantDirectoryOut(d), err
}

func minutes(p *int) *time.Duration {
	if p == nil {
		return nil
	}
	d := time.Duration(*p) * time.Minute
	return &d
}

func sealed(p *string) *secret.Value {
	if p == nil {
		return nil
	}
	v := secret.Value(*p)
	return &v
}

func (api *API) patchTenantDirectory(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	var in TenantDirectoryPatch
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	c := app.TenantDirectoryChange{HoldPercent: in.HoldPercent, HoldCount: in.HoldCount}
	if l := in.LDAP; l != nil {
		c.LDAP = app.TenantLDAPChange{URL: l.URL, StartTLS: l.StartTLS, CA: l.CA, BindDN: l.BindDN, BaseDN: l.BaseDN, Preset: l.Preset,
			Filter: l.Filter, Attributes: l.Attributes, Interval: minutes(l.IntervalMinutes), BindPassword: sealed(l.BindPassword)}
	}
	if g := in.Graph; g != nil {
		c.Graph = app.TenantGraphChange{Tenant: g.Tenant, ClientID: g.ClientID, Exclude: g.Exclude, IncludeGuests: g.IncludeGuests,
			Interval: minutes(g.IntervalMinutes), ClientSecret: sealed(g.ClientSecret)}
	}
	d, err := api.app.SetTenantDirectory(r.Context(), actor, c)
	return tenantDirectoryOut(d), err
}

func tenantMailOut(m app.TenantSMTP) TenantMailRelay {
	return TenantMailRelay{Environment: m.Environment, Host: m.Host, Port: m.Port, TLS: m.TLS, Username: m.Username,
		Password: setOrNot(m.PasswordSet), From: m.From}
}

func (api *API) getTenantMail(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	m, err := api.app.TenantSMTP(r.Context(), actor)
	return tenantMailOut(m), err
}

func (api *API) patchTenantMail(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	var in TenantMailRelayPatch
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	m, err := api.app.SetTenantSMTP(r.Context(), actor, app.TenantSMTPChange{Host: in.Host, Port: in.Port, TLS: in.TLS,
		Username: in.Username, From: in.From, Password: sealed(in.Password)})
	return tenantMailOut(m), err
}

func (api *API) testTenantConnection(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	var in ConnectionTest
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	if err := api.app.TestTenantConnection(r.Context(), actor, in.What); err != nil {
		return nil, err
	}
	return ConnectionTest{What: in.What, OK: true}, nil
}
