package sso

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/beevik/etree"
	saml2 "github.com/russellhaering/gosaml2"
	samltypes "github.com/russellhaering/gosaml2/types"
	dsig "github.com/russellhaering/goxmldsig"

	"reportline"
	"reportline/app"
	"reportline/web"
)

// samlProvider is one SAML identity provider and our service provider for
// it. The IdP's metadata is fetched (or read) on first use.
type samlProvider struct {
	s                  *SSO
	p                  Provider
	entityID, acs, slo string
	mu                 sync.Mutex
	sp                 *saml2.SAMLServiceProvider // nil until the IdP's metadata is loaded
	// sloPost is the IdP's HTTP-POST SingleLogoutService, where our
	// answers to its LogoutRequests go ("" when it has none). Our own
	// LogoutRequests go to its HTTP-Redirect one (sp.IdentityProviderSLOURL).
	sloPost string
	// key is the tenant's configuration it was built from, for a tenant's
	// own IdP (tenant_saml.go); empty for the environment's.
	key string
}

// SAML attributes that carry the email and Entra's object id.
var (
	emailAttributes = []string{"email", "mail", "emailaddress", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress", "urn:oid:0.9.2342.19200300.100.1.3"}
	oidAttributes   = []string{"http://schemas.microsoft.com/identity/claims/objectidentifier", "oid"}
	givenAttributes = []string{"givenName", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname", "urn:oid:2.5.4.42"}
	surAttributes   = []string{"sn", "surname", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname", "urn:oid:2.5.4.4"}
)

// samlClockSkew is how far the IdP's clock may be from ours when the
// assertion's time conditions are checked.
const samlClockSkew = 3 * time.Minute

const emailNameIDFormat = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"

// newSAML is the provider p, whose addresses are under base (a tenant's
// own address), or under the public URL when base is nil.
func newSAML(s *SSO, p Provider, base *url.URL) (*samlProvider, error) {
	c := p.SAML
	if c.IDPMetadataURL == "" && len(c.IDPMetadata) == 0 {
		return nil, fmt.Errorf("sso provider %q: the IdP's metadata URL or file is required", p.Name)
	}
	if c.Key == nil || c.Certificate == nil {
		return nil, fmt.Errorf("sso provider %q: our service provider's key and certificate are required", p.Name)
	}
	at := func(path string) url.URL {
		if base == nil {
			return s.url("/sso/saml/" + p.Name + path)
		}
		u := *base
		u.Path = strings.TrimRight(u.Path, "/") + "/sso/saml/" + p.Name + path
		u.RawQuery, u.Fragment = "", ""
		return u
	}
	entity, acs, slo := at("/metadata"), at("/acs"), at("/slo")
	sp := &samlProvider{s: s, p: p, entityID: entity.String(), acs: acs.String(), slo: slo.String()}
	if _, err := sp.metadata(); err != nil {
		return nil, fmt.Errorf("sso provider %q: %w", p.Name, err)
	}
	return sp, nil
}

// serviceProvider is gosaml2's service provider for the IdP md, whose
// signing certificates are certs (md nil: ours alone, for our metadata).
// Our key decrypts assertions the IdP encrypts to our certificate (RSA
// keys only, as XML encryption wants).
func (p *samlProvider) serviceProvider(md *samltypes.EntityDescriptor, certs []*x509.Certificate) *saml2.SAMLServiceProvider {
	c := p.p.SAML
	sp := &saml2.SAMLServiceProvider{
		ServiceProviderIssuer:       p.entityID,
		AssertionConsumerServiceURL: p.acs,
		ServiceProviderSLOURL:       p.slo,
		AudienceURI:                 p.entityID,
		IDPCertificateStore:         &dsig.MemoryX509CertificateStore{Roots: certs},
		// An assertion may carry no attributes (the NameID alone).
		AllowMissingAttributes: true,
		Clock:                  dsig.NewRealClock(),
	}
	// The key is only ever handed to the library (SetSPKeyStore refuses
	// nil only, and newSAML checked it).
	_ = sp.SetSPKeyStore(&saml2.KeyStore{Signer: c.Key, Cert: c.Certificate.Raw})
	if _, ok := c.Key.(*rsa.PrivateKey); ok {
		sp.SPKeyStore = dsig.TLSCertKeyStore(tls.Certificate{Certificate: [][]byte{c.Certificate.Raw}, PrivateKey: c.Key})
	}
	if md != nil {
		sp.IdentityProviderIssuer = md.EntityID
		sp.IdentityProviderSSOBinding = saml2.BindingHttpRedirect
		for _, s := range md.IDPSSODescriptor.SingleSignOnServices {
			if s.Binding == saml2.BindingHttpRedirect {
				sp.IdentityProviderSSOURL = s.Location
				break
			}
		}
		for _, s := range md.IDPSSODescriptor.SingleLogoutServices {
			if s.Binding == saml2.BindingHttpRedirect && sp.IdentityProviderSLOURL == "" {
				sp.IdentityProviderSLOURL, sp.IdentityProviderSLOBinding = s.Location, saml2.BindingHttpRedirect
			}
		}
	}
	return sp
}

// provider returns the service provider with the IdP's metadata loaded.
func (p *samlProvider) provider(ctx context.Context) (*saml2.SAMLServiceProvider, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.sp != nil {
		return p.sp, nil
	}
	data := p.p.SAML.IDPMetadata
	if len(data) == 0 {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.p.SAML.IDPMetadataURL, nil)
		if err != nil {
			return nil, err
		}
		resp, err := p.s.cfg.HTTPClient.Do(req)
		if err != nil {
			return nil, unreachable(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, unreachable(fmt.Errorf("idp metadata: %s", resp.Status))
		}
		if data, err = io.ReadAll(io.LimitReader(resp.Body, 1<<20)); err != nil {
			return nil, err
		}
	}
	unreadable := func(err error) error {
		return &reportline.Error{Code: reportline.Internal, Message: "the identity provider's metadata cannot be read", Err: err}
	}
	var md samltypes.EntityDescriptor
	if err := xml.Unmarshal(data, &md); err != nil {
		return nil, unreadable(err)
	}
	if md.IDPSSODescriptor == nil || md.EntityID == "" {
		return nil, unreadable(errors.New("no IDPSSODescriptor or no entityID"))
	}
	var certs []*x509.Certificate
	for _, kd := range md.IDPSSODescriptor.KeyDescriptors {
		if kd.Use != "" && kd.Use != "signing" {
			continue
		}
		for _, xc := range kd.KeyInfo.X509Data.X509Certificates {
			der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(xc.Data), ""))
			if err != nil {
				return nil, unreadable(fmt.Errorf("signing certificate: %w", err))
			}
			cert, err := x509.ParseCertificate(der)
			if err != nil {
				return nil, unreadable(fmt.Errorf("signing certificate: %w", err))
			}
			certs = append(certs, cert)
		}
	}
	if len(certs) == 0 {
		return nil, unreadable(errors.New("no signing certificate"))
	}
	sp := p.serviceProvider(&md, certs)
	if sp.IdentityProviderSSOURL == "" {
		return nil, unreadable(errors.New("no SingleSignOnService with the HTTP-Redirect binding"))
	}
	p.sloPost = ""
	for _, s := range md.IDPSSODescriptor.SingleLogoutServices {
		if s.Binding == saml2.BindingHttpPost {
			p.sloPost = s.Location
			break
		}
	}
	p.sp = sp
	return p.sp, nil
}

// metadata is our service provider's metadata (valid for a week from
// now), with our SingleLogoutService (HTTP-POST: the binding whose
// signatures gosaml2 checks).
func (p *samlProvider) metadata() ([]byte, error) {
	md, err := p.serviceProvider(nil, nil).MetadataWithSLO(0)
	if err != nil {
		return nil, fmt.Errorf("our service provider's metadata: %w", err)
	}
	b, err := xml.MarshalIndent(md, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("our service provider's metadata: %w", err)
	}
	return b, nil
}

// samlOf is the SAML provider the request's path names ({name}), for the
// handlers of its endpoints. When there is none, or it cannot be read, it
// has answered the request (not found, or the failure) and says false.
func (s *SSO) samlOf(w http.ResponseWriter, r *http.Request) (*samlProvider, bool) {
	p, ok, err := s.samlFor(r.Context(), r.PathValue("name"))
	if err != nil {
		s.fail(w, r, err)
		return nil, false
	}
	if !ok {
		http.NotFound(w, r)
		return nil, false
	}
	return p, true
}

// samlServiceProviderOf is samlOf with the provider's service provider
// built, for the handlers that send or check SAML messages.
func (s *SSO) samlServiceProviderOf(w http.ResponseWriter, r *http.Request) (*samlProvider, *saml2.SAMLServiceProvider, bool) {
	p, ok := s.samlOf(w, r)
	if !ok {
		return nil, nil, false
	}
	sp, err := p.provider(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return nil, nil, false
	}
	return p, sp, true
}

// samlStart sends the browser to the IdP with a request whose id is kept
// (in the database, for 10 minutes) until its answer comes back.
func (s *SSO) samlStart(w http.ResponseWriter, r *http.Request) {
	p, sp, ok := s.samlServiceProviderOf(w, r)
	if !ok {
		return
	}
	doc, err := sp.BuildAuthRequestDocument()
	if err != nil {
		s.fail(w, r, fmt.Errorf("saml request: %w", err))
		return
	}
	id := doc.Root().SelectAttrValue("ID", "")
	if id == "" {
		s.fail(w, r, errors.New("saml request: no ID"))
		return
	}
	if err := s.cfg.App.UseOnce(r.Context(), "saml-request:"+p.p.Name+":"+id, time.Now().Add(10*time.Minute)); err != nil {
		s.fail(w, r, err)
		return
	}
	u, err := sp.BuildAuthURLRedirect(web.SafeNext(r.URL.Query().Get("next")), doc)
	if err != nil {
		s.fail(w, r, fmt.Errorf("saml request: %w", err))
		return
	}
	http.Redirect(w, r, u, http.StatusSeeOther)
}

// samlACS takes the IdP's answer (HTTP-POST binding). gosaml2 checks the
// signatures (the response's, or else each assertion's: an unsigned
// assertion in an unsigned response is refused, and so is any assertion
// whose own signature fails), the issuers, the destination, the bearer
// confirmation's recipient and expiry, and reads only SAML-namespace
// elements. It reports the audience and the time conditions without
// refusing them: those, the request the response answers, the single
// assertion and its one use are checked here (checkAssertion).
func (s *SSO) samlACS(w http.ResponseWriter, r *http.Request) {
	p, sp, ok := s.samlServiceProviderOf(w, r)
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, reportline.Errorf(reportline.Invalid, "the sign-in response cannot be read"))
		return
	}
	form := r.PostForm.Get("SAMLResponse")
	raw, err := base64.StdEncoding.DecodeString(form)
	if err != nil || !bytes.HasPrefix(bytes.TrimSpace(raw), []byte("<")) {
		s.fail(w, r, refused("the identity provider's response is not valid", errors.New("SAMLResponse is not base64 XML")))
		return
	}
	if err := noSHA1Signature(raw); err != nil {
		s.fail(w, r, refused("the identity provider's response is not valid", err))
		return
	}
	// The request id is read from the unverified response only to look it
	// up; checkAssertion then compares it with the signed assertion's.
	irt := inResponseTo(raw)
	if irt != "" {
		if len(irt) > 256 {
			s.fail(w, r, refused("this sign-in answers no request of ours", nil))
			return
		}
		if err := s.cfg.App.TakeOnce(r.Context(), "saml-request:"+p.p.Name+":"+irt); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	info, err := sp.RetrieveAssertionInfo(form)
	if err != nil {
		s.fail(w, r, refused("the identity provider's response is not valid", err))
		return
	}
	as, until, err := checkAssertion(info, irt, time.Now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.cfg.App.UseOnce(r.Context(), "saml:"+p.p.Name+":"+as.ID, until); err != nil {
		if reportline.IsCode(err, reportline.Unauthenticated) {
			err = refused("this sign-in response was used already; sign in again", err)
		}
		s.fail(w, r, err)
		return
	}
	emails := emailAttributes
	if a := p.p.SAML.EmailAttribute; a != "" {
		emails = append([]string{a}, emails...)
	}
	id := reportline.SSOIdentity{Provider: p.p.Name, Subject: info.NameID,
		Email: attribute(as, emails), DirectoryID: attribute(as, oidAttributes),
		FirstName: attribute(as, givenAttributes), LastName: attribute(as, surAttributes)}
	if id.Email == "" && strings.Contains(id.Subject, "@") && info.NameIDFormat == emailNameIDFormat {
		id.Email = id.Subject
	}
	// What single logout needs later (the NameID as sent, its format, the
	// IdP's session index) stays with the session, in the database.
	hint := p.p.Name + " " + url.Values{"n": {info.NameID}, "f": {info.NameIDFormat}, "i": {info.SessionIndex}}.Encode()
	s.signedIn(w, r, app.SSOSignIn{Identity: id, Matching: p.p.Matching, Method: "saml", LogoutHint: hint}, r.PostForm.Get("RelayState"))
}

// checkAssertion completes gosaml2's checks of a response it verified:
// one assertion, signed (itself or by the response around it), with an
// AuthnStatement and a subject, for our audience, within its time
// conditions (give or take samlClockSkew), answering the request irt (or
// no request, when irt is empty: an IdP-initiated sign-in). It returns
// the assertion and until when its id must be remembered.
func checkAssertion(info *saml2.AssertionInfo, irt string, now time.Time) (*samltypes.Assertion, time.Time, error) {
	invalid := func(why string) error {
		return refused("the identity provider's response is not valid", errors.New(why))
	}
	if len(info.Assertions) != 1 {
		return nil, time.Time{}, invalid(fmt.Sprintf("%d assertions, want 1", len(info.Assertions)))
	}
	as := &info.Assertions[0]
	if !info.ResponseSignatureValidated && !as.SignatureValidated {
		return nil, time.Time{}, refused("the identity provider's assertion is not signed; configure it to sign assertions", nil)
	}
	if info.WarningInfo == nil || info.WarningInfo.NotInAudience {
		return nil, time.Time{}, invalid("the assertion is not for our audience")
	}
	if as.Conditions == nil || as.Subject == nil || as.Subject.SubjectConfirmation == nil || as.Subject.SubjectConfirmation.SubjectConfirmationData == nil {
		return nil, time.Time{}, invalid("no conditions or no subject confirmation")
	}
	notBefore, err1 := time.Parse(time.RFC3339, as.Conditions.NotBefore)
	notOnOrAfter, err2 := time.Parse(time.RFC3339, as.Conditions.NotOnOrAfter)
	confirmUntil, err3 := time.Parse(time.RFC3339, as.Subject.SubjectConfirmation.SubjectConfirmationData.NotOnOrAfter)
	if err := errors.Join(err1, err2, err3); err != nil {
		return nil, time.Time{}, refused("the identity provider's response is not valid", err)
	}
	if now.Add(samlClockSkew).Before(notBefore) {
		return nil, time.Time{}, invalid("the assertion is not valid yet")
	}
	if !now.Add(-samlClockSkew).Before(notOnOrAfter) {
		return nil, time.Time{}, invalid("the assertion has expired")
	}
	if as.AuthnStatement == nil {
		return nil, time.Time{}, invalid("the assertion has no AuthnStatement")
	}
	if got := as.Subject.SubjectConfirmation.SubjectConfirmationData.InResponseTo; got != irt {
		return nil, time.Time{}, refused("this sign-in answers no request of ours", fmt.Errorf("assertion answers %q, response %q", got, irt))
	}
	if info.NameID == "" || as.ID == "" {
		return nil, time.Time{}, refused("the identity provider sent no subject", nil)
	}
	until := notOnOrAfter
	if confirmUntil.After(until) {
		until = confirmUntil
	}
	return as, until.Add(samlClockSkew), nil
}

// samlMetadata serves our service provider's metadata, for the IdP.
func (s *SSO) samlMetadata(w http.ResponseWriter, r *http.Request) {
	p, ok := s.samlOf(w, r)
	if !ok {
		return
	}
	b, err := p.metadata()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/samlmetadata+xml")
	w.Write(b)
}

// noSHA1Signature refuses an XML signature whose SignatureMethod or any
// DigestMethod is SHA-1 based. Go refuses RSA-SHA1 signatures itself, but
// goxmldsig would accept a SHA-1 digest under a SHA-256 signature. (The
// key transport of an encrypted assertion, RSA-OAEP, names SHA-1 as its
// mask digest: that is not a signature and is left alone. A signature
// inside an encrypted assertion is seen only by the library.)
func noSHA1Signature(raw []byte) error {
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil {
		return err
	}
	for _, sig := range doc.FindElements("//Signature[namespace-uri()='" + dsig.Namespace + "']") {
		for _, el := range append(sig.FindElements(".//SignatureMethod"), sig.FindElements(".//DigestMethod")...) {
			if alg := el.SelectAttrValue("Algorithm", ""); strings.HasSuffix(alg, "sha1") {
				return fmt.Errorf("SHA-1 in a signature: %s", alg)
			}
		}
	}
	return nil
}

// inResponseTo reads the InResponseTo of a response, "" when none.
func inResponseTo(raw []byte) string {
	var v struct {
		InResponseTo string `xml:",attr"`
	}
	if xml.Unmarshal(raw, &v) != nil {
		return ""
	}
	return v.InResponseTo
}

// attribute returns the first value of the first of names the assertion
// carries (names compared as the IdP sent them, or by their friendly name).
func attribute(as *samltypes.Assertion, names []string) string {
	if as.AttributeStatement == nil {
		return ""
	}
	for _, n := range names {
		for _, a := range as.AttributeStatement.Attributes {
			if (a.Name == n || a.FriendlyName == n) && len(a.Values) > 0 {
				return strings.TrimSpace(a.Values[0].Value)
			}
		}
	}
	return ""
}
