package sso

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/beevik/etree"
	saml2 "github.com/russellhaering/gosaml2"

	"reportline"
	"reportline/web"
)

// SAML single logout (saml-profiles-2.0-os §4.4).
//
// SP-initiated: sign-out ends the Reportline session first, then sends
// the browser to the IdP's HTTP-Redirect SingleLogoutService with our
// signed LogoutRequest (the NameID, its format and the session index the
// assertion carried, kept with the session). Its id is remembered for 10
// minutes; the IdP's LogoutResponse comes back to our SingleLogoutService
// (HTTP-POST, the binding whose signatures gosaml2 checks), signed by the
// IdP, answering that id.
//
// IdP-initiated: the IdP posts a LogoutRequest to the same address. It is
// accepted only signed by a certificate of the IdP's metadata (gosaml2
// v0.12.0 refuses an unsigned one: GO-2026-4764), from the IdP's issuer, to
// our address, issued within samlLogoutAge, once; it ends the person's
// SAML sessions of this provider whose session index it names (all of
// them when it names none). Our signed LogoutResponse is posted back to
// the IdP's HTTP-POST SingleLogoutService.

// samlLogoutAge is how old an IdP's LogoutRequest may be.
const samlLogoutAge = 10 * time.Minute

// samlLogoutURL is the IdP's single logout address with our signed
// LogoutRequest for a SAML session that just ended; "" when the IdP has no
// HTTP-Redirect SingleLogoutService or cannot be reached (the session is
// ended locally all the same).
func (s *SSO) samlLogoutURL(ctx context.Context, sess reportline.Session) string {
	name, rest, _ := strings.Cut(sess.LogoutHint, " ")
	p, ok, err := s.samlFor(ctx, name)
	if err != nil || !ok {
		if err != nil {
			s.log.Warn("saml single logout: the organisation's identity provider cannot be read; signed out of Reportline only", "provider", name, "err", err)
		}
		return ""
	}
	hint, err := url.ParseQuery(rest)
	if err != nil || hint.Get("n") == "" {
		return ""
	}
	// The metadata is loaded already unless Reportline restarted since
	// the sign-in: then wait a little for it, never long.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Second)
	defer cancel()
	sp, err := p.provider(ctx)
	if err != nil {
		s.log.Warn("saml single logout: the identity provider's metadata cannot be had; signed out of Reportline only", "provider", name, "err", err)
		return ""
	}
	if sp.IdentityProviderSLOURL == "" {
		return ""
	}
	doc, err := sp.BuildLogoutRequestDocumentNoSig(hint.Get("n"), hint.Get("i"))
	if err != nil {
		s.log.Error("saml single logout: our request", "provider", name, "err", err)
		return ""
	}
	root := doc.Root()
	// The NameID goes back as the IdP sent it, format included.
	if nid := root.SelectElement("NameID"); nid != nil {
		nid.RemoveAttr("Format")
		if f := hint.Get("f"); f != "" {
			nid.CreateAttr("Format", f)
		}
	}
	if hint.Get("i") == "" {
		if si := root.SelectElement("SessionIndex"); si != nil {
			root.RemoveChild(si)
		}
	}
	id := root.SelectAttrValue("ID", "")
	if err := s.cfg.App.UseOnce(ctx, "saml-logout:"+name+":"+id, time.Now().Add(10*time.Minute)); err != nil {
		s.log.Error("saml single logout: remembering our request", "provider", name, "err", err)
		return ""
	}
	// HTTP-Redirect: gosaml2 signs the query (SigAlg, Signature).
	u, err := sp.BuildLogoutURLRedirect("", doc)
	if err != nil {
		s.log.Error("saml single logout: our request", "provider", name, "err", err)
		return ""
	}
	return u
}

// samlSLO is our SingleLogoutService (HTTP-POST): the IdP's answer to our
// LogoutRequest, or the IdP's own LogoutRequest.
func (s *SSO) samlSLO(w http.ResponseWriter, r *http.Request) {
	p, sp, ok := s.samlServiceProviderOf(w, r)
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, reportline.Errorf(reportline.Invalid, "the sign-out message cannot be read"))
		return
	}
	switch {
	case r.PostForm.Get("SAMLResponse") != "":
		s.samlLogoutResponse(w, r, p, sp, r.PostForm.Get("SAMLResponse"))
	case r.PostForm.Get("SAMLRequest") != "":
		s.samlLogoutRequest(w, r, p, sp, r.PostForm.Get("SAMLRequest"))
	default:
		s.fail(w, r, reportline.Errorf(reportline.Invalid, "the sign-out message cannot be read"))
	}
}

// samlLogoutResponse ends an SP-initiated single logout. The Reportline
// session is gone already; a response that does not check out is logged
// and said, and changes nothing else.
func (s *SSO) samlLogoutResponse(w http.ResponseWriter, r *http.Request, p *samlProvider, sp *saml2.SAMLServiceProvider, form string) {
	notConfirmed := func(err error) error {
		return refused("you are signed out of Reportline, but the identity provider did not confirm that it signed you out; close the browser to be sure", err)
	}
	raw, err := base64.StdEncoding.DecodeString(form)
	if err != nil {
		s.fail(w, r, notConfirmed(err))
		return
	}
	if err := noSHA1Signature(raw); err != nil {
		s.fail(w, r, notConfirmed(err))
		return
	}
	// Signed by the IdP (an unsigned one is refused), its issuer, our
	// address, status Success: gosaml2.
	resp, err := sp.ValidateEncodedLogoutResponsePOST(form)
	if err != nil {
		s.fail(w, r, notConfirmed(err))
		return
	}
	if !resp.SignatureValidated || resp.InResponseTo == "" || len(resp.InResponseTo) > 256 {
		s.fail(w, r, notConfirmed(errors.New("unsigned, or answers no request")))
		return
	}
	if err := s.cfg.App.TakeOnce(r.Context(), "saml-logout:"+p.p.Name+":"+resp.InResponseTo); err != nil {
		s.fail(w, r, notConfirmed(err))
		return
	}
	s.log.Info("saml single logout done", "request_id", web.RequestID(r.Context()), "provider", p.p.Name)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// samlLogoutRequest is an IdP-initiated single logout: checked, it ends
// the sessions it names and answers the IdP.
func (s *SSO) samlLogoutRequest(w http.ResponseWriter, r *http.Request, p *samlProvider, sp *saml2.SAMLServiceProvider, form string) {
	invalid := func(err error) error {
		return refused("the identity provider's sign-out request is not valid", err)
	}
	raw, err := base64.StdEncoding.DecodeString(form)
	if err != nil || !bytes.HasPrefix(bytes.TrimSpace(raw), []byte("<")) {
		s.fail(w, r, invalid(errors.New("SAMLRequest is not base64 XML")))
		return
	}
	if err := noSHA1Signature(raw); err != nil {
		s.fail(w, r, invalid(err))
		return
	}
	// gosaml2 v0.12.0 refuses an unsigned LogoutRequest and one whose
	// signature is not by a certificate of the IdP's metadata, checks the
	// issuer and the destination.
	req, err := sp.ValidateEncodedLogoutRequestPOST(form)
	if err != nil {
		s.fail(w, r, invalid(err))
		return
	}
	now := time.Now()
	switch {
	case !req.SignatureValidated:
		err = errors.New("not signed")
	case req.ID == "" || len(req.ID) > 256:
		err = errors.New("no ID")
	case req.NameID == nil || req.NameID.Value == "":
		err = errors.New("no NameID")
	case req.IssueInstant.Before(now.Add(-samlLogoutAge)) || req.IssueInstant.After(now.Add(samlClockSkew)):
		err = fmt.Errorf("issued at %s", req.IssueInstant)
	}
	if err != nil {
		s.fail(w, r, invalid(err))
		return
	}
	if err := s.cfg.App.UseOnce(r.Context(), "saml-logout-request:"+p.p.Name+":"+req.ID, now.Add(samlLogoutAge+samlClockSkew)); err != nil {
		s.fail(w, r, invalid(err))
		return
	}
	indexes, err := sessionIndexes(raw)
	if err != nil {
		s.fail(w, r, invalid(err))
		return
	}
	nameID := req.NameID.Value
	n, err := s.cfg.App.EndSSOSessions(r.Context(), p.p.Name, nameID, func(sess reportline.Session) bool {
		name, rest, _ := strings.Cut(sess.LogoutHint, " ")
		hint, err := url.ParseQuery(rest)
		return err == nil && sess.Method == "saml" && name == p.p.Name && hint.Get("n") == nameID &&
			(len(indexes) == 0 || slices.Contains(indexes, hint.Get("i")))
	})
	status := saml2.StatusCodeSuccess
	if err != nil {
		s.log.Error("saml single logout: ending sessions", "request_id", web.RequestID(r.Context()), "provider", p.p.Name, "err", err)
		status = "urn:oasis:names:tc:SAML:2.0:status:Responder"
	} else {
		s.log.Info("saml single logout by the identity provider", "request_id", web.RequestID(r.Context()), "provider", p.p.Name, "sessions_ended", n)
	}
	s.samlAnswerLogout(w, r, p, sp, req.ID, status)
}

// sessionIndexes reads the SessionIndex elements of a LogoutRequest whose
// signature gosaml2 verified. The signature is enveloped and covers its
// root, which is the request read here: its children are the signed ones.
func sessionIndexes(raw []byte) ([]string, error) {
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil {
		return nil, err
	}
	var out []string
	for _, el := range doc.Root().ChildElements() {
		if el.Tag == "SessionIndex" && el.NamespaceURI() == saml2.SAMLProtocolNamespace {
			out = append(out, strings.TrimSpace(el.Text()))
		}
	}
	return out, nil
}

// logoutForm posts our LogoutResponse to the IdP. The page's one script
// submits it; the Content-Security-Policy allows that script (by its hash)
// and a form posted to the IdP's origin, nothing else.
var logoutForm = template.Must(template.New("slo").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Signing out</title></head><body>
<form method="post" action="{{.URL}}" id="slo"><input type="hidden" name="SAMLResponse" value="{{.Response}}">
{{- if .RelayState}}<input type="hidden" name="RelayState" value="{{.RelayState}}">{{end}}
<p>You are signed out of Reportline.</p><button type="submit">Continue</button></form>
<script>` + logoutScript + `</script></body></html>
`))

const logoutScript = `document.getElementById("slo").submit()`

var logoutScriptHash = func() string {
	h := sha256.Sum256([]byte(logoutScript))
	return "'sha256-" + base64.StdEncoding.EncodeToString(h[:]) + "'"
}()

// samlAnswerLogout posts our signed LogoutResponse to the IdP's HTTP-POST
// SingleLogoutService; without one, the browser goes to the sign-in page.
func (s *SSO) samlAnswerLogout(w http.ResponseWriter, r *http.Request, p *samlProvider, sp *saml2.SAMLServiceProvider, inResponseTo, status string) {
	p.mu.Lock()
	to := p.sloPost
	p.mu.Unlock()
	dest, err := url.Parse(to)
	if to == "" || err != nil || (dest.Scheme != "https" && dest.Scheme != "http") {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	doc, err := sp.BuildLogoutResponseDocumentNoSig(status, inResponseTo)
	if err == nil {
		doc.Root().CreateAttr("Destination", to)
		var signed *etree.Element
		if signed, err = sp.SignLogoutResponse(doc.Root()); err == nil {
			doc.SetRoot(signed)
		}
	}
	var b []byte
	if err == nil {
		b, err = doc.WriteToBytes()
	}
	if err != nil {
		s.fail(w, r, fmt.Errorf("saml logout response: %w", err))
		return
	}
	w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src "+logoutScriptHash+"; form-action "+dest.Scheme+"://"+dest.Host+
		"; frame-ancestors 'none'; base-uri 'none'")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = logoutForm.Execute(w, map[string]string{"URL": to, "Response": base64.StdEncoding.EncodeToString(b), "RelayState": r.PostForm.Get("RelayState")})
}
