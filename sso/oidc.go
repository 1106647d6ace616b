package sso

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"reportline"
	"reportline/app"
)

// flowCookie carries a sign-in in progress from the start to the callback:
// state, nonce, the PKCE verifier and the page to go on to. It is HttpOnly
// and limited to the callback's path; the state in it must equal the one
// the provider sends back, and the nonce is used once.
const flowCookie = "reportline_oidc"

// oidcProvider is one OpenID provider, discovered on first use.
type oidcProvider struct {
	s   *SSO
	p   Provider
	mu  sync.Mutex
	rp  *oidc.Provider // nil until discovery succeeds
	ver *oidc.IDTokenVerifier
	end string // end_session_endpoint, empty when the provider has none
	// base is the tenant's address for a tenant's own provider
	// (tenant_oidc.go); nil for the environment's, under the public URL.
	base *url.URL
	key  string // the tenant's configuration it was built from
}

func newOIDC(s *SSO, p Provider) (*oidcProvider, error) {
	c := p.OIDC
	if c.Issuer == "" || c.ClientID == "" {
		return nil, fmt.Errorf("sso provider %q: the issuer URL and the client id are required", p.Name)
	}
	if u, err := url.Parse(c.Issuer); err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("sso provider %q: the issuer %q is not an http(s) URL", p.Name, c.Issuer)
	}
	return &oidcProvider{s: s, p: p}, nil
}

// discover fetches the provider's configuration once; a failure is retried
// at the next sign-in. The key set it makes refetches the provider's keys
// when a token is signed by a key it does not know (key rotation).
func (o *oidcProvider) discover(ctx context.Context) (*oidc.Provider, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.rp != nil {
		return o.rp, nil
	}
	// The key set keeps this context for its later fetches: it must not be
	// the request's.
	bg := oidc.ClientContext(context.WithoutCancel(ctx), o.s.cfg.HTTPClient)
	dctx, cancel := context.WithTimeout(bg, 10*time.Second)
	defer cancel()
	rp, err := oidc.NewProvider(dctx, o.p.OIDC.Issuer)
	if err != nil {
		return nil, unreachable(err)
	}
	var extra struct {
		EndSession string `json:"end_session_endpoint"`
	}
	_ = rp.Claims(&extra) // optional
	o.rp, o.end = rp, extra.EndSession
	o.ver = rp.VerifierContext(bg, &oidc.Config{ClientID: o.p.OIDC.ClientID})
	return rp, nil
}

func (o *oidcProvider) oauth(rp *oidc.Provider) *oauth2.Config {
	scopes := o.p.OIDC.Scopes
	if len(scopes) == 0 {
		scopes = []string{"email", "profile"}
	}
	redirect := o.s.url("/sso/oidc/" + o.p.Name + "/callback")
	if o.base != nil {
		redirect = *o.base
		redirect.Path = strings.TrimRight(redirect.Path, "/") + "/sso/oidc/" + o.p.Name + "/callback"
	}
	return &oauth2.Config{ClientID: o.p.OIDC.ClientID, ClientSecret: o.p.OIDC.ClientSecret, Endpoint: rp.Endpoint(),
		RedirectURL: redirect.String(), Scopes: append([]string{oidc.ScopeOpenID}, scopes...)}
}

// oidcStart sends the browser to the provider with a fresh state, nonce and
// PKCE challenge.
func (s *SSO) oidcStart(w http.ResponseWriter, r *http.Request) {
	o, ok := s.oidcOf(w, r)
	if !ok {
		return
	}
	rp, err := o.discover(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	state, nonce, verifier := rand.Text(), rand.Text(), oauth2.GenerateVerifier()
	next := r.URL.Query().Get("next")
	http.SetCookie(w, &http.Cookie{Name: flowCookie, Value: url.Values{"s": {state}, "n": {nonce}, "v": {verifier}, "next": {next}}.Encode(),
		Path: "/sso/oidc/" + o.p.Name + "/", MaxAge: 600, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: o.secure(r)})
	http.Redirect(w, r, o.oauth(rp).AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce)), http.StatusSeeOther)
}

// oidcCallback checks the state, exchanges the code with the PKCE
// verifier, verifies the ID token (signature, issuer, audience, expiry,
// nonce; go-oidc) and signs the person in.
func (s *SSO) oidcCallback(w http.ResponseWriter, r *http.Request) {
	o, ok := s.oidcOf(w, r)
	if !ok {
		return
	}
	c, err := r.Cookie(flowCookie)
	http.SetCookie(w, &http.Cookie{Name: flowCookie, Path: "/sso/oidc/" + o.p.Name + "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: o.secure(r)})
	if err != nil {
		s.fail(w, r, reportline.Errorf(reportline.Unauthenticated, "this sign-in was not started here, or took too long; sign in again"))
		return
	}
	flow, err := url.ParseQuery(c.Value)
	q := r.URL.Query()
	if err != nil || flow.Get("s") == "" || subtle.ConstantTimeCompare([]byte(flow.Get("s")), []byte(q.Get("state"))) != 1 {
		s.fail(w, r, reportline.Errorf(reportline.Unauthenticated, "this sign-in's state does not match; sign in again"))
		return
	}
	if e := q.Get("error"); e != "" {
		s.fail(w, r, refused("the identity provider refused the sign-in", fmt.Errorf("%s: %s", e, q.Get("error_description"))))
		return
	}
	rp, err := o.discover(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx := oidc.ClientContext(r.Context(), s.cfg.HTTPClient)
	tok, err := o.oauth(rp).Exchange(ctx, q.Get("code"), oauth2.VerifierOption(flow.Get("v")))
	if err != nil {
		s.fail(w, r, refused("the identity provider did not accept this sign-in; sign in again", err))
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		s.fail(w, r, refused("the identity provider sent no ID token", nil))
		return
	}
	idt, err := o.ver.Verify(ctx, raw)
	if err != nil {
		s.fail(w, r, refused("the identity provider's token is not valid", err))
		return
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(flow.Get("n"))) != 1 {
		s.fail(w, r, refused("the identity provider's token answers another sign-in", nil))
		return
	}
	if err := s.cfg.App.UseOnce(r.Context(), "oidc:"+o.p.Name+":"+idt.Nonce, idt.Expiry.Add(5*time.Minute)); err != nil {
		s.fail(w, r, err)
		return
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		s.fail(w, r, refused("the identity provider's token is not valid", err))
		return
	}
	emailClaim := o.p.OIDC.EmailClaim
	if emailClaim == "" {
		emailClaim = "email"
	}
	if str(claims[emailClaim]) == "" {
		// Many providers (Okta, Zitadel) put the profile in the userinfo
		// answer, not in the ID token: ask it with the access token, and
		// believe it only about the same subject.
		info, err := rp.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			s.fail(w, r, refused("the identity provider did not say who you are", err))
			return
		}
		var more map[string]any
		if err := info.Claims(&more); err != nil || info.Subject != idt.Subject {
			s.fail(w, r, refused("the identity provider did not say who you are", err))
			return
		}
		for k, v := range more {
			if _, ok := claims[k]; !ok {
				claims[k] = v
			}
		}
	}
	id := reportline.SSOIdentity{Provider: o.p.Name, Subject: idt.Subject, DirectoryID: str(claims["oid"]),
		FirstName: str(claims["given_name"]), LastName: str(claims["family_name"])}
	id.Email = strings.TrimSpace(str(claims[emailClaim]))
	if v, ok := claims["email_verified"].(bool); ok && emailClaim == "email" {
		id.EmailVerified = v
	}
	hint := o.p.Name + " " + raw
	s.signedIn(w, r, app.SSOSignIn{Identity: id, Matching: o.p.Matching, Method: "oidc", LogoutHint: hint}, flow.Get("next"))
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// secure says whether cookies must be Secure: the public URL is https.
func (s *SSO) secure(r *http.Request) bool {
	return s.cfg.PublicURL != nil && s.cfg.PublicURL.Scheme == "https"
}

// LogoutURL is where to send the browser after its session ended, so that
// the identity provider ends its own session too (OIDC RP-initiated
// logout, when the provider publishes an end_session_endpoint; SAML single
// logout, when the IdP's metadata has an HTTP-Redirect
// SingleLogoutService); empty when there is nowhere to go. The local
// session is ended before: an IdP that is down changes nothing to it. ctx
// carries the session's tenant: its own provider is asked on a tenant's
// host, the environment's on the implicit tenant's.
func (s *SSO) LogoutURL(ctx context.Context, sess reportline.Session) string {
	if sess.Method == "saml" && sess.LogoutHint != "" {
		return s.samlLogoutURL(ctx, sess)
	}
	if sess.Method != "oidc" || sess.LogoutHint == "" {
		return ""
	}
	name, raw, _ := strings.Cut(sess.LogoutHint, " ")
	o, ok, err := s.oidcNamed(ctx, name)
	if err != nil || !ok {
		if err != nil {
			s.log.Warn("oidc sign-out: the organisation's provider cannot be read; signed out of Reportline only", "provider", name, "err", err)
		}
		return ""
	}
	// Discovery happened at sign-in unless Reportline restarted since:
	// then try it, briefly (the session is ended already either way).
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Second)
	defer cancel()
	if _, err := o.discover(ctx); err != nil {
		s.log.Warn("oidc sign-out: the provider cannot be reached; signed out of Reportline only", "provider", name, "err", err)
		return ""
	}
	o.mu.Lock()
	end := o.end
	o.mu.Unlock()
	if end == "" {
		return ""
	}
	u, err := url.Parse(end)
	if err != nil {
		return ""
	}
	back := s.url("/login")
	if o.base != nil {
		back = *o.base
		back.Path = strings.TrimRight(back.Path, "/") + "/login"
	}
	q := u.Query()
	q.Set("id_token_hint", raw)
	q.Set("client_id", o.p.OIDC.ClientID)
	q.Set("post_logout_redirect_uri", back.String())
	u.RawQuery = q.Encode()
	return u.String()
}
