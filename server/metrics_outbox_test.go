package server_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	rlmail "reportline/mail"
	"reportline/outbox"
	"reportline/server"
	"reportline/store"
)

// A tenant that spends its mail rate shows on /metrics: beta may send 30
// messages a minute (a burst of one batch of 2) and has 6 queued; one
// tick of the worker sends the implicit tenant's 3 and 2 of beta's, holds
// the rest of beta's back, and reportline_outbox_held_back_total counts
// the batches held back (0 before the tick).
func TestOutboxHeldBackMetrics(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		env := testapp.New(t, engine)
		beta, err := env.DB.CreateTenantAs(ctx, "test", "beta", "b.example")
		if err != nil {
			t.Fatal(err)
		}
		metrics := server.NewMetrics()
		a := app.New(app.Adapt(env.DB.Read, env.DB.Write, env.DB.Ping, env.DB.ReadOnce), app.Config{Now: env.Now.Now,
			Logger: slog.New(slog.DiscardHandler), PasswordParams: testapp.FastPasswords, Recorder: metrics, Tenants: env.DB.Tenants})
		base := env.ServeConfig(t, server.Config{App: a, Metrics: metrics})
		betaCtx := reportline.WithTenant(ctx, beta)
		limit := "30"
		if _, err := a.SetTenantLimits(betaCtx, app.OperatorActor(reportline.SourceCLI, "ops"), app.TenantLimitsChange{MailPerMinute: &limit}); err != nil {
			t.Fatal(err)
		}
		now := env.Now.Now()
		enqueue := func(ctx context.Context, n int, prefix string) {
			t.Helper()
			var ms []reportline.OutboxMessage
			for i := range n {
				key := fmt.Sprintf("%s%d", prefix, i)
				ms = append(ms, reportline.OutboxMessage{Key: key, Type: reportline.NotifyTemplateMessage, To: key + "@example.com", Subject: "Hello",
					Text: "Body", HTML: "<p>Body</p>", MessageID: reportline.MessageIDFor(key), Status: reportline.DeliveryPending, NextAttempt: now, CreatedAt: now})
			}
			if err := env.DB.Write(ctx, func(tx *store.Tx) error { _, err := tx.EnqueueMessages(ctx, ms); return err }); err != nil {
				t.Fatal(err)
			}
		}
		enqueue(ctx, 3, "a")
		enqueue(betaCtx, 6, "b")

		sender, err := rlmail.NewFileSender(filepath.Join(t.TempDir(), "mail"), "reportline@example.com")
		if err != nil {
			t.Fatal(err)
		}
		w := a.NewOutboxWorker(sender, outbox.Options{Batch: 2, Concurrency: 1})
		metrics.WatchOutbox(w)
		heldBack := func() string {
			t.Helper()
			res, err := http.Get(base + "/metrics")
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			for _, l := range strings.Split(string(body), "\n") {
				if v, ok := strings.CutPrefix(l, "reportline_outbox_held_back_total "); ok {
					return v
				}
			}
			t.Fatalf("/metrics has no reportline_outbox_held_back_total:\n%s", grepReportline(string(body)))
			return ""
		}
		if got := heldBack(); got != "0" {
			t.Errorf("before any delivery: %s batches held back, want 0", got)
		}
		n, err := w.DeliverDue(ctx)
		if err != nil || n != 5 {
			t.Fatalf("one tick: %d sends, %v; want the implicit tenant's 3 and one batch (2) of beta's", n, err)
		}
		held := w.HeldBack()
		if held == 0 {
			t.Fatal("the worker counted no batch held back; beta spent its rate")
		}
		if got, want := heldBack(), fmt.Sprint(held); got != want {
			t.Errorf("after beta spent its rate: reportline_outbox_held_back_total %s, want %s", got, want)
		}
	})
}
