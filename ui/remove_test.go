package ui_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

func TestRemoveConfirmAndUndo(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		ctx := context.Background()
		until := time.Now().AddDate(0, 3, 0).Truncate(24 * time.Hour)
		if _, err := w.env.App.AddLinks(ctx, app.SystemActor(reportline.SourceCSV), app.LinkRequest{User: w.alice.ID, Direction: reportline.Managers,
			Kind: reportline.Functional, IDs: []reportline.UserID{w.bob.ID}, ValidUntil: until, Comment: "project Zephyr"}); err != nil {
			t.Fatal(err)
		}
		c := newClient(t, w.url)
		c.login("ada@acme.test")
		page := fmt.Sprintf("/users/%d/managers", w.alice.ID)
		r := c.get(page)
		confirm := fmt.Sprintf("/users/%d/links/remove?managee_id=%d&amp;manager_id=%d", w.alice.ID, w.alice.ID, w.bob.ID)
		if !strings.Contains(r.Body, "/links/remove?") {
			t.Fatalf("Remove is not a link to a confirmation step:\n%s", r.Body)
		}
		// The confirmation step names who, and changes nothing.
		r = c.get(strings.ReplaceAll(confirm, "&amp;", "&"))
		if r.Status != http.StatusOK {
			t.Fatalf("confirmation: %d\n%s", r.Status, r.Body)
		}
		has(t, r.Body, "Remove Bob Bernard as a functional manager of Alice Martin?", "project Zephyr", `id="confirm-remove"`)
		if managers, _ := w.links(t, w.alice.ID); len(managers) != 1 {
			t.Fatalf("the confirmation step removed the link: %v", managers)
		}
		// Confirm: the banner names who was removed and offers Undo.
		r = c.post(fmt.Sprintf("/users/%d/links/remove", w.alice.ID), form("manager_id", fmt.Sprint(w.bob.ID), "managee_id", fmt.Sprint(w.alice.ID)))
		if r.Status != http.StatusSeeOther {
			t.Fatalf("remove: %d\n%s", r.Status, r.Body)
		}
		if managers, _ := w.links(t, w.alice.ID); len(managers) != 0 {
			t.Fatalf("after remove: %v", managers)
		}
		r = c.get(r.Location())
		has(t, r.Body, "Bob Bernard is no longer a manager of Alice Martin.", `id="undo"`)
		// Undo re-adds the same link with its terms, as Ada.
		r = c.post(fmt.Sprintf("/users/%d/links/undo", w.alice.ID), form("manager_id", fmt.Sprint(w.bob.ID), "managee_id", fmt.Sprint(w.alice.ID)))
		if r.Status != http.StatusSeeOther {
			t.Fatalf("undo: %d\n%s", r.Status, r.Body)
		}
		l, err := w.env.App.ListUserLinks(ctx, app.SystemActor(reportline.SourceAPI), w.alice.ID)
		if err != nil || len(l.Managers) != 1 {
			t.Fatalf("after undo: %v %v", l.Managers, err)
		}
		got := l.Managers[0].Link
		if got.ManagerID != w.bob.ID || got.Kind != reportline.Functional || got.Comment != "project Zephyr" || !got.ValidUntil.Equal(until) || got.CreatedBy != w.ada.ID {
			t.Errorf("undo re-added %+v, want Bob, functional, until %v, the comment, by Ada", got, until)
		}
		// A second Undo has nothing left to undo.
		if r := c.post(fmt.Sprintf("/users/%d/links/undo", w.alice.ID), form("manager_id", fmt.Sprint(w.bob.ID), "managee_id", fmt.Sprint(w.alice.ID))); r.Status != http.StatusConflict {
			t.Errorf("a second undo: %d, want 409", r.Status)
		}

		t.Run("undo is authorized again", func(t *testing.T) {
			// Frank → Gina is in Finance, outside Ada's groups: root removes it,
			// Ada may not undo it (nor may she open its confirmation step).
			root := newClient(t, w.url)
			root.login("root@acme.test")
			if r := root.post(fmt.Sprintf("/users/%d/links/remove", w.gina.ID), form("manager_id", fmt.Sprint(w.frank.ID), "managee_id", fmt.Sprint(w.gina.ID))); r.Status != http.StatusSeeOther {
				t.Fatalf("root removes: %d", r.Status)
			}
			if r := c.post(fmt.Sprintf("/users/%d/links/undo", w.gina.ID), form("manager_id", fmt.Sprint(w.frank.ID), "managee_id", fmt.Sprint(w.gina.ID))); r.Status != http.StatusForbidden {
				t.Errorf("Ada undoes root's removal out of her groups: %d, want 403", r.Status)
			}
			if managers, _ := w.links(t, w.gina.ID); len(managers) != 0 {
				t.Errorf("Gina's link came back: %v", managers)
			}
			// Root's own undo works, and only root's: it is root's removal.
			if r := root.post(fmt.Sprintf("/users/%d/links/undo", w.gina.ID), form("manager_id", fmt.Sprint(w.frank.ID), "managee_id", fmt.Sprint(w.gina.ID))); r.Status != http.StatusSeeOther {
				t.Errorf("root's undo: %d", r.Status)
			}
			if managers, _ := w.links(t, w.gina.ID); len(managers) != 1 {
				t.Errorf("after root's undo: %v", managers)
			}
		})
	})
}
