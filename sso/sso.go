// Package sso signs people in through their organisation's identity
// provider: OpenID Connect (authorization code with PKCE, nonce and state,
// by github.com/coreos/go-oidc and golang.org/x/oauth2) and SAML 2.0 (by
// github.com/russellhaering/gosaml2). It checks nothing cryptographic itself: the
// libraries verify signatures, keys and conditions; this package turns a
// verified identity into app.SignInSSO, which matches it to a user.
package sso

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"

	"reportline"
	"reportline/app"
	"reportline/web"
)

// Provider is the configuration of one identity provider. It is one struct
// so that it can later be kept per tenant.
type Provider struct {
	// Name keys the identities this provider links ("oidc", "saml"); it
	// must not change once people signed in.
	Name string
	// Label is the text of the sign-in button ("Sign in with Contoso").
	Label string
	// OIDC or SAML: exactly one is set.
	OIDC *OIDCConfig
	SAML *SAMLConfig
	// Matching says how a person seen for the first time finds their user.
	Matching app.SSOMatching
}

// OIDCConfig is an OpenID provider.
type OIDCConfig struct {
	Issuer       string // discovery at Issuer/.well-known/openid-configuration
	ClientID     string
	ClientSecret string // never logged (see LogValue)
	// Scopes asked besides openid; email and profile when empty.
	Scopes []string
	// EmailClaim is the claim that carries the email ("email" when empty;
	// Entra without the email claim: "preferred_username" or "upn").
	EmailClaim string
}

// LogValue keeps the secret out of logs.
func (c OIDCConfig) LogValue() slog.Value {
	return slog.GroupValue(slog.String("issuer", c.Issuer), slog.String("client_id", c.ClientID),
		slog.Any("scopes", c.Scopes), slog.String("email_claim", c.EmailClaim), slog.Bool("secret_set", c.ClientSecret != ""))
}

// String keeps the secret out of fmt.
func (c OIDCConfig) String() string {
	return fmt.Sprintf("oidc(issuer=%s client_id=%s)", c.Issuer, c.ClientID)
}

// SAMLConfig is a SAML 2.0 identity provider and our service provider's
// key pair (which signs our requests and is published in our metadata).
type SAMLConfig struct {
	// IDPMetadataURL or IDPMetadata (the XML, read from a file).
	IDPMetadataURL string
	IDPMetadata    []byte
	Key            crypto.Signer // never logged
	Certificate    *x509.Certificate
	// EmailAttribute is the attribute carrying the email, tried before
	// the usual ones; "" for those alone.
	EmailAttribute string
}

// LogValue keeps the key out of logs.
func (c SAMLConfig) LogValue() slog.Value {
	return slog.GroupValue(slog.String("idp_metadata_url", c.IDPMetadataURL), slog.Bool("key_set", c.Key != nil))
}

// Config is what the handlers need.
type Config struct {
	App *app.App
	// PublicURL is the address users reach (REPORTLINE_PUBLIC_URL): the
	// redirect URL, the ACS URL and the metadata URL are under it.
	PublicURL *url.URL
	Providers []Provider
	Logger    *slog.Logger
	// HTTPClient reaches the providers (discovery, keys, token, metadata);
	// http.DefaultClient when nil.
	HTTPClient *http.Client
	// OnError shows a refused sign-in; a plain text page when nil.
	OnError func(w http.ResponseWriter, r *http.Request, err error)
}

// Button is a sign-in button on the sign-in page.
type Button struct {
	Label string
	URL   string // a path on this site that starts the sign-in
}

// SSO serves the sign-in routes of the configured providers.
type SSO struct {
	cfg  Config
	log  *slog.Logger
	oidc map[string]*oidcProvider
	saml map[string]*samlProvider
	// tenants are the tenants' own OpenID providers (tenant_oidc.go).
	mu      sync.Mutex
	tenants map[reportline.TenantID]*oidcProvider
	// samlTenants are the tenants' own SAML IdPs (tenant_saml.go).
	samlTenants map[reportline.TenantID]*samlProvider
}

// New checks the configuration; it reaches no provider (discovery and
// metadata are fetched on first use, so an identity provider that is down
// does not stop Reportline, and the break-glass admin can still sign in).
func New(cfg Config) (*SSO, error) {
	s := &SSO{cfg: cfg, log: cfg.Logger, oidc: map[string]*oidcProvider{}, saml: map[string]*samlProvider{}}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.cfg.HTTPClient == nil {
		s.cfg.HTTPClient = http.DefaultClient
	}
	if len(cfg.Providers) > 0 && cfg.PublicURL == nil {
		return nil, fmt.Errorf("single sign-on needs REPORTLINE_PUBLIC_URL: the identity provider sends people back to it")
	}
	for _, p := range cfg.Providers {
		switch {
		case p.Name == "" || (p.OIDC == nil) == (p.SAML == nil):
			return nil, fmt.Errorf("sso provider %q: a name and exactly one of OIDC or SAML", p.Name)
		case p.OIDC != nil:
			op, err := newOIDC(s, p)
			if err != nil {
				return nil, err
			}
			s.oidc[p.Name] = op
		default:
			sp, err := newSAML(s, p, nil)
			if err != nil {
				return nil, err
			}
			s.saml[p.Name] = sp
		}
	}
	return s, nil
}

// Buttons returns the sign-in buttons, in configuration order.
func (s *SSO) Buttons() []Button {
	var out []Button
	for _, p := range s.cfg.Providers {
		label := p.Label
		if label == "" {
			label = "Sign in with single sign-on"
		}
		kind := "oidc"
		if p.SAML != nil {
			kind = "saml"
		}
		out = append(out, Button{Label: label, URL: "/sso/" + kind + "/" + p.Name + "/start"})
	}
	return out
}

// Register adds the routes.
func (s *SSO) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /sso/oidc/{name}/start", s.oidcStart)
	mux.HandleFunc("GET /sso/oidc/{name}/callback", s.oidcCallback)
	mux.HandleFunc("GET /sso/saml/{name}/start", s.samlStart)
	mux.HandleFunc("POST /sso/saml/{name}/acs", s.samlACS)
	mux.HandleFunc("GET /sso/saml/{name}/metadata", s.samlMetadata)
	mux.HandleFunc("POST /sso/saml/{name}/slo", s.samlSLO)
}

// url is a path under the public URL.
func (s *SSO) url(path string) url.URL {
	u := *s.cfg.PublicURL
	u.Path = stringsTrimRight(u.Path) + path
	u.RawQuery, u.Fragment = "", ""
	return u
}

func stringsTrimRight(p string) string {
	for len(p) > 0 && p[len(p)-1] == '/' {
		p = p[:len(p)-1]
	}
	return p
}

// fail shows a refused sign-in.
func (s *SSO) fail(w http.ResponseWriter, r *http.Request, err error) {
	if e, ok := errors.AsType[*reportline.Error](err); ok && e.Message == "the identity provider cannot be reached; try again later" {
		s.log.Warn("identity provider unreachable", "request_id", web.RequestID(r.Context()), "err", err)
	} else if reportline.ErrorCode(err) == reportline.Internal {
		s.log.Error("single sign-on", "request_id", web.RequestID(r.Context()), "err", err)
	} else {
		s.log.Info("single sign-on refused", "request_id", web.RequestID(r.Context()), "err", err)
	}
	if s.cfg.OnError != nil {
		s.cfg.OnError(w, r, err)
		return
	}
	http.Error(w, reportline.ErrorMessage(err), web.Status(reportline.ErrorCode(err)))
}

// signedIn opens the session cookie and goes on.
func (s *SSO) signedIn(w http.ResponseWriter, r *http.Request, in app.SSOSignIn, next string) {
	secret, _, err := s.cfg.App.SignInSSO(r.Context(), in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	web.SetSessionCookie(w, r, secret, s.cfg.App.SessionTTL())
	http.Redirect(w, r, web.SafeNext(next), http.StatusSeeOther)
}

// refused is an Unauthenticated error with the library's reason kept for
// the log.
func refused(msg string, err error) error {
	return &reportline.Error{Code: reportline.Unauthenticated, Message: msg, Err: err}
}

// unreachable is a provider that does not answer: the person is shown the
// sign-in page with the reason (the break-glass admin can still use a
// password there), the operator the cause in the log.
func unreachable(err error) error {
	return &reportline.Error{Code: reportline.Unauthenticated, Message: "the identity provider cannot be reached; try again later", Err: err}
}
