package sso

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"

	"reportline"
	"reportline/app"
)

// A tenant's own SAML identity provider. On the implicit tenant's requests
// the providers are the environment's (Config.Providers); on another
// tenant's, the one it stored through the API (app.TenantSAMLProvider),
// named "saml", with our metadata, ACS and single logout addresses under
// the tenant's address and our key pair the tenant's own. As for OpenID
// (tenant_oidc.go), one samlProvider (its IdP metadata) is kept per tenant
// while its configuration does not change.

// tenantSAMLName is the name of every tenant's own SAML provider: its
// identities, single-use keys and sessions are kept per tenant.
const tenantSAMLName = "saml"

// samlFor is the context's tenant's SAML provider name; false when there
// is none.
func (s *SSO) samlFor(ctx context.Context, name string) (*samlProvider, bool, error) {
	id, ok := reportline.TenantOf(ctx)
	if !ok || id == reportline.ImplicitTenant {
		p, ok := s.saml[name]
		return p, ok, nil
	}
	if name != tenantSAMLName {
		return nil, false, nil
	}
	c, err := s.cfg.App.TenantSAMLProvider(ctx)
	if err != nil || !c.Enabled() {
		return nil, false, err
	}
	base, err := url.Parse(s.cfg.App.PublicURL(ctx))
	if err != nil || base.Host == "" {
		// A tenant without a host has no address for the IdP to post to.
		return nil, false, err
	}
	key := tenantKey([]string{c.MetadataURL, c.MetadataXML, c.EmailAttribute, c.Label, boolStr(c.TrustEmails), boolStr(c.CreateUsers),
		c.Certificate, c.Key.Reveal()}, base)
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.samlTenants[id]; ok && p.key == key {
		return p, true, nil
	}
	signer, cert, err := parseKeyPair(c.Key.Reveal(), c.Certificate)
	if err != nil {
		return nil, false, &reportline.Error{Code: reportline.Internal, Message: "the organisation's SAML key pair cannot be read", Err: err}
	}
	p, err := newSAML(s, Provider{Name: tenantSAMLName, Label: c.Label,
		Matching: app.SSOMatching{TrustEmails: c.TrustEmails, CreateUsers: c.CreateUsers},
		SAML: &SAMLConfig{IDPMetadataURL: c.MetadataURL, IDPMetadata: []byte(c.MetadataXML), Key: signer, Certificate: cert,
			EmailAttribute: c.EmailAttribute}}, base)
	if err != nil {
		return nil, false, err
	}
	p.key = key
	if s.samlTenants == nil {
		s.samlTenants = map[reportline.TenantID]*samlProvider{}
	}
	s.samlTenants[id] = p
	return p, true, nil
}

// parseKeyPair reads our PKCS #8 PEM key and PEM certificate.
func parseKeyPair(keyPEM, certPEM string) (crypto.Signer, *x509.Certificate, error) {
	kb, _ := pem.Decode([]byte(keyPEM))
	cb, _ := pem.Decode([]byte(certPEM))
	if kb == nil || cb == nil {
		return nil, nil, errors.New("no PEM key or certificate")
	}
	k, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("key: %w", err)
	}
	signer, ok := k.(crypto.Signer)
	if !ok {
		return nil, nil, errors.New("the key cannot sign")
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("certificate: %w", err)
	}
	return signer, cert, nil
}
