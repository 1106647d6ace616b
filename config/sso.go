package config

import (
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
)

// SSO is single sign-on for the implicit tenant: one OpenID provider and/or
// one SAML identity provider, how people are matched, and SSO-only mode.
type SSO struct {
	OIDCIssuer       string   // REPORTLINE_OIDC_ISSUER: on when set
	OIDCClientID     string   // REPORTLINE_OIDC_CLIENT_ID
	OIDCClientSecret string   `json:"-"` // REPORTLINE_OIDC_CLIENT_SECRET or REPORTLINE_OIDC_CLIENT_SECRET_FILE; never logged
	OIDCScopes       []string // REPORTLINE_OIDC_SCOPES: space or comma separated; "email profile" when empty
	OIDCEmailClaim   string   // REPORTLINE_OIDC_EMAIL_CLAIM: "email" when empty
	OIDCLabel        string   // REPORTLINE_OIDC_LABEL: the button's text

	SAMLMetadataURL  string // REPORTLINE_SAML_IDP_METADATA_URL: on when this or the file is set
	SAMLMetadataFile string // REPORTLINE_SAML_IDP_METADATA_FILE
	SAMLKeyFile      string // REPORTLINE_SAML_SP_KEY_FILE: our PEM private key
	SAMLCertFile     string // REPORTLINE_SAML_SP_CERT_FILE: our PEM certificate
	SAMLLabel        string // REPORTLINE_SAML_LABEL

	// DirectorySource is the directory sync whose external ids are the
	// IdP's object ids (graph or scim); REPORTLINE_SSO_DIRECTORY.
	DirectorySource string
	TrustEmails     bool   // REPORTLINE_SSO_TRUST_EMAILS: match by email without email_verified
	CreateUsers     bool   // REPORTLINE_SSO_CREATE_USERS: create unknown people (no group, no role)
	Only            bool   // REPORTLINE_SSO_ONLY: passwords refused but for BreakGlass
	BreakGlass      string // REPORTLINE_SSO_BREAK_GLASS_EMAIL: the platform admin who keeps a password
}

// OIDCEnabled reports whether an OpenID provider is configured.
func (s SSO) OIDCEnabled() bool { return s.OIDCIssuer != "" }

// SAMLEnabled reports whether a SAML identity provider is configured.
func (s SSO) SAMLEnabled() bool { return s.SAMLMetadataURL != "" || s.SAMLMetadataFile != "" }

// LogValue keeps the secret out of logs.
func (s SSO) LogValue() slog.Value {
	return slog.GroupValue(slog.String("oidc_issuer", s.OIDCIssuer), slog.String("oidc_client_id", s.OIDCClientID),
		slog.Bool("oidc_client_secret_set", s.OIDCClientSecret != ""), slog.String("saml_idp_metadata_url", s.SAMLMetadataURL),
		slog.Bool("only", s.Only), slog.String("break_glass", s.BreakGlass))
}

// String keeps the secret out of anything printed with %v.
func (s SSO) String() string {
	return fmt.Sprintf("{OIDCIssuer:%s OIDCClientID:%s OIDCClientSecret:[redacted] SAMLMetadataURL:%s Only:%t BreakGlass:%s}",
		s.OIDCIssuer, s.OIDCClientID, s.SAMLMetadataURL, s.Only, s.BreakGlass)
}

func (s *SSO) fromEnv(getenv func(string) string) error {
	for name, dst := range map[string]*string{
		"REPORTLINE_OIDC_ISSUER": &s.OIDCIssuer, "REPORTLINE_OIDC_CLIENT_ID": &s.OIDCClientID,
		"REPORTLINE_OIDC_EMAIL_CLAIM": &s.OIDCEmailClaim, "REPORTLINE_OIDC_LABEL": &s.OIDCLabel,
		"REPORTLINE_SAML_IDP_METADATA_URL": &s.SAMLMetadataURL, "REPORTLINE_SAML_IDP_METADATA_FILE": &s.SAMLMetadataFile,
		"REPORTLINE_SAML_SP_KEY_FILE": &s.SAMLKeyFile, "REPORTLINE_SAML_SP_CERT_FILE": &s.SAMLCertFile,
		"REPORTLINE_SAML_LABEL": &s.SAMLLabel, "REPORTLINE_SSO_DIRECTORY": &s.DirectorySource,
		"REPORTLINE_SSO_BREAK_GLASS_EMAIL": &s.BreakGlass,
	} {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			*dst = v
		}
	}
	if v := getenv("REPORTLINE_OIDC_SCOPES"); v != "" {
		s.OIDCScopes = strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' })
	}
	secret, file := getenv("REPORTLINE_OIDC_CLIENT_SECRET"), getenv("REPORTLINE_OIDC_CLIENT_SECRET_FILE")
	switch {
	case secret != "" && file != "":
		return fmt.Errorf("REPORTLINE_OIDC_CLIENT_SECRET and REPORTLINE_OIDC_CLIENT_SECRET_FILE are both set: keep one")
	case secret != "":
		s.OIDCClientSecret = secret
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return fmt.Errorf("REPORTLINE_OIDC_CLIENT_SECRET_FILE: %w", err)
		}
		s.OIDCClientSecret = strings.TrimRight(string(b), "\r\n")
	}
	for name, dst := range map[string]*bool{
		"REPORTLINE_SSO_TRUST_EMAILS": &s.TrustEmails, "REPORTLINE_SSO_CREATE_USERS": &s.CreateUsers, "REPORTLINE_SSO_ONLY": &s.Only,
	} {
		if v := getenv(name); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("%s %q: want true or false", name, v)
			}
			*dst = b
		}
	}
	return nil
}

func (s SSO) validate(publicURL string) error {
	if (s.OIDCEnabled() || s.SAMLEnabled()) && publicURL == "" {
		return fmt.Errorf("single sign-on needs REPORTLINE_PUBLIC_URL: the identity provider sends people back to it")
	}
	if s.OIDCEnabled() && s.OIDCClientID == "" {
		return fmt.Errorf("REPORTLINE_OIDC_ISSUER is set without REPORTLINE_OIDC_CLIENT_ID")
	}
	if s.SAMLMetadataURL != "" && s.SAMLMetadataFile != "" {
		return fmt.Errorf("REPORTLINE_SAML_IDP_METADATA_URL and REPORTLINE_SAML_IDP_METADATA_FILE are both set: keep one")
	}
	if s.SAMLEnabled() && (s.SAMLKeyFile == "" || s.SAMLCertFile == "") {
		return fmt.Errorf("SAML needs our key and certificate: REPORTLINE_SAML_SP_KEY_FILE and REPORTLINE_SAML_SP_CERT_FILE")
	}
	switch s.DirectorySource {
	case "", "graph", "scim", "ldap":
	default:
		return fmt.Errorf("REPORTLINE_SSO_DIRECTORY %q: want graph, scim or ldap", s.DirectorySource)
	}
	if s.Only && s.BreakGlass == "" {
		return fmt.Errorf("REPORTLINE_SSO_ONLY needs REPORTLINE_SSO_BREAK_GLASS_EMAIL: the platform admin who can still sign in when the identity provider is down")
	}
	if s.Only && !s.OIDCEnabled() && !s.SAMLEnabled() {
		return fmt.Errorf("REPORTLINE_SSO_ONLY is set but no identity provider is configured")
	}
	return nil
}
