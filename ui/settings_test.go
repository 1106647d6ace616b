package ui_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
	"reportline/webhook"
)

// TestSettingsCoverPage: a platform admin reads cover.notify and
// leaver.sync in plain words and changes them with the form (the same
// App methods as everywhere, recorded); a wrong value shows the page again;
// group admins neither read nor post it. The Organisation tabs lead to it.
func TestSettingsCoverPage(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		ctx := context.Background()
		ada := newClient(t, w.url)
		ada.login("ada@acme.test")
		if r := ada.get("/settings/cover"); r.Status != http.StatusForbidden {
			t.Errorf("a group admin reads Cover & leavers: %d, want 403", r.Status)
		}
		if r := ada.post("/settings/cover", url.Values{"cover_notify": {"instead"}, "leaver_sync": {"manager"}}); r.Status != http.StatusForbidden {
			t.Errorf("a group admin's save: %d, want 403", r.Status)
		}
		root := newClient(t, w.url)
		root.login("root@acme.test")
		r := root.get("/settings/organisation")
		has(t, r.Body, `id="settings-tabs"`, `id="tab-organisation" aria-current="page"`, `href="/settings/cover"`, `href="/settings/webhooks"`)
		r = root.get("/settings/cover")
		checkHTML(t, "/settings/cover", r.Body)
		has(t, r.Body, `id="tab-cover" aria-current="page"`, "the delegate receives them with the manager.",
			"their reports are left flagged for an admin.", `value="with" checked`, `value="flag" checked`)

		if r = root.post("/settings/cover", url.Values{"cover_notify": {"sometimes"}, "leaver_sync": {"manager"}}); r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("a wrong value: %d, want 422", r.Status)
		}
		has(t, r.Body, `id="problem"`, "cover_notify")
		if got, _ := w.env.App.CoverSettings(ctx, testapp.Actor(w.root)); got.LeaverSync != reportline.LeaverFlag {
			t.Errorf("a refused form changed leaver.sync to %q", got.LeaverSync)
		}
		if r = root.post("/settings/cover", url.Values{"cover_notify": {"instead"}, "leaver_sync": {"manager"}}); r.Status != http.StatusSeeOther || r.Location() != "/settings/cover?saved=1" {
			t.Fatalf("save: %d %s", r.Status, r.Location())
		}
		has(t, root.get("/settings/cover?saved=1").Body, `id="flash"`, "the delegate receives them instead of the manager.",
			"their reports move to the leaver&#39;s own manager.", `value="instead" checked`, `value="manager" checked`)
		got, err := w.env.App.CoverSettings(ctx, testapp.Actor(w.root))
		if err != nil || got != (app.CoverSettings{CoverNotify: reportline.CoverNotifyInstead, LeaverSync: reportline.LeaverToManager}) {
			t.Errorf("CoverSettings after saving = %+v, %v", got, err)
		}
		changes, err := w.env.App.Changes(ctx, testapp.Actor(w.root), reportline.ChangeFilter{Action: "settings.change"})
		if err != nil || len(changes) != 2 {
			t.Errorf("recorded changes = %d, %v; want cover.notify and leaver.sync", len(changes), err)
		}
		// Saving the same values again records nothing.
		root.post("/settings/cover", url.Values{"cover_notify": {"instead"}, "leaver_sync": {"manager"}})
		if again, _ := w.env.App.Changes(ctx, testapp.Actor(w.root), reportline.ChangeFilter{Action: "settings.change"}); len(again) != 2 {
			t.Errorf("an unchanged save recorded %d changes, want 2 in all", len(again))
		}
	})
}

// failingReceiver answers every delivery 503, without a network.
type failingReceiver struct{}

func (failingReceiver) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusServiceUnavailable, Status: "503 Service Unavailable", Body: io.NopCloser(strings.NewReader("")),
		Header: http.Header{}, Request: r}, nil
}

// TestSettingsWebhooksPages: a platform admin adds a subscriber (a
// private address refused with the reason, the secret shown on the answer
// only), sees its delivery fail in plain words, replays it, disables it
// (no new event), rotates its secret and deletes it; each through App,
// recorded. Group admins are refused every page and action.
func TestSettingsWebhooksPages(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		ctx := context.Background()
		root := newClient(t, w.url)
		root.login("root@acme.test")
		r := root.get("/settings/webhooks")
		checkHTML(t, "/settings/webhooks", r.Body)
		has(t, r.Body, `id="tab-webhooks" aria-current="page"`, `id="webhooks-empty"`, `value="com.reportline.link.created"`)

		r = root.post("/settings/webhooks", url.Values{"url": {"https://127.0.0.1/hook"}, "types": {reportline.EventLinkCreated}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("a loopback URL: %d, want 422", r.Status)
		}
		has(t, r.Body, `id="problem"`, "which webhooks may not reach", `value="https://127.0.0.1/hook"`, `value="com.reportline.link.created" checked`)

		r = root.post("/settings/webhooks", url.Values{"url": {"https://hooks.example.com/reportline"}, "types": {reportline.EventLinkCreated, reportline.EventLinkEnded}})
		if r.Status != http.StatusCreated {
			t.Fatalf("add: %d", r.Status)
		}
		secret := regexp.MustCompile(`id="webhook-secret" translate="no">(whsec_[A-Z2-7]+)<`).FindStringSubmatch(r.Body)
		if secret == nil {
			t.Fatalf("the secret is not shown on the answer:\n%s", r.Body)
		}
		has(t, r.Body, "Manager link created, Manager link ended", "docs/webhooks.md")
		list := root.get("/settings/webhooks")
		hasNot(t, list.Body, secret[1], `id="webhook-secret"`)
		subs, err := w.env.App.WebhookSummaries(ctx, testapp.Actor(w.root))
		if err != nil || len(subs) != 1 {
			t.Fatalf("subscribers = %+v, %v", subs, err)
		}
		id := subs[0].ID
		page := "/settings/webhooks/" + itoa(id)
		has(t, root.get(page).Body, `id="webhook-log-empty"`, `id="webhook-disable"`)

		ada := newClient(t, w.url)
		ada.login("ada@acme.test")
		for _, p := range []string{"/settings/webhooks", page} {
			if r := ada.get(p); r.Status != http.StatusForbidden {
				t.Errorf("a group admin GET %s: %d, want 403", p, r.Status)
			}
		}
		for _, p := range []string{"/settings/webhooks", page + "/disable", page + "/rotate", page + "/delete"} {
			if r := ada.post(p, url.Values{"url": {"https://evil.example.com/"}}); r.Status != http.StatusForbidden {
				t.Errorf("a group admin POST %s: %d, want 403", p, r.Status)
			}
		}

		// A change, and a receiver that answers 503: it fails for good
		// after one attempt here.
		if _, err := w.env.App.AddLinks(ctx, app.SystemActor(reportline.SourceAPI), app.LinkRequest{User: w.bob.ID, Direction: reportline.Managers,
			IDs: []reportline.UserID{w.alice.ID}}); err != nil {
			t.Fatal(err)
		}
		worker := w.env.App.NewWebhookWorker(&http.Client{Transport: failingReceiver{}}, webhook.Options{MaxAttempts: 1})
		if n, err := worker.DeliverDue(ctx); err != nil || n != 1 {
			t.Fatalf("delivered %d, %v; want one attempt", n, err)
		}
		has(t, root.get("/settings/webhooks").Body, "The receiver answered with an error (HTTP 503).")
		r = root.get(page)
		has(t, r.Body, `data-status="failed"`, "Manager link created", "The receiver answered with an error (HTTP 503).", "UTC")
		ds, err := w.env.App.WebhookDeliveries(ctx, testapp.Actor(w.root), id, 10)
		if err != nil || len(ds) != 1 {
			t.Fatalf("deliveries = %+v, %v", ds, err)
		}
		replay := page + "/deliveries/" + itoa(ds[0].ID) + "/replay"
		if r := ada.post(replay, nil); r.Status != http.StatusForbidden {
			t.Errorf("a group admin's replay: %d, want 403", r.Status)
		}
		if r = root.post(replay, nil); r.Status != http.StatusSeeOther {
			t.Fatalf("replay: %d", r.Status)
		}
		has(t, root.get(r.Location()).Body, `id="flash"`, `data-status="pending"`)

		// Disabled: no event is recorded for it.
		if r = root.post(page+"/disable", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("disable: %d", r.Status)
		}
		has(t, root.get(r.Location()).Body, `id="webhook-enable"`, "Disabled since")
		if err := w.env.App.RemoveLink(ctx, app.SystemActor(reportline.SourceAPI), reportline.Pair{ManagerID: w.alice.ID, ManageeID: w.bob.ID}); err != nil {
			t.Fatal(err)
		}
		if ds, _ := w.env.App.WebhookDeliveries(ctx, testapp.Actor(w.root), id, 10); len(ds) != 1 {
			t.Errorf("a disabled subscriber got %d deliveries, want the one from before", len(ds))
		}
		if n, err := worker.DeliverDue(ctx); err != nil || n != 0 {
			t.Errorf("a disabled subscriber's delivery was sent: %d, %v", n, err)
		}
		if r = root.post(page+"/enable", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("enable: %d", r.Status)
		}

		// A new secret, shown once.
		r = root.post(page+"/rotate", nil)
		rotated := regexp.MustCompile(`id="webhook-secret" translate="no">(whsec_[A-Z2-7]+)<`).FindStringSubmatch(r.Body)
		if r.Status != http.StatusOK || rotated == nil || rotated[1] == secret[1] {
			t.Fatalf("rotate: %d, secret %v", r.Status, rotated)
		}
		hasNot(t, root.get(page).Body, rotated[1])

		if r = root.post(page+"/delete", nil); r.Status != http.StatusSeeOther || r.Location() != "/settings/webhooks?deleted=1" {
			t.Fatalf("delete: %d %s", r.Status, r.Location())
		}
		has(t, root.get("/settings/webhooks?deleted=1").Body, `id="webhooks-empty"`)
		changes, err := w.env.App.Changes(ctx, testapp.Actor(w.root), reportline.ChangeFilter{Action: "webhooks.manage"})
		if err != nil || len(changes) != 6 {
			t.Errorf("recorded = %d, %v; want add, replay, disable, enable, rotate, delete", len(changes), err)
		}
		for _, c := range changes {
			if strings.Contains(string(c.After)+string(c.Before), "whsec_") {
				t.Errorf("a change record holds a secret: %s", c.What)
			}
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
