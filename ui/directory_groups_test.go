package ui_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// A platform admin maps a directory group onto Sales on the directory sync
// page, sees the mapping, is told why a second one is refused, and ends it;
// a group admin (Sales's own) can do none of it.
func TestDirectoryGroupMappingOnThePage(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		sales := strconv.FormatInt(int64(w.sales.ID), 10)

		ga := newClient(t, w.url)
		ga.login("ada@acme.test")
		if r := ga.post("/directory/scim-groups", url.Values{"group_id": {sales}, "display_name": {"SG-Sales"}}); r.Status != http.StatusForbidden {
			t.Errorf("Sales's group admin mapping Sales: %d, want 403", r.Status)
		}
		if gs, err := w.env.App.ListSCIMGroups(context.Background(), app.SystemActor(reportline.SourceCLI)); err != nil || len(gs) != 0 {
			t.Fatalf("after the group admin's try: %+v, %v; want nothing mapped", gs, err)
		}

		c := newClient(t, w.url)
		c.login("root@acme.test")
		page := c.get("/directory/sync")
		checkHTML(t, "directory sync", page.Body)
		has(t, page.Body, `id="scim-groups"`, "No SCIM client manages a group yet.", `id="scim-map-form"`, `<option value="`+sales+`"`)

		r := c.post("/directory/scim-groups", url.Values{"group_id": {sales}, "external_id": {"g-sales"}, "display_name": {"SG-Sales"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("map = %d %s", r.Status, r.Body)
		}
		page = c.get(r.Location())
		has(t, page.Body, `id="scim-groups-done"`, `data-group-id="`+sales+`"`, "SG-Sales", "g-sales", "Mapped by an admin on")

		// A second directory group onto Sales: refused, said, form kept.
		r = c.post("/directory/scim-groups", url.Values{"group_id": {sales}, "display_name": {"SG-Other"}})
		if r.Status != http.StatusConflict {
			t.Fatalf("second mapping = %d, want 409", r.Status)
		}
		checkHTML(t, "refused mapping", r.Body)
		has(t, r.Body, `id="scim-groups-error"`, "already mapped to the directory group", `value="SG-Other"`)

		if r := ga.post("/directory/scim-groups/"+sales+"/unmap", nil); r.Status != http.StatusForbidden {
			t.Errorf("the group admin ending the mapping: %d, want 403", r.Status)
		}
		r = c.post("/directory/scim-groups/"+sales+"/unmap", nil)
		if r.Status != http.StatusSeeOther {
			t.Fatalf("unmap = %d %s", r.Status, r.Body)
		}
		page = c.get(r.Location())
		has(t, page.Body, `id="scim-groups-done"`, "No SCIM client manages a group yet.")
		hasNot(t, page.Body, `data-group-id="`+sales+`"`)

		// In French.
		fr := newClient(t, w.url)
		fr.login("root@acme.test")
		req, err := http.NewRequest(http.MethodGet, w.url+"/directory/sync", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Accept-Language", "fr")
		res, err := fr.hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		has(t, string(b), `<html lang="fr">`, "Groupes de l’annuaire (SCIM)", "Associer un groupe de l’annuaire à un groupe existant")
	})
}
