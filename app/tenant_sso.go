package app

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"reportline"
	"reportline/secret"
)

// A tenant's own OpenID Connect provider (issue 16, "Per tenant";
// docs/tenants.md, "Built: step 3, part 2"). The implicit tenant's comes
// from the environment (REPORTLINE_OIDC_*); another tenant's is stored
// here: the plain fields in its settings, the client secret sealed by
// package secret in its secrets (never in the clear in the database, never
// in an answer, a page or a log: a view says only whether it is set).

// The settings keys and the secret's name.
const (
	settingOIDCIssuer      = "sso.oidc.issuer"
	settingOIDCClientID    = "sso.oidc.client_id"
	settingOIDCScopes      = "sso.oidc.scopes"
	settingOIDCEmailClaim  = "sso.oidc.email_claim"
	settingOIDCLabel       = "sso.oidc.label"
	settingOIDCTrustEmails = "sso.oidc.trust_emails"
	settingOIDCCreateUsers = "sso.oidc.create_users"
	secretOIDCClient       = "sso.oidc.client_secret"
)

// TenantOIDC is a tenant's OpenID provider. ClientSecret is filled only by
// TenantOIDCProvider, for the sign-in itself.
type TenantOIDC struct {
	Issuer     string
	ClientID   string
	Scopes     []string // besides openid; "email profile" when empty
	EmailClaim string   // "email" when empty
	Label      string   // the sign-in button's text
	// TrustEmails matches by email without email_verified (Entra);
	// CreateUsers creates an account for an unknown person.
	TrustEmails, CreateUsers bool
	// SecretSet says whether a client secret is stored; SecretKeyID is the
	// id of the key it is sealed under (rotation: a value under an old key
	// is sealed again under the current one when next saved).
	SecretSet   bool
	SecretKeyID string
	// ClientSecret is the secret itself; only TenantOIDCProvider sets it.
	ClientSecret secret.Value
}

// Enabled says whether the provider is configured (an issuer is set).
func (o TenantOIDC) Enabled() bool { return o.Issuer != "" }

// TenantOIDCChange changes the fields that are not nil. ClientSecret is
// write-only: a pointer to "" removes it.
type TenantOIDCChange struct {
	Issuer, ClientID, EmailClaim, Label *string
	Scopes                              *[]string
	TrustEmails, CreateUsers            *bool
	ClientSecret                        *secret.Value
}

// secretsTx is the storage of a tenant's sealed secrets (store/secrets.go).
type secretsTx interface {
	// Secret returns the sealed secret name; NotFound when it is not set.
	Secret(ctx context.Context, name string) (reportline.SealedSecret, error)
	PutSecret(ctx context.Context, s reportline.SealedSecret) error
	DeleteSecret(ctx context.Context, name string) error
	// Tenant is the tenant the transaction is bound to: a secret is
	// sealed for it.
	Tenant() reportline.TenantID
}

// secretBinding binds a sealed value to the tenant of the transaction that
// stores it (not the context's, which a CLI run with --tenant does not
// carry: its store is bound to the tenant instead) and its name.
func secretBinding(tx tenantTx, name string) secret.Binding {
	return secret.Binding{Tenant: int64(tx.Tenant()), Name: name}
}

// putSecret seals v for the context's tenant and stores it in tx as name;
// "" removes it. Without a key it is refused on field, naming the variable:
// a secret is never stored in the clear.
func (a *App) putSecret(ctx context.Context, tx tenantTx, name, field string, v secret.Value) error {
	if v.Reveal() == "" {
		return tx.DeleteSecret(ctx, name)
	}
	if len(v.Reveal()) > 4096 {
		return reportline.FieldError(field, "", "a secret is at most 4096 bytes")
	}
	if !a.secrets.Configured() {
		return reportline.FieldError(field, "", "secrets are stored encrypted and this installation has no key: the operator sets %s (32 random bytes in base64: openssl rand -base64 32)", secret.EnvKey)
	}
	s, err := a.secrets.Seal(v, secretBinding(tx, name))
	if err != nil {
		return fmt.Errorf("seal the secret %s: %w", name, err)
	}
	return tx.PutSecret(ctx, reportline.SealedSecret{Name: name, KeyID: s.KeyID, Box: s.Box, UpdatedAt: a.now()})
}

// openSecret reads and opens the context's tenant's secret name; "" when
// it is not set.
func (a *App) openSecret(ctx context.Context, tx tenantTx, name string) (secret.Value, error) {
	s, err := tx.Secret(ctx, name)
	if reportline.IsCode(err, reportline.NotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	v, err := a.secrets.Open(secret.Sealed{KeyID: s.KeyID, Box: s.Box}, secretBinding(tx, name))
	if err != nil {
		return "", fmt.Errorf("open the secret %s: %w", name, err)
	}
	return v, nil
}

// readTenantOIDC reads the context's tenant's provider, without its secret.
func readTenantOIDC(ctx context.Context, tx tenantTx) (TenantOIDC, error) {
	var o TenantOIDC
	var scopes, trust, create string
	if err := readSettings(settingReader(ctx, tx), map[string]*string{settingOIDCIssuer: &o.Issuer, settingOIDCClientID: &o.ClientID,
		settingOIDCScopes: &scopes, settingOIDCEmailClaim: &o.EmailClaim, settingOIDCLabel: &o.Label,
		settingOIDCTrustEmails: &trust, settingOIDCCreateUsers: &create}); err != nil {
		return o, err
	}
	o.Scopes, o.TrustEmails, o.CreateUsers = strings.Fields(scopes), trust == "true", create == "true"
	s, err := tx.Secret(ctx, secretOIDCClient)
	switch {
	case err == nil:
		o.SecretSet, o.SecretKeyID = true, s.KeyID
	case !reportline.IsCode(err, reportline.NotFound):
		return o, err
	}
	return o, nil
}

// TenantOIDC returns the context's tenant's OpenID provider as its platform
// admins see it: the secret only as set or not set.
func (a *App) TenantOIDC(ctx context.Context, actor Actor) (TenantOIDC, error) {
	return readTenantConfig(ctx, a, actor, readTenantOIDC)
}

var (
	claimName = regexp.MustCompile(`^[A-Za-z0-9_.:/-]{1,100}$`)
	scopeName = regexp.MustCompile(`^[\x21\x23-\x5b\x5d-\x7e]{1,100}$`) // RFC 6749 scope-token
)

// SetTenantOIDC changes the context's tenant's OpenID provider; platform
// admins of the tenant only, audited (the secret as "set" or "removed",
// never its value). The implicit tenant's provider is the environment's.
func (a *App) SetTenantOIDC(ctx context.Context, actor Actor, c TenantOIDCChange) (TenantOIDC, error) {
	err := a.setTenantSettings(ctx, actor, tenantSettingsChange{
		what: "tenant single sign-on",
		implicit: reportline.Errorf(reportline.Invalid, "this installation's default organisation takes its single sign-on from the environment (REPORTLINE_OIDC_ISSUER and the like); other organisations configure theirs here").
			Say("error.tenant.default_oidc", nil),
		settings: c.settings,
		then: func(tx tenantTx, before, after map[string]string) error {
			return a.setOIDCSecret(ctx, tx, c.ClientSecret, after)
		}})
	if err != nil {
		return TenantOIDC{}, err
	}
	return a.TenantOIDC(ctx, actor)
}

// setOIDCSecret stores the client secret if the change has one (the audit
// says "set" or "removed"), then checks that the provider is whole.
func (a *App) setOIDCSecret(ctx context.Context, tx tenantTx, v *secret.Value, after map[string]string) error {
	if err := a.changeSecret(ctx, tx, secretOIDCClient, "client_secret", v, after); err != nil {
		return err
	}
	o, err := readTenantOIDC(ctx, tx)
	if err != nil {
		return err
	}
	if o.Enabled() && o.ClientID == "" {
		return reportline.FieldError("client_id", "", "an OpenID provider needs the client id it gave Reportline")
	}
	return nil
}

// signInButtonSettings checks the sign-in button's text and the matching
// choices every provider has, and lists the settings they write under the
// provider's keys (label, trust emails, create users).
func signInButtonSettings(label *string, trust, create *bool, keys [3]string) ([][2]string, error) {
	var out [][2]string
	if label != nil {
		v := strings.Join(strings.Fields(*label), " ")
		if len(v) > 80 {
			return nil, reportline.FieldError("label", v, "the button's text is at most 80 bytes")
		}
		if err := reportline.CheckText("label", v); err != nil {
			return nil, err
		}
		out = append(out, [2]string{keys[0], v})
	}
	for i, b := range []*bool{trust, create} {
		if b != nil {
			out = append(out, [2]string{keys[i+1], fmt.Sprint(*b)})
		}
	}
	return out, nil
}

// settings checks the change and lists the settings it writes.
func (c TenantOIDCChange) settings() ([][2]string, error) {
	var out [][2]string
	if p := c.Issuer; p != nil {
		// Kept as given, trailing slash included: the ID token's iss must
		// equal it exactly (Auth0's ends with a slash, Entra's does not).
		v := strings.TrimSpace(*p)
		if v != "" {
			u, err := url.Parse(v)
			if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
				return nil, reportline.FieldError("issuer", v, "the issuer must be the provider's https URL, such as https://login.microsoftonline.com/TENANT/v2.0")
			}
		}
		out = append(out, [2]string{settingOIDCIssuer, v})
	}
	if p := c.ClientID; p != nil {
		v := strings.TrimSpace(*p)
		if len(v) > 200 || reportline.CheckText("client_id", v) != nil || strings.ContainsAny(v, " \t") {
			return nil, reportline.FieldError("client_id", v, "the client id is one word of at most 200 bytes")
		}
		out = append(out, [2]string{settingOIDCClientID, v})
	}
	if p := c.Scopes; p != nil {
		for _, s := range *p {
			if !scopeName.MatchString(s) {
				return nil, reportline.FieldError("scopes", s, "a scope is one word of printable characters, without quotes or backslashes")
			}
		}
		out = append(out, [2]string{settingOIDCScopes, strings.Join(*p, " ")})
	}
	if p := c.EmailClaim; p != nil {
		v := strings.TrimSpace(*p)
		if v != "" && !claimName.MatchString(v) {
			return nil, reportline.FieldError("email_claim", v, "the email claim is a claim's name, such as email, preferred_username or upn")
		}
		out = append(out, [2]string{settingOIDCEmailClaim, v})
	}
	button, err := signInButtonSettings(c.Label, c.TrustEmails, c.CreateUsers, [3]string{settingOIDCLabel, settingOIDCTrustEmails, settingOIDCCreateUsers})
	if err != nil {
		return nil, err
	}
	out = append(out, button...)
	if c.ClientSecret != nil && len(c.ClientSecret.Reveal()) > 4096 {
		return nil, reportline.FieldError("client_secret", "", "the client secret is at most 4096 bytes")
	}
	return out, nil
}

// TenantOIDCProvider is the context's tenant's OpenID provider with its
// client secret opened, for the sign-in routes on the tenant's host; not
// Enabled when the tenant configured none. No actor: signing in is how
// one becomes one. Errors name the setting and never the secret.
func (a *App) TenantOIDCProvider(ctx context.Context) (TenantOIDC, error) {
	var o TenantOIDC
	err := a.tenantStore().Read(ctx, func(tx tenantTx) error {
		var err error
		if o, err = readTenantOIDC(ctx, tx); err != nil || !o.SecretSet {
			return err
		}
		o.ClientSecret, err = a.openSecret(ctx, tx, secretOIDCClient)
		return err
	})
	if err != nil {
		return TenantOIDC{}, fmt.Errorf("the organisation's OpenID provider: %w", err)
	}
	return o, nil
}
