package ui_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"reportline/internal/testapp"
	"reportline/store"
)

// TestFrenchRefusals: app's refusals that name their message (sign in, a
// user one may not see, Show managers' preview reasons) are in French on a
// French page, not app's English marked raw.
func TestFrenchRefusals(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		c := newClient(t, w.url)
		fr := []string{"Accept-Language", "fr"}

		r := c.post("/login", url.Values{"email": {"ada@acme.test"}, "password": {"not the password"}}, fr...)
		if r.Status == http.StatusSeeOther {
			t.Fatalf("a wrong password signed in")
		}
		has(t, r.Body, `<html lang="fr">`, `<div class="alert alert-bad" role="alert" id="login-error">Adresse e-mail ou mot de passe incorrect.</div>`)
		hasNot(t, r.Body, "Wrong email or password")

		c.login("ada@acme.test")
		get := func(path string) response {
			t.Helper()
			req, err := http.NewRequest(http.MethodGet, w.url+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Accept-Language", "fr")
			return c.do(req)
		}
		r = get("/users/999999")
		if r.Status != http.StatusForbidden {
			t.Fatalf("GET /users/999999: %d, want 403", r.Status)
		}
		has(t, r.Body, `<p class="lead" id="error-message">Vous ne pouvez pas voir cet utilisateur`)
		hasNot(t, r.Body, "You may not see this user")

		// The policy's refusal, on a page.
		r = c.post(fmt.Sprintf("/users/%d/links/remove", w.gina.ID), form("manager_id", fmt.Sprint(w.frank.ID), "managee_id", fmt.Sprint(w.gina.ID)), fr...)
		if r.Status != http.StatusForbidden {
			t.Errorf("remove an out-of-scope link: %d, want 403", r.Status)
		}
		has(t, r.Body, "Vous ne pouvez lier que des membres d’un groupe que vous administrez.")
		hasNot(t, r.Body, "You may only link members")

		// A refusal that completes a phrase of the rule table ("only
		// platform admins may read the settings").
		r = get("/settings/digest")
		if r.Status != http.StatusForbidden {
			t.Errorf("GET /settings/digest as a group admin: %d, want 403", r.Status)
		}
		has(t, r.Body, "Seuls les administrateurs de la plateforme peuvent consulter les réglages.")
		hasNot(t, r.Body, "only platform admins may read the settings")

		r = c.post(fmt.Sprintf("/users/%d/managers/preview", w.alice.ID), form("direction", "managers", "group", fmt.Sprint(w.sales.ID),
			"emails", "bob@acme.test nobody@acme.test dave@acme.test alice@acme.test"), fr...)
		if r.Status != http.StatusOK {
			t.Fatalf("preview: %d\n%s", r.Status, r.Body)
		}
		has(t, r.Body,
			`<td class="reason" data-label="Pourquoi">Aucun compte d’un groupe que vous administrez avec alice@acme.test ne correspond à nobody@acme.test.</td>`,
			"dave@acme.test est un compte inactif.", "alice@acme.test ne peut pas être son propre manager.")
		hasNot(t, r.Body, `class="reason raw"`, "inactive account", "their own manager", "No account in a group")
	})
}

// TestFrenchWords: what a page says beside a refusal is in the reader's
// language too: why one may see a person's statistics, an address that is
// not one, in a preview.
func TestFrenchWords(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		teamSetup(t, w)
		c := newClient(t, w.url)
		c.login("alice@acme.test")
		get := func(path string) response {
			t.Helper()
			req, err := http.NewRequest(http.MethodGet, w.url+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Accept-Language", "fr")
			return c.do(req)
		}
		// alice manages bob (line), bob manages erin.
		r := get(fmt.Sprintf("/users/%d/statistics", w.erin.ID))
		if r.Status != http.StatusOK {
			t.Fatalf("alice on erin's statistics: %d", r.Status)
		}
		has(t, r.Body, `id="stats-grant"><span>`+w.erin.Name()+` est sous vous dans la ligne hiérarchique.</span>`)
		r = c.get(fmt.Sprintf("/users/%d/statistics", w.bob.ID))
		has(t, r.Body, `id="stats-grant"><span>You are `+w.bob.Name()+`’s line manager.</span>`)

		ada := newClient(t, w.url)
		ada.login("ada@acme.test")
		r = ada.post(fmt.Sprintf("/users/%d/managers/preview", w.alice.ID), form("direction", "managers", "group", fmt.Sprint(w.sales.ID),
			"emails", "not-an-address"), "Accept-Language", "fr")
		if r.Status != http.StatusOK {
			t.Fatalf("preview: %d\n%s", r.Status, r.Body)
		}
		has(t, r.Body, "« not-an-address » n’est pas une adresse e-mail valide.")
		hasNot(t, r.Body, "is not a valid email address", `class="reason raw"`)
	})
}
