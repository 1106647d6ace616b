package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// TestOneClickUnsubscribe: a mail program's RFC 8058 POST, without any
// session, turns the notification off; a tampered link is 410 and changes
// nothing; the GET page only asks.
func TestOneClickUnsubscribe(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		ctx := context.Background()
		a := w.env.App
		tok, err := a.UnsubscribeToken(ctx, w.alice.ID, reportline.NotifyWeeklyDigest, w.env.Now.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		c := newClient(t, w.url) // not signed in
		receive := func() bool {
			prefs, err := a.NotificationPreferences(ctx, app.SystemActor(reportline.SourceAPI), w.alice.ID)
			if err != nil {
				t.Fatal(err)
			}
			return prefs[0].Receive
		}
		r := c.get("/unsubscribe?t=" + url.QueryEscape(tok))
		if r.Status != http.StatusOK || !receive() {
			t.Fatalf("GET: %d, receive %v; want the question and nothing changed", r.Status, receive())
		}
		has(t, r.Body, `id="unsubscribe-form"`, "Weekly digest")
		r = c.post("/unsubscribe?t="+url.QueryEscape(tok[:len(tok)-2]+"xx"), url.Values{"List-Unsubscribe": {"One-Click"}})
		if r.Status != http.StatusGone || !receive() {
			t.Errorf("tampered: %d, receive %v; want 410 and nothing changed", r.Status, receive())
		}
		r = c.post("/unsubscribe?t="+url.QueryEscape(tok), url.Values{"List-Unsubscribe": {"One-Click"}})
		if r.Status != http.StatusOK || receive() {
			t.Errorf("one click: %d, receive %v; want 200 and the digest off\n%s", r.Status, receive(), r.Body)
		}
		has(t, r.Body, `id="unsubscribe-done"`)
	})
}

// TestSwitchNotificationPerRole: a platform admin switches a notification
// off for learners on Notifications per role; the page shows it off and
// which ones are mandatory.
func TestSwitchNotificationPerRole(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		root := newClient(t, w.url)
		root.login("root@acme.test")
		r := root.get("/settings/notifications?role=learners")
		has(t, r.Body, `id="switch-temporary_link_start"`, `data-mandatory="true"`, `data-enabled="true"`)
		r = root.post("/settings/notifications/switch", url.Values{"role": {"learners"}, "type": {"temporary_link_start"}, "enabled": {"0"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("switch: %d\n%s", r.Status, r.Body)
		}
		roles, err := w.env.App.NotificationRoles(context.Background(), app.SystemActor(reportline.SourceAPI))
		if err != nil {
			t.Fatal(err)
		}
		if roles[reportline.NotificationRole{Type: reportline.NotifyTemporaryLinkStart, Audience: reportline.AudienceLearners}].Enabled ||
			!roles[reportline.NotificationRole{Type: reportline.NotifyTemporaryLinkStart, Audience: reportline.AudienceManagers}].Enabled {
			t.Errorf("after the switch: %+v", roles)
		}
		has(t, root.get("/settings/notifications?role=learners").Body, `data-enabled="false"`)
	})
}
