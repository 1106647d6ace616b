package ui_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// A held run is shown as held with a Confirm button for platform admins;
// confirming lets the next run of the source apply; a group admin cannot.
func TestDirectoryHeldRunConfirmedOnThePage(t *testing.T) {
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
		narrow := reportline.DirectoryBatch{Source: reportline.SourceLDAP, Full: true, Users: users[:30]}
		rep, _ := w.env.App.SyncDirectory(ctx, ldap, narrow, false)
		if rep.Held != 30 {
			t.Fatalf("narrow run held %d, want 30", rep.Held)
		}
		path := fmt.Sprintf("/directory/sync/runs/%d", rep.RunID)

		ga := newClient(t, w.url)
		ga.login("ada@acme.test")
		if r := ga.post(path+"/confirm", nil); r.Status == http.StatusSeeOther {
			t.Errorf("a group admin confirmed a held run")
		}

		c := newClient(t, w.url)
		c.login("root@acme.test")
		page := c.get(path)
		checkHTML(t, "held run", page.Body)
		has(t, page.Body, `id="run-held"`, "would have deactivated 30 people", `id="confirm-held"`, "Held: 30 deactivations")
		r := c.post(path+"/confirm", nil)
		if r.Status != http.StatusSeeOther {
			t.Fatalf("confirm = %d %s", r.Status, r.Body)
		}
		has(t, c.get(r.Location()).Body, `id="held-confirmed"`)
		if rep, err := w.env.App.SyncDirectory(ctx, ldap, narrow, false); err != nil || rep.Deactivated != 30 {
			t.Errorf("after the confirmation: %+v, %v; want 30 deactivated", rep.SyncCounts, err)
		}
	})
}
