package ui_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

func TestPeopleDirectory(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		ctx := context.Background()
		sys := app.SystemActor(reportline.SourceAPI)
		// Created by an import, the CLI or the API: in no group at all.
		nora, err := w.env.App.CreateUser(ctx, sys, app.UserInput{Email: "nora@acme.test", FirstName: "Nora", LastName: "Vidal",
			Position: "Night auditor", OrgUnit: "Treasury", ExternalUID: "hr-991"})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.env.App.SetPassword(ctx, sys, w.alice.ID, password); err != nil {
			t.Fatal(err)
		}
		rows := regexp.MustCompile(`<th scope="row"><a href="([^"]+)">([^<]+)</a>`)
		names := func(body string) []string {
			var out []string
			for _, m := range rows.FindAllStringSubmatch(body, -1) {
				out = append(out, m[2])
			}
			return out
		}

		t.Run("platform admin finds everyone, users in no group too", func(t *testing.T) {
			c := newClient(t, w.url)
			c.login("root@acme.test")
			r := c.get("/groups")
			has(t, r.Body, `id="nav-people"`)
			r = c.get("/people")
			if r.Status != http.StatusOK {
				t.Fatalf("status %d\n%s", r.Status, r.Body)
			}
			has(t, r.Body, "Nora Vidal", "Frank Petit", "Alice Martin", `aria-current="page"`)
			for query, want := range map[string]string{
				"/people?q=hr-991":                "Nora Vidal", // uid
				"/people?q=night+AUDITOR":         "Nora Vidal", // position
				"/people?q=treasury":              "Nora Vidal", // unit
				"/people?q=nora@":                 "Nora Vidal", // email
				"/people?q=vidal":                 "Nora Vidal", // name
				"/people?nogroup=1&q=vidal":       "Nora Vidal",
				"/people?inactive=1":              "Dave Moreau",
				"/people?nogroup=1&q=nobody-else": "",
			} {
				got := names(c.get(query).Body)
				if want == "" && len(got) != 0 || want != "" && (len(got) != 1 || got[0] != want) {
					t.Errorf("%s lists %v, want only %q", query, got, want)
				}
			}
			// The platform admin, created by the CLI, is in no group either.
			if got := names(c.get("/people?nogroup=1").Body); len(got) != 2 || got[0] != "root@acme.test" || got[1] != "Nora Vidal" {
				t.Errorf("in no group: %v, want root@acme.test and Nora Vidal", got)
			}
			// Gina has a manager (Frank); everyone else has none.
			got := names(c.get("/people?nomanager=1").Body)
			for _, n := range got {
				if n == "Gina Roux" {
					t.Errorf("the no-manager filter lists Gina, who has Frank: %v", got)
				}
			}
			if len(got) == 0 {
				t.Error("the no-manager filter lists nobody")
			}
			// Every name leads to a profile the admin may open.
			for _, m := range rows.FindAllStringSubmatch(c.get("/people").Body, -1) {
				if r := c.get(m[1]); r.Status != http.StatusOK {
					t.Errorf("%s (%s): %d", m[1], m[2], r.Status)
				}
			}
			if r := c.get(fmt.Sprintf("/users/%d", nora.ID)); r.Status != http.StatusOK {
				t.Errorf("Nora's profile: %d", r.Status)
			}
		})

		t.Run("group admin finds their groups' members only", func(t *testing.T) {
			c := newClient(t, w.url)
			c.login("ada@acme.test")
			r := c.get("/people")
			if r.Status != http.StatusOK {
				t.Fatalf("status %d\n%s", r.Status, r.Body)
			}
			has(t, r.Body, "Alice Martin", "Dave Moreau", `id="nav-people"`)
			hasNot(t, r.Body, "Nora", "Frank Petit", "Gina Roux", "root@acme.test")
			for _, q := range []string{"/people?nogroup=1", "/people?q=hr-991", "/people?q=frank"} {
				if got := names(c.get(q).Body); len(got) != 0 {
					t.Errorf("%s shows a Sales admin %v", q, got)
				}
			}
			for _, m := range rows.FindAllStringSubmatch(r.Body, -1) {
				if r := c.get(m[1]); r.Status != http.StatusOK {
					t.Errorf("%s (%s): %d", m[1], m[2], r.Status)
				}
			}
		})

		t.Run("a member who administrates nothing is neither offered nor shown the directory", func(t *testing.T) {
			c := newClient(t, w.url)
			c.login("alice@acme.test")
			hasNot(t, c.get("/team").Body, `id="nav-people"`)
			if r := c.get("/people"); r.Status != http.StatusForbidden {
				t.Errorf("/people for a member: %d, want 403", r.Status)
			}
		})

		t.Run("paging keeps the filters", func(t *testing.T) {
			for i := range 30 {
				if _, err := w.env.App.CreateUser(ctx, sys, app.UserInput{Email: fmt.Sprintf("loose%02d@acme.test", i)}); err != nil {
					t.Fatal(err)
				}
			}
			c := newClient(t, w.url)
			c.login("root@acme.test")
			first := c.get("/people?nogroup=1")
			has(t, first.Body, `<span class="count">32</span>`)
			next := regexp.MustCompile(`href="([^"]*)" rel="next"`).FindStringSubmatch(first.Body)
			if next == nil {
				t.Fatal("no next page link")
			}
			second := c.get(regexp.MustCompile(`&amp;`).ReplaceAllString(next[1], "&"))
			has(t, second.Body, "loose29@acme.test")
			hasNot(t, second.Body, "Alice Martin")
		})
	})
}
