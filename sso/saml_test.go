package sso_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/xml"
	"html"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crewjam/saml"

	"reportline/app"
	"reportline/internal/testapp"
	"reportline/sso"
	"reportline/store"
)

// keyPair makes an RSA key and a self-signed certificate for it.
func keyPair(t *testing.T, cn string) (*rsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return key, cert
}

// samlIdP is crewjam/saml's identity provider, in process, signing its
// assertions; who is the person signed in at it.
type samlIdP struct {
	base string
	key  *rsa.PrivateKey
	cert *x509.Certificate
	idp  *saml.IdentityProvider
	who  *saml.Session
	sp   string // our SP's metadata URL (its entity id)
	// encrypt keeps our encryption key from our metadata, so that the
	// IdP encrypts its assertions to us.
	encrypt bool
	// live are the IdP's sessions (each sign-in opens one, with its own
	// session index); single logout ends them.
	mu   sync.Mutex
	live map[string]saml.Session
	srv  *httptest.Server
	// client fetches our metadata (nil: the default client); a tenant's
	// metadata is on its own host.
	client *http.Client
}

// close stops the IdP: it is down.
func (p *samlIdP) close() { p.srv.Close() }

func (p *samlIdP) GetSession(w http.ResponseWriter, r *http.Request, req *saml.IdpAuthnRequest) *saml.Session {
	s := *p.who
	s.ID, s.Index, s.CreateTime, s.ExpireTime = rand.Text(), "idx-"+rand.Text(), time.Now(), time.Now().Add(time.Hour)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.live == nil {
		p.live = map[string]saml.Session{}
	}
	p.live[s.ID] = s
	return &s
}

// InvalidateSession ends the IdP's sessions a service provider's
// LogoutRequest names (crewjam's ServeSLO calls it once the request's
// signature is verified).
func (p *samlIdP) InvalidateSession(w http.ResponseWriter, r *http.Request, req *saml.IdpLogoutRequest) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for id, s := range p.live {
		if req.MatchesSession(&s) {
			delete(p.live, id)
		}
	}
	return nil
}

// sessions returns the NameIDs of the IdP's live sessions.
func (p *samlIdP) sessions() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, s := range p.live {
		out = append(out, s.NameID)
	}
	return out
}

func (p *samlIdP) GetServiceProvider(r *http.Request, id string) (*saml.EntityDescriptor, error) {
	if id != p.sp {
		return nil, os.ErrNotExist
	}
	c := p.client
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Get(p.sp)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var md saml.EntityDescriptor
	if err := xml.NewDecoder(resp.Body).Decode(&md); err != nil {
		return nil, err
	}
	// Like Entra by default, this IdP signs assertions and does not
	// encrypt them, so a test can read and tamper with them.
	if p.encrypt {
		return &md, nil
	}
	for i := range md.SPSSODescriptors {
		kd := md.SPSSODescriptors[i].KeyDescriptors[:0]
		for _, k := range md.SPSSODescriptors[i].KeyDescriptors {
			if k.Use != "encryption" {
				kd = append(kd, k)
			}
		}
		md.SPSSODescriptors[i].KeyDescriptors = kd
	}
	return &md, nil
}

func newSAMLIdP(t *testing.T, spMetadata string) *samlIdP {
	ln, base := listen(t)
	key, cert := keyPair(t, "idp")
	p := &samlIdP{base: base, key: key, cert: cert, sp: spMetadata}
	mustURL := func(s string) url.URL { u, _ := url.Parse(s); return *u }
	p.idp = &saml.IdentityProvider{Key: key, Certificate: cert, MetadataURL: mustURL(base + "/metadata"), SSOURL: mustURL(base + "/sso"),
		LogoutURL: mustURL(base + "/slo"), LogoutBindings: []string{saml.HTTPRedirectBinding, saml.HTTPPostBinding},
		ServiceProviderProvider: p, SessionProvider: p}
	mux := http.NewServeMux()
	mux.HandleFunc("/slo", p.idp.ServeSLO)
	mux.HandleFunc("/metadata", p.idp.ServeMetadata)
	mux.HandleFunc("/sso", p.idp.ServeSSO)
	mux.HandleFunc("/initiate", func(w http.ResponseWriter, r *http.Request) {
		p.idp.ServeIDPInitiated(w, r, p.sp, "/account/sessions")
	})
	p.srv = serveOn(t, ln, mux)
	return p
}

func samlSite(t *testing.T, engine store.Engine, m app.SSOMatching) (*site, *samlIdP) {
	ln, base := listen(t)
	idp := newSAMLIdP(t, base+"/sso/saml/saml/metadata")
	key, cert := keyPair(t, "reportline")
	s := newSite(t, engine, ln, base, siteConfig{providers: func(string) []sso.Provider {
		return []sso.Provider{{Name: "saml", Label: "Sign in with SAML", Matching: m,
			SAML: &sso.SAMLConfig{IDPMetadataURL: idp.base + "/metadata", Key: key, Certificate: cert}}}
	}})
	return s, idp
}

var (
	formAction   = regexp.MustCompile(`<form[^>]*action="([^"]+)"`)
	formResponse = regexp.MustCompile(`name="SAMLResponse" value="([^"]+)"`)
	formRelay    = regexp.MustCompile(`name="RelayState" value="([^"]*)"`)
)

// samlPost is the IdP's auto-posting form: where it posts and what.
type samlPost struct {
	action string
	form   url.Values
}

// idpForm reads the form the IdP's page would post to our ACS.
func idpForm(t *testing.T, p page) samlPost {
	t.Helper()
	a, r := formAction.FindStringSubmatch(p.body), formResponse.FindStringSubmatch(p.body)
	if a == nil || r == nil {
		t.Fatalf("no SAML response form from the IdP (%d %s): %.400s", p.status, p.url, p.body)
	}
	f := url.Values{"SAMLResponse": {html.UnescapeString(r[1])}}
	if m := formRelay.FindStringSubmatch(p.body); m != nil {
		f.Set("RelayState", html.UnescapeString(m[1]))
	}
	return samlPost{html.UnescapeString(a[1]), f}
}

// spInitiated starts at Reportline's button and returns the IdP's answer.
func (s *site) spInitiated(t *testing.T, c *http.Client) samlPost {
	return idpForm(t, get(t, c, s.base+"/sso/saml/saml/start?next=/account/sessions"))
}

func TestSAMLSignIn(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		s, idp := samlSite(t, engine, app.SSOMatching{TrustEmails: true})
		idp.who = &saml.Session{NameID: "ada-nameid", UserEmail: "ada@example.com", UserName: "ada"}

		// SP-initiated: our request, the IdP's signed answer, our ACS.
		ans := s.spInitiated(t, s.client)
		if ans.action != s.base+"/sso/saml/saml/acs" {
			t.Fatalf("the IdP posts to %s, want our ACS", ans.action)
		}
		p := post(t, s.client, ans.action, ans.form)
		if p.url.Path != "/account/sessions" || s.signedInAs(s.client) != "ada@example.com" {
			t.Fatalf("SP-initiated sign-in ended at %d %s: %.300s", p.status, p.url, p.body)
		}
		if log := s.changes(s.ada.ID); !slices.Contains(log, "session.open sso identity saml") || !slices.Contains(log, "session.open sign-in saml") {
			t.Errorf("change log about ada = %q, want the link and the sign-in", log)
		}
		// Replayed: the same response again, from another browser.
		thief := newBrowser(t)
		if p := post(t, thief, ans.action, ans.form); p.status != http.StatusUnauthorized || s.signedInAs(thief) != "" {
			t.Errorf("replayed SP-initiated response: %d, want 401", p.status)
		}

		// IdP-initiated: no request of ours; the assertion is used once.
		c := newBrowser(t)
		ans = idpForm(t, get(t, c, idp.base+"/initiate"))
		if p := post(t, c, ans.action, ans.form); s.signedInAs(c) != "ada@example.com" {
			t.Fatalf("IdP-initiated sign-in: %d %s", p.status, p.url)
		}
		thief = newBrowser(t)
		if p := post(t, thief, ans.action, ans.form); p.status != http.StatusUnauthorized || !strings.Contains(p.body, "used already") || s.signedInAs(thief) != "" {
			t.Errorf("replayed IdP-initiated assertion: %d, want 401 used already", p.status)
		}

		// Our metadata, for the IdP's administrator.
		md := get(t, s.client, s.base+"/sso/saml/saml/metadata")
		if md.status != http.StatusOK || !strings.Contains(md.body, `WantAssertionsSigned="true"`) || !strings.Contains(md.body, s.base+"/sso/saml/saml/acs") {
			t.Errorf("SP metadata: %d %.400s", md.status, md.body)
		}
	})
}

func TestSAMLRefusals(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		s, idp := samlSite(t, engine, app.SSOMatching{})
		for _, tc := range []struct {
			who  saml.Session
			want string
		}{
			// SAML asserts no verification, and the emails are not trusted.
			{saml.Session{NameID: "ada-nameid", UserEmail: "ada@example.com"}, "did not verify your email"},
			{saml.Session{NameID: "zed", UserEmail: "zed@example.com"}, "no reportline account"},
		} {
			idp.who = &tc.who
			c := newBrowser(t)
			ans := s.spInitiated(t, c)
			if p := post(t, c, ans.action, ans.form); p.status != http.StatusUnauthorized || !strings.Contains(strings.ToLower(p.body), tc.want) {
				t.Errorf("%s: %d, want 401 %q", tc.who.NameID, p.status, tc.want)
			}
		}

		s2, idp2 := samlSite(t, engine, app.SSOMatching{TrustEmails: true})
		// A deactivated user, whatever the IdP says.
		idp2.who = &saml.Session{NameID: "gone", UserEmail: "gone@example.com"}
		c := newBrowser(t)
		ans := s2.spInitiated(t, c)
		if p := post(t, c, ans.action, ans.form); p.status != http.StatusUnauthorized || !strings.Contains(p.body, "deactivated") || s2.signedInAs(c) != "" {
			t.Errorf("deactivated user: %d, want 401 deactivated", p.status)
		}
		// A signed assertion changed after signing: Eve makes herself Ada.
		idp2.who = &saml.Session{NameID: "eve", UserEmail: "eve@example.com"}
		c = newBrowser(t)
		ans = s2.spInitiated(t, c)
		raw, err := base64.StdEncoding.DecodeString(ans.form.Get("SAMLResponse"))
		if err != nil {
			t.Fatal(err)
		}
		forged := strings.ReplaceAll(string(raw), "eve@example.com", "ada@example.com")
		forged = strings.ReplaceAll(forged, ">eve</", ">ada-nameid</")
		if forged == string(raw) {
			t.Fatal("nothing to tamper with in the response")
		}
		ans.form.Set("SAMLResponse", base64.StdEncoding.EncodeToString([]byte(forged)))
		if p := post(t, c, ans.action, ans.form); p.status != http.StatusUnauthorized || !strings.Contains(p.body, "not valid") || s2.signedInAs(c) != "" {
			t.Errorf("tampered assertion: %d, want 401 not valid", p.status)
		}
	})
}

// TestSAMLEncryptedAssertion: an IdP that encrypts its assertions to
// the certificate of our metadata; our key decrypts them.
func TestSAMLEncryptedAssertion(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		s, idp := samlSite(t, engine, app.SSOMatching{TrustEmails: true})
		idp.encrypt, idp.who = true, samlAda()
		ans := s.spInitiated(t, s.client)
		raw, err := base64.StdEncoding.DecodeString(ans.form.Get("SAMLResponse"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(raw), "EncryptedAssertion") || strings.Contains(string(raw), "ada@example.com") {
			t.Fatalf("the IdP did not encrypt the assertion: %.300s", raw)
		}
		if p := post(t, s.client, ans.action, ans.form); s.signedInAs(s.client) != "ada@example.com" {
			t.Fatalf("encrypted assertion: %d %s: %s", p.status, p.url, s.logs)
		}
	})
}

func samlAda() *saml.Session {
	return &saml.Session{NameID: "ada-nameid", UserEmail: "ada@example.com", UserName: "ada"}
}
