package sso_test

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	dsig "github.com/russellhaering/goxmldsig"

	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// samlSignIn signs c in through the IdP (SP-initiated) and returns the
// session index the IdP's assertion carried.
func (s *site) samlSignIn(t *testing.T, c *http.Client) string {
	t.Helper()
	ans := s.spInitiated(t, c)
	raw, err := base64.StdEncoding.DecodeString(ans.form.Get("SAMLResponse"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`SessionIndex="([^"]+)"`).FindStringSubmatch(string(raw))
	if m == nil {
		t.Fatalf("the assertion has no SessionIndex: %.300s", raw)
	}
	if p := post(t, c, ans.action, ans.form); s.signedInAs(c) != "ada@example.com" {
		t.Fatalf("sign-in: %d %s: %s", p.status, p.url, s.logs)
	}
	return m[1]
}

// TestSAMLSingleLogout: sign-out sends our signed LogoutRequest to the IdP,
// which ends its session and answers with a signed LogoutResponse; the
// answer is checked and used once.
func TestSAMLSingleLogout(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		s, idp := samlSite(t, engine, app.SSOMatching{TrustEmails: true})
		idp.who = samlAda()
		s.samlSignIn(t, s.client)
		if got := idp.sessions(); len(got) != 1 {
			t.Fatalf("IdP sessions after sign-in = %q, want ada's", got)
		}
		md := get(t, s.client, s.base+"/sso/saml/saml/metadata")
		if !strings.Contains(md.body, `SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="`+s.base+`/sso/saml/saml/slo"`) {
			t.Errorf("our metadata has no HTTP-POST SingleLogoutService: %.600s", md.body)
		}

		// Sign out: our session ends, the browser goes to the IdP (which
		// checks our signature and ends its session) and comes back with
		// its answer, posted to us.
		ans := idpForm(t, get(t, s.client, signOut(t, s.client, s.base)))
		if ans.action != s.base+"/sso/saml/saml/slo" {
			t.Fatalf("the IdP answers to %s, want our SingleLogoutService", ans.action)
		}
		if got := idp.sessions(); len(got) != 0 {
			t.Errorf("IdP sessions after sign-out = %q, want none", got)
		}
		if got := s.signedInAs(s.client); got != "" {
			t.Errorf("still signed in as %q after sign-out", got)
		}
		if p := post(t, s.client, ans.action, ans.form); p.url.Path != "/login" || p.status != http.StatusOK {
			t.Errorf("the IdP's LogoutResponse: %d %s, want the sign-in page: %s", p.status, p.url, s.logs)
		}
		// The same answer again answers no request of ours any more.
		if p := post(t, s.client, ans.action, ans.form); p.status != http.StatusUnauthorized || !strings.Contains(p.body, "did not confirm") {
			t.Errorf("replayed LogoutResponse: %d, want 401 did not confirm", p.status)
		}
		// A LogoutResponse nobody signed is not a confirmation.
		raw, _ := base64.StdEncoding.DecodeString(ans.form.Get("SAMLResponse"))
		unsigned := regexp.MustCompile(`(?s)<ds:Signature.*</ds:Signature>`).ReplaceAllString(string(raw), "")
		if unsigned == string(raw) {
			t.Fatalf("no signature to remove from the IdP's LogoutResponse: %.400s", raw)
		}
		ans.form.Set("SAMLResponse", base64.StdEncoding.EncodeToString([]byte(unsigned)))
		if p := post(t, s.client, ans.action, ans.form); p.status != http.StatusUnauthorized {
			t.Errorf("unsigned LogoutResponse: %d, want 401", p.status)
		}
	})
}

// TestSAMLSingleLogoutUnreachableIdP: with the IdP down, sign-out still
// ends the Reportline session.
func TestSAMLSingleLogoutUnreachableIdP(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		s, idp := samlSite(t, engine, app.SSOMatching{TrustEmails: true})
		idp.who = samlAda()
		s.samlSignIn(t, s.client)
		idp.close()
		resp, err := s.client.PostForm(s.base+"/logout", nil)
		if err == nil {
			resp.Body.Close()
		}
		// The browser is sent on to the IdP, which does not answer; what
		// matters is that Reportline's session is gone.
		if got := s.signedInAs(s.client); got != "" {
			t.Errorf("still signed in as %q after signing out while the IdP is down", got)
		}
	})
}

// logoutRequest writes an IdP's LogoutRequest to our SingleLogoutService.
func (s *site) logoutRequest(idp *samlIdP, nameID string, indexes ...string) string {
	x := `<samlp:LogoutRequest xmlns:samlp="` + nsProtocol + `" xmlns:saml="` + nsAssertion + `" ID="id-` + rand.Text() + `" Version="2.0" IssueInstant="` +
		time.Now().UTC().Format("2006-01-02T15:04:05Z") + `" Destination="` + s.base + `/sso/saml/saml/slo">` +
		`<saml:Issuer>` + idp.base + `/metadata</saml:Issuer><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:transient">` + nameID + `</saml:NameID>`
	for _, i := range indexes {
		x += `<samlp:SessionIndex>` + i + `</samlp:SessionIndex>`
	}
	return x + `</samlp:LogoutRequest>`
}

// TestSAMLIdPInitiatedLogout: a LogoutRequest from the IdP ends the
// sessions it names only when the IdP signed it (GO-2026-4764: an unsigned
// one was accepted by gosaml2 before v0.11.0).
func TestSAMLIdPInitiatedLogout(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		s, idp := samlSite(t, engine, app.SSOMatching{TrustEmails: true})
		idp.who = samlAda()
		laptop, phone := newBrowser(t), newBrowser(t)
		laptopIndex := s.samlSignIn(t, laptop)
		s.samlSignIn(t, phone)
		otherKey, otherCert := keyPair(t, "not the idp")
		slo := s.base + "/sso/saml/saml/slo"
		send := func(x string) page {
			return post(t, newBrowser(t), slo, map[string][]string{"SAMLRequest": {base64.StdEncoding.EncodeToString([]byte(x))}})
		}
		bothIn := func(what string) {
			t.Helper()
			if s.signedInAs(laptop) != "ada@example.com" || s.signedInAs(phone) != "ada@example.com" {
				t.Errorf("%s ended a session", what)
			}
		}

		for _, tc := range []struct {
			what string
			x    string
		}{
			{"an unsigned LogoutRequest", s.logoutRequest(idp, "ada-nameid", laptopIndex)},
			{"a LogoutRequest signed by another key", sign(t, s.logoutRequest(idp, "ada-nameid", laptopIndex), otherKey, otherCert, dsig.RSASHA256SignatureMethod)},
			{"a signed LogoutRequest changed after signing", strings.Replace(sign(t, s.logoutRequest(idp, "eve", laptopIndex), idp.key, idp.cert, dsig.RSASHA256SignatureMethod), ">eve<", ">ada-nameid<", 1)},
			{"a signed LogoutRequest for another address", strings.Replace(sign(t, s.logoutRequest(idp, "ada-nameid", laptopIndex), idp.key, idp.cert, dsig.RSASHA256SignatureMethod), slo, s.base+"/elsewhere", 1)},
		} {
			if p := send(tc.x); p.status != http.StatusUnauthorized || !strings.Contains(p.body, "sign-out request is not valid") {
				t.Errorf("%s: %d, want 401 not valid", tc.what, p.status)
			}
			bothIn(tc.what)
		}
		if log := s.changes(s.ada.ID); slices.ContainsFunc(log, func(c string) bool { return strings.Contains(c, "single logout") }) {
			t.Errorf("refused LogoutRequests are in the change log: %q", log)
		}

		// Signed by the IdP, naming the laptop's session: that one ends,
		// and our signed answer is posted back to the IdP.
		x := sign(t, s.logoutRequest(idp, "ada-nameid", laptopIndex), idp.key, idp.cert, dsig.RSASHA256SignatureMethod)
		p := send(x)
		ans := idpForm(t, p)
		if ans.action != idp.base+"/slo" {
			t.Errorf("our LogoutResponse goes to %s, want the IdP's SingleLogoutService", ans.action)
		}
		raw, _ := base64.StdEncoding.DecodeString(ans.form.Get("SAMLResponse"))
		if !strings.Contains(string(raw), "status:Success") || !strings.Contains(string(raw), "Signature") {
			t.Errorf("our LogoutResponse is not a signed success: %.400s", raw)
		}
		if s.signedInAs(laptop) != "" || s.signedInAs(phone) != "ada@example.com" {
			t.Errorf("after the IdP's LogoutRequest for the laptop's session: laptop %q, phone %q; want only the laptop signed out",
				s.signedInAs(laptop), s.signedInAs(phone))
		}
		if log := s.changes(s.ada.ID); !slices.Contains(log, "session.manage sessions ended by saml single logout") {
			t.Errorf("change log about ada = %q, want the single logout", log)
		}
		// Replayed, it is refused.
		if p := send(x); p.status != http.StatusUnauthorized {
			t.Errorf("replayed LogoutRequest: %d, want 401", p.status)
		}
		// No SessionIndex: every session of that NameID.
		send(sign(t, s.logoutRequest(idp, "ada-nameid"), idp.key, idp.cert, dsig.RSASHA256SignatureMethod))
		if s.signedInAs(phone) != "" {
			t.Errorf("a LogoutRequest without SessionIndex left the phone signed in")
		}
	})
}
