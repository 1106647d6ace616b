package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"reportline"
	"reportline/app"
	"reportline/config"
	"reportline/webhook"
)

// startWebhooks starts the change-event delivery worker (docs/webhooks.md),
// which serves every active tenant in turn; stop ends it after the batch
// in flight is recorded and hands back what it had claimed, in every tenant.
func startWebhooks(ctx context.Context, a *app.App, log *slog.Logger) (stop func()) {
	// Signing secrets made before the installation had a key are sealed
	// now that it has one (docs/tenants.md, "Secrets at rest").
	if n, err := a.SealWebhookSecrets(ctx); err != nil {
		log.Warn("seal the webhook signing secrets", "err", err)
	} else if n > 0 {
		log.Info("webhook signing secrets sealed", "count", n)
	}
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

// webhooks is the command `webhooks SUB`: add, list, delete, deliveries
// or replay, which share their parsing.
func webhooks(sub string) func(context.Context, env, []string) error {
	return func(ctx context.Context, e env, args []string) error { return cmdWebhooks(ctx, e, sub, args) }
}

func cmdWebhooks(ctx context.Context, e env, sub string, rest []string) error {
	idArg, deliveryArg := "", ""
	if (sub == "delete" || sub == "deliveries" || sub == "replay") && len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		idArg, rest = rest[0], rest[1:]
	}
	if sub == "replay" && len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		deliveryArg, rest = rest[0], rest[1:]
	}
	var url, types string
	limit := 50
	cfg, _, err := loadConfig(e, "webhooks "+sub, rest, func(c *config.Config, fs *flag.FlagSet) {
		c.StorageFlags(fs)
		if sub == "add" {
			fs.StringVar(&url, "url", "", "the https:// `URL` events are POSTed to")
			fs.StringVar(&types, "types", "", "comma-separated event `types` (default: all)")
		}
		if sub == "deliveries" {
			fs.IntVar(&limit, "limit", limit, "at most `N` deliveries")
		}
	})
	if err != nil {
		return err
	}
	id, delivery := int64(0), int64(0)
	if sub == "replay" {
		if delivery, err = strconv.ParseInt(deliveryArg, 10, 64); err != nil || delivery <= 0 {
			return fmt.Errorf("webhooks replay: give the delivery's id (%q is not one)", deliveryArg)
		}
	}
	if sub == "delete" || sub == "deliveries" || sub == "replay" {
		if id, err = strconv.ParseInt(idArg, 10, 64); err != nil || id <= 0 {
			return fmt.Errorf("webhooks %s: give the subscriber's id (%q is not one)", sub, idArg)
		}
	}
	return withActor(ctx, e, cfg, "", func(a *app.App, actor app.Actor) error {
		fail := func(err error) error { return fmt.Errorf("webhooks %s: %s", sub, reportline.ErrorMessage(err)) }
		switch sub {
		case "add":
			var ts []string
			if types != "" {
				ts = strings.Split(types, ",")
			}
			s, secret, err := a.CreateWebhook(ctx, actor, app.NewWebhook{URL: url, Types: ts})
			if err != nil {
				return fail(err)
			}
			fmt.Fprintf(e.stdout, "webhook %d → %s\nsecret (shown once): %s\n", s.ID, s.URL, secret)
		case "list":
			subs, err := a.Webhooks(ctx, actor)
			if err != nil {
				return fail(err)
			}
			for _, s := range subs {
				t := "all events"
				if len(s.Types) > 0 {
					t = strings.Join(s.Types, ",")
				}
				fmt.Fprintf(e.stdout, "%d\t%s\t%s\t%s\n", s.ID, s.URL, t, s.CreatedAt.Format(time.RFC3339))
			}
		case "delete":
			if err := a.DeleteWebhook(ctx, actor, id); err != nil {
				return fail(err)
			}
			fmt.Fprintf(e.stdout, "webhook %d deleted\n", id)
		case "deliveries":
			ds, err := a.WebhookDeliveries(ctx, actor, id, limit)
			if err != nil {
				return fail(err)
			}
			for _, d := range ds {
				fmt.Fprintf(e.stdout, "%d\t%s\t%s\t%s\t%s\tattempts %d\t%s\n", d.ID, d.CreatedAt.Format(time.RFC3339), d.Type, d.Subject, d.Status, d.Attempts, d.LastError)
			}
		case "replay":
			if err := a.ReplayWebhookDelivery(ctx, actor, id, delivery); err != nil {
				return fail(err)
			}
			fmt.Fprintf(e.stdout, "delivery %d of webhook %d pending again\n", delivery, id)
		}
		return nil
	})
}
