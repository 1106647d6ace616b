package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"reportline"
	"reportline/policy"
	"reportline/schedule"
	"reportline/usecase"
	"reportline/webhook"
)

// Change events out (issue 20, package webhook). Every write transaction
// goes through eventStore: the link changes it writes to the audit log and
// the users it activates or deactivates become events in that same
// transaction, so a subscriber hears of a change exactly when it
// committed, whichever use case (UI, API, CSV, directory, SCIM) made it.
// A temporary link's start and end are events when schedule.TakeEffect
// reaches their dates (RunWebhookEffects).

const (
	cursorWebhookLinks    = "webhook_temporary_links"
	cursorWebhookAbsences = "webhook_absences"
	webhookLookback       = 48 * time.Hour
)

// eventStore makes every write transaction an eventTx.
type eventStore struct {
	Store
	hooks *eventHooks
}

// eventHooks is the App whose clock stamps the events, set once New has
// made it (and before any transaction).
type eventHooks struct{ a *App }

// withEvents wraps the raw store, under every other wrapper.
func withEvents(s Store) (Store, *eventHooks) {
	h := &eventHooks{}
	return eventStore{s, h}, h
}

func (s eventStore) Write(ctx context.Context, fn func(Tx) error) error {
	return s.Store.Write(ctx, func(tx Tx) error { return fn(eventTx{tx, s.hooks.a, &subscribers{}}) })
}

// eventTx emits the events of what it writes: the link changes of the
// audit log (AppendAudit, ApplyLinkChanges) and users changing status
// (UpdateUser, UpdateUsers).
type eventTx struct {
	Tx
	a    *App
	subs *subscribers
}

// subscribers are the tenant's webhook subscribers, read once per
// transaction however many writes it makes (an import's chunks, a sync's
// batches).
type subscribers struct {
	read bool
	list []reportline.WebhookSubscriber
}

// WebhookSubscribers is the transaction's list, read at its first use
// (webhook.Emit asks it for every write that may emit).
func (tx eventTx) WebhookSubscribers(ctx context.Context) ([]reportline.WebhookSubscriber, error) {
	if !tx.subs.read {
		list, err := tx.Tx.WebhookSubscribers(ctx)
		if err != nil {
			return nil, err
		}
		tx.subs.read, tx.subs.list = true, list
	}
	return tx.subs.list, nil
}

// CreateWebhookSubscriber and DeleteWebhookSubscriber change the list:
// the transaction reads it again at its next use.
func (tx eventTx) CreateWebhookSubscriber(ctx context.Context, s *reportline.WebhookSubscriber) error {
	tx.subs.read = false
	return tx.Tx.CreateWebhookSubscriber(ctx, s)
}

func (tx eventTx) DeleteWebhookSubscriber(ctx context.Context, id int64) error {
	tx.subs.read = false
	return tx.Tx.DeleteWebhookSubscriber(ctx, id)
}

func (tx eventTx) SetWebhookSecret(ctx context.Context, id int64, secret string) error {
	tx.subs.read = false
	return tx.Tx.SetWebhookSecret(ctx, id, secret)
}

func (tx eventTx) SetWebhookDisabled(ctx context.Context, id int64, at time.Time) error {
	tx.subs.read = false
	return tx.Tx.SetWebhookDisabled(ctx, id, at)
}

// wantsUserEvents tells whether anyone listens for users being activated
// or deactivated: only then are the rows before an update read.
func (tx eventTx) wantsUserEvents(ctx context.Context) (bool, error) {
	subs, err := tx.WebhookSubscribers(ctx)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(subs, func(s reportline.WebhookSubscriber) bool {
		return s.Wants(reportline.EventUserActivated) || s.Wants(reportline.EventUserDeactivated)
	}), nil
}

func (tx eventTx) AppendAudit(ctx context.Context, entries []reportline.AuditEntry) error {
	if err := tx.Tx.AppendAudit(ctx, entries); err != nil {
		return err
	}
	_, err := webhook.Emit(ctx, tx, tx.a.now(), webhook.FromAudit(entries, tx.a.now())...)
	return err
}

// ApplyLinkChanges is the bulk form (CSV imports, directory syncs): the
// changes carry their audit entries.
func (tx eventTx) ApplyLinkChanges(ctx context.Context, c reportline.LinkChanges) error {
	if err := tx.Tx.ApplyLinkChanges(ctx, c); err != nil {
		return err
	}
	_, err := webhook.Emit(ctx, tx, tx.a.now(), webhook.FromAudit(c.Audit, tx.a.now())...)
	return err
}

func (tx eventTx) UpdateUser(ctx context.Context, u *reportline.User) error {
	want, err := tx.wantsUserEvents(ctx)
	if err != nil {
		return err
	}
	if !want {
		return tx.Tx.UpdateUser(ctx, u)
	}
	old, err := tx.Tx.User(ctx, u.ID)
	if err != nil {
		return err
	}
	if err := tx.Tx.UpdateUser(ctx, u); err != nil {
		return err
	}
	if old.Active() == u.Active() {
		return nil
	}
	_, err = webhook.Emit(ctx, tx, tx.a.now(), webhook.UserActive(u.ID, u.Active(), tx.a.now()))
	return err
}

// UpdateUsers is the batch form (directory syncs, SCIM).
func (tx eventTx) UpdateUsers(ctx context.Context, users []*reportline.User) error {
	want, err := tx.wantsUserEvents(ctx)
	if err != nil {
		return err
	}
	if !want {
		return tx.Tx.UpdateUsers(ctx, users)
	}
	ids := make([]reportline.UserID, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	old, err := tx.Tx.UsersByIDs(ctx, ids)
	if err != nil {
		return err
	}
	if err := tx.Tx.UpdateUsers(ctx, users); err != nil {
		return err
	}
	var evs []webhook.Event
	for _, u := range users {
		if o, ok := old[u.ID]; ok && o.Active() != u.Active() {
			evs = append(evs, webhook.UserActive(u.ID, u.Active(), tx.a.now()))
		}
	}
	_, err = webhook.Emit(ctx, tx, tx.a.now(), evs...)
	return err
}

// RunWebhookEffects emits the events of temporary links that started or
// ended since the last call on any replica: once per instant, through
// schedule.TakeEffect. The scheduler calls it every tick.
func (a *App) RunWebhookEffects(ctx context.Context) (int, error) {
	n := 0
	err := a.webhookEffectsStore().Write(ctx, func(tx webhookEffectsTx) error {
		n = 0
		return schedule.TakeEffect(ctx, tx, cursorWebhookLinks, a.now(), webhookLookback, func(from, to time.Time) error {
			links, err := tx.LinksStartingOrEnding(ctx, from, to)
			if err != nil {
				return err
			}
			evs := webhook.Effects(links, from, to)
			// In time order, so that one person's events keep theirs.
			slices.SortStableFunc(evs, func(x, y webhook.Event) int { return x.Time.Compare(y.Time) })
			n, err = webhook.Emit(ctx, tx, a.now(), evs...)
			return err
		})
	})
	if err != nil {
		return n, err
	}
	// Absences' covers starting and ending (docs/absences.md), on their
	// own cursor.
	err = a.webhookEffectsStore().Write(ctx, func(tx webhookEffectsTx) error {
		return schedule.TakeEffect(ctx, tx, cursorWebhookAbsences, a.now(), webhookLookback, func(from, to time.Time) error {
			list, err := tx.AbsencesStartingOrEnding(ctx, from, to)
			if err != nil {
				return err
			}
			evs := webhook.DelegationEffects(list, from, to)
			slices.SortStableFunc(evs, func(x, y webhook.Event) int { return x.Time.Compare(y.Time) })
			m, err := webhook.Emit(ctx, tx, a.now(), evs...)
			n += m
			return err
		})
	})
	return n, err
}

// emitDelegation emits an absence's cover starting or ending at at, in the
// transaction that made it so.
func emitDelegation(ctx context.Context, tx webhook.Tx, ab reportline.Absence, started bool, at, now time.Time) error {
	_, err := webhook.Emit(ctx, tx, now, webhook.Delegation(ab, started, at))
	return err
}

// WebhookAllowPrivate reports whether the operator lets webhooks reach
// private addresses: the delivery client's dialer must agree.
func (a *App) WebhookAllowPrivate() bool { return a.hookLAN }

// NewWebhookWorker returns the worker that delivers the change events:
// those of every active tenant in turn when the App was given its list of
// tenants (Config.Tenants), else those of the context's tenant.
func (a *App) NewWebhookWorker(client *http.Client, opt webhook.Options) *webhook.Worker {
	if a.tenants.list != nil && opt.Tenants == nil {
		opt.Tenants = a.tenantIDs
	}
	return webhook.NewWorker(narrow(a.store, func(tx Tx) webhook.Tx { return openedWebhookTx{Tx: tx, a: a} }), client, a.now, a.log, opt)
}

// WebhookSubscriber is a subscriber as an admin sees it: without its secret.
type WebhookSubscriber struct {
	ID        int64
	URL       string
	Types     []string
	CreatedBy reportline.UserID
	CreatedAt time.Time
	// DisabledAt is when it was disabled; zero while it is active.
	DisabledAt time.Time
}

// Active reports whether the subscriber receives events.
func (s WebhookSubscriber) Active() bool { return s.DisabledAt.IsZero() }

func subscriberView(s reportline.WebhookSubscriber) WebhookSubscriber {
	return WebhookSubscriber{ID: s.ID, URL: s.URL, Types: s.Types, CreatedBy: s.CreatedBy, CreatedAt: s.CreatedAt, DisabledAt: s.DisabledAt}
}

// NewWebhook is what an admin asks for.
type NewWebhook struct {
	URL   string
	Types []string // empty: every type
	// AllowPrivate allows private addresses for this request, as
	// Config.WebhookAllowPrivate (REPORTLINE_WEBHOOK_ALLOW_PRIVATE) does
	// for all.
	AllowPrivate bool
}

// CreateWebhook registers a subscriber and returns it with its secret,
// which is shown this once. The URL must be https:// and not a literal
// loopback, private, link-local or metadata address (the delivery's dialer
// checks the resolved address again) unless the operator allows them.
func (a *App) CreateWebhook(ctx context.Context, actor Actor, req NewWebhook) (WebhookSubscriber, string, error) {
	req.URL = strings.TrimSpace(req.URL)
	if err := webhook.CheckURL(req.URL, req.AllowPrivate || a.hookLAN); err != nil {
		e := &reportline.Error{Code: reportline.Invalid, Field: "url", Value: req.URL, Message: err.Error()}
		if errors.Is(err, webhook.ErrForbiddenAddress) {
			return WebhookSubscriber{}, "", e.Say("error.webhook.address", nil)
		}
		return WebhookSubscriber{}, "", e.Say("error.webhook.url", nil)
	}
	types := slices.Clone(req.Types)
	for _, t := range types {
		if !slices.Contains(reportline.EventTypes, t) {
			return WebhookSubscriber{}, "", (&reportline.Error{Code: reportline.Invalid,
				Message: fmt.Sprintf("unknown event type %q (known: %s)", t, strings.Join(reportline.EventTypes, ", "))}).
				Say("error.webhook.unknown_event", map[string]any{"Type": t, "Known": strings.Join(reportline.EventTypes, ", ")})
		}
	}
	slices.Sort(types)
	types = slices.Compact(types)
	s := reportline.WebhookSubscriber{URL: req.URL, Secret: newWebhookSecret(), Types: types,
		CreatedBy: actor.ID(), CreatedAt: a.now()}
	err := a.webhookSubscribersStore().Write(ctx, func(tx webhookSubscribersTx) error {
		ac, err := usecase.LoadAuthority(ctx, tx, actor)
		if err != nil {
			return err
		}
		if err := ac.Authorize(policy.ManageWebhooks, policy.Target{}); err != nil {
			return err
		}
		if err := tx.CreateWebhookSubscriber(ctx, &s); err != nil {
			return err
		}
		// Sealed at rest when the installation has a key (secrets_reseal.go).
		if _, err := a.sealWebhookSecret(ctx, tx, s); err != nil {
			return err
		}
		// The audit says which endpoint, never the secret.
		return a.record(ctx, tx, actor, policy.ManageWebhooks, reportline.Change{What: fmt.Sprintf("webhook %d", s.ID),
			After: usecase.JSON(map[string]any{"url": s.URL, "types": s.Types})})
	})
	if err != nil {
		return WebhookSubscriber{}, "", err
	}
	return subscriberView(s), s.Secret, nil
}

// Webhooks lists the subscribers, without their secrets.
func (a *App) Webhooks(ctx context.Context, actor Actor) ([]WebhookSubscriber, error) {
	var out []WebhookSubscriber
	err := a.webhookSubscribersStore().Read(ctx, func(tx webhookSubscribersTx) error {
		ac, err := usecase.LoadAuthority(ctx, tx, actor)
		if err != nil {
			return err
		}
		if err := ac.Authorize(policy.ManageWebhooks, policy.Target{}); err != nil {
			return err
		}
		subs, err := tx.WebhookSubscribers(ctx)
		for _, s := range subs {
			out = append(out, subscriberView(s))
		}
		return err
	})
	return out, err
}

// DeleteWebhook removes a subscriber and its undelivered events.
func (a *App) DeleteWebhook(ctx context.Context, actor Actor, id int64) error {
	return a.webhookSubscribersStore().Write(ctx, func(tx webhookSubscribersTx) error {
		ac, err := usecase.LoadAuthority(ctx, tx, actor)
		if err != nil {
			return err
		}
		if err := ac.Authorize(policy.ManageWebhooks, policy.Target{}); err != nil {
			return err
		}
		subs, err := tx.WebhookSubscribers(ctx)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(subs, func(s reportline.WebhookSubscriber) bool { return s.ID == id })
		if i < 0 {
			return (&reportline.Error{Code: reportline.NotFound, Message: fmt.Sprintf("no webhook %d", id)}).
				Say("error.webhook.not_found", map[string]any{"ID": id})
		}
		if err := tx.DeleteWebhookSubscriber(ctx, id); err != nil {
			return err
		}
		if err := tx.DeleteSecret(ctx, webhookSecretName(id)); err != nil {
			return err
		}
		return a.record(ctx, tx, actor, policy.ManageWebhooks, reportline.Change{What: fmt.Sprintf("webhook %d", id),
			Before: usecase.JSON(map[string]any{"url": subs[i].URL, "types": subs[i].Types})})
	})
}

// WebhookDeliveries is the delivery log of a subscriber (0: all), newest first.
func (a *App) WebhookDeliveries(ctx context.Context, actor Actor, subscriber int64, limit int) ([]reportline.WebhookDelivery, error) {
	var out []reportline.WebhookDelivery
	err := a.webhookSubscribersStore().Read(ctx, func(tx webhookSubscribersTx) error {
		ac, err := usecase.LoadAuthority(ctx, tx, actor)
		if err != nil {
			return err
		}
		if err := ac.Authorize(policy.ManageWebhooks, policy.Target{}); err != nil {
			return err
		}
		out, err = tx.WebhookDeliveries(ctx, subscriber, limit)
		return err
	})
	return out, err
}

// ReplayWebhookDelivery sends a delivery that failed for good, or was
// sent, again, as it was (same event id and time), from the first attempt.
func (a *App) ReplayWebhookDelivery(ctx context.Context, actor Actor, subscriber, id int64) error {
	return a.webhookSubscribersStore().Write(ctx, func(tx webhookSubscribersTx) error {
		ac, err := usecase.LoadAuthority(ctx, tx, actor)
		if err != nil {
			return err
		}
		if err := ac.Authorize(policy.ManageWebhooks, policy.Target{}); err != nil {
			return err
		}
		if err := tx.ReplayWebhookDelivery(ctx, subscriber, id, a.now()); err != nil {
			return err
		}
		return a.record(ctx, tx, actor, policy.ManageWebhooks, reportline.Change{What: fmt.Sprintf("webhook %d delivery %d replayed", subscriber, id)})
	})
}
