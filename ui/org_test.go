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

// orgSetup gives the world an org structure: the unit "Field" (every
// fixture user names it), with alice as its Team lead, so that in positions
// mode alice manages the other people of Field. frank's stored line link
// to gina is what counts in import mode.
func orgSetup(t *testing.T, w *world) reportline.OrgUnit {
	t.Helper()
	ctx := context.Background()
	sys := app.SystemActor(reportline.SourceAPI)
	unit, err := w.env.App.CreateOrgUnit(ctx, sys, app.OrgUnitInput{Name: "Field"})
	if err != nil {
		t.Fatal(err)
	}
	lead := "Team lead"
	if _, err := w.env.App.UpdateUser(ctx, sys, w.alice.ID, app.UserPatch{Position: &lead}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.env.App.SetManagerPositions(ctx, sys, []string{"Team Lead"}); err != nil {
		t.Fatal(err)
	}
	return unit
}

// starred returns the names the group's user list marks with the manager
// star.
func starred(body string) []string {
	var out []string
	for _, m := range starRow.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

var starRow = regexp.MustCompile(`<a href="/users/\d+\?group=\d+">([^<]+)</a> <span class="star"`)

func TestSettingsPagesArePlatformAdminsOnly(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		unit := orgSetup(t, w)
		ada := newClient(t, w.url)
		ada.login("ada@acme.test")
		for _, path := range []string{"/settings/subordinates", "/settings/org-structure", fmt.Sprintf("/settings/org-structure?unit=%d", unit.ID)} {
			r := ada.get(path)
			if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "Only platform admins may") {
				t.Errorf("GET %s by a group admin: %d, want 403 with the reason", path, r.Status)
			}
		}
		for path, form := range map[string]url.Values{
			"/settings/subordinates":                                        {"mode": {"positions"}},
			"/settings/org-structure/units":                                 {"name": {"Mine"}},
			fmt.Sprintf("/settings/org-structure/units/%d/rename", unit.ID): {"name": {"Mine"}},
			fmt.Sprintf("/settings/org-structure/units/%d/move", unit.ID):   {"parent": {""}},
			fmt.Sprintf("/settings/org-structure/units/%d/delete", unit.ID): {},
			"/settings/org-structure/positions":                             {"titles": {"Consultant"}},
		} {
			if r := ada.post(path, form); r.Status != http.StatusForbidden {
				t.Errorf("POST %s by a group admin: %d, want 403", path, r.Status)
			}
		}
		if m, _ := w.env.App.AssignMode(context.Background()); m != reportline.AssignByImport {
			t.Errorf("a refused switch happened: %s", m)
		}
		if r := ada.get("/groups"); strings.Contains(r.Body, `id="nav-settings"`) {
			t.Error("a group admin is offered the settings")
		}
		root := newClient(t, w.url)
		root.login("root@acme.test")
		if r := root.get("/groups"); !strings.Contains(r.Body, `id="nav-settings"`) {
			t.Error("a platform admin is not offered the settings")
		}
		if r := root.get("/settings"); r.Status != http.StatusSeeOther || r.Location() != "/settings/subordinates" {
			t.Errorf("/settings: %d → %s", r.Status, r.Location())
		}
	})
}

func TestSubordinatesPageSwitchesModeAndStarsFollow(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		orgSetup(t, w)
		c := newClient(t, w.url)
		c.login("root@acme.test")

		r := c.get("/settings/subordinates")
		if r.Status != http.StatusOK {
			t.Fatalf("subordinates: %d", r.Status)
		}
		has(t, r.Body, `value="import" checked`, "By positions mapping", "By import value", "Manager star near the user&#39;s profile",
			`id="caps-positions"`, `id="caps-import"`, "Managers by org structure", "Imported managers")
		sales := fmt.Sprintf("/groups/%d/users", w.sales.ID)
		finance := fmt.Sprintf("/groups/%d/users", w.finance.ID)
		if got := starred(c.get(finance).Body); strings.Join(got, ",") != "Frank Petit" {
			t.Errorf("import mode: Finance stars %v, want Frank", got)
		}
		if got := starred(c.get(sales).Body); len(got) != 0 {
			t.Errorf("import mode: Sales stars %v, want none (positions make nobody a manager)", got)
		}

		r = c.post("/settings/subordinates", url.Values{"mode": {"positions"}})
		if r.Status != http.StatusSeeOther || r.Location() != "/settings/subordinates?saved=1" {
			t.Fatalf("save: %d → %s", r.Status, r.Location())
		}
		r = c.get(r.Location())
		has(t, r.Body, `value="positions" checked`, `id="flash"`)
		if got := starred(c.get(sales).Body); strings.Join(got, ",") != "Alice Martin" {
			t.Errorf("positions mode: Sales stars %v, want Alice", got)
		}
		if got := starred(c.get(finance).Body); len(got) != 0 {
			t.Errorf("positions mode: Finance stars %v, want none", got)
		}
		has(t, c.get(fmt.Sprintf("/users/%d", w.alice.ID)).Body, `<span class="star"`, "Manager</span>")
		hasNot(t, c.get(fmt.Sprintf("/users/%d", w.frank.ID)).Body, `<span class="star"`)

		if r := c.post("/settings/subordinates", url.Values{"mode": {"both"}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="problem"`) {
			t.Errorf("a bad mode: %d", r.Status)
		}
		if m, _ := w.env.App.AssignMode(context.Background()); m != reportline.AssignByPositions {
			t.Errorf("mode = %s after a refused save", m)
		}
	})
}

func TestOrgStructurePage(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		w := newWorld(t, engine)
		field := orgSetup(t, w)
		c := newClient(t, w.url)
		c.login("root@acme.test")

		r := c.get("/settings/org-structure")
		has(t, r.Body, `data-unit="Field"`, "Alice Martin", `id="mode-note"`, "By import value", "Team Lead", `id="held"`, "Consultant")

		// Add a sub-unit, then refuse a duplicate, keeping the typed name.
		r = c.post("/settings/org-structure/units", url.Values{"name": {"Field Ops"}, "parent_id": {fmt.Sprint(field.ID)}})
		if r.Status != http.StatusSeeOther || !strings.Contains(r.Location(), "done=created") {
			t.Fatalf("create: %d → %s", r.Status, r.Location())
		}
		ops, err := w.env.App.FindOrgUnit(ctx, app.SystemActor(reportline.SourceAPI), "field ops")
		if err != nil || ops.ParentID != field.ID {
			t.Fatalf("Field Ops = %+v, %v", ops, err)
		}
		has(t, c.get(r.Location()).Body, "The org unit was created.", `<li><a href="/settings/org-structure?unit=`, "Field Ops")
		r = c.post("/settings/org-structure/units", url.Values{"name": {" FIELD "}, "parent_id": {"0"}})
		if r.Status != http.StatusConflict || !strings.Contains(r.Body, `id="problem"`) || !strings.Contains(r.Body, `value=" FIELD "`) {
			t.Errorf("duplicate: %d", r.Status)
		}

		// Move under an unknown unit, then under itself: refused, said why.
		move := fmt.Sprintf("/settings/org-structure/units/%d/move", field.ID)
		if r := c.post(move, url.Values{"parent": {"Atlantis"}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "There is no org unit named") {
			t.Errorf("move under an unknown unit: %d", r.Status)
		}
		if r := c.post(move, url.Values{"parent": {"Field Ops"}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Field → Field Ops") {
			t.Errorf("move under a sub-unit: %d", r.Status)
		}
		// Rename: the users follow, and the flash says how many.
		r = c.post(fmt.Sprintf("/settings/org-structure/units/%d/rename", field.ID), url.Values{"name": {"Field Force"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("rename: %d", r.Status)
		}
		has(t, c.get(r.Location()).Body, "The org unit was renamed. Its 8 users now carry the new name")
		// A unit with a sub-unit cannot be deleted; the sub-unit can.
		if r := c.post(fmt.Sprintf("/settings/org-structure/units/%d/delete", field.ID), nil); r.Status != http.StatusConflict {
			t.Errorf("delete a unit with a sub-unit: %d", r.Status)
		}
		r = c.post(fmt.Sprintf("/settings/org-structure/units/%d/delete", ops.ID), nil)
		if r.Status != http.StatusSeeOther || r.Location() != fmt.Sprintf("/settings/org-structure?done=deleted&unit=%d", field.ID) {
			t.Errorf("delete: %d → %s", r.Status, r.Location())
		}

		// The positions mapping, one title per line.
		r = c.post("/settings/org-structure/positions", url.Values{"titles": {"Team lead\r\nConsultant\r\n\r\n"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("positions: %d", r.Status)
		}
		got, err := w.env.App.ManagerPositions(ctx, app.SystemActor(reportline.SourceAPI))
		if err != nil || strings.Join(got, "|") != "Consultant|Team lead" {
			t.Errorf("positions = %v, %v", got, err)
		}
	})
}

func TestOrgStructurePageEmpty(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		c := newClient(t, w.url)
		c.login("root@acme.test")
		r := c.get("/settings/org-structure")
		if r.Status != http.StatusOK {
			t.Fatalf("status %d", r.Status)
		}
		has(t, r.Body, "The org structure has no units yet.", `name="parent_id" value="0"`, "Consultant")
		if r := c.post("/settings/subordinates", url.Values{"mode": {"positions"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("save: %d", r.Status)
		}
		has(t, c.get("/settings/subordinates").Body, `id="structure-empty"`, "The org structure has no units")
		if r := c.get("/settings/org-structure?unit=4242"); r.Status != http.StatusNotFound {
			t.Errorf("an unknown unit: %d, want 404", r.Status)
		}
	})
}
