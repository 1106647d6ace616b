package ui

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"reportline"
	"reportline/app"
	"reportline/i18n"
	"reportline/web"
	"reportline/webhook"
)

// registerSettingsWebhooks adds Settings → Organisation → Webhooks
// (docs/webhooks.md): the change-event subscribers, a new one with its
// secret shown once, each one's delivery log with Replay, disabling,
// rotating the secret and deleting. Every action is App's, as the API's
// (policy webhooks.manage, recorded).
func (u *UI) registerSettingsWebhooks(mux *http.ServeMux) {
	mux.Handle("GET /settings/webhooks", u.signedIn(u.settingsWebhooks))
	mux.Handle("POST /settings/webhooks", u.signedIn(u.createSettingsWebhook))
	mux.Handle("GET /settings/webhooks/{id}", u.signedIn(u.settingsWebhook))
	mux.Handle("POST /settings/webhooks/{id}/disable", u.signedIn(u.webhookActive(false)))
	mux.Handle("POST /settings/webhooks/{id}/enable", u.signedIn(u.webhookActive(true)))
	mux.Handle("POST /settings/webhooks/{id}/rotate", u.signedIn(u.rotateSettingsWebhook))
	mux.Handle("POST /settings/webhooks/{id}/delete", u.signedIn(u.deleteSettingsWebhook))
	mux.Handle("POST /settings/webhooks/{id}/deliveries/{delivery}/replay", u.signedIn(u.replaySettingsWebhook))
}

// webhookLogSize is how many deliveries a subscriber's page lists.
const webhookLogSize = 100

// eventType is an event type and what it means.
type eventType struct {
	Type, Label string
	Checked     bool
}

// eventLabels names every event type for people.
func eventLabels(l *i18n.Localizer) map[string]string {
	return map[string]string{
		reportline.EventLinkCreated:       l.T("webhooks.event.link_created", nil),
		reportline.EventLinkEnded:         l.T("webhooks.event.link_ended", nil),
		reportline.EventLinkChanged:       l.T("webhooks.event.link_changed", nil),
		reportline.EventUserActivated:     l.T("webhooks.event.user_activated", nil),
		reportline.EventUserDeactivated:   l.T("webhooks.event.user_deactivated", nil),
		reportline.EventDelegationStarted: l.T("webhooks.event.delegation_started", nil),
		reportline.EventDelegationEnded:   l.T("webhooks.event.delegation_ended", nil),
		reportline.EventPlanApplied:       l.T("webhooks.event.plan_applied", nil),
	}
}

// eventsText says which events a subscriber receives.
func eventsText(l *i18n.Localizer, types []string) string {
	if len(types) == 0 {
		return l.T("webhooks.events_all", nil)
	}
	names := eventLabels(l)
	out := make([]string, len(types))
	for i, t := range types {
		if out[i] = names[t]; out[i] == "" {
			out[i] = t
		}
	}
	return strings.Join(out, ", ")
}

// whyFailed says in plain words why a delivery attempt failed.
func whyFailed(l *i18n.Localizer, lastError string) string {
	e := webhook.Explain(lastError)
	switch e.Reason {
	case webhook.ReasonNone:
		return ""
	case webhook.ReasonHTTP:
		return l.T("webhooks.why.http", map[string]any{"Status": e.HTTPStatus})
	case webhook.ReasonTimeout:
		return l.T("webhooks.why.timeout", nil)
	case webhook.ReasonDNS:
		return l.T("webhooks.why.dns", nil)
	case webhook.ReasonRefused:
		return l.T("webhooks.why.refused", nil)
	case webhook.ReasonTLS:
		return l.T("webhooks.why.tls", nil)
	case webhook.ReasonAddress:
		return l.T("webhooks.why.address", nil)
	case webhook.ReasonGone:
		return l.T("webhooks.why.gone", nil)
	case webhook.ReasonNetwork:
		return l.T("webhooks.why.network", nil)
	}
	return l.T("webhooks.why.unknown", nil)
}

// deliveryRow is a delivery as the pages show it.
type deliveryRow struct {
	reportline.WebhookDelivery
	Event    string // the type for people
	Created  string // CreatedAt in the viewer's zone, labelled
	Sent     string
	Next     string // the next attempt of a pending one
	Why      string // LastError in plain words
	CanRetry bool   // failed or sent: Replay
}

func newDeliveryRow(l *i18n.Localizer, names map[string]string, loc *time.Location, d reportline.WebhookDelivery) deliveryRow {
	row := deliveryRow{WebhookDelivery: d, Event: names[d.Type], Created: l.Moment(d.CreatedAt, loc), Why: whyFailed(l, d.LastError),
		CanRetry: d.Status == reportline.DeliveryFailed || d.Status == reportline.DeliverySent}
	if row.Event == "" {
		row.Event = d.Type
	}
	if !d.SentAt.IsZero() {
		row.Sent = l.Moment(d.SentAt, loc)
	}
	if d.Status == reportline.DeliveryPending {
		row.Next = l.Moment(d.NextAttempt, loc)
	}
	return row
}

// webhookRow is a subscriber of the list.
type webhookRow struct {
	app.WebhookSummary
	Events  string
	Created string
	Last    *deliveryRow // nil: no delivery yet
}

// webhooksPage is the list and the form that adds one.
type webhooksPage struct {
	settingsPage
	Webhooks []webhookRow
	Types    []eventType
	URL      string // the form's URL field
	Created  *webhookRow
	Secret   string // the new subscriber's secret, shown this once
	Zone     string
}

func (u *UI) webhooksPage(r *http.Request, v viewer) (*webhooksPage, error) {
	ctx := r.Context()
	l := u.loc(r)
	list, err := u.app.WebhookSummaries(ctx, v.Actor)
	if err != nil {
		return nil, err
	}
	p := &webhooksPage{}
	if p.settingsPage, err = u.orgSettingsBase(r, v, l.T("settings.tab.webhooks", nil), "webhooks"); err != nil {
		return nil, err
	}
	loc := viewerLocation(v.User)
	p.Zone = loc.String()
	names := eventLabels(l)
	for _, s := range list {
		row := webhookRow{WebhookSummary: s, Events: eventsText(l, s.Types), Created: l.Moment(s.CreatedAt, loc)}
		if s.Last.ID != 0 {
			d := newDeliveryRow(l, names, loc, s.Last)
			row.Last = &d
		}
		p.Webhooks = append(p.Webhooks, row)
	}
	for _, t := range reportline.EventTypes {
		p.Types = append(p.Types, eventType{Type: t, Label: names[t]})
	}
	return p, nil
}

func (u *UI) settingsWebhooks(w http.ResponseWriter, r *http.Request, v viewer) error {
	p, err := u.webhooksPage(r, v)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("deleted") == "1" {
		p.Flash = u.loc(r).T("webhooks.deleted", nil)
	}
	u.render(w, r, http.StatusOK, "settings_webhooks", p)
	return nil
}

// createSettingsWebhook registers a subscriber and shows its secret on the
// answer itself: a reload does not show it again (it is never stored in a
// form or an address).
func (u *UI) createSettingsWebhook(w http.ResponseWriter, r *http.Request, v viewer) error {
	l := u.loc(r)
	types := r.PostForm["types"]
	url := strings.TrimSpace(r.PostForm.Get("url"))
	s, secret, err := u.app.CreateWebhook(r.Context(), v.Actor, app.NewWebhook{URL: url, Types: types})
	if err != nil && reportline.ErrorCode(err) != reportline.Invalid {
		return err
	}
	p, perr := u.webhooksPage(r, v)
	if perr != nil {
		return perr
	}
	if err != nil {
		p.URL = url
		for i := range p.Types {
			p.Types[i].Checked = slices.Contains(types, p.Types[i].Type)
		}
		p.Problem = problemOf(l, err)
		p.Problem.Title = l.T("webhooks.not_added", nil)
		u.render(w, r, web.Status(reportline.Invalid), "settings_webhooks", p)
		return nil
	}
	for i := range p.Webhooks {
		if p.Webhooks[i].ID == s.ID {
			p.Created = &p.Webhooks[i]
		}
	}
	p.Secret = secret
	p.Flash = l.T("webhooks.added", map[string]any{"URL": s.URL})
	u.render(w, r, http.StatusCreated, "settings_webhooks", p)
	return nil
}

// webhookPage is one subscriber: its settings and its delivery log.
type webhookPage struct {
	settingsPage
	Webhook    app.WebhookSubscriber
	Events     string
	Created    string
	Disabled   string
	Deliveries []deliveryRow
	Secret     string // a rotated secret, shown this once
	Zone       string
}

func webhookID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, reportline.Errorf(reportline.NotFound, "there is no webhook %s %q", name, r.PathValue(name))
	}
	return id, nil
}

func (u *UI) webhookPage(r *http.Request, v viewer, id int64) (*webhookPage, error) {
	ctx := r.Context()
	l := u.loc(r)
	s, err := u.app.GetWebhook(ctx, v.Actor, id)
	if err != nil {
		return nil, err
	}
	ds, err := u.app.WebhookDeliveries(ctx, v.Actor, id, webhookLogSize)
	if err != nil {
		return nil, err
	}
	loc := viewerLocation(v.User)
	p := &webhookPage{Webhook: s, Events: eventsText(l, s.Types), Created: l.Moment(s.CreatedAt, loc), Zone: loc.String()}
	if !s.Active() {
		p.Disabled = l.Moment(s.DisabledAt, loc)
	}
	if p.settingsPage, err = u.orgSettingsBase(r, v, s.URL, "webhooks"); err != nil {
		return nil, err
	}
	p.Crumbs = []crumb{{Href: "/settings/webhooks", Label: l.T("settings.tab.webhooks", nil)}}
	names := eventLabels(l)
	for _, d := range ds {
		p.Deliveries = append(p.Deliveries, newDeliveryRow(l, names, loc, d))
	}
	return p, nil
}

func (u *UI) settingsWebhook(w http.ResponseWriter, r *http.Request, v viewer) error {
	id, err := webhookID(r, "id")
	if err != nil {
		return err
	}
	p, err := u.webhookPage(r, v, id)
	if err != nil {
		return err
	}
	l := u.loc(r)
	q := r.URL.Query()
	switch {
	case q.Get("replayed") != "":
		if n, err := strconv.ParseInt(q.Get("replayed"), 10, 64); err == nil {
			p.Flash = l.T("webhooks.replayed", map[string]any{"ID": n})
		}
	case q.Get("disabled") == "1":
		p.Flash = l.T("webhooks.disabled_flash", nil)
	case q.Get("enabled") == "1":
		p.Flash = l.T("webhooks.enabled_flash", nil)
	}
	u.render(w, r, http.StatusOK, "settings_webhook", p)
	return nil
}

func (u *UI) webhookActive(active bool) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, v viewer) error {
		id, err := webhookID(r, "id")
		if err != nil {
			return err
		}
		if err := u.app.SetWebhookActive(r.Context(), v.Actor, id, active); err != nil {
			return err
		}
		what := "disabled"
		if active {
			what = "enabled"
		}
		seeOther(w, r, fmt.Sprintf("/settings/webhooks/%d?%s=1", id, what))
		return nil
	}
}

// rotateSettingsWebhook gives the subscriber a new secret and shows it on
// the answer, once.
func (u *UI) rotateSettingsWebhook(w http.ResponseWriter, r *http.Request, v viewer) error {
	id, err := webhookID(r, "id")
	if err != nil {
		return err
	}
	secret, err := u.app.RotateWebhookSecret(r.Context(), v.Actor, id)
	if err != nil {
		return err
	}
	p, err := u.webhookPage(r, v, id)
	if err != nil {
		return err
	}
	p.Secret = secret
	p.Flash = u.loc(r).T("webhooks.rotated", nil)
	u.render(w, r, http.StatusOK, "settings_webhook", p)
	return nil
}

func (u *UI) deleteSettingsWebhook(w http.ResponseWriter, r *http.Request, v viewer) error {
	id, err := webhookID(r, "id")
	if err != nil {
		return err
	}
	if err := u.app.DeleteWebhook(r.Context(), v.Actor, id); err != nil {
		return err
	}
	seeOther(w, r, "/settings/webhooks?deleted=1")
	return nil
}

func (u *UI) replaySettingsWebhook(w http.ResponseWriter, r *http.Request, v viewer) error {
	id, err := webhookID(r, "id")
	if err != nil {
		return err
	}
	d, err := webhookID(r, "delivery")
	if err != nil {
		return err
	}
	if err := u.app.ReplayWebhookDelivery(r.Context(), v.Actor, id, d); err != nil {
		return err
	}
	seeOther(w, r, fmt.Sprintf("/settings/webhooks/%d?replayed=%d#delivery-%d", id, d, d))
	return nil
}
