package sso

import (
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/crewjam/saml"

	"reportline"
	"reportline/app"
	"reportline/web"
)

// samlProvider is one SAML identity provider and our service provider for
// it. The IdP's metadata is fetched (or read) on first use.
type samlProvider struct {
	s  *SSO
	p  Provider
	mu sync.Mutex
	sp *saml.ServiceProvider // IDPMetadata nil until loaded
}

// SAML attributes that carry the email and Entra's object id.
var (
	emailAttributes = []string{"email", "mail", "emailaddress", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress", "urn:oid:0.9.2342.19200300.100.1.3"}
	oidAttributes   = []string{"http://schemas.microsoft.com/identity/claims/objectidentifier", "oid"}
	givenAttributes = []string{"givenName", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname", "urn:oid:2.5.4.42"}
	surAttributes   = []string{"sn", "surname", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname", "urn:oid:2.5.4.4"}
)

func newSAML(s *SSO, p Provider) (*samlProvider, error) {
	c := p.SAML
	if c.IDPMetadataURL == "" && len(c.IDPMetadata) == 0 {
		return nil, fmt.Errorf("sso provider %q: the IdP's metadata URL or file is required", p.Name)
	}
	if c.Key == nil || c.Certificate == nil {
		return nil, fmt.Errorf("sso provider %q: our service provider's key and certificate are required", p.Name)
	}
	base := "/sso/saml/" + p.Name
	entity := s.url(base + "/metadata")
	sp := &saml.ServiceProvider{
		EntityID: entity.String(), Key: c.Key, Certificate: c.Certificate,
		MetadataURL: s.url(base + "/metadata"), AcsURL: s.url(base + "/acs"),
		HTTPClient: s.cfg.HTTPClient, AllowIDPInitiated: true, RejectSHA1Signatures: true,
		ReplayCache: replayCache{s.cfg.App, p.Name},
	}
	return &samlProvider{s: s, p: p, sp: sp}, nil
}

// replayCache keeps accepted assertion ids in the database (shared by
// every replica) until they expire.
type replayCache struct {
	a    *app.App
	name string
}

func (c replayCache) Consume(id string, until time.Time) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := c.a.UseOnce(ctx, "saml:"+c.name+":"+id, until)
	if reportline.IsCode(err, reportline.Unauthenticated) {
		return saml.ErrAssertionReplayed
	}
	return err
}

// provider returns the service provider with the IdP's metadata loaded.
func (p *samlProvider) provider(ctx context.Context) (*saml.ServiceProvider, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.sp.IDPMetadata != nil {
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
	var md saml.EntityDescriptor
	if err := xml.Unmarshal(data, &md); err != nil {
		return nil, &reportline.Error{Code: reportline.Internal, Message: "the identity provider's metadata cannot be read", Err: err}
	}
	p.sp.IDPMetadata = &md
	return p.sp, nil
}

// samlStart sends the browser to the IdP with a request whose id is kept
// (in the database, for 10 minutes) until its answer comes back.
func (s *SSO) samlStart(w http.ResponseWriter, r *http.Request) {
	p, ok := s.saml[r.PathValue("name")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	sp, err := p.provider(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	req, err := sp.MakeAuthenticationRequest(sp.GetSSOBindingLocation(saml.HTTPRedirectBinding), saml.HTTPRedirectBinding, saml.HTTPPostBinding)
	if err != nil {
		s.fail(w, r, fmt.Errorf("saml request: %w", err))
		return
	}
	if err := s.cfg.App.UseOnce(r.Context(), "saml-request:"+p.p.Name+":"+req.ID, time.Now().Add(10*time.Minute)); err != nil {
		s.fail(w, r, err)
		return
	}
	u, err := req.Redirect(web.SafeNext(r.URL.Query().Get("next")), sp)
	if err != nil {
		s.fail(w, r, fmt.Errorf("saml request: %w", err))
		return
	}
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

// samlACS takes the IdP's answer (HTTP-POST binding). crewjam/saml checks
// the signature, the issuer, the audience, the destination, the time
// conditions and the request it answers; an answer to a request of ours
// consumes that request; the assertion id is used once (replayCache).
func (s *SSO) samlACS(w http.ResponseWriter, r *http.Request) {
	p, ok := s.saml[r.PathValue("name")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	sp, err := p.provider(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, reportline.Errorf(reportline.Invalid, "the sign-in response cannot be read"))
		return
	}
	// The request id is read from the unverified response only to look it
	// up; the library then checks the signed response against it.
	var possible []string
	if irt := inResponseTo(r.PostForm.Get("SAMLResponse")); irt != "" {
		if len(irt) > 256 {
			s.fail(w, r, refused("this sign-in answers no request of ours", nil))
			return
		}
		if err := s.cfg.App.TakeOnce(r.Context(), "saml-request:"+p.p.Name+":"+irt); err != nil {
			s.fail(w, r, err)
			return
		}
		possible = []string{irt}
	}
	as, err := sp.ParseResponse(r, possible)
	if err != nil {
		if errors.Is(err, saml.ErrAssertionReplayed) {
			s.fail(w, r, refused("this sign-in response was used already; sign in again", err))
			return
		}
		var ie *saml.InvalidResponseError
		if errors.As(err, &ie) {
			err = ie.PrivateErr
		}
		s.fail(w, r, refused("the identity provider's response is not valid", err))
		return
	}
	if as.Signature == nil {
		s.fail(w, r, refused("the identity provider's assertion is not signed; configure it to sign assertions", nil))
		return
	}
	if as.Subject == nil || as.Subject.NameID == nil || as.Subject.NameID.Value == "" {
		s.fail(w, r, refused("the identity provider sent no subject", nil))
		return
	}
	id := reportline.SSOIdentity{Provider: p.p.Name, Subject: as.Subject.NameID.Value,
		Email: attribute(as, emailAttributes), DirectoryID: attribute(as, oidAttributes),
		FirstName: attribute(as, givenAttributes), LastName: attribute(as, surAttributes)}
	if id.Email == "" && strings.Contains(id.Subject, "@") && as.Subject.NameID.Format == string(saml.EmailAddressNameIDFormat) {
		id.Email = id.Subject
	}
	s.signedIn(w, r, app.SSOSignIn{Identity: id, Matching: p.p.Matching, Method: "saml"}, r.PostForm.Get("RelayState"))
}

// samlMetadata serves our service provider's metadata, for the IdP.
func (s *SSO) samlMetadata(w http.ResponseWriter, r *http.Request) {
	p, ok := s.saml[r.PathValue("name")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	b, err := xml.MarshalIndent(p.sp.Metadata(), "", "  ")
	if err != nil {
		s.fail(w, r, fmt.Errorf("sp metadata: %w", err))
		return
	}
	w.Header().Set("Content-Type", "application/samlmetadata+xml")
	w.Write(b)
}

// inResponseTo reads the InResponseTo of a posted response, "" when none.
func inResponseTo(form string) string {
	raw, err := base64.StdEncoding.DecodeString(form)
	if err != nil {
		return ""
	}
	var v struct {
		InResponseTo string `xml:",attr"`
	}
	if xml.Unmarshal(raw, &v) != nil {
		return ""
	}
	return v.InResponseTo
}

// attribute returns the first value of the first of names the assertion
// carries (names compared as the IdP sent them, or by their last part).
func attribute(as *saml.Assertion, names []string) string {
	for _, n := range names {
		for _, st := range as.AttributeStatements {
			for _, a := range st.Attributes {
				if (a.Name == n || a.FriendlyName == n) && len(a.Values) > 0 {
					return strings.TrimSpace(a.Values[0].Value)
				}
			}
		}
	}
	return ""
}
