package storetest

import (
	"context"
	"testing"
	"time"

	"reportline"
	"reportline/store"
)

// testWebhooks covers the webhook deliveries' contract: an event once per
// subscriber, the first open delivery of a (subscriber, subject) only is
// claimed, a claim is exclusive until its lease runs out, and a finish by
// a worker that lost its lease changes nothing.
func testWebhooks(t *testing.T, db DB) {
	ctx := context.Background()
	sub := reportline.WebhookSubscriber{URL: "https://hooks.example.com/x", Secret: "whsec_x", Types: []string{reportline.EventLinkCreated}, CreatedAt: day}
	write(t, db, func(tx *store.Tx) error { return tx.CreateWebhookSubscriber(ctx, &sub) })
	d := func(event, subject string) reportline.WebhookDelivery {
		return reportline.WebhookDelivery{SubscriberID: sub.ID, EventID: event, Type: reportline.EventLinkCreated, Subject: subject,
			Body: []byte(`{"id":"` + event + `"}`), NextAttempt: day, CreatedAt: day}
	}
	write(t, db, func(tx *store.Tx) error {
		n, err := tx.EnqueueWebhookDeliveries(ctx, []reportline.WebhookDelivery{d("e1", "A"), d("e2", "A"), d("e3", "B"), d("e1", "A")})
		if err == nil && n != 3 {
			t.Errorf("enqueued %d, want 3 (e1 once)", n)
		}
		return err
	})
	claim := func(owner string, lease time.Duration) []string {
		t.Helper()
		var ids []string
		write(t, db, func(tx *store.Tx) error {
			ds, err := tx.ClaimWebhookDeliveries(ctx, reportline.WebhookClaim{Owner: owner, Now: day, Lease: lease, Limit: 10})
			for _, x := range ds {
				ids = append(ids, x.EventID)
			}
			return err
		})
		return ids
	}
	idOf := map[string]int64{}
	read(t, db, func(tx *store.Tx) error {
		ds, err := tx.WebhookDeliveries(ctx, sub.ID, 0)
		for _, x := range ds {
			idOf[x.EventID] = x.ID
		}
		return err
	})
	if got := claim("a", time.Hour); len(got) != 2 || got[0] != "e1" || got[1] != "e3" {
		t.Fatalf("first claim = %v, want e1 and e3 (e2 waits for e1)", got)
	}
	if got := claim("b", time.Hour); len(got) != 0 {
		t.Fatalf("a second claim took %v while leased", got)
	}
	write(t, db, func(tx *store.Tx) error {
		_, err := tx.FinishWebhookDeliveries(ctx, "a", []reportline.WebhookAttempt{{DeliveryID: idOf["e1"], At: day, Attempt: 1, Status: reportline.DeliverySent, HTTPStatus: 204}})
		return err
	})
	if got := claim("b", time.Microsecond); len(got) != 1 || got[0] != "e2" {
		t.Fatalf("after e1 was sent the claim = %v, want e2", got)
	}
	time.Sleep(5 * time.Millisecond)
	if got := claim("c", time.Hour); len(got) != 1 || got[0] != "e2" {
		t.Fatalf("after b's lease ran out the claim = %v, want e2 again", got)
	}
	write(t, db, func(tx *store.Tx) error {
		n, err := tx.FinishWebhookDeliveries(ctx, "b", []reportline.WebhookAttempt{{DeliveryID: idOf["e2"], At: day, Attempt: 1, Status: reportline.DeliveryFailed, Error: "late"}})
		if err == nil && n != 0 {
			t.Errorf("a worker that lost its lease changed %d deliveries", n)
		}
		return err
	})
	write(t, db, func(tx *store.Tx) error {
		n, err := tx.ReleaseWebhookDeliveries(ctx, "c")
		if err == nil && n != 1 {
			t.Errorf("released %d, want e2", n)
		}
		return err
	})
	read(t, db, func(tx *store.Tx) error {
		ds, err := tx.WebhookDeliveries(ctx, sub.ID, 0)
		st := map[string]reportline.DeliveryStatus{}
		for _, x := range ds {
			st[x.EventID] = x.Status
		}
		if st["e1"] != reportline.DeliverySent || st["e2"] != reportline.DeliveryPending || st["e3"] != reportline.DeliverySending {
			t.Errorf("statuses = %v", st)
		}
		return err
	})
	// Disabled: its due deliveries are not claimed, and it wants nothing;
	// enabled again, they are.
	write(t, db, func(tx *store.Tx) error { return tx.SetWebhookDisabled(ctx, sub.ID, day) })
	read(t, db, func(tx *store.Tx) error {
		subs, err := tx.WebhookSubscribers(ctx)
		if err == nil && (len(subs) != 1 || !subs[0].DisabledAt.Equal(day) || subs[0].Wants(reportline.EventLinkCreated)) {
			t.Errorf("a disabled subscriber reads %+v", subs)
		}
		return err
	})
	if got := claim("d", time.Hour); len(got) != 0 {
		t.Fatalf("a disabled subscriber's deliveries were claimed: %v", got)
	}
	write(t, db, func(tx *store.Tx) error { return tx.SetWebhookDisabled(ctx, sub.ID, time.Time{}) })
	if got := claim("d", time.Hour); len(got) != 1 || got[0] != "e2" {
		t.Fatalf("enabled again, the claim = %v, want e2", got)
	}
	write(t, db, func(tx *store.Tx) error {
		if err := tx.SetWebhookSecret(ctx, sub.ID, "whsec_new"); err != nil {
			return err
		}
		if err := tx.SetWebhookSecret(ctx, sub.ID+1000, "whsec_x"); !reportline.IsCode(err, reportline.NotFound) {
			t.Errorf("a secret set on no subscriber: %v, want NotFound", err)
		}
		if err := tx.SetWebhookDisabled(ctx, sub.ID+1000, day); !reportline.IsCode(err, reportline.NotFound) {
			t.Errorf("no subscriber disabled: %v, want NotFound", err)
		}
		// A sent delivery may be replayed; one on its way may not.
		if err := tx.ReplayWebhookDelivery(ctx, sub.ID, idOf["e1"], day); err != nil {
			t.Errorf("replay a sent delivery: %v", err)
		}
		if err := tx.ReplayWebhookDelivery(ctx, sub.ID, idOf["e2"], day); !reportline.IsCode(err, reportline.NotFound) {
			t.Errorf("replay a delivery being sent: %v, want NotFound", err)
		}
		return nil
	})
	read(t, db, func(tx *store.Tx) error {
		subs, err := tx.WebhookSubscribers(ctx)
		if err == nil && (len(subs) != 1 || subs[0].Secret != "whsec_new" || !subs[0].Active()) {
			t.Errorf("after a new secret and enabling: %+v", subs)
		}
		ds, err := tx.WebhookDeliveries(ctx, sub.ID, 0)
		for _, x := range ds {
			if x.EventID == "e1" && (x.Status != reportline.DeliveryPending || x.Attempts != 0) {
				t.Errorf("replayed e1 = %s after %d attempts, want pending from the first", x.Status, x.Attempts)
			}
		}
		return err
	})
	write(t, db, func(tx *store.Tx) error { return tx.DeleteWebhookSubscriber(ctx, sub.ID) })
	read(t, db, func(tx *store.Tx) error {
		subs, err := tx.WebhookSubscribers(ctx)
		if len(subs) != 0 {
			t.Errorf("subscribers after delete = %v", subs)
		}
		return err
	})
}
