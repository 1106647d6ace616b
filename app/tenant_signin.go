package app

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"reportline"
)

// How people of a tenant sign in: SSO-only mode and the sign-in buttons.
// The implicit tenant's come from the environment (REPORTLINE_SSO_ONLY and
// REPORTLINE_SSO_BREAK_GLASS_EMAIL, the providers of REPORTLINE_OIDC_* and
// REPORTLINE_SAML_*); another tenant's from its settings.

const settingSSOOnly = "sso.only"

// settingSSODirectory names the directory sync (graph, scim, ldap) whose
// external ids are the tenant's identity provider's object ids (Entra's
// oid), so that a person signing in the first time is found by that id; ""
// when the tenant syncs from no directory of its provider.
const settingSSODirectory = "sso.directory_source"

// ssoDirectorySources are the values of settingSSODirectory.
var ssoDirectorySources = []reportline.Source{reportline.SourceGraph, reportline.SourceSCIM, reportline.SourceLDAP}

// passwordRule is SSO-only mode as it applies to one tenant: the one place
// that says who may still use a password (Login, password resets, the
// sign-in page all ask it).
type passwordRule struct {
	// ssoOnly: passwords are refused but for the break-glass admins.
	ssoOnly bool
	// glass is the environment's break-glass address (the implicit
	// tenant); empty for a tenant's own SSO-only mode, where every
	// platform admin of the tenant is a break-glass admin.
	glass string
}

// passwordRule reads the context's tenant's rule.
func (a *App) passwordRule(ctx context.Context) (passwordRule, error) {
	if id, ok := reportline.TenantOf(ctx); !ok || id == reportline.ImplicitTenant {
		return passwordRule{ssoOnly: a.ssoOnly, glass: a.glass}, nil
	}
	var v string
	err := a.tenantStore().Read(ctx, func(tx tenantTx) error {
		var err error
		v, err = tx.Setting(ctx, settingSSOOnly)
		if reportline.IsCode(err, reportline.NotFound) {
			return nil
		}
		return err
	})
	if err != nil {
		return passwordRule{}, fmt.Errorf("read the setting %s: %w", settingSSOOnly, err)
	}
	return passwordRule{ssoOnly: v == "true"}, nil
}

// allowsAddress says whether a password may be tried for the address
// typed, before anything is looked up: no, in the environment's SSO-only
// mode, for any address but the break-glass one. (A tenant's own mode
// decides only once the password is checked: allowsUser.)
func (r passwordRule) allowsAddress(email string) bool {
	return !r.ssoOnly || r.glass == "" || strings.ToLower(strings.TrimSpace(email)) == r.glass
}

// allowsUser says whether u, whose password is right, may sign in with it:
// in SSO-only mode, platform admins only (and the break-glass address
// only, when the environment names one).
func (r passwordRule) allowsUser(u reportline.User) bool {
	return !r.ssoOnly || (u.IsPlatformAdmin() && (r.glass == "" || strings.EqualFold(u.Email, r.glass)))
}

// allowsReset says whether a password reset may be asked for the address:
// in the environment's SSO-only mode for the break-glass address only; in
// a tenant's, for nobody (the answer cannot depend on who the address is;
// a platform admin who lost their password asks another, or the operator's
// `reportline admin create`).
func (r passwordRule) allowsReset(email string) bool {
	return !r.ssoOnly || (r.glass != "" && r.allowsAddress(email))
}

// SSOOnly reports whether single sign-on is the only way in on the
// context's tenant (but for the break-glass admins): the sign-in page then
// hides the password form.
func (a *App) SSOOnly(ctx context.Context) bool {
	r, err := a.passwordRule(ctx)
	if err != nil {
		a.log.WarnContext(ctx, "sso-only mode", "err", err)
	}
	return r.ssoOnly
}

// TenantSignIn is how a tenant's people sign in, as its admins see it.
type TenantSignIn struct {
	// SSOOnly: passwords refused but for the tenant's platform admins.
	SSOOnly bool
	// OIDC, SAML: whether each provider is configured.
	OIDC, SAML bool
	// DirectorySource is the directory whose ids the providers' object ids
	// are (settingSSODirectory); "" when none.
	DirectorySource reportline.Source
}

// TenantSignInSettings returns the context's tenant's sign-in settings.
func (a *App) TenantSignInSettings(ctx context.Context, actor Actor) (TenantSignIn, error) {
	out, err := readTenantConfig(ctx, a, actor, readTenantSignIn)
	if err != nil {
		return out, err
	}
	if id, ok := reportline.TenantOf(ctx); !ok || id == reportline.ImplicitTenant {
		out.SSOOnly = a.ssoOnly
	}
	return out, nil
}

func readTenantSignIn(ctx context.Context, tx tenantTx) (TenantSignIn, error) {
	var out TenantSignIn
	o, err := readTenantOIDC(ctx, tx)
	if err != nil {
		return out, err
	}
	s, err := readTenantSAML(ctx, tx)
	if err != nil {
		return out, err
	}
	v, err := tx.Setting(ctx, settingSSOOnly)
	if err != nil && !reportline.IsCode(err, reportline.NotFound) {
		return out, err
	}
	dir, err := tx.Setting(ctx, settingSSODirectory)
	if err != nil && !reportline.IsCode(err, reportline.NotFound) {
		return out, err
	}
	return TenantSignIn{SSOOnly: v == "true", OIDC: o.Enabled(), SAML: s.Enabled(), DirectorySource: reportline.Source(dir)}, nil
}

// SetTenantSSOOnly turns the context's tenant's SSO-only mode on or off;
// platform admins of the tenant only (who keep their passwords: they are
// the break-glass admins), audited. On needs a provider configured. The
// implicit tenant's mode is the environment's.
func (a *App) SetTenantSSOOnly(ctx context.Context, actor Actor, on bool) (TenantSignIn, error) {
	err := a.setTenantSettings(ctx, actor, tenantSettingsChange{
		what:     "tenant sso-only",
		implicit: reportline.FieldError("sso_only", "", "this installation's default organisation takes SSO-only mode from the environment (REPORTLINE_SSO_ONLY and REPORTLINE_SSO_BREAK_GLASS_EMAIL)"),
		settings: func() ([][2]string, error) { return [][2]string{{settingSSOOnly, fmt.Sprint(on)}}, nil },
		then: func(tx tenantTx, _, _ map[string]string) error {
			cur, err := readTenantSignIn(ctx, tx)
			if err != nil {
				return err
			}
			if on && !cur.OIDC && !cur.SAML {
				return reportline.FieldError("sso_only", "true", "SSO-only mode needs an identity provider: configure OpenID Connect or SAML first, or nobody but the platform admins could sign in")
			}
			return nil
		}})
	if err != nil {
		return TenantSignIn{}, err
	}
	return a.TenantSignInSettings(ctx, actor)
}

// SignInButton is one of a tenant's own sign-in buttons: the provider's
// kind ("oidc", "saml") and the text its admins gave it ("" for the
// default).
type SignInButton struct {
	Kind, Label string
}

// TenantSignInButtons are the context's tenant's own sign-in buttons, OIDC
// first; none for the implicit tenant, whose buttons are the
// environment's. The login page asks it before anyone is signed in: it
// reads no secret.
func (a *App) TenantSignInButtons(ctx context.Context) ([]SignInButton, error) {
	if id, ok := reportline.TenantOf(ctx); !ok || id == reportline.ImplicitTenant {
		return nil, nil
	}
	var out []SignInButton
	err := a.tenantStore().Read(ctx, func(tx tenantTx) error {
		o, err := readTenantOIDC(ctx, tx)
		if err != nil {
			return err
		}
		s, err := readTenantSAML(ctx, tx)
		if err != nil {
			return err
		}
		if o.Enabled() {
			out = append(out, SignInButton{Kind: "oidc", Label: o.Label})
		}
		if s.Enabled() {
			out = append(out, SignInButton{Kind: "saml", Label: s.Label})
		}
		return nil
	})
	return out, err
}

// SetTenantSSODirectory names the directory sync whose external ids are the
// context's tenant's identity provider's object ids ("" for none): platform
// admins of the tenant only, audited. The implicit tenant's is the
// environment's (REPORTLINE_SSO_DIRECTORY).
func (a *App) SetTenantSSODirectory(ctx context.Context, actor Actor, source reportline.Source) (TenantSignIn, error) {
	err := a.setTenantSettings(ctx, actor, tenantSettingsChange{
		what:     "tenant sso directory",
		implicit: reportline.FieldError("directory_source", string(source), "this installation's default organisation takes it from the environment (REPORTLINE_SSO_DIRECTORY)"),
		settings: func() ([][2]string, error) {
			if source != "" && !slices.Contains(ssoDirectorySources, source) {
				return nil, reportline.FieldError("directory_source", string(source), "want graph, scim, ldap or empty (match by email only)")
			}
			return [][2]string{{settingSSODirectory, string(source)}}, nil
		}})
	if err != nil {
		return TenantSignIn{}, err
	}
	return a.TenantSignInSettings(ctx, actor)
}
