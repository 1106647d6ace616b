package app

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"reportline"
	"reportline/secret"
	"reportline/webhook"
)

// Webhook signing secrets at rest, and the key rotation of every sealed
// secret (docs/tenants.md, "Secrets at rest: webhooks and reseal").
//
// A subscriber's signing secret is sealed like a tenant's OpenID client
// secret: in the secrets table under webhookSecretName(id), bound to the
// tenant and that name, and the subscriber's own secret column is left
// empty. An installation without a key (REPORTLINE_SECRET_KEY unset) keeps
// them in that column as before, so that webhooks keep working there; the
// first serve or `reportline secrets reseal` after a key is set seals them
// (SealWebhookSecrets).

// secretsListTx lists a tenant's sealed secrets and clears a subscriber's
// clear secret (store/secrets.go, store/webhooks.go).
type secretsListTx interface {
	Secrets(ctx context.Context) ([]reportline.SealedSecret, error)
	SetWebhookSubscriberSecret(ctx context.Context, id int64, secret string) error
}

// webhookSecretName is the name a subscriber's signing secret is sealed
// under.
func webhookSecretName(id int64) string {
	return "webhook." + strconv.FormatInt(id, 10) + ".signing_secret"
}

// sealWebhookSecret stores s's secret sealed and empties its column, when
// the installation has a key; without one it leaves the row as it is.
func (a *App) sealWebhookSecret(ctx context.Context, tx resealTx, s reportline.WebhookSubscriber) (bool, error) {
	if !a.secrets.Configured() || s.Secret == "" {
		return false, nil
	}
	if err := a.putSecret(ctx, tx, webhookSecretName(s.ID), "secret", secret.Value(s.Secret)); err != nil {
		return false, err
	}
	return true, tx.SetWebhookSubscriberSecret(ctx, s.ID, "")
}

// openedWebhookTx is the delivery worker's view of the store: the
// subscribers come with their signing secrets opened. A secret that does
// not open (its key is gone) is an error naming the subscriber: nothing is
// sent unsigned, and the claimed deliveries are retried when the lease
// runs out.
type openedWebhookTx struct {
	Tx
	a *App
}

func (tx openedWebhookTx) WebhookSubscribers(ctx context.Context) ([]reportline.WebhookSubscriber, error) {
	subs, err := tx.Tx.WebhookSubscribers(ctx)
	if err != nil {
		return nil, err
	}
	for i, s := range subs {
		if s.Secret != "" {
			continue // not sealed yet: an installation without a key
		}
		v, err := tx.a.openSecret(ctx, tx.Tx, webhookSecretName(s.ID))
		if err != nil {
			return nil, fmt.Errorf("webhook %d: its signing secret: %w", s.ID, err)
		}
		if v.Reveal() == "" {
			return nil, fmt.Errorf("webhook %d has no signing secret (an imported tenant's subscriber: create it again)", s.ID)
		}
		subs[i].Secret = v.Reveal()
	}
	return subs, nil
}

var _ webhook.Tx = openedWebhookTx{}

// ResealReport counts what a reseal did in every tenant.
type ResealReport struct {
	Tenants int
	// Resealed are the secrets sealed again under the current key.
	Resealed int
	// Current are the secrets already under the current key, left alone.
	Current int
	// WebhooksSealed are the subscribers' clear signing secrets sealed.
	WebhooksSealed int
}

// ResealSecrets seals every sealed secret of every tenant (suspended ones
// too) again under the current key (REPORTLINE_SECRET_KEY), opening each
// with the key it names (the current one or one of REPORTLINE_SECRET_KEYS),
// and seals the webhook signing secrets still in the clear. Idempotent: a
// second run finds every secret current. Each tenant is one transaction; a
// secret that does not open is reported (naming tenant, secret and key)
// and the others go on. The operator's command (`reportline secrets
// reseal`), not a tenant's: it reads no person.
func (a *App) ResealSecrets(ctx context.Context) (ResealReport, error) {
	var r ResealReport
	if !a.secrets.Configured() {
		return r, secret.ErrNoKey
	}
	cur := a.secrets.CurrentID()
	err := reportline.EachTenant(ctx, a.tenantLister(), true, func(ctx context.Context) error {
		var t ResealReport
		err := a.resealStore().Write(ctx, func(tx resealTx) error {
			t = ResealReport{}
			all, err := tx.Secrets(ctx)
			if err != nil {
				return err
			}
			var bad []error
			for _, s := range all {
				if s.KeyID == cur {
					t.Current++
					continue
				}
				v, err := a.openSecret(ctx, tx, s.Name)
				if err != nil {
					bad = append(bad, err)
					continue
				}
				if err := a.putSecret(ctx, tx, s.Name, "secret", v); err != nil {
					return err
				}
				t.Resealed++
			}
			if t.WebhooksSealed, err = a.sealClearWebhookSecrets(ctx, tx); err != nil {
				return err
			}
			// The secrets that opened are resealed all the same: the
			// others are named, and a second run after the missing key
			// is put back finishes the work.
			if len(bad) > 0 {
				return errors.Join(bad...)
			}
			return nil
		})
		if err != nil {
			return err
		}
		r.Tenants++
		r.Resealed += t.Resealed
		r.Current += t.Current
		r.WebhooksSealed += t.WebhooksSealed
		return nil
	})
	return r, err
}

// sealClearWebhookSecrets seals the tenant's subscribers' secrets still in
// the clear and says how many it sealed.
func (a *App) sealClearWebhookSecrets(ctx context.Context, tx resealTx) (int, error) {
	subs, err := tx.WebhookSubscribers(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, s := range subs {
		sealed, err := a.sealWebhookSecret(ctx, tx, s)
		if err != nil {
			return n, fmt.Errorf("webhook %d: %w", s.ID, err)
		}
		if sealed {
			n++
		}
	}
	return n, nil
}

// SealWebhookSecrets seals, in every tenant, the webhook signing secrets
// stored in the clear (made before the installation had a key): the Go
// side of moving existing secrets, run by serve at start when a key is
// configured. Without a key it does nothing. It returns how many it sealed.
func (a *App) SealWebhookSecrets(ctx context.Context) (int, error) {
	if !a.secrets.Configured() {
		return 0, nil
	}
	n := 0
	err := reportline.EachTenant(ctx, a.tenantLister(), true, func(ctx context.Context) error {
		return a.resealStore().Write(ctx, func(tx resealTx) error {
			m, err := a.sealClearWebhookSecrets(ctx, tx)
			n += m
			return err
		})
	})
	return n, err
}

// tenantLister is the App's list of tenants, or nil (the context's tenant
// alone) when it was given none.
func (a *App) tenantLister() reportline.TenantLister {
	if a.tenants.list == nil {
		return nil
	}
	return a.tenantIDs
}
