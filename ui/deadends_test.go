package ui_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// profileLink is a name on a managers page that links to a profile.
var profileLink = regexp.MustCompile(`<th scope="row"><a href="([^"]+)">([^<]+)</a>`)

// TestManagersPageLinksOnlyWhereTheViewerMayGo follows every name on a
// managers page: each must open (no link to a refusal), and the people the
// viewer may not see are shown by name without a link.
func TestManagersPageLinksOnlyWhereTheViewerMayGo(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		ctx := context.Background()
		sys := app.SystemActor(reportline.SourceAPI)
		// frank (Finance) manages alice (Sales), whom ada administers;
		// alice manages bob.
		for _, l := range []struct{ manager, managee reportline.User }{{w.frank, w.alice}, {w.alice, w.bob}} {
			if _, err := w.env.App.AddLinks(ctx, sys, app.LinkRequest{User: l.managee.ID, Direction: reportline.Managers, IDs: []reportline.UserID{l.manager.ID}}); err != nil {
				t.Fatalf("link %s → %s: %v", l.manager.Email, l.managee.Email, err)
			}
		}
		for _, u := range []reportline.User{w.alice, w.frank, w.gina} {
			if err := w.env.App.SetPassword(ctx, sys, u.ID, password); err != nil {
				t.Fatal(err)
			}
		}
		for _, tc := range []struct {
			viewer   string
			page     reportline.User
			linked   []string // names that link to a profile
			unlinked []string // names shown without a link
		}{
			// Her own page: her manager is out of her sight, her managee
			// is hers to open.
			{"alice@acme.test", w.alice, []string{"Bob Bernard"}, []string{"Frank Petit"}},
			{"gina@acme.test", w.gina, nil, []string{"Frank Petit"}},
			// A manager's own page: the people he manages.
			{"frank@acme.test", w.frank, []string{"Alice Martin", "Gina Roux"}, nil},
			// The admin of Sales sees alice's Sales managee, not her
			// manager from Finance.
			{"ada@acme.test", w.alice, []string{"Bob Bernard"}, []string{"Frank Petit"}},
			// A platform admin may open everyone.
			{"root@acme.test", w.alice, []string{"Bob Bernard", "Frank Petit"}, nil},
		} {
			t.Run(tc.viewer, func(t *testing.T) {
				c := newClient(t, w.url)
				c.login(tc.viewer)
				r := c.get(fmt.Sprintf("/users/%d/managers", tc.page.ID))
				if r.Status != http.StatusOK {
					t.Fatalf("the managers page of %s: %d", tc.page.Email, r.Status)
				}
				got := map[string]string{}
				for _, m := range profileLink.FindAllStringSubmatch(r.Body, -1) {
					got[m[2]] = html.UnescapeString(m[1])
				}
				for _, name := range tc.linked {
					href, ok := got[name]
					if !ok {
						t.Errorf("%s is not a link on the page", name)
						continue
					}
					if s := c.get(href).Status; s != http.StatusOK {
						t.Errorf("%s links to %s, which answers %d", name, href, s)
					}
				}
				for _, name := range tc.unlinked {
					if href, ok := got[name]; ok {
						t.Errorf("%s links to %s, which %s may not open (it answers %d)", name, href, tc.viewer, c.get(href).Status)
					}
					has(t, r.Body, `<span class="person">`+name+`</span>`)
				}
			})
		}
	})
}

// TestErrorPageKeepsTheTools: an admin who meets an error page keeps the
// tools of the top bar, not only the group tree.
func TestErrorPageKeepsTheTools(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		for _, tc := range []struct {
			viewer string
			path   string
			status int
			tools  []string
		}{
			{"ada@acme.test", "/no-such-page", http.StatusNotFound, []string{`id="nav-bulk"`, `id="nav-orphans"`}},
			{"ada@acme.test", fmt.Sprintf("/users/%d/managers", w.gina.ID), http.StatusForbidden, []string{`id="nav-bulk"`}},
			{"root@acme.test", "/no-such-page", http.StatusNotFound, []string{`id="nav-bulk"`, `id="nav-settings"`, `id="nav-directory-sync"`}},
		} {
			c := newClient(t, w.url)
			c.login(tc.viewer)
			r := c.get(tc.path)
			if r.Status != tc.status {
				t.Errorf("%s as %s: %d, want %d", tc.path, tc.viewer, r.Status, tc.status)
			}
			has(t, r.Body, tc.tools...)
			has(t, r.Body, fmt.Sprintf(`href="/groups/%d/users"`, w.sales.ID))
		}
	})
}
