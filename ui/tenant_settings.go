package ui

import (
	"net/http"

	"reportline"
	"reportline/app"
	"reportline/web"
)

// registerTenantSettings adds Settings → Organisation → Organisation
// profile: the tenant's digest time zone, default language and email
// branding (docs/tenants.md, "Built: step 3, part 2"); platform admins of
// the tenant only (policy tenant.configure).
func (u *UI) registerTenantSettings(mux *http.ServeMux) {
	mux.Handle("GET /settings/organisation", u.signedIn(u.tenantSettings))
	mux.Handle("POST /settings/organisation", u.signedIn(u.saveTenantSettings))
	mux.Handle("POST /settings/organisation/operator-access", u.signedIn(u.saveOperatorGrant))
}

// tenantSettingsPage is the organisation's profile: Form is what the
// fields show (the saved settings, or what was typed when refused).
type tenantSettingsPage struct {
	settingsPage
	Form app.TenantSettings
	View app.TenantSettingsView
	// The operator's access to the people (tenant_operator_grant.go):
	// OperatorUntil is "" when no grant runs; OperatorHours what the
	// hours field shows.
	OperatorUntil, OperatorBy, OperatorHours string
}

func (u *UI) tenantSettingsPage(r *http.Request, v viewer) (*tenantSettingsPage, error) {
	ctx := r.Context()
	view, err := u.app.TenantSettings(ctx, v.Actor)
	if err != nil {
		return nil, err
	}
	p := &tenantSettingsPage{Form: view.Settings, View: view, OperatorHours: "24"}
	if err := u.operatorGrantView(r, v, p); err != nil {
		return nil, err
	}
	if p.settingsPage, err = u.orgSettingsBase(r, v, u.loc(r).T("settings.tenant", nil), "organisation"); err != nil {
		return nil, err
	}
	return p, nil
}

func (u *UI) tenantSettings(w http.ResponseWriter, r *http.Request, v viewer) error {
	p, err := u.tenantSettingsPage(r, v)
	if err != nil {
		return err
	}
	switch {
	case r.URL.Query().Get("saved") == "1":
		p.Flash = u.loc(r).T("tenant.saved", nil)
	case r.URL.Query().Get("operator") == "granted":
		p.Flash = u.loc(r).T("tenant.operator_saved_granted", nil)
	case r.URL.Query().Get("operator") == "revoked":
		p.Flash = u.loc(r).T("tenant.operator_saved_revoked", nil)
	}
	u.render(w, r, http.StatusOK, "tenant_settings", p)
	return nil
}

// saveTenantSettings saves every field of the form: an empty field
// removes the setting, so the default applies. A refusal shows the page
// again with the reason and what was typed.
func (u *UI) saveTenantSettings(w http.ResponseWriter, r *http.Request, v viewer) error {
	f := app.TenantSettings{DigestTimeZone: r.PostForm.Get("digest_time_zone"), DefaultLocale: r.PostForm.Get("default_locale"),
		BrandName: r.PostForm.Get("brand_name"), BrandAccent: r.PostForm.Get("brand_accent"), BrandLogoURL: r.PostForm.Get("brand_logo_url")}
	_, err := u.app.SetTenantSettings(r.Context(), v.Actor, app.TenantSettingsChange{DigestTimeZone: &f.DigestTimeZone,
		DefaultLocale: &f.DefaultLocale, BrandName: &f.BrandName, BrandAccent: &f.BrandAccent, BrandLogoURL: &f.BrandLogoURL})
	if err == nil {
		seeOther(w, r, "/settings/organisation?saved=1")
		return nil
	}
	return u.tenantSettingsRefused(w, r, v, err, func(p *tenantSettingsPage) { p.Form = f })
}

// tenantSettingsRefused shows Settings → Organisation again after one of
// its forms was refused as invalid, with what the admin typed put back by
// keep; any other error is returned for the error page.
func (u *UI) tenantSettingsRefused(w http.ResponseWriter, r *http.Request, v viewer, err error, keep func(*tenantSettingsPage)) error {
	if reportline.ErrorCode(err) != reportline.Invalid {
		return err
	}
	p, perr := u.tenantSettingsPage(r, v)
	if perr != nil {
		return perr
	}
	keep(p)
	p.Problem = problemOf(u.loc(r), err)
	p.Problem.Title = u.loc(r).T("settings.not_saved", nil)
	u.render(w, r, web.Status(reportline.Invalid), "tenant_settings", p)
	return nil
}
