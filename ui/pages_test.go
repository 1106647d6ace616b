package ui_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
	"reportline/ui"
)

func TestGroupPages(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)

		t.Run("platform admin sees the whole tree", func(t *testing.T) {
			c := newClient(t, w.url)
			c.login("root@acme.test")
			r := c.get("/groups")
			if r.Status != http.StatusOK {
				t.Fatalf("status %d", r.Status)
			}
			// Sales and Finance are nested inside Acme's item.
			tree := regexp.MustCompile(`(?s)<ul class="group-tree">.*Acme.*<ul class="group-tree">.*Finance.*Sales.*</ul>.*</ul>`)
			if !tree.MatchString(r.Body) {
				t.Errorf("the groups page does not nest Finance and Sales under Acme:\n%s", r.Body)
			}
			has(t, r.Body, fmt.Sprintf(`href="/groups/%d/users"`, w.finance.ID), "<h1>Groups</h1>")
		})

		t.Run("group admin sees their groups only", func(t *testing.T) {
			c := newClient(t, w.url)
			c.login("ada@acme.test")
			r := c.get("/groups")
			has(t, r.Body, "Sales", fmt.Sprintf(`href="/groups/%d/users"`, w.sales.ID))
			hasNot(t, r.Body, "Finance", fmt.Sprintf(`href="/groups/%d/users"`, w.acme.ID))
		})

		t.Run("users of a group, with search", func(t *testing.T) {
			c := newClient(t, w.url)
			c.login("ada@acme.test")
			r := c.get(fmt.Sprintf("/groups/%d/users", w.sales.ID))
			if r.Status != http.StatusOK {
				t.Fatalf("status %d\n%s", r.Status, r.Body)
			}
			has(t, r.Body, "Current members → All", "Alice Martin", "dave@acme.test", `<th scope="col">Email</th>`,
				fmt.Sprintf(`href="/users/%d?group=%d"`, w.alice.ID, w.sales.ID), "Admin", `aria-current="page"`)
			hasNot(t, r.Body, "frank@acme.test")
			r = c.get(fmt.Sprintf("/groups/%d/users?q=ALI", w.sales.ID))
			has(t, r.Body, "alice@acme.test", `value="ALI"`)
			hasNot(t, r.Body, "bob@acme.test")
			if r := c.get(fmt.Sprintf("/groups/%d/users", w.finance.ID)); r.Status != http.StatusForbidden {
				t.Errorf("Finance's users for a Sales admin: %d, want 403", r.Status)
			}
		})

		t.Run("paging", func(t *testing.T) {
			ctx := context.Background()
			for i := range 30 {
				if _, err := w.env.App.CreateUser(ctx, app.SystemActor(reportline.SourceAPI), app.UserInput{
					Email: fmt.Sprintf("temp%02d@acme.test", i), GroupID: w.finance.ID}); err != nil {
					t.Fatal(err)
				}
			}
			c := newClient(t, w.url)
			c.login("root@acme.test")
			first := c.get(fmt.Sprintf("/groups/%d/users", w.finance.ID))
			has(t, first.Body, `<span class="count">32</span>`, "frank@acme.test", `rel="next"`)
			next := regexp.MustCompile(`href="([^"]*)" rel="next"`).FindStringSubmatch(first.Body)
			if next == nil {
				t.Fatal("no next page link")
			}
			second := c.get(strings.ReplaceAll(next[1], "&amp;", "&"))
			has(t, second.Body, "temp29@acme.test", "First page")
			hasNot(t, second.Body, "frank@acme.test", `rel="next"`)
		})
	})
}

func TestProfile(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		c := newClient(t, w.url)
		c.login("ada@acme.test")
		r := c.get(fmt.Sprintf("/users/%d?group=%d", w.alice.ID, w.sales.ID))
		if r.Status != http.StatusOK {
			t.Fatalf("status %d", r.Status)
		}
		has(t, r.Body, "<h1 id=\"profile-title\">Alice Martin</h1>", "alice@acme.test", "Active", "Consultant", "Field", "uid-alice",
			`<summary class="btn btn-icon" aria-label="More actions"`,
			fmt.Sprintf(`href="/users/%d/managers?group=%d" id="show-managers">Show managers</a>`, w.alice.ID, w.sales.ID))
		if r := c.get(fmt.Sprintf("/users/%d", w.dave.ID)); !strings.Contains(r.Body, "Inactive") {
			t.Errorf("an inactive user's profile does not say so")
		}
		if r := c.get("/users/abc"); r.Status != http.StatusNotFound {
			t.Errorf("GET /users/abc: %d, want 404", r.Status)
		}
		// A user admin is refused a user who does not exist exactly as one
		// outside her groups: the answer does not tell which ids exist.
		for _, path := range []string{"/users/999999", "/users/999999/managers", fmt.Sprintf("/users/%d", w.frank.ID)} {
			r := c.get(path)
			if r.Status != http.StatusForbidden {
				t.Errorf("GET %s: %d, want 403", path, r.Status)
			}
			has(t, r.Body, "Access refused", "You may not see this user")
		}
	})
}

func TestOutOfScope(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		c := newClient(t, w.url)
		c.login("ada@acme.test")
		for _, path := range []string{
			fmt.Sprintf("/users/%d", w.frank.ID),
			fmt.Sprintf("/users/%d/managers", w.gina.ID),
		} {
			r := c.get(path)
			if r.Status != http.StatusForbidden {
				t.Errorf("GET %s: %d, want 403", path, r.Status)
			}
			has(t, r.Body, "Access refused", `id="error-message"`, "You may")
		}
		r := c.post(fmt.Sprintf("/users/%d/managers/preview", w.gina.ID), form("direction", "managers", "emails", "bob@acme.test"))
		if r.Status != http.StatusForbidden {
			t.Errorf("preview for an out-of-scope user: %d, want 403", r.Status)
		}
		r = c.post(fmt.Sprintf("/users/%d/managers/confirm", w.gina.ID), form("direction", "managers", "ids", fmt.Sprint(w.bob.ID)))
		if r.Status != http.StatusForbidden {
			t.Errorf("confirm for an out-of-scope user: %d, want 403", r.Status)
		}
		r = c.post(fmt.Sprintf("/users/%d/links/remove", w.gina.ID), form("manager_id", fmt.Sprint(w.frank.ID), "managee_id", fmt.Sprint(w.gina.ID)))
		if r.Status != http.StatusForbidden {
			t.Errorf("remove an out-of-scope link: %d, want 403", r.Status)
		}
		has(t, r.Body, "You may only link members of a group you administrate.")
		if managers, _ := w.links(t, w.gina.ID); len(managers) != 1 {
			t.Errorf("gina's managers = %v, want frank's link kept", managers)
		}
		// Making frank a manager of alice (in scope) is refused too: the
		// pair is not inside one administered group.
		r = c.post(fmt.Sprintf("/users/%d/managers/confirm", w.alice.ID), form("direction", "managers", "ids", fmt.Sprint(w.frank.ID)))
		if r.Status != http.StatusForbidden {
			t.Errorf("confirm an out-of-scope manager: %d, want 403\n%s", r.Status, r.Body)
		}
		has(t, r.Body, "Nothing was saved", "No account in a group you administrate together with alice@acme.test matches", `data-verdict="out_of_scope"`)
		if managers, _ := w.links(t, w.alice.ID); len(managers) != 0 {
			t.Errorf("alice's managers = %v, want none", managers)
		}
	})
}

func TestPreviewConfirmRemove(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		c := newClient(t, w.url)
		c.login("ada@acme.test")
		page := fmt.Sprintf("/users/%d/managers", w.alice.ID)

		r := c.get(page + "?group=" + fmt.Sprint(w.sales.ID))
		has(t, r.Body, `<h2 id="managers-title">Managers`, `<h2 id="managees-title">Managees`,
			"Alice Martin has no managers yet.", `<label for="managers-emails">Add email addresses</label>`,
			`<label for="managees-emails">Add email addresses</label>`, `<label for="managers-search">Find people</label>`)

		// Preview: every entry flagged, nothing saved.
		r = c.post(page+"/preview", form("direction", "managers", "group", fmt.Sprint(w.sales.ID),
			"emails", "bob@acme.test, Carol Dubois <CAROL@acme.test>\nnobody@acme.test; dave@acme.test\nfrank@acme.test alice@acme.test not-an-address"))
		if r.Status != http.StatusOK {
			t.Fatalf("preview: %d\n%s", r.Status, r.Body)
		}
		want := map[string]string{
			// Unknown reads as out of scope to an admin: no telling who has
			// an account elsewhere.
			"bob@acme.test": "new", "CAROL@acme.test": "new", "nobody@acme.test": "out_of_scope", "dave@acme.test": "inactive",
			"frank@acme.test": "out_of_scope", "alice@acme.test": "self", "not-an-address": "invalid_email",
		}
		got := verdicts(r.Body)
		for input, v := range want {
			if got[input] != v {
				t.Errorf("preview of %s: verdict %q, want %q", input, got[input], v)
			}
		}
		has(t, r.Body, "Will be added", "Inactive", "Out of scope", "nothing has been saved yet",
			"No account in a group you administrate together with alice@acme.test matches nobody@acme.test.", `id="managers-confirm"`, "The refused entries will be left out.")
		// The confirm form carries only the accepted users.
		confirm := regexp.MustCompile(`(?s)<form method="post" action="[^"]*/confirm".*?</form>`).FindString(r.Body)
		ids := regexp.MustCompile(`name="ids" value="(\d+)"`).FindAllStringSubmatch(confirm, -1)
		if len(ids) != 2 || ids[0][1] != fmt.Sprint(w.bob.ID) || ids[1][1] != fmt.Sprint(w.carol.ID) {
			t.Errorf("confirm form ids = %v, want bob and carol only", ids)
		}
		if managers, _ := w.links(t, w.alice.ID); len(managers) != 0 {
			t.Fatalf("preview saved links: %v", managers)
		}

		// Confirm: the links exist, and the page says so.
		r = c.post(page+"/confirm", form("direction", "managers", "kind", "line", "group", fmt.Sprint(w.sales.ID),
			"ids", fmt.Sprint(w.bob.ID), "ids", fmt.Sprint(w.carol.ID)))
		if r.Status != http.StatusSeeOther {
			t.Fatalf("confirm: %d\n%s", r.Status, r.Body)
		}
		if !strings.HasPrefix(r.Location(), page+"?") || !strings.Contains(r.Location(), "added=2") {
			t.Errorf("confirm redirects to %q", r.Location())
		}
		if managers, _ := w.links(t, w.alice.ID); strings.Join(managers, " ") != "bob@acme.test carol@acme.test" {
			t.Fatalf("alice's managers = %v, want bob and carol", managers)
		}
		r = c.get(r.Location())
		has(t, r.Body, `id="flash">Added 2 managers.`, "bob@acme.test", "Web UI", "Line",
			`aria-label="Remove Bob Bernard as a manager of Alice Martin"`)

		// Remove.
		r = c.post(fmt.Sprintf("/users/%d/links/remove", w.alice.ID), form("manager_id", fmt.Sprint(w.bob.ID), "managee_id", fmt.Sprint(w.alice.ID)))
		if r.Status != http.StatusSeeOther {
			t.Fatalf("remove: %d\n%s", r.Status, r.Body)
		}
		if managers, _ := w.links(t, w.alice.ID); strings.Join(managers, " ") != "carol@acme.test" {
			t.Fatalf("after remove, alice's managers = %v, want carol", managers)
		}
		has(t, c.get(r.Location()).Body, "Bob Bernard is no longer a manager of Alice Martin.", `id="undo"`)

		// Managees through the picker: search, tick, preview, confirm.
		r = c.get(page + "?eq=erin")
		has(t, r.Body, fmt.Sprintf(`id="managees-pick-%d" name="ids" value="%d"`, w.erin.ID, w.erin.ID), "Erin Laurent")
		r = c.post(page+"/preview", form("direction", "managees", "kind", "functional", "ids", fmt.Sprint(w.erin.ID), "eq", "erin"))
		if got := verdicts(r.Body); got[fmt.Sprint(w.erin.ID)] != "new" {
			t.Errorf("picker preview verdicts = %v", got)
		}
		has(t, r.Body, "Confirm to make Alice Martin the functional manager of 1 person.", fmt.Sprintf(`value="%d" checked`, w.erin.ID))
		r = c.post(page+"/confirm", form("direction", "managees", "kind", "functional", "ids", fmt.Sprint(w.erin.ID)))
		if r.Status != http.StatusSeeOther {
			t.Fatalf("confirm managee: %d\n%s", r.Status, r.Body)
		}
		if _, managees := w.links(t, w.alice.ID); strings.Join(managees, " ") != "erin@acme.test" {
			t.Errorf("alice's managees = %v, want erin", managees)
		}

		// Nothing valid: no Confirm button.
		r = c.post(page+"/preview", form("direction", "managers", "emails", "nobody@acme.test"))
		hasNot(t, r.Body, `id="managers-confirm"`)
		has(t, r.Body, "Nothing to confirm")
		// Nothing listed: a 422 in the section.
		r = c.post(page+"/preview", form("direction", "managers", "emails", "  "))
		if r.Status != http.StatusUnprocessableEntity {
			t.Errorf("empty preview: %d, want 422", r.Status)
		}
		has(t, r.Body, `id="managers-problem"`, "List at least one user.")
	})
}

func TestCrossOriginPostRefused(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		c := newClient(t, w.url)
		c.login("root@acme.test")
		remove := form("manager_id", fmt.Sprint(w.frank.ID), "managee_id", fmt.Sprint(w.gina.ID))
		path := fmt.Sprintf("/users/%d/links/remove", w.gina.ID)
		for _, h := range [][]string{
			{"Origin", "https://evil.example"},
			{"Sec-Fetch-Site", "cross-site"},
		} {
			if r := c.post(path, remove, h...); r.Status != http.StatusForbidden {
				t.Errorf("POST with %s: %s: %d, want 403", h[0], h[1], r.Status)
			}
		}
		if managers, _ := w.links(t, w.gina.ID); len(managers) != 1 {
			t.Fatalf("a cross-origin POST removed a link: %v", managers)
		}
		// The same request from this origin works.
		if r := c.post(path, remove, "Origin", w.url, "Sec-Fetch-Site", "same-origin"); r.Status != http.StatusSeeOther {
			t.Errorf("same-origin POST: %d, want 303", r.Status)
		}
	})
}

func TestAssets(t *testing.T) {
	t.Parallel()
	w := newWorld(t, store.SQLite)
	c := newClient(t, w.url)
	r := c.get("/login")
	href := regexp.MustCompile(`href="(/assets/style\.css\?v=[0-9a-f]+)"`).FindStringSubmatch(r.Body)
	if href == nil {
		t.Fatalf("the login page links no versioned stylesheet:\n%s", r.Body)
	}
	css := c.get(href[1])
	if css.Status != http.StatusOK || !strings.HasPrefix(css.Header.Get("Content-Type"), "text/css") {
		t.Fatalf("stylesheet: %d %s", css.Status, css.Header.Get("Content-Type"))
	}
	if !strings.Contains(css.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("versioned stylesheet Cache-Control = %q", css.Header.Get("Cache-Control"))
	}
	has(t, css.Body, ".flag-bad", ".sidebar")
	if r := c.get("/assets/icon.svg"); r.Status != http.StatusOK {
		t.Errorf("icon: %d", r.Status)
	}
	if r := c.get("/assets/nope.css"); r.Status != http.StatusNotFound {
		t.Errorf("missing asset: %d", r.Status)
	}
}

// form builds form values from name, value pairs.
func form(kv ...string) map[string][]string {
	out := map[string][]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = append(out[kv[i]], kv[i+1])
	}
	return out
}

func TestReadOnlyForManagers(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		ctx := context.Background()
		sys := app.SystemActor(reportline.SourceAPI)
		if err := w.env.App.SetPassword(ctx, sys, w.alice.ID, password); err != nil {
			t.Fatal(err)
		}
		if _, err := w.env.App.AddLinks(ctx, sys, app.LinkRequest{User: w.alice.ID, Direction: reportline.Managees, IDs: []reportline.UserID{w.bob.ID}}); err != nil {
			t.Fatal(err)
		}
		c := newClient(t, w.url)
		c.login("alice@acme.test")
		r := c.get(fmt.Sprintf("/users/%d/managers", w.bob.ID))
		if r.Status != http.StatusOK {
			t.Fatalf("a manager reading their managee's links: %d", r.Status)
		}
		has(t, r.Body, "Alice Martin", "You may see these links", `<span class="tree-plain"`)
		hasNot(t, r.Body, "Remove", "Add email addresses", "/managers/preview")
		// Not an admin: no user lists, and links cannot be changed.
		if r := c.get(fmt.Sprintf("/groups/%d/users", w.sales.ID)); r.Status != http.StatusForbidden {
			t.Errorf("a member listing the group's users: %d, want 403", r.Status)
		}
		r = c.post(fmt.Sprintf("/users/%d/links/remove", w.bob.ID), form("manager_id", fmt.Sprint(w.alice.ID), "managee_id", fmt.Sprint(w.bob.ID)))
		if r.Status != http.StatusForbidden {
			t.Errorf("a manager removing their own link: %d, want 403", r.Status)
		}
		if _, managees := w.links(t, w.alice.ID); len(managees) != 1 {
			t.Errorf("alice's managees = %v, want bob kept", managees)
		}
	})
}

func TestUnknownPageGetsTheProductsNotFoundPage(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		env := testapp.New(t, engine)
		pages, err := ui.New(env.App, env.Logger())
		if err != nil {
			t.Fatal(err)
		}
		base := env.Serve(t, pages)
		resp, err := http.Get(base + "/users/12/managers/")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound || !strings.Contains(string(body), "<html") || !strings.Contains(string(body), "Reportline") {
			t.Errorf("GET an unknown page = %d %q, want the product's 404 page", resp.StatusCode, body)
		}
	})
}
