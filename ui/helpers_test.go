package ui_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/internal/browser"
	"reportline/internal/testapp"
	"reportline/store"
	"reportline/ui"
)

// TestMain stops the package's one browser (browser tests share it, each in
// its own incognito context) and the throwaway databases after the tests.
func TestMain(m *testing.M) { testapp.Main(m, browser.Close) }

// password is every fixture account's password.
const password = "correct horse battery"

// world is a small organisation served by the real server:
//
//	Acme
//	├── Sales         ada (admin), alice, bob, carol, dave (inactive), erin
//	│   └── Sales East
//	└── Finance       frank, gina
//
// root is a platform admin; ada administrates Sales only. frank manages
// gina, a link no Sales admin may touch.
type world struct {
	env                                                   *testapp.Env
	url                                                   string
	acme, sales, finance, salesEast                       reportline.Group
	root, ada, alice, bob, carol, dave, erin, frank, gina reportline.User
}

func newWorld(t *testing.T, engine store.Engine) *world {
	t.Helper()
	ctx := context.Background()
	env := testapp.New(t, engine)
	sys := app.SystemActor(reportline.SourceAPI)
	w := &world{env: env}
	group := func(name string, parent reportline.GroupID) reportline.Group {
		g, err := env.App.CreateGroup(ctx, sys, name, parent)
		if err != nil {
			t.Fatalf("create group %s: %v", name, err)
		}
		return g
	}
	w.acme = group("Acme", 0)
	w.sales = group("Sales", w.acme.ID)
	w.finance = group("Finance", w.acme.ID)
	w.salesEast = group("Sales East", w.sales.ID)
	user := func(first, last string, g reportline.GroupID, status reportline.Status) reportline.User {
		u, err := env.App.CreateUser(ctx, sys, app.UserInput{
			Email: strings.ToLower(first) + "@acme.test", FirstName: first, LastName: last, Status: status,
			Position: "Consultant", OrgUnit: "Field", ExternalUID: "uid-" + strings.ToLower(first), GroupID: g,
		})
		if err != nil {
			t.Fatalf("create user %s: %v", first, err)
		}
		return u
	}
	var err error
	if w.root, err = env.App.CreatePlatformAdmin(ctx, "root@acme.test", password); err != nil {
		t.Fatalf("create platform admin: %v", err)
	}
	w.ada = user("Ada", "Lovelace", w.sales.ID, "")
	w.alice = user("Alice", "Martin", w.sales.ID, "")
	w.bob = user("Bob", "Bernard", w.sales.ID, "")
	w.carol = user("Carol", "Dubois", w.sales.ID, "")
	w.dave = user("Dave", "Moreau", w.sales.ID, reportline.StatusInactive)
	w.erin = user("Erin", "Laurent", w.sales.ID, "")
	w.frank = user("Frank", "Petit", w.finance.ID, "")
	w.gina = user("Gina", "Roux", w.finance.ID, "")
	if err := env.App.SetMember(ctx, sys, reportline.Membership{GroupID: w.sales.ID, UserID: w.ada.ID, Role: reportline.AdminRole}); err != nil {
		t.Fatalf("make ada admin: %v", err)
	}
	if err := env.App.SetPassword(ctx, sys, w.ada.ID, password); err != nil {
		t.Fatalf("set password: %v", err)
	}
	if _, err := env.App.AddLinks(ctx, sys, app.LinkRequest{User: w.gina.ID, Direction: reportline.Managers, IDs: []reportline.UserID{w.frank.ID}}); err != nil {
		t.Fatalf("link frank → gina: %v", err)
	}
	pages, err := ui.New(env.App, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("ui.New: %v", err)
	}
	w.url = env.Serve(t, pages)
	// Imports run in the background; the test's database must outlive
	// them. (Cleanups run last-registered first.)
	t.Cleanup(pages.Wait)
	return w
}

// links returns a user's managers' and managees' emails, as app sees them.
func (w *world) links(t *testing.T, user reportline.UserID) (managers, managees []string) {
	t.Helper()
	l, err := w.env.App.ListUserLinks(context.Background(), app.SystemActor(reportline.SourceAPI), user)
	if err != nil {
		t.Fatalf("ListUserLinks: %v", err)
	}
	for _, m := range l.Managers {
		managers = append(managers, m.User.Email)
	}
	for _, m := range l.Managees {
		managees = append(managees, m.User.Email)
	}
	return managers, managees
}

// client is a browser-like HTTP client: it keeps cookies and does not
// follow redirects, so tests see each status and Location.
type client struct {
	t    *testing.T
	base string
	hc   *http.Client
}

func newClient(t *testing.T, base string) *client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &client{t: t, base: base, hc: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// response is a read response.
type response struct {
	Status int
	Header http.Header
	Body   string
	raw    *http.Response
}

// Location returns the redirect target.
func (r response) Location() string { return r.Header.Get("Location") }

func (c *client) do(req *http.Request) response {
	c.t.Helper()
	res, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatalf("%s %s: read body: %v", req.Method, req.URL, err)
	}
	r := response{Status: res.StatusCode, Header: res.Header, Body: string(b), raw: res}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") && (res.StatusCode < 300 || res.StatusCode >= 400) {
		checkHTML(c.t, req.Method+" "+req.URL.Path, r.Body)
	}
	return r
}

func (c *client) get(path string) response {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.base+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.do(req)
}

func (c *client) post(path string, form url.Values, headers ...string) response {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return c.do(req)
}

// login signs in and fails the test unless it worked.
func (c *client) login(email string) {
	c.t.Helper()
	r := c.post("/login", url.Values{"email": {email}, "password": {password}})
	if r.Status != http.StatusSeeOther {
		c.t.Fatalf("login %s: status %d, want 303\n%s", email, r.Status, r.Body)
	}
}

// checkHTML fails t when a page breaks the rules every page keeps: no
// inline style or script (the CSP forbids them) and a document language.
func checkHTML(t *testing.T, what, body string) {
	t.Helper()
	lower := strings.ToLower(body) // once: pages are long, and every request of the suite is checked
	for _, bad := range []string{" style=", "<style", "<script", "javascript:", " onclick=", " onsubmit="} {
		if strings.Contains(lower, bad) {
			t.Errorf("%s: the page contains %q, which the Content Security Policy forbids", what, bad)
		}
	}
	if !strings.Contains(body, `<html lang="en">`) && !strings.Contains(body, `<html lang="fr">`) {
		t.Errorf("%s: no <html lang>", what)
	}
}

// has fails t unless body contains every string.
func has(t *testing.T, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q", w)
		}
	}
}

// hasNot fails t if body contains any of the strings.
func hasNot(t *testing.T, body string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(body, w) {
			t.Errorf("page contains %q", w)
		}
	}
}

// verdicts reads the preview's flags: data-input → data-verdict of every
// candidate row.
func verdicts(body string) map[string]string {
	out := map[string]string{}
	for _, m := range candidateRow.FindAllStringSubmatch(body, -1) {
		out[m[1]] = m[2]
	}
	return out
}

var candidateRow = regexp.MustCompile(`<tr class="candidate[^"]*" data-input="([^"]*)" data-verdict="([^"]*)">`)
