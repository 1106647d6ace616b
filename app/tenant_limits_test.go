package app_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	rlmail "reportline/mail"
	"reportline/outbox"
	"reportline/store"
)

// A tenant's mail rate holds its burst back without holding back another
// tenant's mail: the implicit tenant (30 messages a minute, a burst of one
// batch) sends one batch a tick while beta's whole queue goes out at once;
// the rest of the implicit tenant's mail goes at its rate as the clock
// moves on, nothing lost. The limit is a setting the operator changes
// (recorded in the tenant's change log), the operator's default applying
// where the tenant has none.
func TestTenantMailRate(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newTenantsWorld(t, engine)
		ctx := context.Background()
		op := app.OperatorActor(reportline.SourceCLI, "ops")
		rate := "30"
		v, err := w.app.SetTenantLimits(w.implicitCtx, op, app.TenantLimitsChange{MailPerMinute: &rate})
		if err != nil || v.Effective.MailPerMinute != 30 {
			t.Fatalf("set the implicit tenant's mail rate: %+v, %v", v, err)
		}
		fs, err := rlmail.NewFileSender(filepath.Join(t.TempDir(), "mail"), "reportline@example.com")
		if err != nil {
			t.Fatal(err)
		}
		s := &tenantSender{FileSender: fs}
		for i := range 10 {
			enqueueIn(t, w, reportline.ImplicitTenant, outboxMessage(fmt.Sprintf("a%d", i), "x@example.com"))
		}
		for i := range 5 {
			enqueueIn(t, w, w.beta, outboxMessage(fmt.Sprintf("b%d", i), "y@example.com"))
		}
		wk := w.app.NewOutboxWorker(struct{ outbox.Sender }{s}, outbox.Options{Batch: 4, Concurrency: 1})
		n, err := wk.DeliverDue(ctx)
		if err != nil || n != 9 {
			t.Fatalf("first tick: %d sends, %v; want one batch (4) of the implicit tenant's and beta's 5", n, err)
		}
		count := func(prefix string) int {
			c := 0
			for _, k := range s.sent {
				if strings.HasPrefix(k, prefix) {
					c++
				}
			}
			return c
		}
		if count("default:") != 4 || count("beta:") != 5 {
			t.Fatalf("sent %v; want 4 of the implicit tenant's and all 5 of beta's", s.sent)
		}
		if wk.HeldBack() == 0 {
			t.Error("HeldBack is 0; want the implicit tenant's batches held back counted")
		}
		// Beta's queue was delivered while the implicit tenant's mail was
		// still pending.
		pending := 0
		for _, m := range queuedIn(t, w.env.DB, reportline.ImplicitTenant, "") {
			if m.Status == reportline.DeliveryPending {
				pending++
			}
		}
		if pending != 6 {
			t.Errorf("%d of the implicit tenant's messages pending, want 6", pending)
		}
		// The same clock: nothing more of the implicit tenant's.
		if n, err := wk.DeliverDue(ctx); n != 0 || err != nil {
			t.Errorf("a second tick at the same instant: %d, %v; want nothing (the rate is spent)", n, err)
		}
		// 4 s later: 2 tokens (30 a minute).
		w.env.Now.Advance(4 * time.Second)
		if n, err := wk.DeliverDue(ctx); n != 2 || err != nil {
			t.Errorf("4 s later: %d, %v; want 2", n, err)
		}
		// A minute later: the bucket is full again (one batch), then the rest.
		w.env.Now.Advance(time.Minute)
		if n, err := wk.DeliverDue(ctx); n != 4 || err != nil {
			t.Errorf("a minute later: %d, %v; want a batch of 4", n, err)
		}
		if count("default:") != 10 {
			t.Errorf("%d of the implicit tenant's 10 messages sent in the end", count("default:"))
		}

		// The change was recorded in the implicit tenant's change log; a
		// tenant's own "" gives the operator's default back.
		found := false
		err = w.env.DB.Read(w.implicitCtx, func(tx *store.Tx) error {
			cs, err := tx.Changes(w.implicitCtx, reportline.ChangeFilter{Limit: 50})
			for _, c := range cs {
				found = found || (c.What == "tenant limits" && strings.Contains(c.After, "limit_mail_per_minute"))
			}
			return err
		})
		if err != nil || !found {
			t.Errorf("no change-log entry for the tenant limits (%v)", err)
		}
		withDefault := app.New(app.Adapt(w.env.DB.Read, w.env.DB.Write, w.env.DB.Ping, w.env.DB.ReadOnce), app.Config{Now: w.env.Now.Now,
			Tenants: w.env.DB.Tenants, TenantLimits: app.TenantLimits{MailPerMinute: 12}})
		unset := ""
		if _, err := withDefault.SetTenantLimits(w.implicitCtx, op, app.TenantLimitsChange{MailPerMinute: &unset}); err != nil {
			t.Fatal(err)
		}
		if got := withDefault.TenantMailPerMinute(w.implicitCtx); got != 12 {
			t.Errorf("the implicit tenant's mail rate without its own: %g, want the operator's 12", got)
		}
		if got := withDefault.TenantMailPerMinute(w.betaCtx); got != 12 {
			t.Errorf("beta's mail rate: %g, want the operator's 12", got)
		}
	})
}
