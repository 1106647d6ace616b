package sso

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"

	"reportline"
	"reportline/app"
)

// A tenant's own OpenID provider (docs/tenants.md, "Built: step 3, part
// 2"). On the implicit tenant's requests the providers are the
// environment's (Config.Providers); on another tenant's, the one it stored
// through the API (app.TenantOIDCProvider), named "oidc", with its redirect
// URL under the tenant's address. One oidcProvider (its discovery and key
// set) is kept per tenant while its configuration does not change.

// tenantProviderName is the name of every tenant's own provider: its
// identities are kept per tenant, so the names do not collide.
const tenantProviderName = "oidc"

// oidcOf is the OpenID provider of the request's tenant named in its path
// ({name}), for the handlers of its endpoints. When there is none, or it
// cannot be read, it has answered the request (not found, or the failure)
// and says false.
func (s *SSO) oidcOf(w http.ResponseWriter, r *http.Request) (*oidcProvider, bool) {
	o, ok, err := s.oidcNamed(r.Context(), r.PathValue("name"))
	if err != nil {
		s.fail(w, r, err)
		return nil, false
	}
	if !ok {
		http.NotFound(w, r)
		return nil, false
	}
	return o, true
}

// oidcNamed is the context's tenant's OpenID provider name; false when
// there is none.
func (s *SSO) oidcNamed(ctx context.Context, name string) (*oidcProvider, bool, error) {
	id, ok := reportline.TenantOf(ctx)
	if !ok || id == reportline.ImplicitTenant {
		o, ok := s.oidc[name]
		return o, ok, nil
	}
	if name != tenantProviderName {
		return nil, false, nil
	}
	c, err := s.cfg.App.TenantOIDCProvider(ctx)
	if err != nil || !c.Enabled() {
		return nil, false, err
	}
	base, err := url.Parse(s.cfg.App.PublicURL(ctx))
	if err != nil || base.Host == "" {
		// A tenant without a host has no address to come back to.
		return nil, false, err
	}
	key := tenantKey([]string{c.Issuer, c.ClientID, c.ClientSecret.Reveal(), strings.Join(c.Scopes, " "), c.EmailClaim, c.Label,
		boolStr(c.TrustEmails), boolStr(c.CreateUsers)}, base)
	s.mu.Lock()
	defer s.mu.Unlock()
	if o, ok := s.tenants[id]; ok && o.key == key {
		return o, true, nil
	}
	o := &oidcProvider{s: s, base: base, key: key, p: Provider{Name: tenantProviderName, Label: c.Label,
		Matching: app.SSOMatching{TrustEmails: c.TrustEmails, CreateUsers: c.CreateUsers},
		OIDC:     &OIDCConfig{Issuer: c.Issuer, ClientID: c.ClientID, ClientSecret: c.ClientSecret.Reveal(), Scopes: c.Scopes, EmailClaim: c.EmailClaim}}}
	if s.tenants == nil {
		s.tenants = map[reportline.TenantID]*oidcProvider{}
	}
	s.tenants[id] = o
	return o, true, nil
}

// tenantKey fingerprints a tenant's configuration (secrets by hash): a
// change builds the provider again at the next sign-in.
func tenantKey(fields []string, base *url.URL) string {
	h := sha256.New()
	for _, f := range append(fields, base.String()) {
		h.Write([]byte(f))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

func boolStr(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// secure says whether the flow cookie must be Secure: the address people
// come back to is https.
func (o *oidcProvider) secure(r *http.Request) bool {
	if o.base != nil {
		return o.base.Scheme == "https"
	}
	return o.s.secure(r)
}
