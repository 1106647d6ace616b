package ui_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"reportline"
	"reportline/app"
	"reportline/internal/browser"
	"reportline/internal/testapp"
	"reportline/store"
)

// TestBrowserDirectorySync is the Directory sync page in a real browser: a
// platform admin sees each source's last runs (a failed LDAP read with its
// reason, an applied sync with a problem), opens a run and sees its counts,
// problems and user changes; a group admin is not offered the page.
func TestBrowserDirectorySync(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		ctx := context.Background()
		ldap := app.SystemActor(reportline.SourceLDAP)
		batch := reportline.DirectoryBatch{Source: reportline.SourceLDAP, Full: true, Users: []reportline.DirectoryUser{
			{ExternalID: "u-1", Email: "alice@acme.test", FirstName: "Alice", LastName: "Martin", Position: "Director", Active: true},
			{ExternalID: "u-2", Email: "new.hire@acme.test", FirstName: "Nina", LastName: "Hire", Active: true, ManagerExternalID: "u-1"},
			{ExternalID: "u-3", Email: "lost@acme.test", FirstName: "Lost", Active: true, ManagerExternalID: "u-404"},
		}}
		rep, err := w.env.App.SyncDirectory(ctx, ldap, batch, false)
		if err != nil {
			t.Fatal(err)
		}
		_, err = w.env.App.SyncDirectoryFrom(ctx, ldap, reportline.SourceLDAP, false, func(context.Context) (reportline.DirectoryBatch, error) {
			return reportline.DirectoryBatch{}, errors.New("LDAP bind as \"cn=sync\": LDAP Result Code 49 \"Invalid Credentials\"")
		})
		if err == nil {
			t.Fatal("a failing read succeeded")
		}

		b := browser.New(t)
		signIn(t, b, w.url, "root@acme.test")
		clickAdminTool(t, b, "#nav-directory-sync")
		if loc := location(t, b, w.url); loc != "/directory/sync" {
			t.Fatalf("Directory sync led to %s", loc)
		}
		rows := texts(t, b, "#sync-ldap tbody tr")
		if len(rows) != 3 || !strings.Contains(rows[0], "Failed") || !strings.Contains(rows[1], "Invalid Credentials") ||
			!strings.Contains(rows[2], "Done, 1 problem") || !strings.Contains(rows[2], "2 / 1 / 0") {
			t.Errorf("LDAP runs = %q", rows)
		}
		if empty := texts(t, b, "#sync-graph .empty"); len(empty) != 1 {
			t.Errorf("Entra ID card = %q, want it to say no sync ran", empty)
		}
		browser.Screenshot(t, b, "directory-sync")

		click(t, b, fmt.Sprintf(`#sync-ldap tr[data-run-id="%d"] a`, rep.RunID))
		if got := texts(t, b, "#count-created dd"); len(got) != 1 || got[0] != "2" {
			t.Errorf("created = %q, want 2", got)
		}
		if got := texts(t, b, "#run-problems tbody tr"); len(got) != 1 || !strings.Contains(got[0], "u-404") {
			t.Errorf("problems = %q, want lost's manager u-404", got)
		}
		if got := texts(t, b, "#run-changes tbody tr"); len(got) != 3 || !strings.Contains(strings.Join(got, "\n"), "Position: Consultant → Director") {
			t.Errorf("changes = %q", got)
		}
		browser.Screenshot(t, b, "directory-sync-run")

		// A group admin is neither offered the page nor shown it.
		g := browser.New(t)
		signIn(t, g, w.url, "ada@acme.test")
		if got := texts(t, g, "#nav-directory-sync"); len(got) != 0 {
			t.Errorf("a group admin is offered the sync page")
		}
		if err := chromedp.Do(g, chromedp.Navigate(w.url+"/directory/sync")); err != nil {
			t.Fatal(err)
		}
		if got := texts(t, g, "h1"); len(got) != 1 || strings.Contains(got[0], "Directory sync") {
			t.Errorf("a group admin sees %q", got)
		}
	})
}
