package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"encoding/xml"
	"fmt"
	"math/big"
	"net/url"
	"strings"
	"time"

	"reportline"
	"reportline/secret"
)

// A tenant's own SAML identity provider (issue 16, "Per tenant"). The
// implicit tenant's comes from the environment (REPORTLINE_SAML_*); another
// tenant's is stored here: the IdP's metadata (its URL or the XML itself),
// the attribute carrying the email and the matching settings in its
// settings, and our service provider's own key pair, made for the tenant
// the first time its IdP is set: the certificate (public, in our metadata)
// in its settings, the private key sealed by package secret.

// The settings keys and the secret's name.
const (
	settingSAMLMetadataURL = "sso.saml.metadata_url"
	settingSAMLMetadataXML = "sso.saml.metadata_xml"
	settingSAMLEmailAttr   = "sso.saml.email_attribute"
	settingSAMLLabel       = "sso.saml.label"
	settingSAMLTrustEmails = "sso.saml.trust_emails"
	settingSAMLCreateUsers = "sso.saml.create_users"
	settingSAMLCertificate = "sso.saml.sp_certificate"
	secretSAMLKey          = "sso.saml.sp_key"
)

// maxSAMLMetadata is the largest IdP metadata kept (Entra's is ~10 KB; a
// federation's aggregate is not an IdP's metadata).
const maxSAMLMetadata = 256 << 10

// TenantSAML is a tenant's SAML identity provider. Key is filled only by
// TenantSAMLProvider, for the sign-in itself.
type TenantSAML struct {
	// MetadataURL or MetadataXML: the IdP's metadata (one of the two).
	MetadataURL string
	MetadataXML string
	// EmailAttribute is the attribute carrying the email, tried before the
	// usual ones (email, mail, the emailaddress claim, an email NameID).
	EmailAttribute string
	Label          string // the sign-in button's text
	// TrustEmails matches by email (SAML asserts no verification);
	// CreateUsers creates an account for an unknown person.
	TrustEmails, CreateUsers bool
	// Certificate is our service provider's certificate (PEM) for this
	// tenant, published in our metadata; empty until the IdP is first set.
	Certificate string
	// Key is our service provider's private key (PKCS #8 PEM); only
	// TenantSAMLProvider sets it.
	Key secret.Value
}

// Enabled says whether an IdP is configured.
func (s TenantSAML) Enabled() bool { return s.MetadataURL != "" || s.MetadataXML != "" }

// TenantSAMLChange changes the fields that are not nil. Setting
// MetadataURL clears MetadataXML and the other way round.
type TenantSAMLChange struct {
	MetadataURL, MetadataXML, EmailAttribute, Label *string
	TrustEmails, CreateUsers                        *bool
}

// readTenantSAML reads the context's tenant's IdP, without our key.
func readTenantSAML(ctx context.Context, tx tenantTx) (TenantSAML, error) {
	var s TenantSAML
	var trust, create string
	if err := readSettings(settingReader(ctx, tx), map[string]*string{settingSAMLMetadataURL: &s.MetadataURL,
		settingSAMLMetadataXML: &s.MetadataXML, settingSAMLEmailAttr: &s.EmailAttribute, settingSAMLLabel: &s.Label,
		settingSAMLTrustEmails: &trust, settingSAMLCreateUsers: &create, settingSAMLCertificate: &s.Certificate}); err != nil {
		return s, err
	}
	s.TrustEmails, s.CreateUsers = trust == "true", create == "true"
	return s, nil
}

// TenantSAML returns the context's tenant's SAML IdP as its platform
// admins see it (no key: only our certificate, which is public).
func (a *App) TenantSAML(ctx context.Context, actor Actor) (TenantSAML, error) {
	return readTenantConfig(ctx, a, actor, readTenantSAML)
}

// SetTenantSAML changes the context's tenant's SAML IdP; platform admins
// of the tenant only, audited. The first time an IdP is set, our service
// provider's key pair is made for the tenant (its key sealed: this needs
// REPORTLINE_SECRET_KEY). The implicit tenant's IdP is the environment's.
func (a *App) SetTenantSAML(ctx context.Context, actor Actor, c TenantSAMLChange) (TenantSAML, error) {
	err := a.setTenantSettings(ctx, actor, tenantSettingsChange{
		what: "tenant single sign-on saml",
		implicit: reportline.Errorf(reportline.Invalid, "this installation's default organisation takes its SAML identity provider from the environment (REPORTLINE_SAML_IDP_METADATA_URL and the like); other organisations configure theirs here").
			Say("error.tenant.default_saml", nil),
		settings: c.settings,
		then: func(tx tenantTx, before, after map[string]string) error {
			return a.setSAMLKeyPair(ctx, tx, before, after)
		}})
	if err != nil {
		return TenantSAML{}, err
	}
	return a.TenantSAML(ctx, actor)
}

// setSAMLKeyPair makes our key pair the first time an IdP is set, and has
// the audit say only the metadata XML's size.
func (a *App) setSAMLKeyPair(ctx context.Context, tx tenantTx, before, after map[string]string) error {
	s, err := readTenantSAML(ctx, tx)
	if err != nil {
		return err
	}
	if s.Enabled() && s.Certificate == "" {
		cert, key, err := a.newSAMLKeyPair(ctx)
		if err != nil {
			return err
		}
		if err := a.putSecret(ctx, tx, secretSAMLKey, "metadata_url", key); err != nil {
			return err
		}
		if err := tx.PutSetting(ctx, settingSAMLCertificate, cert); err != nil {
			return err
		}
		after[settingSAMLCertificate] = "made"
	}
	if x, ok := after[settingSAMLMetadataXML]; ok {
		// The XML is public but long: the log says it changed.
		before[settingSAMLMetadataXML], after[settingSAMLMetadataXML] = fmt.Sprintf("%d bytes", len(before[settingSAMLMetadataXML])), fmt.Sprintf("%d bytes", len(x))
	}
	return nil
}

// newSAMLKeyPair makes our service provider's key pair for the context's
// tenant: RSA 2048 (XML encryption wants RSA), a self-signed certificate
// valid for ten years (IdPs use it to check our signed requests and to
// encrypt to us; its dates are not checked by them).
func (a *App) newSAMLKeyPair(ctx context.Context) (certPEM string, keyPEM secret.Value, err error) {
	if !a.secrets.Configured() {
		return "", "", reportline.FieldError("metadata_url", "", "%s", "SAML needs a key pair of ours, kept encrypted, and this installation has no key: the operator sets "+
			secret.EnvKey+" (32 random bytes in base64: openssl rand -base64 32)")
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", "", fmt.Errorf("saml key pair: %w", err)
	}
	host := a.publicURL(ctx)
	if u, err := url.Parse(host); err == nil && u.Host != "" {
		host = u.Host
	}
	now := a.now()
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return "", "", fmt.Errorf("saml key pair: %w", err)
	}
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: "Reportline SAML " + host},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(10, 0, 0), KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return "", "", fmt.Errorf("saml certificate: %w", err)
	}
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", "", fmt.Errorf("saml key pair: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		secret.Value(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk})), nil
}

// settings checks the change and lists the settings it writes.
func (c TenantSAMLChange) settings() ([][2]string, error) {
	var out [][2]string
	if p := c.MetadataURL; p != nil {
		v := strings.TrimSpace(*p)
		if v != "" {
			u, err := url.Parse(v)
			if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.Fragment != "" {
				return nil, reportline.FieldError("metadata_url", v, "the metadata URL must be the identity provider's https address, such as Entra's App Federation Metadata Url")
			}
			out = append(out, [2]string{settingSAMLMetadataXML, ""})
		}
		out = append(out, [2]string{settingSAMLMetadataURL, v})
	}
	if p := c.MetadataXML; p != nil {
		v := strings.TrimSpace(*p)
		if v != "" {
			if err := checkIDPMetadata(v); err != nil {
				return nil, err
			}
			out = append(out, [2]string{settingSAMLMetadataURL, ""})
		}
		out = append(out, [2]string{settingSAMLMetadataXML, v})
	}
	if c.MetadataURL != nil && c.MetadataXML != nil && strings.TrimSpace(*c.MetadataURL) != "" && strings.TrimSpace(*c.MetadataXML) != "" {
		return nil, reportline.FieldError("metadata_xml", "", "give the identity provider's metadata URL or its XML, not both")
	}
	if p := c.EmailAttribute; p != nil {
		v := strings.TrimSpace(*p)
		if v != "" && !claimName.MatchString(v) {
			return nil, reportline.FieldError("email_attribute", v, "the email attribute is an attribute's name, such as email or http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress")
		}
		out = append(out, [2]string{settingSAMLEmailAttr, v})
	}
	button, err := signInButtonSettings(c.Label, c.TrustEmails, c.CreateUsers, [3]string{settingSAMLLabel, settingSAMLTrustEmails, settingSAMLCreateUsers})
	if err != nil {
		return nil, err
	}
	return append(out, button...), nil
}

// checkIDPMetadata refuses what is plainly not an IdP's SAML metadata;
// package sso reads it fully (and says what is missing) at the first
// sign-in.
func checkIDPMetadata(v string) error {
	if len(v) > maxSAMLMetadata {
		return reportline.FieldError("metadata_xml", "", "the identity provider's metadata is at most 256 KiB")
	}
	var md struct {
		XMLName  xml.Name
		EntityID string `xml:"entityID,attr"`
		IDP      *struct {
			XMLName xml.Name
		} `xml:"urn:oasis:names:tc:SAML:2.0:metadata IDPSSODescriptor"`
	}
	dec := xml.NewDecoder(bytes.NewReader([]byte(v)))
	if err := dec.Decode(&md); err != nil {
		return reportline.FieldError("metadata_xml", "", "the identity provider's metadata is not XML: %v", err)
	}
	if md.XMLName.Local != "EntityDescriptor" || md.EntityID == "" || md.IDP == nil {
		return reportline.FieldError("metadata_xml", "", "this is not an identity provider's SAML metadata: it needs an EntityDescriptor with an entityID and an IDPSSODescriptor")
	}
	return nil
}

// TenantSAMLProvider is the context's tenant's SAML IdP with our key
// opened, for the sign-in routes on the tenant's host; not Enabled when the
// tenant configured none. No actor: signing in is how one becomes one.
func (a *App) TenantSAMLProvider(ctx context.Context) (TenantSAML, error) {
	if id, ok := reportline.TenantOf(ctx); !ok || id == reportline.ImplicitTenant {
		return TenantSAML{}, nil
	}
	var s TenantSAML
	err := a.tenantStore().Read(ctx, func(tx tenantTx) error {
		var err error
		if s, err = readTenantSAML(ctx, tx); err != nil || !s.Enabled() {
			return err
		}
		s.Key, err = a.openSecret(ctx, tx, secretSAMLKey)
		return err
	})
	if err != nil {
		return TenantSAML{}, fmt.Errorf("the organisation's SAML identity provider: %w", err)
	}
	return s, nil
}
