package main

import (
	"crypto"
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"

	"reportline"
	"reportline/app"
	"reportline/config"
	"reportline/sso"
	"reportline/ui"
)

// newSSO builds the single sign-on routes: the implicit tenant's providers
// from the configuration (and the pages' buttons), and the routes other
// tenants' own OpenID and SAML providers answer on, always, with the
// sign-out that goes on to the provider.
func newSSO(cfg config.Config, a *app.App, pages *ui.UI, log *slog.Logger) (*sso.SSO, error) {
	c := cfg.SSO
	if !c.OIDCEnabled() && !c.SAMLEnabled() {
		s, err := sso.New(sso.Config{App: a, PublicURL: cfg.PublicBaseURL(), Logger: log, OnError: pages.Fail})
		if err != nil {
			return nil, err
		}
		// The organisations' own providers end their sessions at sign-out.
		pages.SetSignIn(ui.SignInOptions{LogoutURL: s.LogoutURL})
		return s, nil
	}
	match := app.SSOMatching{DirectorySource: reportline.Source(c.DirectorySource), TrustEmails: c.TrustEmails, CreateUsers: c.CreateUsers}
	var providers []sso.Provider
	if c.OIDCEnabled() {
		providers = append(providers, sso.Provider{Name: "oidc", Label: c.OIDCLabel, Matching: match, OIDC: &sso.OIDCConfig{
			Issuer: c.OIDCIssuer, ClientID: c.OIDCClientID, ClientSecret: c.OIDCClientSecret, Scopes: c.OIDCScopes, EmailClaim: c.OIDCEmailClaim}})
	}
	if c.SAMLEnabled() {
		pair, err := tls.LoadX509KeyPair(c.SAMLCertFile, c.SAMLKeyFile)
		if err != nil {
			return nil, fmt.Errorf("SAML key pair: %w", err)
		}
		key, ok := pair.PrivateKey.(crypto.Signer)
		if !ok || pair.Leaf == nil {
			return nil, fmt.Errorf("SAML key pair: the key cannot sign")
		}
		sc := &sso.SAMLConfig{IDPMetadataURL: c.SAMLMetadataURL, Key: key, Certificate: pair.Leaf}
		if c.SAMLMetadataFile != "" {
			if sc.IDPMetadata, err = os.ReadFile(c.SAMLMetadataFile); err != nil {
				return nil, fmt.Errorf("REPORTLINE_SAML_IDP_METADATA_FILE: %w", err)
			}
		}
		providers = append(providers, sso.Provider{Name: "saml", Label: c.SAMLLabel, Matching: match, SAML: sc})
	}
	s, err := sso.New(sso.Config{App: a, PublicURL: cfg.PublicBaseURL(), Providers: providers, Logger: log, OnError: pages.Fail})
	if err != nil {
		return nil, err
	}
	var buttons []ui.SignInButton
	for _, b := range s.Buttons() {
		buttons = append(buttons, ui.SignInButton{Label: b.Label, URL: b.URL})
	}
	pages.SetSignIn(ui.SignInOptions{Buttons: buttons, LogoutURL: s.LogoutURL})
	log.Info("single sign-on", "config", c)
	return s, nil
}
