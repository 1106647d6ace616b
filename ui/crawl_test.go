package ui_test

import (
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"reportline/demo"
	"reportline/internal/muxpattern"
	"reportline/internal/testapp"
	"reportline/store"
	"reportline/ui"
)

// crawlRole is a demo account, and the page routes it may not open, each
// with the reason: every other page route must be reached by following
// links from /groups.
type crawlRole struct {
	name, email string
	notReached  map[string]string // pattern → why the role cannot reach it
}

// adminOnly are the platform admin's tools.
var adminOnly = map[string]string{
	"GET /users/import":                          "platform admins import users",
	"GET /directory/sync":                        "platform admins run directory syncs",
	"GET /directory/sync/runs/{id}":              "platform admins run directory syncs (and the demo has no run)",
	"GET /settings/subordinates":                 "platform settings",
	"GET /settings/capabilities":                 "platform settings",
	"GET /settings/org-structure":                "platform settings",
	"GET /settings/notifications":                "platform settings",
	"GET /settings/notifications/preview/{type}": "platform settings",
	"GET /settings/delivery-log":                 "platform settings",
	"GET /settings/delivery-log/{id}":            "platform settings",
	"GET /settings/template-messages":            "platform settings",
	"GET /settings/digest":                       "platform settings",
	"GET /settings/statistics":                   "platform settings",
	"GET /settings/organisation":                 "platform settings",
	"GET /settings/organisation/sign-in":         "platform settings",
	"GET /settings/cover":                        "platform settings",
	"GET /settings/webhooks":                     "platform settings",
	"GET /settings/webhooks/{id}":                "platform settings",
	"GET /settings/sources":                      "platform settings",
	"GET /plans/{id}":                            "the demo has no planned reorganisation",
	"GET /managers/imports/{id}":                 "the demo has no import",
	"GET /managers/imports/{id}/{file}":          "the demo has no import",
}

// with returns m plus the given pattern → reason pairs.
func with(m map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

var crawlRoles = []crawlRole{
	{"platform-admin", "admin@acme.example", map[string]string{
		"GET /plans/{id}":                   "the demo has no planned reorganisation",
		"GET /directory/sync/runs/{id}":     "the demo has no directory sync run",
		"GET /managers/imports/{id}":        "the demo has no import",
		"GET /managers/imports/{id}/{file}": "the demo has no import",
		"GET /settings/delivery-log/{id}":   "the demo has sent no email",
		"GET /settings/webhooks/{id}":       "the demo has no webhook subscriber",
	}},
	{"group-admin", "grace.hopper@acme.example", adminOnly},
	{"user-admin", "ada.lovelace@acme.example", adminOnly},
	{"manager", "linus.torvalds@acme.example", with(adminOnly,
		"GET /managers/bulk", "bulk import is for group admins",
		"GET /managers/template.csv", "bulk import is for group admins",
		"GET /managers/export.csv", "bulk import is for group admins",
		"GET /reports/orphans", "a report for admins",
		"GET /groups/{id}/users", "a manager administers no group",
		"GET /people", "the directory is for admins",
		"GET /history", "the history is for admins",
		"GET /history.csv", "the history is for admins",
		"GET /users/{id}/links/remove", "admins change links",
		"GET /users/{id}/leaver", "admins deactivate people",
		"GET /plans", "reorganisations are for admins",
		"GET /reports/health", "a report for admins",
	)},
	{"plain-user", "dennis.ritchie@acme.example", with(adminOnly,
		"GET /managers/bulk", "bulk import is for group admins",
		"GET /managers/template.csv", "bulk import is for group admins",
		"GET /managers/export.csv", "bulk import is for group admins",
		"GET /reports/orphans", "a report for admins",
		"GET /groups/{id}/users", "a plain user administers no group",
		"GET /people", "the directory is for admins",
		"GET /history", "the history is for admins",
		"GET /history.csv", "the history is for admins",
		"GET /users/{id}/links/remove", "admins change links",
		"GET /users/{id}/leaver", "admins deactivate people",
		"GET /plans", "reorganisations are for admins",
		"GET /reports/health", "a report for admins",
	)},
}

// notPages are GET routes no crawl should reach: redirects, assets, pages
// for signed-out visitors, the catch-all "not found".
var notPages = map[string]bool{
	"GET /{$}": true, "GET /assets/": true, "GET /login": true, "GET /settings": true,
	"GET /managers/imports": true, "GET /password/forgot": true, "GET /password/reset": true,
	"GET /unsubscribe": true, "/": true,
}

// TestCrawlEveryLink signs in as each demo role and follows every link of
// every page it reaches, starting from /groups: no link may lead to a
// refusal, a missing page or an error, and every page route of the route
// table the role may open must be reached. Links with side effects are not
// followed (there are none among GET links but Undo, which is a form).
// Then, in Chromium, axe-core checks one address of every page route the
// role reached (checkReachedPages): the crawl is the costly part, so the
// accessibility check reads its result rather than crawling again.
//
// The crawl runs on SQLite: it checks the pages' links, which do not depend
// on the engine (the responsive and flow tests cover PostgreSQL). The roles
// run in parallel on one site: following links reads, and what a role's
// sign-in writes (its session) shows on no other role's pages.
//
// The test itself is not parallel, unlike the package's others: it is the
// longest, and a parallel test starts whenever the scheduler picks it, last
// as often as not, leaving it to run alone at the end. It runs in the serial
// pass, before any other test starts: the platform admin first (most of the
// work: 2,640 links, which the crawl's workers spread over both cores), then
// the four other roles side by side. (Parallel siblings also start in no
// fixed order: the platform admin among them could start last.)
func TestCrawlEveryLink(t *testing.T) {
	s := newDemoSite(t, store.SQLite)
	routes := pageRoutes(t)
	for i, role := range crawlRoles {
		t.Run(role.name, func(t *testing.T) {
			if i > 0 {
				t.Parallel()
			}
			c := newClient(t, s.url)
			r := c.post("/login", url.Values{"email": {role.email}, "password": {demo.Password}})
			if r.Status != http.StatusSeeOther {
				t.Fatalf("sign in as %s: %d", role.email, r.Status)
			}
			reached := crawl(t, c, routes)
			for _, p := range routes.patterns {
				_, excused := role.notReached[p]
				_, ok := reached[p]
				switch {
				case notPages[p]:
				case ok && excused:
					t.Errorf("%s is reached although the table says %q: update the table", p, role.notReached[p])
				case !ok && !excused:
					t.Errorf("no link leads to %s", p)
				}
			}
			t.Run("accessibility", func(t *testing.T) { checkReachedPages(t, s, role, reached) })
		})
	}
}

// routeTable is the UI's mux, which names the route of any URL, and the
// GET patterns registered on it.
type routeTable struct {
	mux      *http.ServeMux
	patterns []string
}

// pageRoutes builds the UI's route table as ui.New registers it.
func pageRoutes(t *testing.T) routeTable {
	t.Helper()
	env := testapp.New(t, store.SQLite)
	pages, err := ui.New(env.App, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	pages.Register(mux)
	all, err := muxpattern.List(mux)
	if err != nil {
		t.Fatal(err)
	}
	var get []string
	for _, p := range all {
		if muxpattern.Method(p) == http.MethodGet {
			get = append(get, p)
		}
	}
	if len(get) < 30 {
		t.Fatalf("found %d GET routes; the walk of http.ServeMux no longer works", len(get))
	}
	return routeTable{mux: mux, patterns: get}
}

// pattern returns the route that serves a GET of target.
func (rt routeTable) pattern(target string) string {
	_, p := rt.mux.Handler(httptest.NewRequest(http.MethodGet, "http://x"+target, nil))
	return p
}

// anchor is a link on a page: an anchor, a frame, or a form that gets
// (followed with no fields: its defaults are the server's).
var anchor = regexp.MustCompile(`<a\b[^>]*\shref="([^"]*)"|<iframe\b[^>]*\ssrc="([^"]*)"|<form\b([^>]*)>`)

// formGet reads a form's action when it is sent by GET.
var formGet = regexp.MustCompile(`\saction="([^"]*)"`)

// linkOf returns the address a match of anchor leads to, if any.
func linkOf(m []string) (string, bool) {
	switch {
	case m[1] != "":
		return m[1], true
	case m[2] != "":
		return m[2], true
	}
	attrs := strings.ToLower(m[3])
	if strings.Contains(attrs, `method="post"`) {
		return "", false
	}
	a := formGet.FindStringSubmatch(m[3])
	if a == nil {
		return "", false
	}
	return a[1], true
}

// maxCrawl bounds a crawl, so a page that links to ever new addresses
// fails rather than runs for ever.
const maxCrawl = 3000

// crawlAhead is how many links of the queue a crawl fetches at once, and
// crawlWorkers how many requests it has in flight: the server renders each
// page under the race detector, and one request at a time would leave the
// second core idle. The answers are read in the queue's order, so the crawl
// is the breadth-first walk one request at a time would make.
const (
	crawlAhead   = 32
	crawlWorkers = 4
)

// crawl follows every link from /groups as c and returns the routes it
// reached, each with the first address that reached it. Each followed link
// must answer 200 (after the redirects a link may lead through).
func crawl(t *testing.T, c *client, routes routeTable) map[string]string {
	t.Helper()
	reached := map[string]string{}
	from := map[string]string{"/groups": "(start)"}
	queue := []string{"/groups"}
	for len(queue) > 0 {
		if len(from) > maxCrawl {
			t.Fatalf("more than %d distinct links: stop", maxCrawl)
		}
		batch := queue[:min(len(queue), crawlAhead)]
		queue = queue[len(batch):]
		for i, f := range fetchAll(c, batch) {
			link := batch[i]
			if f.err != nil {
				t.Fatalf("GET %s: %v", f.target, f.err)
			}
			target, r := f.target, f.r
			if r.Status != http.StatusOK {
				t.Errorf("%s links to %s, which answers %d", from[link], target, r.Status)
				continue
			}
			p := routes.pattern(target)
			if reached[p] == "" {
				reached[p] = target
			}
			if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
				continue
			}
			// Pages must keep the rules every page keeps (checkHTML), except
			// the emails shown inside a sandboxed frame, whose inline styles
			// are what mail clients need.
			if p != "GET /settings/notifications/preview/{type}" {
				checkHTML(t, "GET "+target, r.Body)
			}
			for _, m := range anchor.FindAllStringSubmatch(r.Body, -1) {
				href, ok := linkOf(m)
				if !ok {
					continue
				}
				next, ok := followable(target, html.UnescapeString(href))
				if !ok {
					continue
				}
				if _, seen := from[next]; !seen {
					from[next] = target
					queue = append(queue, next)
				}
			}
		}
	}
	var list []string
	for p := range reached {
		list = append(list, p)
	}
	sort.Strings(list)
	t.Logf("%d links followed; routes reached: %s", len(from), strings.Join(list, ", "))
	return reached
}

// fetched is where a followed link ended and its answer.
type fetched struct {
	target string
	r      response
	err    error
}

// fetchAll follows each link as c, crawlWorkers at a time, and returns
// the answers in the links' order.
func fetchAll(c *client, links []string) []fetched {
	out := make([]fetched, len(links))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(crawlWorkers, len(links)) {
		wg.Go(func() {
			for i := range next {
				out[i] = follow(c, links[i])
			}
		})
	}
	for i := range links {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

// follow gets link as c, through up to three redirects inside the site
// (but not to the sign-in page).
func follow(c *client, link string) fetched {
	target := link
	r, err := fetch(c, target)
	for hops := 0; err == nil && (r.Status == http.StatusSeeOther || r.Status == http.StatusFound); hops++ {
		loc := r.Location()
		if hops == 3 || !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "/login") {
			break
		}
		target = loc
		r, err = fetch(c, target)
	}
	return fetched{target: target, r: r, err: err}
}

// fetch gets target as c. It runs on the crawl's workers, so it reports
// errors rather than failing the test.
func fetch(c *client, target string) (response, error) {
	req, err := http.NewRequest(http.MethodGet, c.base+target, nil)
	if err != nil {
		return response{}, err
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return response{}, err
	}
	return response{Status: res.StatusCode, Header: res.Header, Body: string(b), raw: res}, nil
}

// followable resolves href against the page at base and reports whether
// the crawl follows it: links inside the site, without side effects.
func followable(base, href string) (string, bool) {
	u, err := url.Parse(href)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Opaque != "" {
		return "", false // external, mailto:, tel:
	}
	b, _ := url.Parse(base)
	u = b.ResolveReference(u)
	u.Fragment = ""
	switch {
	case u.Path == "/logout", strings.HasSuffix(u.Path, "/undo"), strings.HasPrefix(u.Path, "/assets/"):
		return "", false
	case strings.HasSuffix(u.Path, "/orgchart"):
		// The chart's views (which people are expanded, all of them) are
		// one page each: every combination of expanded cards is a distinct
		// address, thousands on the demo; the chart's own tests follow them.
		q := u.Query()
		q.Del("expand")
		q.Del("all")
		u.RawQuery = q.Encode()
	}
	return u.RequestURI(), true
}
