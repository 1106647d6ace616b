package ui

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"reportline"
	"reportline/app"
	"reportline/secret"
	"reportline/web"
)

// registerDirectorySources adds Settings → Organisation → Directories and
// mail: the tenant's own LDAP and Microsoft Graph sources, its
// deactivation guard and its SMTP relay, with a connection test for LDAP
// and SMTP (docs/directory-tenants.md); platform admins of the tenant only
// (policy tenant.configure). Secrets are write-only: a field left empty
// keeps the stored one. The installation's default organisation takes all
// of this from the environment, and the page says so.
func (u *UI) registerDirectorySources(mux *http.ServeMux) {
	mux.Handle("GET /settings/sources", u.signedIn(u.directorySources))
	mux.Handle("POST /settings/sources/{part}", u.signedIn(u.saveDirectorySources))
}

// sourcesPage is the page: the stored settings (or what was typed when a
// save was refused) and which part a message is about.
type sourcesPage struct {
	settingsPage
	Dir     app.TenantDirectory
	Mail    app.TenantSMTP
	Exclude string // the Graph exclusions, one a line
	// LDAPMinutes and GraphMinutes are the schedules in minutes.
	LDAPMinutes, GraphMinutes int
	TLSModes                  []string
}

// sourcesSections are the page's sections by the part of the page a
// flash or a problem is about: a connection test's is its section's.
var sourcesSections = map[string]string{"ldap": "ldap", "test-ldap": "ldap", "graph": "graph", "guard": "guard", "mail": "mail", "test-smtp": "mail"}

func (u *UI) sourcesPage(r *http.Request, v viewer) (*sourcesPage, error) {
	ctx := r.Context()
	d, err := u.app.TenantDirectory(ctx, v.Actor)
	if err != nil {
		return nil, err
	}
	m, err := u.app.TenantSMTP(ctx, v.Actor)
	if err != nil {
		return nil, err
	}
	p := &sourcesPage{Dir: d, Mail: m, Exclude: strings.Join(d.Graph.Exclude, "\n"), LDAPMinutes: int(d.LDAP.Interval / time.Minute),
		GraphMinutes: int(d.Graph.Interval / time.Minute), TLSModes: []string{"mandatory", "opportunistic", "implicit", "none"}}
	if p.settingsPage, err = u.orgSettingsBase(r, v, u.loc(r).T("sources.title", nil), "directory"); err != nil {
		return nil, err
	}
	return p, nil
}

func (u *UI) directorySources(w http.ResponseWriter, r *http.Request, v viewer) error {
	p, err := u.sourcesPage(r, v)
	if err != nil {
		return err
	}
	switch part := r.URL.Query().Get("saved"); part {
	case "ldap", "graph", "guard", "mail":
		p.AlertsIn, p.Flash = sourcesSections[part], u.loc(r).T("sources.saved", nil)
	}
	u.render(w, r, http.StatusOK, "settings_directory", p)
	return nil
}

// formSecret is a write-only field: empty keeps the stored secret, the
// "clear" box removes it.
func formSecret(r *http.Request, name string) *secret.Value {
	if r.PostForm.Get(name+"_clear") == "1" {
		v := secret.Value("")
		return &v
	}
	if s := r.PostForm.Get(name); s != "" {
		v := secret.Value(s)
		return &v
	}
	return nil
}

// formMinutes reads a number of minutes; what is not a number is sent as
// an impossible interval so that the app names the field.
func formMinutes(r *http.Request, name string) *time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(r.PostForm.Get(name)))
	if err != nil {
		n = -1
	}
	d := time.Duration(n) * time.Minute
	return &d
}

func formText(r *http.Request, name string) *string {
	s := r.PostForm.Get(name)
	return &s
}

func formBool(r *http.Request, name string) *bool {
	b := r.PostForm.Get(name) == "1"
	return &b
}

// saveDirectorySources saves one part of the page (ldap, graph, guard,
// mail) or tests a connection (test-ldap, test-smtp: the saved settings).
// A refusal shows the page again with the reason beside that part.
func (u *UI) saveDirectorySources(w http.ResponseWriter, r *http.Request, v viewer) error {
	ctx, part := r.Context(), r.PathValue("part")
	var err error
	switch part {
	case "ldap":
		_, err = u.app.SetTenantDirectory(ctx, v.Actor, app.TenantDirectoryChange{LDAP: app.TenantLDAPChange{
			URL: formText(r, "url"), StartTLS: formBool(r, "starttls"), CA: formText(r, "ca"), BindDN: formText(r, "bind_dn"),
			BaseDN: formText(r, "base_dn"), Preset: formText(r, "preset"), Filter: formText(r, "filter"), Attributes: formText(r, "attributes"),
			Interval: formMinutes(r, "interval"), BindPassword: formSecret(r, "bind_password")}})
	case "graph":
		exclude := strings.Fields(r.PostForm.Get("exclude"))
		_, err = u.app.SetTenantDirectory(ctx, v.Actor, app.TenantDirectoryChange{Graph: app.TenantGraphChange{
			Tenant: formText(r, "tenant"), ClientID: formText(r, "client_id"), Exclude: &exclude, IncludeGuests: formBool(r, "include_guests"),
			Interval: formMinutes(r, "interval"), ClientSecret: formSecret(r, "client_secret")}})
	case "guard":
		pct, perr := strconv.ParseFloat(strings.TrimSpace(r.PostForm.Get("hold_percent")), 64)
		if perr != nil {
			pct = 1000 // refused by the app, naming the field
		}
		count, cerr := strconv.Atoi(strings.TrimSpace(r.PostForm.Get("hold_count")))
		if cerr != nil {
			count = -2
		}
		_, err = u.app.SetTenantDirectory(ctx, v.Actor, app.TenantDirectoryChange{HoldPercent: &pct, HoldCount: &count})
	case "mail":
		port, perr := strconv.Atoi(strings.TrimSpace(r.PostForm.Get("port")))
		if perr != nil {
			port = -1
		}
		_, err = u.app.SetTenantSMTP(ctx, v.Actor, app.TenantSMTPChange{Host: formText(r, "host"), Port: &port, TLS: formText(r, "tls"),
			Username: formText(r, "username"), From: formText(r, "from"), Password: formSecret(r, "password")})
	case "test-ldap", "test-smtp":
		err = u.app.TestTenantConnection(ctx, v.Actor, strings.TrimPrefix(part, "test-"))
		if err == nil {
			p, perr := u.sourcesPage(r, v)
			if perr != nil {
				return perr
			}
			p.AlertsIn, p.Flash = sourcesSections[part], u.loc(r).T("sources.test_ok", nil)
			u.render(w, r, http.StatusOK, "settings_directory", p)
			return nil
		}
	default:
		return reportline.Errorf(reportline.NotFound, "no part %q on this page", part)
	}
	if err == nil {
		http.Redirect(w, r, "/settings/sources?saved="+part+"#"+part, http.StatusSeeOther)
		return nil
	}
	if reportline.ErrorCode(err) != reportline.Invalid {
		return err
	}
	p, perr := u.sourcesPage(r, v)
	if perr != nil {
		return perr
	}
	p.AlertsIn = sourcesSections[part]
	p.Problem = problemOf(u.loc(r), err)
	p.Problem.Title = u.loc(r).T("settings.not_saved", nil)
	if strings.HasPrefix(part, "test-") {
		p.Problem.Title = u.loc(r).T("sources.test_failed", nil)
	}
	u.render(w, r, web.Status(reportline.Invalid), "settings_directory", p)
	return nil
}
