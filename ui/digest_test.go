package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// TestNotificationsPage: a manager sees their digest's preview and turns
// it off; the choice is what app records.
func TestNotificationsPage(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		ctx := context.Background()
		sys := app.SystemActor(reportline.SourceAPI)
		if _, err := w.env.App.AddLinks(ctx, sys, app.LinkRequest{User: w.alice.ID, Direction: reportline.Managers,
			IDs: []reportline.UserID{w.ada.ID}}); err != nil {
			t.Fatal(err)
		}
		c := newClient(t, w.url)
		c.login("ada@acme.test")
		r := c.get("/notifications")
		if r.Status != http.StatusOK {
			t.Fatalf("GET /notifications: %d", r.Status)
		}
		has(t, r.Body, `id="receive-weekly_digest" checked`, `id="receive-birthday" checked`, `id="preview-text"`, "Alice Martin")

		r = c.post("/notifications", url.Values{"receive": {"birthday"}})
		if r.Status != http.StatusSeeOther || r.Location() != "/notifications?saved=1" {
			t.Fatalf("save: %d %s", r.Status, r.Location())
		}
		prefs, err := w.env.App.NotificationPreferences(ctx, sys, w.ada.ID)
		if err != nil || prefs[0].Receive || !prefs[1].Receive {
			t.Fatalf("preferences after saving = %+v, %v; want the digest off", prefs, err)
		}
		r = c.get("/notifications?saved=1")
		has(t, r.Body, `id="flash"`)
		hasNot(t, r.Body, `id="receive-weekly_digest" checked`)

		// Someone who manages nobody has no preview.
		root := newClient(t, w.url)
		root.login("root@acme.test")
		hasNot(t, root.get("/notifications").Body, `id="preview-text"`)
	})
}

// TestDigestSettingsPage: platform admins change "skip empty digests";
// group admins neither read nor post it (a platform setting).
func TestDigestSettingsPage(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		ada := newClient(t, w.url)
		ada.login("ada@acme.test")
		if r := ada.get("/settings/digest"); r.Status != http.StatusForbidden {
			t.Errorf("a group admin reads the digest settings: %d, want 403", r.Status)
		}
		if r := ada.post("/settings/digest", url.Values{"skip_empty": {"1"}}); r.Status != http.StatusForbidden {
			t.Errorf("a group admin's save: %d, want 403", r.Status)
		}
		root := newClient(t, w.url)
		root.login("root@acme.test")
		has(t, root.get("/settings/digest").Body, `id="digest-save"`, "No digest was sent yet")
		if r := root.post("/settings/digest", url.Values{"skip_empty": {"1"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("save: %d", r.Status)
		}
		s, err := w.env.App.DigestSettings(context.Background(), app.SystemActor(reportline.SourceAPI))
		if err != nil || !s.SkipEmpty {
			t.Fatalf("settings = %+v, %v; want SkipEmpty", s, err)
		}
		has(t, root.get("/settings/digest?saved=1").Body, `id="skip-empty" checked`, `id="flash"`)
	})
}
