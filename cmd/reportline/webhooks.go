package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"reportline/app"
	"reportline/webhook"
)

// startWebhooks starts the change-event delivery worker (docs/webhooks.md);
// stop ends it after the batch in flight is recorded and hands back what
// it had claimed.
func startWebhooks(ctx context.Context, a *app.App, log *slog.Logger) (stop func()) {
	client := webhook.NewClient(webhook.ClientOptions{AllowPrivate: a.WebhookAllowPrivate()})
	w := a.NewWebhookWorker(client, webhook.Options{})
	log.Info("webhook delivery started", "allow_private", a.WebhookAllowPrivate())
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { w.Run(ctx) })
	return func() {
		cancel()
		wg.Wait()
		hb, stop := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer stop()
		if _, err := w.HandBack(hb); err != nil {
			log.Warn("hand back webhook deliveries", "err", err)
		}
	}
}
