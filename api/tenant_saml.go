package api

import (
	"net/http"

	"reportline"
	"reportline/app"
)

// tenantSAMLRoutes are the organisation's own SAML identity provider and
// its SSO-only mode: platform admins of the tenant (policy
// tenant.configure).
func (api *API) tenantSAMLRoutes() []route {
	return []route{
		{id: "getTenantSAML", method: "GET", path: "/api/v1/settings/tenant/saml", tag: "settings",
			summary:  "The organisation's SAML identity provider (platform admins), with the addresses to give it",
			response: TenantSAML{}, status: http.StatusOK, handler: api.getTenantSAML},
		{id: "updateTenantSAML", method: "PATCH", path: "/api/v1/settings/tenant/saml", tag: "settings",
			summary:     "Change the organisation's SAML identity provider (platform admins; not the installation's default organisation, whose provider is the environment's)",
			description: "Fields not sent keep theirs. metadata_url and metadata_xml are alternatives: setting one clears the other; empty strings for both remove the provider. The first time a provider is set, Reportline makes this organisation's service provider key pair (its private key sealed with REPORTLINE_SECRET_KEY, which is then required); the certificate is in our metadata at metadata_address.",
			request:     TenantSAMLPatch{}, response: TenantSAML{}, status: http.StatusOK, handler: api.patchTenantSAML},
		{id: "getTenantSignIn", method: "GET", path: "/api/v1/settings/tenant/sign-in", tag: "settings",
			summary:  "How the organisation's people sign in: SSO-only mode and which providers are configured (platform admins)",
			response: TenantSignIn{}, status: http.StatusOK, handler: api.getTenantSignIn},
		{id: "updateTenantSignIn", method: "PATCH", path: "/api/v1/settings/tenant/sign-in", tag: "settings",
			summary:     "Turn the organisation's SSO-only mode on or off, or name the directory a first sign-in is matched in (platform admins; not the installation's default organisation, whose settings are the environment's)",
			description: "With sso_only, passwords and password resets are refused for everyone but the organisation's platform admins (the break-glass admins); API tokens are unaffected. It needs an identity provider configured. With directory_source (graph, scim, ldap, or empty for none), a person signing in the first time is found by the provider's object id among that directory's people.",
			request:     TenantSignInPatch{}, response: TenantSignIn{}, status: http.StatusOK, handler: api.patchTenantSignIn},
	}
}

// TenantSAML is the organisation's SAML identity provider as its admins
// see it, with the addresses its IdP administrator needs.
type TenantSAML struct {
	MetadataURL     string `json:"metadata_url" doc:"https URL of the IdP's metadata; empty when the XML is given instead, or no provider"`
	MetadataXMLSet  bool   `json:"metadata_xml_set" doc:"whether the IdP's metadata is kept as XML (write it with metadata_xml)"`
	EmailAttribute  string `json:"email_attribute" doc:"the attribute carrying the email, tried before email, mail and the emailaddress claim"`
	Label           string `json:"label" doc:"the sign-in button's text"`
	TrustEmails     bool   `json:"trust_emails" doc:"match by email (SAML asserts no verification)"`
	CreateUsers     bool   `json:"create_users" doc:"create an account (no group, no role) for an unknown person"`
	MetadataAddress string `json:"metadata_address" doc:"our service provider's metadata and entity id, for the IdP; empty when the organisation has no host"`
	ACSURL          string `json:"acs_url" doc:"our assertion consumer service (HTTP-POST)"`
	SLOURL          string `json:"slo_url" doc:"our single logout service (HTTP-POST)"`
}

// TenantSAMLPatch changes the fields it carries.
type TenantSAMLPatch struct {
	MetadataURL    *string `json:"metadata_url,omitempty"`
	MetadataXML    *string `json:"metadata_xml,omitempty" doc:"the IdP's metadata XML (at most 256 KiB)"`
	EmailAttribute *string `json:"email_attribute,omitempty"`
	Label          *string `json:"label,omitempty"`
	TrustEmails    *bool   `json:"trust_emails,omitempty"`
	CreateUsers    *bool   `json:"create_users,omitempty"`
}

// TenantSignIn is how the organisation's people sign in.
type TenantSignIn struct {
	SSOOnly bool `json:"sso_only" doc:"passwords refused but for the organisation's platform admins"`
	OIDC    bool `json:"oidc" doc:"an OpenID provider is configured"`
	SAML    bool `json:"saml" doc:"a SAML identity provider is configured"`
	// DirectorySource: a person signing in the first time is found by the
	// provider's object id among this directory's people.
	DirectorySource string `json:"directory_source" doc:"the directory sync (graph, scim, ldap) whose ids are the providers' object ids (Entra's oid); empty: match by email only"`
}

// TenantSignInPatch changes SSO-only mode and the directory a first sign-in
// is matched in.
type TenantSignInPatch struct {
	SSOOnly         *bool   `json:"sso_only,omitempty"`
	DirectorySource *string `json:"directory_source,omitempty"`
}

func tenantSignInOut(s app.TenantSignIn) TenantSignIn {
	return TenantSignIn{SSOOnly: s.SSOOnly, OIDC: s.OIDC, SAML: s.SAML, DirectorySource: string(s.DirectorySource)}
}

func (api *API) tenantSAMLOut(r *http.Request, s app.TenantSAML) TenantSAML {
	out := TenantSAML{MetadataURL: s.MetadataURL, MetadataXMLSet: s.MetadataXML != "", EmailAttribute: s.EmailAttribute, Label: s.Label,
		TrustEmails: s.TrustEmails, CreateUsers: s.CreateUsers}
	if base := api.app.PublicURL(r.Context()); base != "" {
		out.MetadataAddress, out.ACSURL, out.SLOURL = base+"/sso/saml/saml/metadata", base+"/sso/saml/saml/acs", base+"/sso/saml/saml/slo"
	}
	return out
}

func (api *API) getTenantSAML(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	s, err := api.app.TenantSAML(r.Context(), actor)
	return api.tenantSAMLOut(r, s), err
}

func (api *API) patchTenantSAML(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	var in TenantSAMLPatch
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	s, err := api.app.SetTenantSAML(r.Context(), actor, app.TenantSAMLChange{MetadataURL: in.MetadataURL, MetadataXML: in.MetadataXML,
		EmailAttribute: in.EmailAttribute, Label: in.Label, TrustEmails: in.TrustEmails, CreateUsers: in.CreateUsers})
	return api.tenantSAMLOut(r, s), err
}

func (api *API) getTenantSignIn(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	s, err := api.app.TenantSignInSettings(r.Context(), actor)
	return tenantSignInOut(s), err
}

func (api *API) patchTenantSignIn(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	var in TenantSignInPatch
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	if in.DirectorySource != nil {
		if _, err := api.app.SetTenantSSODirectory(r.Context(), actor, reportline.Source(*in.DirectorySource)); err != nil {
			return nil, err
		}
	}
	if in.SSOOnly == nil {
		return api.getTenantSignIn(w, r, actor)
	}
	s, err := api.app.SetTenantSSOOnly(r.Context(), actor, *in.SSOOnly)
	return tenantSignInOut(s), err
}
