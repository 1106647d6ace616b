package ui_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"reportline"
	"reportline/app"
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

		// As a platform admin whose profile says French: the CSV reader's
		// words on a bulk import, and app's refusals on real pages.
		fr := "fr"
		if _, err := w.env.App.UpdateUser(context.Background(), app.SystemActor(reportline.SourceAPI), w.ada.ID, app.UserPatch{Locale: &fr}); err != nil {
			t.Fatal(err)
		}
		const hdr = "email of manager,email of managee\n"
		r = ada.upload("quote.csv", []byte(hdr+"bob@acme.test,alice@acme.test\ncarol@acme.test,ali\"ce@acme.test\n"))
		if r.Status != http.StatusSeeOther {
			t.Fatalf("upload: %d\n%s", r.Status, r.Body)
		}
		r = ada.finished(r.Location())
		if got := rejectedLines(r.Body)["3"]; got != "malformed" {
			t.Errorf("line 3 rejected as %q, want malformed", got)
		}
		has(t, r.Body, `<td class="reason">Un guillemet (&#34;) apparaît à la position 20 dans une cellule qui n’est pas entre guillemets`)
		hasNot(t, r.Body, "appears at position", `class="reason raw"`)

		for _, tc := range []struct {
			name, file, want, english string
		}{
			{"no header", "first,last\nAda,Lovelace\n", "Ligne 1 : aucun en-tête reconnaissable : colonnes attendues", "no recognisable header"},
			{"no data", hdr, "Le fichier contient une ligne d’en-tête mais aucune ligne de données", "nothing to import"},
			{"a PDF", "%PDF-1.4\n", "Le fichier est un document PDF, pas un texte CSV.", "not CSV text"},
		} {
			r := ada.upload(tc.name+".csv", []byte(tc.file))
			if r.Status != http.StatusUnprocessableEntity {
				t.Fatalf("%s: status %d, want 422\n%s", tc.name, r.Status, r.Body)
			}
			has(t, r.Body, `id="upload-error"`, "<p>"+tc.want)
			hasNot(t, r.Body, tc.english, `<p class="raw">`)
		}
		// The same failures as stored with the imports, on their pages
		// later: in French, not the English kept beside them.
		hist := ada.get("/managers/bulk")
		seen := map[string]bool{}
		for _, m := range regexp.MustCompile(`href="(/managers/imports/\d+)">#`).FindAllStringSubmatch(hist.Body, -1) {
			r := ada.get(m[1])
			if !strings.Contains(r.Body, `id="import-error"`) {
				continue
			}
			hasNot(t, r.Body, "no recognisable header", "not CSV text", "nothing to import", `<p class="raw">`)
			for _, tc := range []string{"<p>Ligne 1\u00a0: aucun en-tête reconnaissable\u00a0: colonnes attendues", "<p>Le fichier est un document PDF, pas un texte CSV.",
				"<p>Le fichier contient une ligne d’en-tête mais aucune ligne de données"} {
				if strings.Contains(r.Body, tc) {
					seen[tc] = true
				}
			}
		}
		if len(seen) != 3 {
			t.Errorf("failed imports' pages said %v in French, want the three failures", seen)
		}

		// app's refusals newly named: a plan that does not exist, an
		// empty plan to approve, a cancelled plan to approve (its status
		// in the reader's words).
		frGet := func(path string) response {
			t.Helper()
			r := ada.get(path)
			if r.Status != http.StatusNotFound {
				t.Fatalf("GET %s: %d, want 404", path, r.Status)
			}
			return r
		}
		r = frGet("/plans/999999")
		has(t, r.Body, `<p class="lead" id="error-message">Plan n° 999999 introuvable.</p>`)
		hasNot(t, r.Body, "not found")
		plan, err := w.env.App.CreatePlan(context.Background(), app.UserActor(w.ada, reportline.SourceUI), "Spring")
		if err != nil {
			t.Fatal(err)
		}
		step := func(what string, form url.Values, status int) response {
			t.Helper()
			r := ada.post(fmt.Sprintf("/plans/%d/%s", plan.ID, what), form)
			if r.Status != status {
				t.Fatalf("POST %s of an empty plan: %d, want %d\n%s", what, r.Status, status, r.Body)
			}
			return r
		}
		r = step("schedule", form("at", "2030-01-07T10:00"), http.StatusUnprocessableEntity)
		has(t, r.Body, fmt.Sprintf("Le plan n° %d n’a aucune modification à programmer.", plan.ID))
		hasNot(t, r.Body, "no changes to schedule")
		step("cancel", url.Values{}, http.StatusSeeOther)
		r = step("items", form("op", "add", "manager", "bob@acme.test", "managee", "carol@acme.test"), http.StatusConflict)
		has(t, r.Body, fmt.Sprintf("Le plan n° %d a le statut «\u00a0Annulé\u00a0»\u00a0: seul un brouillon accepte des modifications.", plan.ID))
		hasNot(t, r.Body, "only a draft", "is cancelled")
	})
}

// TestFrenchHeldRun: a held sync run's reason, stored with the run, is in
// French on the run's page and in the runs' list of a French reader, with
// its counts; an English reader reads the English stored beside it.
func TestFrenchHeldRun(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		ctx := context.Background()
		ldap := app.SystemActor(reportline.SourceLDAP)
		var users []reportline.DirectoryUser
		for i := range 60 {
			users = append(users, reportline.DirectoryUser{ExternalID: fmt.Sprint("e-", i), Email: fmt.Sprintf("dir%d@acme.test", i), Active: true})
		}
		if _, err := w.env.App.SyncDirectory(ctx, ldap, reportline.DirectoryBatch{Source: reportline.SourceLDAP, Full: true, Users: users}, false); err != nil {
			t.Fatal(err)
		}
		rep, _ := w.env.App.SyncDirectory(ctx, ldap, reportline.DirectoryBatch{Source: reportline.SourceLDAP, Full: true, Users: users[:30]}, false)
		if rep.Held != 30 {
			t.Fatalf("narrow run held %d, want 30", rep.Held)
		}
		c := newClient(t, w.url)
		c.login("root@acme.test")
		const french = "Retenue jusqu’à la confirmation d’un administrateur de la plateforme\u00a0: cette synchronisation désactiverait 30 des 60 utilisateurs actifs synchronisés depuis LDAP / Active Directory, plus que les "
		for _, path := range []string{fmt.Sprintf("/directory/sync/runs/%d", rep.RunID), "/directory/sync"} {
			req, err := http.NewRequest(http.MethodGet, w.url+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Accept-Language", "fr")
			r := c.do(req)
			if r.Status != http.StatusOK {
				t.Fatalf("GET %s: %d", path, r.Status)
			}
			has(t, r.Body, french)
			hasNot(t, r.Body, "held for a platform admin", "Held for a platform admin", `class="raw" id="run-reason"`, `sync-error raw`)
		}
		r := c.get(fmt.Sprintf("/directory/sync/runs/%d", rep.RunID))
		has(t, r.Body, "Held for a platform admin’s confirmation: this run would deactivate 30 of the 60 active users synced from LDAP / Active Directory")
	})
}
