package ui

import (
	"net/http"
	"strings"

	"reportline"
	"reportline/app"
	"reportline/web"
)

// Settings → Organisation → Sign-in: the organisation's own identity
// providers (OpenID Connect, SAML), how their people are matched, and
// SSO-only mode, with the addresses to give the providers (docs/sso.md).
// Platform admins of the tenant only (policy tenant.configure, decided by
// app). Secrets are write-only: the page says whether one is set, never
// shows it. The installation's default organisation takes all of this
// from the environment: the page says so and shows its addresses.
func (u *UI) registerTenantSignIn(mux *http.ServeMux) {
	mux.Handle("GET /settings/organisation/sign-in", u.signedIn(u.tenantSignIn))
	mux.Handle("POST /settings/organisation/sign-in", u.signedIn(u.saveTenantSignIn))
}

// signInOIDCForm is the OpenID Connect form's fields.
type signInOIDCForm struct {
	Issuer, ClientID, Scopes, EmailClaim, Label string
	TrustEmails, CreateUsers                    bool
}

// signInSAMLForm is the SAML form's fields.
type signInSAMLForm struct {
	MetadataURL, MetadataXML, EmailAttribute, Label string
	TrustEmails, CreateUsers                        bool
}

// tenantSignInPage is the page; the forms show the saved settings, or what
// was typed when refused (Problem then names the form in AlertsIn).
type tenantSignInPage struct {
	settingsPage
	// Environment: the default organisation, configured by the operator.
	Environment bool
	OIDC        signInOIDCForm
	SAML        signInSAMLForm
	SecretSet   bool
	SSOOnly     bool
	HasProvider bool
	// Directory is the directory a first sign-in is matched in by the
	// provider's object id ("" for none), Directories the choices.
	Directory   string
	Directories []string
	// The addresses the providers are given.
	RedirectURL, LogoutReturnURL, MetadataURL, ACSURL, SLOURL string
}

func (u *UI) tenantSignInPage(r *http.Request, v viewer) (*tenantSignInPage, error) {
	ctx := r.Context()
	s, err := u.app.TenantSignInSettings(ctx, v.Actor)
	if err != nil {
		return nil, err
	}
	p := &tenantSignInPage{SSOOnly: s.SSOOnly, HasProvider: s.OIDC || s.SAML, Directory: string(s.DirectorySource),
		Directories: []string{"", string(reportline.SourceGraph), string(reportline.SourceSCIM), string(reportline.SourceLDAP)}}
	if p.settingsPage, err = u.orgSettingsBase(r, v, u.loc(r).T("signin.title", nil), "sign-in"); err != nil {
		return nil, err
	}
	if id, ok := reportline.TenantOf(ctx); !ok || id == reportline.ImplicitTenant {
		p.Environment = true
	} else {
		o, err := u.app.TenantOIDC(ctx, v.Actor)
		if err != nil {
			return nil, err
		}
		sm, err := u.app.TenantSAML(ctx, v.Actor)
		if err != nil {
			return nil, err
		}
		p.OIDC = signInOIDCForm{Issuer: o.Issuer, ClientID: o.ClientID, Scopes: strings.Join(o.Scopes, " "), EmailClaim: o.EmailClaim,
			Label: o.Label, TrustEmails: o.TrustEmails, CreateUsers: o.CreateUsers}
		p.SecretSet = o.SecretSet
		p.SAML = signInSAMLForm{MetadataURL: sm.MetadataURL, MetadataXML: sm.MetadataXML, EmailAttribute: sm.EmailAttribute,
			Label: sm.Label, TrustEmails: sm.TrustEmails, CreateUsers: sm.CreateUsers}
	}
	if base := u.app.PublicURL(ctx); base != "" {
		p.RedirectURL, p.LogoutReturnURL = base+"/sso/oidc/oidc/callback", base+"/login"
		p.MetadataURL, p.ACSURL, p.SLOURL = base+"/sso/saml/saml/metadata", base+"/sso/saml/saml/acs", base+"/sso/saml/saml/slo"
	}
	return p, nil
}

func (u *UI) tenantSignIn(w http.ResponseWriter, r *http.Request, v viewer) error {
	p, err := u.tenantSignInPage(r, v)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("saved") == "1" {
		p.Flash = u.loc(r).T("signin.saved", nil)
	}
	u.render(w, r, http.StatusOK, "tenant_signin", p)
	return nil
}

// saveTenantSignIn saves one of the page's three forms (section: oidc,
// saml, directory, sso_only). An empty secret field keeps the secret; the
// clear box removes it (formSecret).
func (u *UI) saveTenantSignIn(w http.ResponseWriter, r *http.Request, v viewer) error {
	f := r.PostForm
	on := func(name string) bool { return f.Get(name) == "on" }
	section := f.Get("section")
	var oidc signInOIDCForm
	var saml signInSAMLForm
	var err error
	switch section {
	case "oidc":
		oidc = signInOIDCForm{Issuer: f.Get("issuer"), ClientID: f.Get("client_id"), Scopes: f.Get("scopes"), EmailClaim: f.Get("email_claim"),
			Label: f.Get("label"), TrustEmails: on("trust_emails"), CreateUsers: on("create_users")}
		scopes := strings.FieldsFunc(oidc.Scopes, func(r rune) bool { return r == ' ' || r == ',' })
		c := app.TenantOIDCChange{Issuer: &oidc.Issuer, ClientID: &oidc.ClientID, Scopes: &scopes, EmailClaim: &oidc.EmailClaim,
			Label: &oidc.Label, TrustEmails: &oidc.TrustEmails, CreateUsers: &oidc.CreateUsers}
		c.ClientSecret = formSecret(r, "client_secret")
		_, err = u.app.SetTenantOIDC(r.Context(), v.Actor, c)
	case "saml":
		saml = signInSAMLForm{MetadataURL: f.Get("metadata_url"), MetadataXML: f.Get("metadata_xml"), EmailAttribute: f.Get("email_attribute"),
			Label: f.Get("label"), TrustEmails: on("trust_emails"), CreateUsers: on("create_users")}
		c := app.TenantSAMLChange{EmailAttribute: &saml.EmailAttribute, Label: &saml.Label, TrustEmails: &saml.TrustEmails, CreateUsers: &saml.CreateUsers}
		// The URL or the XML, the one filled in (both: refused by app;
		// neither: no provider).
		if strings.TrimSpace(saml.MetadataURL) != "" {
			c.MetadataURL = &saml.MetadataURL
		}
		if strings.TrimSpace(saml.MetadataXML) != "" {
			c.MetadataXML = &saml.MetadataXML
		}
		if c.MetadataURL == nil && c.MetadataXML == nil {
			c.MetadataURL, c.MetadataXML = &saml.MetadataURL, &saml.MetadataXML
		}
		_, err = u.app.SetTenantSAML(r.Context(), v.Actor, c)
	case "sso_only":
		_, err = u.app.SetTenantSSOOnly(r.Context(), v.Actor, on("sso_only"))
	case "directory":
		_, err = u.app.SetTenantSSODirectory(r.Context(), v.Actor, reportline.Source(r.PostForm.Get("directory_source")))
	default:
		err = reportline.FieldError("section", section, "this form is not one of the sign-in page's")
	}
	if err == nil {
		http.Redirect(w, r, "/settings/organisation/sign-in?saved=1#"+section, http.StatusSeeOther)
		return nil
	}
	if reportline.ErrorCode(err) != reportline.Invalid {
		return err
	}
	p, perr := u.tenantSignInPage(r, v)
	if perr != nil {
		return perr
	}
	switch section {
	case "oidc":
		p.OIDC = oidc
	case "saml":
		p.SAML = saml
	}
	p.AlertsIn = section
	p.Problem = problemOf(u.loc(r), err)
	p.Problem.Title = u.loc(r).T("settings.not_saved", nil)
	u.render(w, r, web.Status(reportline.Invalid), "tenant_signin", p)
	return nil
}
