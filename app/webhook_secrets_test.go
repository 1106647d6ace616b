package app_test

import (
	"bytes"
	"context"
	"log/slog"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/secret"
	"reportline/store"
	"reportline/webhook"
)

// TestWebhookSecretsSealedAndResealed: a subscriber's signing secret is not
// in the clear in its row once the installation has a key (new ones at
// once, older ones by SealWebhookSecrets), deliveries are still signed with
// it, and `secrets reseal` (ResealSecrets) moves every sealed secret to the
// newest key, idempotently, after which the old key can go.
func TestWebhookSecretsSealedAndResealed(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine)
		clock := o.env.Now
		pa := testapp.Actor(o.pa)
		newApp := func(k *secret.Keyring) *app.App {
			return app.New(app.Adapt(o.env.DB.Read, o.env.DB.Write, o.env.DB.Ping), app.Config{Now: clock.Now,
				Logger: slog.New(slog.DiscardHandler), Secrets: k, WebhookAllowPrivate: true})
		}
		stored := func() map[int64]reportline.WebhookSubscriber {
			t.Helper()
			out := map[int64]reportline.WebhookSubscriber{}
			if err := o.env.DB.Read(ctx, func(tx *store.Tx) error {
				subs, err := tx.WebhookSubscribers(ctx)
				for _, s := range subs {
					out[s.ID] = s
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return out
		}
		sealed := func() []reportline.SealedSecret {
			t.Helper()
			var out []reportline.SealedSecret
			if err := o.env.DB.Read(ctx, func(tx *store.Tx) error {
				var err error
				out, err = tx.Secrets(ctx)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return out
		}

		// Made before the installation had a key: in the clear, as before.
		legacyRcv, rcv := newReceiver(t, clock.Now), newReceiver(t, clock.Now)
		legacy, legacySecret, err := newApp(nil).CreateWebhook(ctx, pa, app.NewWebhook{URL: legacyRcv.srv.URL})
		if err != nil {
			t.Fatal(err)
		}
		legacyRcv.secret = legacySecret
		if got := stored()[legacy.ID].Secret; got != legacySecret {
			t.Fatalf("without a key the row holds %q, want the secret as before", got)
		}

		k2026 := newApp(keyring(t, "2026:"+b64key(1)))
		sub, subSecret, err := k2026.CreateWebhook(ctx, pa, app.NewWebhook{URL: rcv.srv.URL})
		if err != nil {
			t.Fatal(err)
		}
		rcv.secret = subSecret
		if got := stored()[sub.ID].Secret; got != "" {
			t.Errorf("with a key the row holds %q, want nothing", got)
		}
		if n, err := k2026.SealWebhookSecrets(ctx); err != nil || n != 1 {
			t.Fatalf("SealWebhookSecrets = %d, %v; want the one made without a key", n, err)
		}
		if n, err := k2026.SealWebhookSecrets(ctx); err != nil || n != 0 {
			t.Errorf("SealWebhookSecrets again = %d, %v; want 0", n, err)
		}
		for id, s := range stored() {
			if s.Secret != "" {
				t.Errorf("webhook %d's row still holds a secret", id)
			}
		}
		all := sealed()
		if len(all) != 2 {
			t.Fatalf("sealed secrets = %+v, want the two subscribers'", all)
		}
		for _, s := range all {
			if s.KeyID != "2026" || bytes.Contains(s.Box, []byte(subSecret)) || bytes.Contains(s.Box, []byte(legacySecret)) {
				t.Errorf("sealed %s under %s holds a secret in the clear or the wrong key", s.Name, s.KeyID)
			}
		}

		// Rotation: 2027 is the key, 2026 an old one; reseal moves both.
		rotated := newApp(keyring(t, "2027:"+b64key(2), "2026:"+b64key(1)))
		r, err := rotated.ResealSecrets(ctx)
		if err != nil || r.Resealed != 2 || r.Current != 0 || r.Tenants != 1 {
			t.Fatalf("reseal = %+v, %v; want 2 resealed in 1 tenant", r, err)
		}
		if r, err := rotated.ResealSecrets(ctx); err != nil || r.Resealed != 0 || r.Current != 2 || r.WebhooksSealed != 0 {
			t.Errorf("reseal again = %+v, %v; want nothing to do, 2 current", r, err)
		}
		for _, s := range sealed() {
			if s.KeyID != "2027" {
				t.Errorf("%s is still under %s", s.Name, s.KeyID)
			}
		}
		if _, err := newApp(nil).ResealSecrets(ctx); err == nil {
			t.Error("reseal without a key did not fail")
		}

		// With the old key dropped, deliveries are still signed with each
		// subscriber's own secret (the receivers verify them).
		o.link(t, o.mgr, o.y, reportline.Line)
		newest := newApp(keyring(t, "2027:"+b64key(2)))
		client := webhook.NewClient(webhook.ClientOptions{AllowPrivate: true, RootCAs: poolOf(rcv.srv)})
		if n, err := newest.NewWebhookWorker(client, webhook.Options{}).DeliverDue(ctx); err != nil || n == 0 {
			t.Fatalf("deliveries = %d, %v", n, err)
		}
		for name, r := range map[string]*receiver{"sealed at creation": rcv, "sealed later": legacyRcv} {
			r.mu.Lock()
			if len(r.got) == 0 || r.forged != 0 {
				t.Errorf("the subscriber %s got %d events, %d with a bad signature", name, len(r.got), r.forged)
			}
			r.mu.Unlock()
		}

		// Without the key a sealed secret does not open: nothing is sent.
		o.link(t, o.mgr, o.z, reportline.Line)
		if _, err := newApp(keyring(t, "2028:"+b64key(3))).NewWebhookWorker(client, webhook.Options{}).DeliverDue(ctx); err == nil {
			t.Error("deliveries went out with a keyring that cannot open the secrets")
		}

		// Deleting a subscriber deletes its sealed secret.
		if err := newest.DeleteWebhook(ctx, pa, sub.ID); err != nil {
			t.Fatal(err)
		}
		if n := len(sealed()); n != 1 {
			t.Errorf("after a deletion %d sealed secrets remain, want 1", n)
		}
	})
}
