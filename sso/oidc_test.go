package sso_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"

	"reportline/app"
	"reportline/internal/testapp"
	"reportline/sso"
	"reportline/store"
)

// idpUsers are the OpenID provider's people, by username.
type idpUsers map[string]*storage.User

func (u idpUsers) GetUserByID(id string) *storage.User {
	for _, x := range u {
		if x.ID == id {
			return x
		}
	}
	return nil
}
func (u idpUsers) GetUserByUsername(n string) *storage.User { return u[n] }
func (u idpUsers) ExampleClientID() string                  { return "service" }

// openID is the in-process Zitadel example provider: real discovery,
// signing keys, a login form, PKCE enforced.
type openID struct {
	issuer string
	users  idpUsers
	tamper atomic.Bool // rewrite the email in the next ID tokens (signature kept)
}

// newOpenID starts a provider whose one client sends people back to
// redirect. Clients live in a package-global map: the id is the test's own.
func newOpenID(t *testing.T, clientID, redirect string) *openID {
	return newOpenIDWith(t, clientID, redirect, func(s *storage.Storage) exampleop.Storage { return s })
}

// newOpenIDWith is newOpenID over a wrapped storage (to rotate its key).
// The example provider keeps its clients in a package variable
// (storage.RegisterClients), so the tests that start one do not run in
// parallel (the race detector caught two doing so).
func newOpenIDWith(t *testing.T, clientID, redirect string, wrap func(*storage.Storage) exampleop.Storage) *openID {
	ln, base := listen(t)
	o := &openID{issuer: base + "/", users: idpUsers{
		"ada":  {ID: "sub-ada", Username: "ada", Password: "verysecure", FirstName: "Ada", LastName: "L", Email: "ada@example.com", EmailVerified: true},
		"eve":  {ID: "sub-eve", Username: "eve", Password: "verysecure", Email: "eve@example.com", EmailVerified: false},
		"gone": {ID: "sub-gone", Username: "gone", Password: "verysecure", Email: "gone@example.com", EmailVerified: true},
		"zed":  {ID: "sub-zed", Username: "zed", Password: "verysecure", FirstName: "Zed", LastName: "New", Email: "zed@example.com", EmailVerified: true},
	}}
	storage.RegisterClients(storage.WebClient(clientID, "s3cret", redirect))
	// A nil logger: any other replaces the process-wide one.
	serveOn(t, ln, exampleop.SetupServer(o.issuer, wrap(storage.NewStorage(o.users)), nil, false))
	return o
}

// client reaches the provider, rewriting ID tokens while tamper is set.
func (o *openID) client() *http.Client {
	return &http.Client{Transport: tamperer{o}}
}

type tamperer struct{ o *openID }

func (tt tamperer) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil || !tt.o.tamper.Load() || !strings.HasSuffix(r.URL.Path, "/oauth/token") {
		return resp, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var tok map[string]any
	if json.Unmarshal(body, &tok) == nil {
		if raw, ok := tok["id_token"].(string); ok {
			parts := strings.Split(raw, ".")
			payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
			var claims map[string]any
			json.Unmarshal(payload, &claims)
			claims["sub"] = "sub-ada" // claim to be someone else, keep the signature
			claims["email"], claims["email_verified"] = "ada@example.com", true
			payload, _ = json.Marshal(claims)
			parts[1] = base64.RawURLEncoding.EncodeToString(payload)
			tok["id_token"] = strings.Join(parts, ".")
			body, _ = json.Marshal(tok)
		}
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Del("Content-Length")
	return resp, nil
}

var formID = regexp.MustCompile(`name="id" value="([^"]+)"`)

// toCallback starts a sign-in at Reportline, signs in at the provider's
// form and stops before Reportline's callback, whose URL it returns.
func (o *openID) toCallback(t *testing.T, s *site, c *http.Client, username string) *url.URL {
	t.Helper()
	var callback *url.URL
	c.CheckRedirect = func(r *http.Request, via []*http.Request) error {
		if strings.HasSuffix(r.URL.Path, "/callback") && strings.HasPrefix(r.URL.String(), s.base) {
			callback = r.URL
			return http.ErrUseLastResponse
		}
		return nil
	}
	defer func() { c.CheckRedirect = nil }()
	form := get(t, c, s.base+"/sso/oidc/oidc/start?next=/account/sessions")
	m := formID.FindStringSubmatch(form.body)
	if m == nil {
		t.Fatalf("no login form at the provider (%d %s): %s", form.status, form.url, regexp.MustCompile(`(?s)<main.*</main>`).FindString(form.body))
	}
	if !strings.Contains(form.url.RawQuery, "") || !strings.HasPrefix(form.url.String(), o.issuer) {
		t.Fatalf("the login form is not the provider's: %s", form.url)
	}
	post(t, c, o.issuer+"login/username", url.Values{"id": {m[1]}, "username": {username}, "password": {"verysecure"}})
	if callback == nil {
		t.Fatalf("the provider did not send %s back to Reportline", username)
	}
	return callback
}

// signIn is a whole sign-in; it returns Reportline's last answer.
func (o *openID) signIn(t *testing.T, s *site, c *http.Client, username string) page {
	t.Helper()
	return get(t, c, o.toCallback(t, s, c, username).String())
}

func oidcSite(t *testing.T, engine store.Engine, m app.SSOMatching, ssoOnly bool) (*site, *openID) {
	ln, base := listen(t)
	o := newOpenID(t, "reportline-"+t.Name(), base+"/sso/oidc/oidc/callback")
	s := newSite(t, engine, ln, base, siteConfig{ssoOnly: ssoOnly, client: o.client(), providers: func(base string) []sso.Provider {
		return []sso.Provider{{Name: "oidc", Label: "Sign in with Zitadel", Matching: m,
			OIDC: &sso.OIDCConfig{Issuer: o.issuer, ClientID: "reportline-" + t.Name(), ClientSecret: "s3cret"}}}
	}})
	return s, o
}

func TestOIDCSignIn(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		s, o := oidcSite(t, engine, app.SSOMatching{}, false)

		// First time: matched by the verified email, linked, recorded.
		p := o.signIn(t, s, s.client, "ada")
		if p.status != http.StatusOK || p.url.Path != "/account/sessions" {
			t.Fatalf("ada's sign-in ended at %d %s, want 200 /account/sessions: %.400s", p.status, p.url, p.body)
		}
		if got := s.signedInAs(s.client); got != "ada@example.com" {
			t.Fatalf("signed in as %q, want ada@example.com", got)
		}
		if !strings.Contains(p.body, "Single sign-on (OpenID Connect)") {
			t.Errorf("the sessions page does not show the OpenID Connect session")
		}
		log := s.changes(s.ada.ID)
		for _, want := range []string{"session.open sso identity oidc", "session.open sign-in oidc"} {
			if !slices.Contains(log, want) {
				t.Errorf("change log about ada = %q, want %q in it", log, want)
			}
		}

		// Later: the subject decides, whatever email the provider now sends.
		o.users["ada"].Email = "ada.lovelace@elsewhere.example"
		o.users["ada"].EmailVerified = false
		c2 := newBrowser(t)
		o.signIn(t, s, c2, "ada")
		if got := s.signedInAs(c2); got != "ada@example.com" {
			t.Errorf("second sign-in (email changed at the provider) as %q, want ada@example.com by subject", got)
		}
	})
}

func TestOIDCRefusals(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		s, o := oidcSite(t, engine, app.SSOMatching{}, false)
		cases := []struct {
			user, want string
		}{
			{"eve", "did not verify your email"},         // unverified email, emails not trusted
			{"zed", "no Reportline account matches you"}, // unknown, creation off
			{"gone", "deactivated"},                      // the IdP vouches; Reportline refuses
		}
		for _, tc := range cases {
			c := newBrowser(t)
			p := o.signIn(t, s, c, tc.user)
			if p.status != http.StatusUnauthorized || !strings.Contains(strings.ToLower(p.body), strings.ToLower(tc.want)) {
				t.Errorf("%s: %d %s, want 401 saying %q: %s", tc.user, p.status, p.url, tc.want, p.body[strings.Index(p.body, "<h1"):])
			}
			if got := s.signedInAs(c); got != "" {
				t.Errorf("%s: signed in as %q after a refusal", tc.user, got)
			}
		}

		// A token whose claims were changed after signing (the signature kept).
		o.tamper.Store(true)
		c := newBrowser(t)
		p := o.signIn(t, s, c, "zed")
		o.tamper.Store(false)
		if p.status != http.StatusUnauthorized || !strings.Contains(p.body, "token is not valid") || s.signedInAs(c) != "" {
			t.Errorf("tampered ID token: %d, want 401 'token is not valid': %.300s", p.status, p.body)
		}

		// PKCE: a callback whose verifier is not the one the challenge was
		// made from is refused by the provider.
		c = newBrowser(t)
		cb := o.toCallback(t, s, c, "ada")
		setFlow(t, c, cb, func(v url.Values) { v.Set("v", strings.Repeat("x", 43)) })
		if p := get(t, c, cb.String()); p.status != http.StatusUnauthorized || s.signedInAs(c) != "" {
			t.Errorf("wrong PKCE verifier: %d, want 401", p.status)
		}

		// A state that is not the one this browser started with.
		c = newBrowser(t)
		cb = o.toCallback(t, s, c, "ada")
		setFlow(t, c, cb, func(v url.Values) { v.Set("s", "forged") })
		if p := get(t, c, cb.String()); p.status != http.StatusUnauthorized || !strings.Contains(p.body, "state does not match") {
			t.Errorf("forged state: %d, want 401 state does not match", p.status)
		}

		// Replay: the same callback, with the same flow cookie, again.
		c = newBrowser(t)
		cb = o.toCallback(t, s, c, "ada")
		saved := c.Jar.Cookies(cb)
		if p := get(t, c, cb.String()); p.status != http.StatusOK || s.signedInAs(c) != "ada@example.com" {
			t.Fatalf("sign-in before the replay failed: %d", p.status)
		}
		thief := newBrowser(t)
		thief.Jar.SetCookies(cb, saved)
		if p := get(t, thief, cb.String()); p.status != http.StatusUnauthorized || s.signedInAs(thief) != "" {
			t.Errorf("replayed callback: %d, want 401", p.status)
		}
	})
}

// setFlow edits the sign-in's flow cookie in the browser.
func setFlow(t *testing.T, c *http.Client, cb *url.URL, edit func(url.Values)) {
	t.Helper()
	for _, k := range c.Jar.Cookies(cb) {
		if k.Name == "reportline_oidc" {
			v, err := url.ParseQuery(k.Value)
			if err != nil {
				t.Fatal(err)
			}
			edit(v)
			c.Jar.SetCookies(cb, []*http.Cookie{{Name: k.Name, Value: v.Encode(), Path: "/sso/oidc/oidc/"}})
			return
		}
	}
	t.Fatal("no flow cookie")
}

func TestOIDCCreatesUnknownPeopleWhenAllowed(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		s, o := oidcSite(t, engine, app.SSOMatching{CreateUsers: true}, false)
		o.signIn(t, s, s.client, "zed")
		if got := s.signedInAs(s.client); got != "zed@example.com" {
			t.Fatalf("signed in as %q, want a new account zed@example.com", got)
		}
		// A created account belongs to no group: it sees no group.
		if p := get(t, s.client, s.base+"/groups"); !strings.Contains(p.body, "You belong to no group") {
			t.Errorf("the new account belongs to a group: %.300s", p.body)
		}
		// Creation never takes over an existing account whose email is not
		// verified.
		c := newBrowser(t)
		if p := o.signIn(t, s, c, "eve"); p.status != http.StatusUnauthorized {
			t.Errorf("eve (unverified email of an existing account) with creation on: %d, want 401", p.status)
		}
	})
}

func TestOIDCSignOutEndsBothSessions(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		s, o := oidcSite(t, engine, app.SSOMatching{}, false)
		o.signIn(t, s, s.client, "ada")
		loc, _ := url.Parse(signOut(t, s.client, s.base))
		if !strings.HasPrefix(loc.String(), o.issuer) || loc.Query().Get("id_token_hint") == "" {
			t.Errorf("sign-out goes on to %s, want the provider's end-session endpoint with id_token_hint", loc)
		}
		if loc.Query().Get("post_logout_redirect_uri") != s.base+"/login" {
			t.Errorf("post_logout_redirect_uri = %q, want %s/login", loc.Query().Get("post_logout_redirect_uri"), s.base)
		}
		if got := s.signedInAs(s.client); got != "" {
			t.Errorf("still signed in as %q after sign-out", got)
		}
	})
}

func TestOIDCProviderDownStillLetsTheBreakGlassAdminIn(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ln, base := listen(t)
		dead, deadURL := listen(t)
		dead.Close() // nothing listens there: the provider is down
		s := newSite(t, engine, ln, base, siteConfig{ssoOnly: true, providers: func(string) []sso.Provider {
			return []sso.Provider{{Name: "oidc", OIDC: &sso.OIDCConfig{Issuer: deadURL + "/", ClientID: "x"}}}
		}})
		if p := get(t, s.client, base+"/sso/oidc/oidc/start"); p.status != http.StatusUnauthorized || !strings.Contains(p.body, "cannot be reached") || !strings.Contains(p.body, "break-glass-link") {
			t.Errorf("provider down: %d, want the sign-in page (401) saying it cannot be reached, with the administrator sign-in: %.300s", p.status, p.body)
		}
		// Passwords are refused in SSO-only mode...
		p := post(t, s.client, base+"/login", url.Values{"email": {"ada@example.com"}, "password": {"whatever password"}})
		if p.status != http.StatusUnauthorized || !strings.Contains(p.body, "single sign-on only") {
			t.Errorf("password in SSO-only mode: %d, want 401 single sign-on only", p.status)
		}
		// ...but for the break-glass platform admin.
		p = post(t, s.client, base+"/login", url.Values{"email": {"root@example.com"}, "password": {"correct horse battery"}})
		if got := s.signedInAs(s.client); got != "root@example.com" {
			t.Errorf("break-glass admin: signed in as %q (%d), want root@example.com", got, p.status)
		}
	})
}
