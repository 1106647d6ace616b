package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
	"reportline/webhook"
)

// One webhook worker, started without a tenant, delivers the events of
// every active tenant, each to its own tenant's subscriber only (signed
// with that subscriber's secret), including the events of the timed
// effects the scheduler emits per tenant; a suspended tenant's deliveries
// wait until it is served again; a stopping worker hands back what it
// holds in every tenant, the suspended one included.
func TestWebhooksDeliveredPerTenant(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newTenantsWorld(t, engine)
		tenants := []reportline.TenantID{reportline.ImplicitTenant, w.beta, w.gamma}
		ctxOf := map[reportline.TenantID]context.Context{reportline.ImplicitTenant: w.implicitCtx, w.beta: w.betaCtx, w.gamma: w.gammaCtx}
		rcv := map[reportline.TenantID]*receiver{}
		for _, id := range tenants {
			r := newReceiver(t, w.env.Now.Now)
			_, secret, err := w.app.CreateWebhook(ctxOf[id], sys, app.NewWebhook{URL: r.srv.URL, AllowPrivate: true})
			if err != nil {
				t.Fatal(err)
			}
			r.secret, rcv[id] = secret, r
		}
		s := w.app.NewScheduler(app.SchedulerConfig{})
		tick := func() {
			t.Helper()
			if _, err := s.Tick(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		tick() // each active tenant's timed effects start here
		now := w.env.Now.Now()
		for _, id := range tenants {
			// A link now, and a temporary one that starts in an hour.
			for i, from := range []time.Time{{}, now.Add(time.Hour)} {
				m, err := w.app.CreateUser(ctxOf[id], sys, app.UserInput{Email: fmt.Sprintf("m%d@example.com", i), FirstName: "M"})
				if err != nil {
					t.Fatal(err)
				}
				req := app.LinkRequest{User: w.emp[id], Direction: reportline.Managers, Kind: reportline.Functional, IDs: []reportline.UserID{m.ID}}
				if !from.IsZero() {
					req.ValidFrom, req.ValidUntil = from, from.Add(24*time.Hour)
				}
				if _, err := w.app.AddLinks(ctxOf[id], sys, req); err != nil {
					t.Fatal(err)
				}
			}
		}
		w.env.Now.Advance(2 * time.Hour)
		tick()

		// A replica that stops while it holds deliveries in beta and in
		// the suspended gamma hands both back.
		for _, id := range []reportline.TenantID{w.beta, w.gamma} {
			if err := w.env.DB.Tenant(id).Write(context.Background(), func(tx *store.Tx) error {
				_, err := tx.ClaimWebhookDeliveries(context.Background(), reportline.WebhookClaim{Owner: "stopping", Now: w.env.Now.Now(), Lease: time.Hour, Limit: 1})
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		client := webhook.NewClient(webhook.ClientOptions{AllowPrivate: true, RootCAs: poolOf(rcv[w.beta].srv)})
		stopping := w.app.NewWebhookWorker(client, webhook.Options{Owner: "stopping"})
		if n, err := stopping.HandBack(context.Background()); err != nil || n != 2 {
			t.Fatalf("hand back = %d, %v; want 2 (one in beta, one in gamma)", n, err)
		}

		// One batch of one delivery per tenant per round.
		worker := w.app.NewWebhookWorker(client, webhook.Options{Batch: 1})
		n, err := worker.DeliverDue(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n != 4 {
			t.Errorf("delivered %d, want 4 (2 in the implicit tenant, 2 in beta)", n)
		}
		want := []string{"link.created", "link.created"} // the link of now, the temporary link when it starts
		for _, id := range tenants {
			r := rcv[id]
			got := r.bySubject()
			if r.forged != 0 {
				t.Errorf("tenant %d: %d deliveries signed with another tenant's secret", id, r.forged)
			}
			if id == w.gamma {
				if len(got) != 0 {
					t.Errorf("suspended tenant's subscriber got %v", got)
				}
				continue
			}
			subject := fmt.Sprintf("users/%d", w.emp[id])
			if len(got) != 1 || strings.Join(got[subject], " ") != strings.Join(want, " ") {
				t.Errorf("tenant %d: subscriber got %v, want only %s: %v", id, got, subject, want)
			}
		}
		var pending int
		if err := w.env.DB.Tenant(w.gamma).Read(context.Background(), func(tx *store.Tx) error {
			ds, err := tx.WebhookDeliveries(context.Background(), 0, 100)
			for _, d := range ds {
				if d.Status == reportline.DeliveryPending && d.Attempts <= 1 {
					pending++
				}
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if pending != 1 {
			t.Errorf("suspended tenant: %d deliveries pending, want 1 (its timed effects do not run: no start event)", pending)
		}

		// Served again, gamma's deliveries go out (the list of tenants is
		// read again after a while).
		if _, err := w.env.DB.SetTenantSuspended(context.Background(), "test", "gamma", false); err != nil {
			t.Fatal(err)
		}
		w.env.Now.Advance(time.Minute)
		if n, err := worker.DeliverDue(context.Background()); err != nil || n != 1 {
			t.Errorf("after gamma is served again: delivered %d, %v; want 1", n, err)
		}
		if got := rcv[w.gamma].bySubject()[fmt.Sprintf("users/%d", w.emp[w.gamma])]; len(got) != 1 {
			t.Errorf("gamma's subscriber got %v, want its link.created", got)
		}
	})
}
