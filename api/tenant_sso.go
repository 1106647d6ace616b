package api

import (
	"net/http"

	"reportline/app"
	"reportline/secret"
)

// tenantSSORoutes are the organisation's own OpenID provider: platform
// admins of the tenant; the client secret is write-only.
func (api *API) tenantSSORoutes() []route {
	return []route{
		{id: "getTenantOIDC", method: "GET", path: "/api/v1/settings/tenant/oidc", tag: "settings",
			summary:  "The organisation's OpenID Connect provider (platform admins); the client secret only as set or not set",
			response: TenantOIDC{}, status: http.StatusOK, handler: api.getTenantOIDC},
		{id: "updateTenantOIDC", method: "PATCH", path: "/api/v1/settings/tenant/oidc", tag: "settings",
			summary:     "Change the organisation's OpenID Connect provider (platform admins; not the installation's default organisation, whose provider is the environment's)",
			description: "Fields not sent keep theirs. client_secret is write-only: it is sealed (AES-256-GCM, REPORTLINE_SECRET_KEY) before it is stored, never returned; an empty string removes it. Without REPORTLINE_SECRET_KEY a secret is refused.",
			request:     TenantOIDCPatch{}, response: TenantOIDC{}, status: http.StatusOK, handler: api.patchTenantOIDC},
	}
}

// TenantOIDC is the organisation's OpenID provider as its admins see it.
type TenantOIDC struct {
	Issuer       string   `json:"issuer" doc:"https URL of the provider (discovery at issuer/.well-known/openid-configuration); empty: none"`
	ClientID     string   `json:"client_id"`
	ClientSecret string   `json:"client_secret" enum:"set,not set" doc:"write-only: whether a secret is stored, never the secret"`
	Scopes       []string `json:"scopes" doc:"asked besides openid; email and profile when empty"`
	EmailClaim   string   `json:"email_claim" doc:"the claim carrying the email; email when empty"`
	Label        string   `json:"label" doc:"the sign-in button's text"`
	TrustEmails  bool     `json:"trust_emails" doc:"match by email even without email_verified (Entra ID)"`
	CreateUsers  bool     `json:"create_users" doc:"create an account (no group, no role) for an unknown person"`
	RedirectURL  string   `json:"redirect_url" doc:"what to register at the provider; empty when the organisation has no host"`
}

// TenantOIDCPatch changes the fields it carries.
type TenantOIDCPatch struct {
	Issuer       *string   `json:"issuer,omitempty"`
	ClientID     *string   `json:"client_id,omitempty"`
	ClientSecret *string   `json:"client_secret,omitempty" doc:"write-only; empty removes it"`
	Scopes       *[]string `json:"scopes,omitempty"`
	EmailClaim   *string   `json:"email_claim,omitempty"`
	Label        *string   `json:"label,omitempty"`
	TrustEmails  *bool     `json:"trust_emails,omitempty"`
	CreateUsers  *bool     `json:"create_users,omitempty"`
}

func (api *API) tenantOIDCOut(r *http.Request, o app.TenantOIDC) TenantOIDC {
	set := "not set"
	if o.SecretSet {
		set = "set"
	}
	out := TenantOIDC{Issuer: o.Issuer, ClientID: o.ClientID, ClientSecret: set, Scopes: o.Scopes, EmailClaim: o.EmailClaim,
		Label: o.Label, TrustEmails: o.TrustEmails, CreateUsers: o.CreateUsers}
	if out.Scopes == nil {
		out.Scopes = []string{}
	}
	if base := api.app.PublicURL(r.Context()); base != "" {
		out.RedirectURL = base + "/sso/oidc/oidc/callback"
	}
	return out
}

func (api *API) getTenantOIDC(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	o, err := api.app.TenantOIDC(r.Context(), actor)
	return api.tenantOIDCOut(r, o), err
}

func (api *API) patchTenantOIDC(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	var in TenantOIDCPatch
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	c := app.TenantOIDCChange{Issuer: in.Issuer, ClientID: in.ClientID, Scopes: in.Scopes, EmailClaim: in.EmailClaim,
		Label: in.Label, TrustEmails: in.TrustEmails, CreateUsers: in.CreateUsers}
	if in.ClientSecret != nil {
		v := secret.Value(*in.ClientSecret)
		c.ClientSecret = &v
	}
	o, err := api.app.SetTenantOIDC(r.Context(), actor, c)
	return api.tenantOIDCOut(r, o), err
}
