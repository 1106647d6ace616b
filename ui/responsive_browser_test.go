package ui_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"reportline"
	"reportline/app"
	"reportline/demo"
	"reportline/internal/browser"
	"reportline/internal/testapp"
	"reportline/store"
	"reportline/ui"
)

// widths are the window widths every main page must fit, from a small phone
// to a laptop.
var widths = []int64{360, 390, 768, 1024, 1366}

// wideNav is the narrowest window in which the top bar's tools must stand
// in one row rather than behind the Menu button.
const wideNav = 1024

// demoSite is the demo organisation served by the real server.
type demoSite struct {
	app    *app.App
	url    string
	users  map[string]reportline.User // by email
	groups map[string]reportline.GroupID
}

func newDemoSite(t *testing.T, engine store.Engine) *demoSite {
	t.Helper()
	ctx := context.Background()
	env := testapp.New(t, engine)
	// The demo's learning records and temporary links are dated from the
	// real clock.
	env.Now.Set(time.Now())
	if _, err := demo.Load(ctx, env.App); err != nil {
		t.Fatalf("load the demo: %v", err)
	}
	sys := app.SystemActor(reportline.SourceAPI)
	// Somebody whose name and address are longer than a phone is wide,
	// with a manager, so that they show in lists and on managers pages.
	sales, err := env.App.FindUsers(ctx, sys, reportline.UserFilter{Query: "katherine.johnson@acme.example", Limit: 1}, 0)
	if err != nil || len(sales.Users) != 1 {
		t.Fatalf("find Katherine Johnson: %v", err)
	}
	groups, err := env.App.ListGroups(ctx, sys)
	if err != nil {
		t.Fatalf("list the demo's groups: %v", err)
	}
	var salesID reportline.GroupID
	for _, g := range groups {
		if g.Name == "Sales" {
			salesID = g.ID
		}
	}
	long, err := env.App.CreateUser(ctx, sys, app.UserInput{
		Email:     longEmail,
		FirstName: "Maximiliana-Alexandrina", LastName: "Wolfeschlegelsteinhausenbergerdorff",
		Position: "Regional Account Executive for Enterprise Customers", OrgUnit: "Sales", GroupID: salesID,
	})
	if err != nil {
		t.Fatalf("create the long-named user: %v", err)
	}
	if _, err := env.App.AddLinks(ctx, sys, app.LinkRequest{User: long.ID, Direction: reportline.Managers, IDs: []reportline.UserID{sales.Users[0].ID}}); err != nil {
		t.Fatalf("give the long-named user a manager: %v", err)
	}
	s := &demoSite{app: env.App, users: map[string]reportline.User{}, groups: map[string]reportline.GroupID{}}
	found, err := env.App.FindUsers(ctx, sys, reportline.UserFilter{Limit: 1000}, 0)
	if err != nil {
		t.Fatalf("list the demo's users: %v", err)
	}
	for _, u := range found.Users {
		s.users[u.Email] = u
	}
	for _, g := range groups {
		s.groups[g.Name] = g.ID
	}
	pages, err := ui.New(env.App, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("ui.New: %v", err)
	}
	s.url = env.Serve(t, pages)
	t.Cleanup(pages.Wait)
	return s
}

func (s *demoSite) user(t *testing.T, email string) reportline.UserID {
	t.Helper()
	u, ok := s.users[email]
	if !ok {
		t.Fatalf("the demo has no %s", email)
	}
	return u.ID
}

// longEmail is the address of the user whose name and address are longer
// than a phone is wide.
const longEmail = "maximiliana-alexandrina.wolfeschlegelsteinhausenbergerdorff@emea-subsidiary.acme.example"

// demoRole is a demo account and the main pages it uses.
type demoRole struct {
	name  string
	email string
	pages func(t *testing.T, s *demoSite) []string
}

// demoRoles are the four demo accounts of the README, each with the pages
// a person in that role opens every day, plus a "not found" page.
var demoRoles = []demoRole{
	{"platform-admin", "admin@acme.example", func(t *testing.T, s *demoSite) []string {
		russ := s.user(t, "russ.cox@acme.example")
		return []string{
			"/groups",
			"/people", "/people?nogroup=1&nomanager=1",
			fmt.Sprintf("/groups/%d/users", s.groups["Sales"]),
			fmt.Sprintf("/users/%d", russ),
			fmt.Sprintf("/users/%d/managers", s.user(t, "ken.thompson@acme.example")),
			fmt.Sprintf("/users/%d", s.user(t, longEmail)),
			fmt.Sprintf("/users/%d/managers", s.user(t, "katherine.johnson@acme.example")),
			fmt.Sprintf("/users/%d/statistics", russ),
			"/team", "/contacts", "/notifications",
			"/managers/bulk", "/reports/orphans", "/users/import", "/directory/sync",
			"/settings/subordinates", "/settings/capabilities", "/settings/org-structure",
			"/settings/notifications", "/settings/delivery-log",
			"/no-such-page",
		}
	}},
	{"group-admin", "grace.hopper@acme.example", func(t *testing.T, s *demoSite) []string {
		return []string{
			"/groups",
			fmt.Sprintf("/groups/%d/users", s.groups["Engineering"]),
			"/people",
			fmt.Sprintf("/users/%d/managers", s.user(t, "rob.pike@acme.example")),
			"/team", "/contacts", "/notifications", "/managers/bulk", "/reports/orphans",
			"/no-such-page",
		}
	}},
	{"user-admin", "ada.lovelace@acme.example", func(t *testing.T, s *demoSite) []string {
		return []string{
			"/groups",
			fmt.Sprintf("/groups/%d/users", s.groups["Sales"]),
			fmt.Sprintf("/users/%d/managers", s.user(t, "hedy.lamarr@acme.example")),
			"/team", "/contacts", "/managers/bulk",
			"/no-such-page",
		}
	}},
	{"manager", "linus.torvalds@acme.example", func(t *testing.T, s *demoSite) []string {
		linus := s.user(t, "linus.torvalds@acme.example")
		return []string{
			"/groups", "/team", "/contacts", "/notifications",
			fmt.Sprintf("/users/%d", linus),
			fmt.Sprintf("/users/%d/managers", linus),
			fmt.Sprintf("/users/%d/managers", s.user(t, "russ.cox@acme.example")),
			"/no-such-page",
		}
	}},
}

// TestBrowserResponsive opens the main pages as each demo role at every
// width of widths and checks that nothing sticks out sideways and that the
// top bar's items never overlap: at wideNav and wider the tools stand in one
// row; narrower, they hide behind a Menu button that opens them cleanly.
// The width matrix runs on SQLite; PostgreSQL serves one page at two widths,
// which is enough to show the pages do not depend on the engine.
func TestBrowserResponsive(t *testing.T) {
	t.Parallel()
	ctx := browser.NewWithin(t, 8*time.Minute)
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		s := newDemoSite(t, engine)
		t.Run("sign-in", func(t *testing.T) {
			if _, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
				t.Fatal(err)
			}
			if err := chromedp.Do(ctx, chromedp.Navigate(s.url+"/login")); err != nil {
				t.Fatal(err)
			}
			checkBasics(t, ctx)
			for _, w := range widths {
				if l := measure(t, ctx, w); l.ScrollWidth > l.InnerWidth {
					t.Errorf("at %d px the sign-in page is %.0f px wide", w, l.ScrollWidth)
				}
				browser.Screenshot(t, ctx, fmt.Sprint(w))
			}
		})
		if engine == store.Postgres {
			// The flow that matters most, once on the other engine.
			t.Run("preview", func(t *testing.T) { checkPreview(t, ctx, s, []int64{390, 1366}) })
		}
		for _, role := range demoRoles {
			t.Run(role.name, func(t *testing.T) {
				signInAs(t, ctx, s.url, role.email)
				pages := role.pages(t, s)
				ws := widths
				if engine == store.Postgres {
					pages, ws = pages[:1], []int64{360, 1366}
				}
				if role.name == "group-admin" && engine == store.SQLite {
					t.Run("preview", func(t *testing.T) { checkPreview(t, ctx, s, widths) })
				}
				for i, path := range pages {
					t.Run(strings.Trim(strings.ReplaceAll(path, "/", "_"), "_"), func(t *testing.T) {
						if err := chromedp.Do(ctx, chromedp.EmulateViewport(ws[0], 800), chromedp.Navigate(s.url+path)); err != nil {
							t.Fatalf("open %s: %v", path, err)
						}
						checkBasics(t, ctx)
						for _, w := range ws {
							checkLayout(t, ctx, w)
							browser.Screenshot(t, ctx, fmt.Sprint(w))
							if i == 0 && w < wideNav && !t.Failed() {
								checkOpenMenu(t, ctx, w)
							}
						}
					})
				}
			})
		}
	})
}

// signInAs starts a fresh session as email.
func signInAs(t *testing.T, ctx context.Context, base, email string) {
	t.Helper()
	if _, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
		t.Fatalf("sign out: %v", err)
	}
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1366, 800),
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#password"), demo.Password),
	); err != nil {
		t.Fatalf("fill in the sign-in form: %v", err)
	}
	click(t, ctx, `form[action="/login"] button[type="submit"]`)
	if loc := location(t, ctx, base); loc != "/groups" {
		t.Fatalf("after signing in as %s the page is %s, want /groups", email, loc)
	}
}

// checkPreview previews managers on Show managers as the group admin (the
// preview's table is the widest of the flow) and checks the page at each
// width.
func checkPreview(t *testing.T, ctx context.Context, s *demoSite, ws []int64) {
	t.Helper()
	signInAs(t, ctx, s.url, "grace.hopper@acme.example")
	pasted := "barbara.liskov@acme.example, frances.allen@acme.example\nnobody@acme.example; ada.lovelace@acme.example\nnot-an-address"
	if err := chromedp.Do(ctx,
		chromedp.Navigate(fmt.Sprintf("%s/users/%d/managers", s.url, s.user(t, "russ.cox@acme.example"))),
		chromedp.SendKeys(chromedp.CSS("#managers-emails"), pasted),
	); err != nil {
		t.Fatalf("paste addresses: %v", err)
	}
	click(t, ctx, "#managers-preview-button")
	if rows := texts(t, ctx, "#managers-preview tr.candidate"); len(rows) != 5 {
		t.Fatalf("the preview has %d rows, want 5", len(rows))
	}
	checkBasics(t, ctx)
	for _, w := range ws {
		checkLayout(t, ctx, w)
		browser.Screenshot(t, ctx, fmt.Sprint(w))
	}
}
