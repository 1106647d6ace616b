package app

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"time"

	"reportline"
	"reportline/policy"
	"reportline/usecase"
)

// What Settings → Organisation → Webhooks shows and does beyond the API's
// first calls (docs/webhooks.md, "Managing subscribers"): each
// subscriber's last delivery, disabling and enabling, rotating the secret.
// Platform admins only (webhooks.manage); every change is recorded,
// never with a secret.

// WebhookSummary is a subscriber with the state of its newest delivery.
type WebhookSummary struct {
	WebhookSubscriber
	// Last is its newest delivery (ID 0: none yet).
	Last reportline.WebhookDelivery
}

// newWebhookSecret is a signing secret: 52 base32 characters (260 bits).
func newWebhookSecret() string { return "whsec_" + rand.Text() + rand.Text() }

// authorizeWebhooks loads the actor's authority and asks the policy.
func authorizeWebhooks(ctx context.Context, tx webhookAdminTx, actor Actor) error {
	ac, err := usecase.LoadAuthority(ctx, tx, actor)
	if err != nil {
		return err
	}
	return ac.Authorize(policy.ManageWebhooks, policy.Target{})
}

// WebhookSummaries lists the subscribers, oldest first, each with its
// newest delivery.
func (a *App) WebhookSummaries(ctx context.Context, actor Actor) ([]WebhookSummary, error) {
	var out []WebhookSummary
	err := a.webhookAdminStore().Read(ctx, func(tx webhookAdminTx) error {
		out = nil
		if err := authorizeWebhooks(ctx, tx, actor); err != nil {
			return err
		}
		subs, err := tx.WebhookSubscribers(ctx)
		if err != nil {
			return err
		}
		for _, s := range subs {
			w := WebhookSummary{WebhookSubscriber: subscriberView(s)}
			last, err := tx.WebhookDeliveries(ctx, s.ID, 1)
			if err != nil {
				return err
			}
			if len(last) == 1 {
				w.Last = last[0]
			}
			out = append(out, w)
		}
		return nil
	})
	return out, err
}

// GetWebhook returns one subscriber, without its secret.
func (a *App) GetWebhook(ctx context.Context, actor Actor, id int64) (WebhookSubscriber, error) {
	var out WebhookSubscriber
	err := a.webhookAdminStore().Read(ctx, func(tx webhookAdminTx) error {
		if err := authorizeWebhooks(ctx, tx, actor); err != nil {
			return err
		}
		s, err := webhookByID(ctx, tx, id)
		out = subscriberView(s)
		return err
	})
	return out, err
}

// webhookByID finds a subscriber of the context's tenant.
func webhookByID(ctx context.Context, tx webhookAdminTx, id int64) (reportline.WebhookSubscriber, error) {
	subs, err := tx.WebhookSubscribers(ctx)
	if err != nil {
		return reportline.WebhookSubscriber{}, err
	}
	i := slices.IndexFunc(subs, func(s reportline.WebhookSubscriber) bool { return s.ID == id })
	if i < 0 {
		return reportline.WebhookSubscriber{}, (&reportline.Error{Code: reportline.NotFound, Message: fmt.Sprintf("no webhook %d", id)}).
			Say("error.webhook.not_found", map[string]any{"ID": id})
	}
	return subs[i], nil
}

// RotateWebhookSecret gives a subscriber a new signing secret and returns
// it, shown this once: deliveries from now on are signed with it (the
// receiver should accept both while it switches; docs/webhooks.md).
func (a *App) RotateWebhookSecret(ctx context.Context, actor Actor, id int64) (string, error) {
	secret := newWebhookSecret()
	err := a.webhookAdminStore().Write(ctx, func(tx webhookAdminTx) error {
		if err := authorizeWebhooks(ctx, tx, actor); err != nil {
			return err
		}
		s, err := webhookByID(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := tx.SetWebhookSecret(ctx, id, secret); err != nil {
			return err
		}
		// The record says that the secret changed, never what it is.
		return a.record(ctx, tx, actor, policy.ManageWebhooks, reportline.Change{What: fmt.Sprintf("webhook %d secret rotated", id),
			After: usecase.JSON(map[string]any{"url": s.URL})})
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}

// SetWebhookActive disables a subscriber (no new event is recorded for it
// and its waiting deliveries are held) or enables it again (the held ones
// go out, in order).
func (a *App) SetWebhookActive(ctx context.Context, actor Actor, id int64, active bool) error {
	return a.webhookAdminStore().Write(ctx, func(tx webhookAdminTx) error {
		if err := authorizeWebhooks(ctx, tx, actor); err != nil {
			return err
		}
		s, err := webhookByID(ctx, tx, id)
		if err != nil {
			return err
		}
		if s.Active() == active {
			return nil
		}
		var at time.Time // zero: enabled
		if !active {
			at = a.now()
		}
		if err := tx.SetWebhookDisabled(ctx, id, at); err != nil {
			return err
		}
		return a.record(ctx, tx, actor, policy.ManageWebhooks, reportline.Change{What: fmt.Sprintf("webhook %d", id),
			Before: usecase.JSON(map[string]any{"url": s.URL, "active": s.Active()}),
			After:  usecase.JSON(map[string]any{"url": s.URL, "active": active})})
	})
}
