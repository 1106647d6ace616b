package ui_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// TestStatisticsPages: who gets a user's statistics page, and the
// Statistics setting, without a browser.
func TestStatisticsPages(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		teamSetup(t, w)
		sys := app.SystemActor(reportline.SourceAPI)
		for _, u := range []reportline.User{w.bob, w.gina} {
			if err := w.env.App.SetPassword(context.Background(), sys, u.ID, password); err != nil {
				t.Fatal(err)
			}
		}
		bobStats := fmt.Sprintf("/users/%d/statistics", w.bob.ID)

		alice := newClient(t, w.url)
		alice.login("alice@acme.test")
		r := alice.get(bobStats)
		if r.Status != http.StatusOK {
			t.Fatalf("alice on bob's statistics: %d", r.Status)
		}
		has(t, r.Body, "Month-end close", "Restricted course", "This view is logged", "GDPR essentials")

		// bob sees his own, without the note; gina (no link) is refused.
		bob := newClient(t, w.url)
		bob.login("bob@acme.test")
		r = bob.get(bobStats)
		if r.Status != http.StatusOK {
			t.Fatalf("bob on his own statistics: %d", r.Status)
		}
		hasNot(t, r.Body, "This view is logged", "Restricted course")
		gina := newClient(t, w.url)
		gina.login("gina@acme.test")
		if r = gina.get(bobStats); r.Status != http.StatusForbidden {
			t.Errorf("gina on bob's statistics: %d, want 403", r.Status)
		}
		has(t, r.Body, "not")
		if r = gina.get("/team"); r.Status != http.StatusOK {
			t.Errorf("gina's team: %d", r.Status)
		}
		has(t, r.Body, "Nobody reports to you today")
		if r = alice.get("/team?scope=everyone"); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("a bad scope: %d, want 422", r.Status)
		}

		// Settings → Statistics: platform admins only; summary hides the
		// course names from alice.
		if r = alice.get("/settings/statistics"); r.Status != http.StatusForbidden {
			t.Errorf("alice on the setting: %d, want 403", r.Status)
		}
		root := newClient(t, w.url)
		root.login("root@acme.test")
		if r = root.get("/settings/statistics"); r.Status != http.StatusOK {
			t.Fatalf("root on the setting: %d", r.Status)
		}
		has(t, r.Body, `id="scope-line-everything" value="everything" checked`)
		r = root.post("/settings/statistics", url.Values{"line": {"summary"}})
		if r.Status != http.StatusSeeOther || r.Location() != "/settings/statistics?saved=1" {
			t.Fatalf("save: %d %s", r.Status, r.Location())
		}
		if r = root.post("/settings/statistics", url.Values{"line": {"nothing"}}); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("a bad scope: %d, want 422", r.Status)
		}
		r = alice.get(bobStats)
		has(t, r.Body, "Summary counts only", "2 records are not shown to you")
		hasNot(t, r.Body, "Month-end close")
	})
}
