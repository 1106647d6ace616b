package api

import (
	"net/http"

	"reportline/app"
)

// tenantSettingsRoutes are the tenant's own settings (docs/tenants.md,
// "Built: step 3, part 2"): platform admins of the tenant only.
func (api *API) tenantSettingsRoutes() []route {
	return []route{
		{id: "getTenantSettings", method: "GET", path: "/api/v1/settings/tenant", tag: "settings",
			summary:  "The organisation's own settings: digest time zone, default language, email branding, and what applies where one is not set (platform admins)",
			response: TenantSettings{}, status: http.StatusOK, handler: api.getTenantSettings},
		{id: "updateTenantSettings", method: "PATCH", path: "/api/v1/settings/tenant", tag: "settings",
			summary:     "Change some of the organisation's settings (platform admins); fields not sent keep theirs, an empty string removes the setting so the default applies",
			description: "The environment's REPORTLINE_MAIL_BRAND, _ACCENT, _LOGO_URL and REPORTLINE_DEFAULT_LOCALE are the defaults of the implicit tenant only; another tenant's defaults are the product's.",
			request:     TenantSettingsPatch{}, response: TenantSettings{}, status: http.StatusOK, handler: api.patchTenantSettings},
	}
}

// TenantSettingValues are the organisation's settings; "" is "not set".
type TenantSettingValues struct {
	DigestTimeZone string `json:"digest_time_zone" doc:"IANA time zone of the weekly digest's Monday 14:00, e.g. Europe/Paris"`
	DefaultLocale  string `json:"default_locale" doc:"language of emails to people whose profile names none" enum:",en,fr"`
	BrandName      string `json:"brand_name" doc:"the name heading every email, at most 60 bytes"`
	BrandAccent    string `json:"brand_accent" doc:"#rrggbb colour of the emails' header band and buttons (white text on it)"`
	BrandLogoURL   string `json:"brand_logo_url" doc:"https address of a logo shown in the emails"`
}

// TenantSettings are the organisation's settings and the defaults that
// apply where one is not set.
type TenantSettings struct {
	Settings TenantSettingValues `json:"settings"`
	Defaults TenantSettingValues `json:"defaults"`
}

// TenantSettingsPatch changes the fields it carries.
type TenantSettingsPatch struct {
	DigestTimeZone *string `json:"digest_time_zone,omitempty"`
	DefaultLocale  *string `json:"default_locale,omitempty"`
	BrandName      *string `json:"brand_name,omitempty"`
	BrandAccent    *string `json:"brand_accent,omitempty"`
	BrandLogoURL   *string `json:"brand_logo_url,omitempty"`
}

func tenantSettingValues(s app.TenantSettings) TenantSettingValues {
	return TenantSettingValues{DigestTimeZone: s.DigestTimeZone, DefaultLocale: s.DefaultLocale, BrandName: s.BrandName,
		BrandAccent: s.BrandAccent, BrandLogoURL: s.BrandLogoURL}
}

func tenantSettingsOut(v app.TenantSettingsView) TenantSettings {
	return TenantSettings{Settings: tenantSettingValues(v.Settings), Defaults: tenantSettingValues(v.Defaults)}
}

func (api *API) getTenantSettings(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	v, err := api.app.TenantSettings(r.Context(), actor)
	return tenantSettingsOut(v), err
}

func (api *API) patchTenantSettings(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	var in TenantSettingsPatch
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	v, err := api.app.SetTenantSettings(r.Context(), actor, app.TenantSettingsChange{DigestTimeZone: in.DigestTimeZone,
		DefaultLocale: in.DefaultLocale, BrandName: in.BrandName, BrandAccent: in.BrandAccent, BrandLogoURL: in.BrandLogoURL})
	return tenantSettingsOut(v), err
}
