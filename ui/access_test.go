package ui_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// accessWorld is newWorld with every account able to sign in and links for
// the access pages: bob manages alice (line), carol manages alice
// (functional), and erin's only manager, carol's colleague hank, has left
// (inactive).
func accessWorld(t *testing.T, engine store.Engine) *world {
	t.Helper()
	ctx := context.Background()
	w := newWorld(t, engine)
	a := w.env.App
	sys := app.SystemActor(reportline.SourceAPI)
	for _, u := range []reportline.User{w.alice, w.bob, w.carol, w.erin, w.frank, w.gina} {
		if err := a.SetPassword(ctx, sys, u.ID, password); err != nil {
			t.Fatal(err)
		}
	}
	hank, err := a.CreateUser(ctx, sys, app.UserInput{Email: "hank@acme.test", FirstName: "Hank", LastName: "Leroy", GroupID: w.sales.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []struct {
		m, e reportline.User
		kind reportline.Kind
	}{{w.bob, w.alice, reportline.Line}, {w.carol, w.alice, reportline.Functional}, {hank, w.erin, reportline.Line}} {
		if _, err := a.AddLinks(ctx, sys, app.LinkRequest{User: l.e.ID, Direction: reportline.Managers, Kind: l.kind, IDs: []reportline.UserID{l.m.ID}}); err != nil {
			t.Fatal(err)
		}
	}
	off := reportline.StatusInactive
	if _, err := a.UpdateUser(ctx, sys, hank.ID, app.UserPatch{Status: &off}); err != nil {
		t.Fatal(err)
	}
	return w
}

func TestContactsPage(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := accessWorld(t, engine)
		alicePath := fmt.Sprintf("/users/%d/contacts", w.alice.ID)

		c := newClient(t, w.url)
		c.login("alice@acme.test")
		r := c.get("/contacts")
		if r.Status != http.StatusOK {
			t.Fatalf("My contacts: %d\n%s", r.Status, r.Body)
		}
		has(t, r.Body, "<h1>My contacts</h1>", "Bob Bernard", "bob@acme.test", "Line manager", "Carol Dubois", "Functional manager",
			`id="nav-contacts" aria-current="page"`, "The people you report to")
		if strings.Index(r.Body, "Bob Bernard") > strings.Index(r.Body, "Carol Dubois") {
			t.Error("the line manager is not listed first")
		}
		hasNot(t, r.Body, "Erin")

		for _, tc := range []struct {
			who  string
			want int
		}{
			{"alice@acme.test", http.StatusOK},        // herself
			{"bob@acme.test", http.StatusOK},          // her line manager
			{"carol@acme.test", http.StatusOK},        // her functional manager
			{"ada@acme.test", http.StatusOK},          // the admin of Sales
			{"root@acme.test", http.StatusOK},         // a platform admin
			{"erin@acme.test", http.StatusForbidden},  // a colleague
			{"frank@acme.test", http.StatusForbidden}, // someone from Finance
		} {
			c := newClient(t, w.url)
			c.login(tc.who)
			r := c.get(alicePath)
			if r.Status != tc.want {
				t.Errorf("%s on alice's contacts: %d, want %d", tc.who, r.Status, tc.want)
			}
			switch {
			case tc.want != http.StatusOK:
				has(t, r.Body, "Access refused", "You may see the contacts of yourself")
			case tc.who == "alice@acme.test":
				has(t, r.Body, "<h1>My contacts</h1>", "bob@acme.test")
			default:
				has(t, r.Body, "<h1>Alice Martin</h1>", "bob@acme.test", "The people Alice Martin reports to")
			}
		}

		// Erin's only manager is inactive: her page lists nobody.
		c = newClient(t, w.url)
		c.login("erin@acme.test")
		r = c.get("/contacts")
		has(t, r.Body, `id="contacts-empty"`, "You have no manager today.")
		hasNot(t, r.Body, "Hank")

		if r := newClient(t, w.url).get(alicePath); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location(), "/login") {
			t.Errorf("anonymous: %d %s", r.Status, r.Location())
		}
		if r := c.get("/users/999999/contacts"); r.Status != http.StatusForbidden {
			t.Errorf("unknown user: %d", r.Status)
		}
	})
}

func TestOrphansPage(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := accessWorld(t, engine)
		c := newClient(t, w.url)
		c.login("ada@acme.test")
		r := c.get("/reports/orphans")
		if r.Status != http.StatusOK {
			t.Fatalf("orphans: %d\n%s", r.Status, r.Body)
		}
		has(t, r.Body, "<h1>Managees without a manager</h1>", fmt.Sprintf(`data-user-id="%d" data-reason="inactive"`, w.erin.ID),
			"erin@acme.test", "Managers inactive", "Hank Leroy", "inactive", fmt.Sprintf(`href="/users/%d/managers"`, w.erin.ID),
			`id="nav-orphans" aria-current="page"`, fmt.Sprintf(`<option value="%d">Sales</option>`, w.sales.ID))
		hasNot(t, r.Body, "alice@acme.test", "gina@acme.test")

		r = c.get("/reports/orphans?reason=expired")
		has(t, r.Body, `id="orphans-empty"`, `<option value="expired" selected>`)
		hasNot(t, r.Body, "erin@acme.test")

		if r := c.get(fmt.Sprintf("/reports/orphans?group=%d", w.finance.ID)); r.Status != http.StatusForbidden {
			t.Errorf("ada on Finance's report: %d, want 403", r.Status)
		}
		root := newClient(t, w.url)
		root.login("root@acme.test")
		r = root.get(fmt.Sprintf("/reports/orphans?group=%d", w.finance.ID))
		if r.Status != http.StatusOK {
			t.Fatalf("root on Finance: %d", r.Status)
		}
		has(t, r.Body, `id="orphans-empty"`)

		alice := newClient(t, w.url)
		alice.login("alice@acme.test")
		if r := alice.get("/reports/orphans"); r.Status != http.StatusForbidden {
			t.Errorf("a member on the report: %d, want 403", r.Status)
		}
		r = alice.get("/groups")
		has(t, r.Body, `id="nav-contacts"`)
		hasNot(t, r.Body, `id="nav-orphans"`)
	})
}

func TestCapabilitiesPage(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := accessWorld(t, engine)
		root := newClient(t, w.url)
		root.login("root@acme.test")
		r := root.get("/settings/capabilities")
		if r.Status != http.StatusOK {
			t.Fatalf("capabilities: %d\n%s", r.Status, r.Body)
		}
		has(t, r.Body, `<h1 id="settings-title">Capabilities</h1>`, `name="line" value="manager_star" id="line-manager_star" aria-label="Line links grant Manager star near the profile" checked`,
			`name="functional" value="manager_star" id="functional-manager_star" aria-label="Functional links grant Manager star near the profile">`,
			"also the managers above in the reporting line", `id="matrix-save"`)

		// Functional managers lose view_reports and birthdays.
		form := url.Values{}
		for _, c := range reportline.Capabilities {
			form.Add("line", string(c))
			if c != reportline.ViewReports && c != reportline.Birthdays && c != reportline.ManagerStar {
				form.Add("functional", string(c))
			}
		}
		r = root.post("/settings/capabilities", form)
		if r.Status != http.StatusSeeOther || r.Location() != "/settings/capabilities?saved=1" {
			t.Fatalf("save: %d %s", r.Status, r.Location())
		}
		r = root.get(r.Location())
		has(t, r.Body, "Capabilities saved.", "Customised", `id="functional-view_reports" aria-label="Functional links grant View reports and statistics">`)
		d, err := w.env.App.CheckAccess(context.Background(), app.SystemActor(reportline.SourceAPI), w.carol.ID, reportline.ViewReports, w.alice.ID, timeZero)
		if err != nil || d.Allowed {
			t.Errorf("after the change carol may view alice's reports: %+v, %v", d, err)
		}

		// The matrix is a platform setting (the policy's settings.read):
		// a group's admin neither reads nor changes it.
		ada := newClient(t, w.url)
		ada.login("ada@acme.test")
		if r := ada.get("/settings/capabilities"); r.Status != http.StatusForbidden {
			t.Errorf("a group admin reads the capabilities: %d, want 403", r.Status)
		}
		if r := ada.post("/settings/capabilities", url.Values{"reset": {"1"}}); r.Status != http.StatusForbidden {
			t.Errorf("ada saving: %d, want 403", r.Status)
		}

		r = root.post("/settings/capabilities", url.Values{"reset": {"1"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("reset: %d", r.Status)
		}
		r = root.get("/settings/capabilities")
		hasNot(t, r.Body, "Customised")
	})
}

// timeZero asks about now.
var timeZero time.Time
