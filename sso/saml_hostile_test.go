package sso_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// forgery describes a SAML response written by hand, so that a test can
// send what no well-behaved IdP sends: the zero value of each field is
// the well-formed choice.
type forgery struct {
	nameID       string // the Subject's identifier element(s), raw XML
	email        string
	noIssuer     bool   // the assertion has no <saml:Issuer>
	audience     string // our entity id when empty
	recipient    string // our ACS when empty
	destination  string // our ACS when empty
	inResponseTo string // in the assertion's SubjectConfirmationData
	issued       time.Time
	valid        time.Duration // how long after issued; 5 minutes when zero
	notBefore    time.Time     // issued when zero
	signer       *rsa.PrivateKey
	signerCert   *x509.Certificate
	unsigned     bool // the assertion carries no signature
	sha1         bool // signed with RSA-SHA1 and a SHA-1 digest
	// unsignedBeside is a second, unsigned assertion (raw XML) put
	// after the signed one, or before it with besideFirst.
	unsignedBeside string
	besideFirst    bool
}

const (
	nsAssertion = "urn:oasis:names:tc:SAML:2.0:assertion"
	nsProtocol  = "urn:oasis:names:tc:SAML:2.0:protocol"
)

// assertion writes the assertion of f as the IdP of s would (unsigned).
func (s *site) assertion(idp *samlIdP, f forgery) string {
	if f.issued.IsZero() {
		f.issued = time.Now()
	}
	if f.valid == 0 {
		f.valid = 5 * time.Minute
	}
	if f.notBefore.IsZero() {
		f.notBefore = f.issued.Add(-time.Minute)
	}
	if f.audience == "" {
		f.audience = s.base + "/sso/saml/saml/metadata"
	}
	if f.recipient == "" {
		f.recipient = s.base + "/sso/saml/saml/acs"
	}
	ts := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }
	issuer := `<saml:Issuer>` + idp.base + `/metadata</saml:Issuer>`
	if f.noIssuer {
		issuer = ""
	}
	irt := ""
	if f.inResponseTo != "" {
		irt = ` InResponseTo="` + f.inResponseTo + `"`
	}
	return `<saml:Assertion xmlns:saml="` + nsAssertion + `" ID="id-` + rand.Text() + `" Version="2.0" IssueInstant="` + ts(f.issued) + `">` +
		issuer +
		`<saml:Subject>` + f.nameID +
		`<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData` + irt +
		` NotOnOrAfter="` + ts(f.issued.Add(f.valid)) + `" Recipient="` + f.recipient + `"/></saml:SubjectConfirmation></saml:Subject>` +
		`<saml:Conditions NotBefore="` + ts(f.notBefore) + `" NotOnOrAfter="` + ts(f.issued.Add(f.valid)) + `">` +
		`<saml:AudienceRestriction><saml:Audience>` + f.audience + `</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
		`<saml:AuthnStatement AuthnInstant="` + ts(f.issued) + `" SessionIndex="s-` + rand.Text() + `"><saml:AuthnContext>` +
		`<saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
		`<saml:AttributeStatement><saml:Attribute Name="email" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic">` +
		`<saml:AttributeValue>` + f.email + `</saml:AttributeValue></saml:Attribute></saml:AttributeStatement>` +
		`</saml:Assertion>`
}

// sign signs an assertion with an enveloped signature placed after its
// Issuer, as SAML wants it.
func sign(t *testing.T, assertion string, key *rsa.PrivateKey, cert *x509.Certificate, method string) string {
	t.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromString(assertion); err != nil {
		t.Fatal(err)
	}
	ctx := dsig.NewDefaultSigningContext(dsig.TLSCertKeyStore(tls.Certificate{Certificate: [][]byte{cert.Raw}, PrivateKey: key}))
	if err := ctx.SetSignatureMethod(method); err != nil {
		t.Fatal(err)
	}
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	signed, err := ctx.SignEnveloped(doc.Root())
	if err != nil {
		t.Fatal(err)
	}
	sig := signed.Child[len(signed.Child)-1]
	signed.RemoveChildAt(len(signed.Child) - 1)
	at := 0
	if first := signed.SelectElement("Issuer"); first != nil {
		at = first.Index() + 1
	}
	signed.InsertChildAt(at, sig)
	out := etree.NewDocument()
	out.SetRoot(signed)
	str, err := out.WriteToString()
	if err != nil {
		t.Fatal(err)
	}
	return str
}

// forge returns the SAMLResponse form value for f: an unsigned response
// around the (signed, unless f says otherwise) assertion.
func (s *site) forge(t *testing.T, idp *samlIdP, f forgery) string {
	t.Helper()
	a := s.assertion(idp, f)
	if !f.unsigned {
		key, cert := idp.key, idp.cert
		if f.signer != nil {
			key, cert = f.signer, f.signerCert
		}
		method := dsig.RSASHA256SignatureMethod
		if f.sha1 {
			method = dsig.RSASHA1SignatureMethod
		}
		a = sign(t, a, key, cert, method)
	}
	switch {
	case f.unsignedBeside != "" && f.besideFirst:
		a = f.unsignedBeside + a
	case f.unsignedBeside != "":
		a += f.unsignedBeside
	}
	dest := f.destination
	if dest == "" {
		dest = s.base + "/sso/saml/saml/acs"
	}
	resp := `<samlp:Response xmlns:samlp="` + nsProtocol + `" xmlns:saml="` + nsAssertion + `" ID="id-` + rand.Text() +
		`" Version="2.0" IssueInstant="` + time.Now().UTC().Format("2006-01-02T15:04:05Z") + `" Destination="` + dest + `">` +
		`<saml:Issuer>` + idp.base + `/metadata</saml:Issuer>` +
		`<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
		a + `</samlp:Response>`
	return base64.StdEncoding.EncodeToString([]byte(resp))
}

func nameID(v string) string {
	return `<saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified">` + v + `</saml:NameID>`
}

// TestSAMLHostileAssertions: responses an attacker (or a broken IdP)
// sends. Each is refused with the sign-in error page (401), never a
// crash, never a session, and the refusal is logged. A well-formed
// forgery of the same shape signs in, so each refusal is for its one
// defect.
func TestSAMLHostileAssertions(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		s, idp := samlSite(t, engine, app.SSOMatching{TrustEmails: true})
		acs := s.base + "/sso/saml/saml/acs"

		// Ada signs in through the IdP once: her NameID is linked to her.
		idp.who = samlAda()
		if p := post(t, s.client, acs, s.spInitiated(t, s.client).form); s.signedInAs(s.client) != "ada@example.com" {
			t.Fatalf("Ada's sign-in: %d %s", p.status, p.url)
		}

		// The control: a hand-made, well-formed response signs Eve in.
		c := newBrowser(t)
		good := s.forge(t, idp, forgery{nameID: nameID("eve-nameid"), email: "eve@example.com"})
		if p := post(t, c, acs, url.Values{"SAMLResponse": {good}}); s.signedInAs(c) != "eve@example.com" {
			t.Fatalf("the well-formed forgery does not sign in (%d): %.400s", p.status, p.body)
		}

		otherKey, otherCert := keyPair(t, "idp")
		now := time.Now()
		for _, tc := range []struct {
			name string
			f    forgery
		}{
			{"signed assertion without Issuer", forgery{noIssuer: true, nameID: nameID("eve-nameid"), email: "eve@example.com"}},
			{"Subject with only a foreign-namespace NameID", forgery{
				nameID: `<x:NameID xmlns:x="urn:example:not-saml" Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified">ada-nameid</x:NameID>`,
				email:  "eve@example.com"}},
			{"Subject with a foreign-namespace NameID before the real one", forgery{
				nameID: `<x:NameID xmlns:x="urn:example:not-saml">ada-nameid</x:NameID>` + nameID("eve-nameid"),
				email:  "eve@example.com"}},
			{"Subject without NameID", forgery{email: "ada@example.com"}},
			{"unsigned assertion", forgery{unsigned: true, nameID: nameID("ada-nameid"), email: "ada@example.com"}},
			{"signed with SHA-1", forgery{sha1: true, nameID: nameID("eve-nameid"), email: "eve@example.com"}},
			{"signed by another key", forgery{signer: otherKey, signerCert: otherCert, nameID: nameID("ada-nameid"), email: "ada@example.com"}},
			{"unsigned assertion after a signed one", forgery{nameID: nameID("eve-nameid"), email: "eve@example.com",
				unsignedBeside: s.assertion(idp, forgery{nameID: nameID("ada-nameid"), email: "ada@example.com"})}},
			{"unsigned assertion before a signed one", forgery{nameID: nameID("eve-nameid"), email: "eve@example.com", besideFirst: true,
				unsignedBeside: s.assertion(idp, forgery{nameID: nameID("ada-nameid"), email: "ada@example.com"})}},
			{"expired assertion", forgery{issued: now.Add(-2 * time.Hour), nameID: nameID("eve-nameid"), email: "eve@example.com"}},
			{"conditions not yet valid", forgery{notBefore: now.Add(time.Hour), nameID: nameID("eve-nameid"), email: "eve@example.com"}},
			{"wrong audience", forgery{audience: "https://other.example.com/saml", nameID: nameID("eve-nameid"), email: "eve@example.com"}},
			{"wrong recipient", forgery{recipient: "https://other.example.com/acs", nameID: nameID("eve-nameid"), email: "eve@example.com"}},
			{"wrong destination", forgery{destination: "https://other.example.com/acs", nameID: nameID("eve-nameid"), email: "eve@example.com"}},
			{"answers a request we never made", forgery{inResponseTo: "id-never-sent", nameID: nameID("eve-nameid"), email: "eve@example.com"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				c := newBrowser(t)
				before := len(s.logs.String())
				p := post(t, c, acs, url.Values{"SAMLResponse": {s.forge(t, idp, tc.f)}})
				if p.status != http.StatusUnauthorized || p.url.String() != acs {
					t.Errorf("%d %s, want 401 and the sign-in error page: %.300s", p.status, p.url, p.body)
				}
				if who := s.signedInAs(c); who != "" {
					t.Errorf("signed in as %q", who)
				}
				if logged := s.logs.String()[before:]; !strings.Contains(logged, "single sign-on refused") {
					t.Errorf("log = %q, want the refusal", logged)
				}
			})
		}
	})
}
