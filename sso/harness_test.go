package sso_test

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/internal/browser"
	"reportline/internal/testapp"
	"reportline/server"
	"reportline/sso"
	"reportline/store"
	"reportline/ui"
)

// site is a Reportline served on a loopback listener with single sign-on,
// and a browser-like client (cookies, redirects followed).
type site struct {
	t      *testing.T
	base   string
	app    *app.App
	db     *store.DB
	client *http.Client
	sso    *sso.SSO
	// staff are the users the tests sign in as.
	ada, eve, gone reportline.User
	// logs is what package sso logged.
	logs *syncBuffer
}

// syncBuffer is a log destination the handlers write to while the test
// reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// listen reserves a loopback address, so that a server's URL is known
// before its handler is built (the IdP needs our redirect URL, and we need
// its issuer).
func listen(t *testing.T) (net.Listener, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln, "http://" + ln.Addr().String()
}

// serveOn serves h on ln until the test ends.
func serveOn(t *testing.T, ln net.Listener, h http.Handler) *httptest.Server {
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// siteConfig is what a test varies.
type siteConfig struct {
	providers func(base string) []sso.Provider
	ssoOnly   bool
	client    *http.Client // reaches the IdP; nil for the default
}

// newSite starts Reportline on engine with the providers, and creates the
// people: Ada (active), Eve (active, her IdP does not verify her email),
// Gone (deactivated), Root (the break-glass platform admin).
func newSite(t *testing.T, engine store.Engine, ln net.Listener, base string, sc siteConfig) *site {
	t.Helper()
	ctx := context.Background()
	db := testapp.OpenDB(t, engine)
	a := app.New(app.Adapt(db.Read, db.Write, db.Ping), app.Config{Logger: slog.New(slog.DiscardHandler), PasswordParams: testapp.FastPasswords,
		SSOOnly: sc.ssoOnly, BreakGlassEmail: "root@example.com", PublicURL: base})
	s := &site{t: t, base: base, app: a, db: db, logs: &syncBuffer{}}
	sys := app.SystemActor(reportline.SourceCLI)
	var err error
	for _, p := range []struct {
		u     *reportline.User
		email string
	}{{&s.ada, "ada@example.com"}, {&s.eve, "eve@example.com"}, {&s.gone, "gone@example.com"}} {
		if *p.u, err = a.CreateUser(ctx, sys, app.UserInput{Email: p.email, FirstName: strings.Split(p.email, "@")[0], LastName: "Test"}); err != nil {
			t.Fatal(err)
		}
	}
	inactive := reportline.StatusInactive
	if _, err := a.UpdateUser(ctx, sys, s.gone.ID, app.UserPatch{Status: &inactive}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreatePlatformAdmin(ctx, "root@example.com", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	pages, err := ui.New(a, nil)
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := url.Parse(base)
	s.sso, err = sso.New(sso.Config{App: a, PublicURL: pub, Providers: sc.providers(base), Logger: slog.New(slog.NewTextHandler(s.logs, nil)),
		HTTPClient: sc.client, OnError: pages.Fail})
	if err != nil {
		t.Fatal(err)
	}
	var buttons []ui.SignInButton
	for _, b := range s.sso.Buttons() {
		buttons = append(buttons, ui.SignInButton{Label: b.Label, URL: b.URL})
	}
	pages.SetSignIn(ui.SignInOptions{Buttons: buttons, LogoutURL: s.sso.LogoutURL})
	h := server.New(server.Config{App: a, Logger: slog.New(slog.DiscardHandler), Routes: []server.Routes{pages, s.sso}, PublicURL: pub,
		Ready: func(ctx context.Context) error { return nil }})
	serveOn(t, ln, h)
	s.client = newBrowser(t)
	return s
}

// newBrowser is an HTTP client with a cookie jar that follows redirects.
func newBrowser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar}
}

// page is an answer read whole.
type page struct {
	status int
	url    *url.URL
	body   string
}

func get(t *testing.T, c *http.Client, u string) page {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	return read(t, resp)
}

func post(t *testing.T, c *http.Client, u string, form url.Values) page {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatalf("POST %s: %v", u, err)
	}
	return read(t, resp)
}

func read(t *testing.T, resp *http.Response) page {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return page{status: resp.StatusCode, url: resp.Request.URL, body: string(b)}
}

// signedInAs returns the email the site greets the client's session with,
// "" when it has none.
func (s *site) signedInAs(c *http.Client) string {
	s.t.Helper()
	p := get(s.t, c, s.base+"/account/sessions")
	if p.url.Path != "/account/sessions" {
		return ""
	}
	m := regexp.MustCompile(`class="who-email">([^<]+)<`).FindStringSubmatch(p.body)
	if m == nil {
		m = regexp.MustCompile(`class="who-name">([^<]+)<`).FindStringSubmatch(p.body)
	}
	if m == nil {
		s.t.Fatalf("signed in, but the page names nobody: %.500s", p.body)
	}
	return m[1]
}

// changes returns the change log's actions about a user.
func (s *site) changes(u reportline.UserID) []string {
	s.t.Helper()
	var out []string
	err := s.db.Read(context.Background(), func(tx *store.Tx) error {
		cs, err := tx.Changes(context.Background(), reportline.ChangeFilter{UserID: u})
		for _, c := range cs {
			out = append(out, c.Action+" "+c.What)
		}
		return err
	})
	if err != nil {
		s.t.Fatal(err)
	}
	return out
}

// TestMain quiets the example provider's request log (it logs through the
// process-wide logger) and runs the tests through testapp.Main, so that
// SQLite databases are copies of one migrated template (not 32 migrations
// per test) and the throwaway PostgreSQL server is stopped at the end.
func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.DiscardHandler))
	testapp.Main(m, browser.Close) // the browser tests' one Chromium
}

var moveOn = regexp.MustCompile(`<a href="([^"]+)" id="idp-sign-out"`)

// signOut posts the sign-out form and returns where the signed-out page
// moves on to (the identity provider's sign-out), as a browser would
// follow its refresh.
func signOut(t *testing.T, c *http.Client, base string) string {
	t.Helper()
	p := post(t, c, base+"/logout", nil)
	m := moveOn.FindStringSubmatch(p.body)
	if p.status != http.StatusOK || m == nil {
		t.Fatalf("sign-out: %d, no page moving on to the identity provider: %.400s", p.status, p.body)
	}
	if !strings.Contains(p.body, `<meta http-equiv="refresh" content="2;url=`) {
		t.Errorf("the signed-out page does not move on by itself")
	}
	return html.UnescapeString(m[1])
}
