package api

import (
	"net/http"
	"time"

	"reportline"
	"reportline/app"
)

// webhookRoutes are the change-event subscribers (docs/webhooks.md).
func (api *API) webhookRoutes() []route {
	return []route{
		{id: "listWebhooks", method: "GET", path: "/api/v1/webhooks", tag: "webhooks", summary: "The change-event subscribers (platform admins); secrets are never shown again",
			response: WebhookList{}, status: http.StatusOK, handler: api.listWebhooks},
		{id: "createWebhook", method: "POST", path: "/api/v1/webhooks", tag: "webhooks", summary: "Register an HTTPS endpoint for change events; the answer carries its signing secret, shown this once",
			description: "Loopback, private, link-local and cloud metadata addresses are refused unless the operator set REPORTLINE_WEBHOOK_ALLOW_PRIVATE.",
			request:     NewWebhook{}, response: CreatedWebhook{}, status: http.StatusCreated, handler: api.createWebhook},
		{id: "deleteWebhook", method: "DELETE", path: "/api/v1/webhooks/{id}", tag: "webhooks", summary: "Remove a subscriber and its undelivered events",
			status: http.StatusNoContent, handler: api.deleteWebhook},
		{id: "listWebhookDeliveries", method: "GET", path: "/api/v1/webhooks/{id}/deliveries", tag: "webhooks", summary: "A subscriber's delivery log, newest first",
			query:    []param{{"limit", "integer", "at most this many, 100 by default, at most 500"}},
			response: WebhookDeliveryList{}, status: http.StatusOK, handler: api.listWebhookDeliveries},
		{id: "replayWebhookDelivery", method: "POST", path: "/api/v1/webhooks/{id}/deliveries/{delivery}/replay", tag: "webhooks",
			summary:     "Send a delivery that failed for good again, from its first attempt",
			description: "The event is sent as it was (same id and time), after the subscriber's other open events about the same person.",
			status:      http.StatusNoContent, handler: api.replayWebhookDelivery},
	}
}

// Webhook is a change-event subscriber.
type Webhook struct {
	ID        int64     `json:"id"`
	URL       string    `json:"url"`
	Types     []string  `json:"types" doc:"the event types it receives; empty: all"`
	CreatedBy int64     `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// WebhookList lists subscribers.
type WebhookList struct {
	Webhooks []Webhook `json:"webhooks"`
}

// NewWebhook registers a subscriber.
type NewWebhook struct {
	URL   string   `json:"url" doc:"https:// endpoint"`
	Types []string `json:"types,omitempty" doc:"com.reportline.link.created, .link.ended, .link.changed, .user.activated, .user.deactivated, .delegation.started, .delegation.ended, .reorganisation.applied; empty: all"`
}

// CreatedWebhook is a new subscriber and its secret.
type CreatedWebhook struct {
	Webhook
	Secret string `json:"secret" doc:"the HMAC-SHA256 key of the Webhook-Signature header; shown this once"`
}

// WebhookDelivery is one event to one subscriber.
type WebhookDelivery struct {
	ID          int64      `json:"id"`
	EventID     string     `json:"event_id"`
	Type        string     `json:"type"`
	Subject     string     `json:"subject"`
	Status      string     `json:"status" enum:"pending,sending,sent,failed"`
	Attempts    int        `json:"attempts"`
	NextAttempt *time.Time `json:"next_attempt,omitempty"`
	LastError   string     `json:"last_error,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	SentAt      *time.Time `json:"sent_at,omitempty"`
}

// WebhookDeliveryList is a delivery log.
type WebhookDeliveryList struct {
	Deliveries []WebhookDelivery `json:"deliveries"`
}

func toWebhook(s app.WebhookSubscriber) Webhook {
	return Webhook{ID: s.ID, URL: s.URL, Types: nonNil(s.Types), CreatedBy: int64(s.CreatedBy), CreatedAt: s.CreatedAt}
}

func (api *API) listWebhooks(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	subs, err := api.app.Webhooks(r.Context(), actor)
	out := WebhookList{Webhooks: []Webhook{}}
	for _, s := range subs {
		out.Webhooks = append(out.Webhooks, toWebhook(s))
	}
	return out, err
}

func (api *API) createWebhook(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	var in NewWebhook
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	s, secret, err := api.app.CreateWebhook(r.Context(), actor, app.NewWebhook{URL: in.URL, Types: in.Types})
	if err != nil {
		return nil, err
	}
	return CreatedWebhook{Webhook: toWebhook(s), Secret: secret}, nil
}

func (api *API) deleteWebhook(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return nil, api.app.DeleteWebhook(r.Context(), actor, id)
}

func (api *API) listWebhookDeliveries(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return nil, err
	}
	if limit == 0 {
		limit = 100
	}
	ds, err := api.app.WebhookDeliveries(r.Context(), actor, id, int(limit))
	out := WebhookDeliveryList{Deliveries: []WebhookDelivery{}}
	for _, d := range ds {
		v := WebhookDelivery{ID: d.ID, EventID: d.EventID, Type: d.Type, Subject: d.Subject, Status: string(d.Status),
			Attempts: d.Attempts, LastError: d.LastError, CreatedAt: d.CreatedAt}
		if d.Status == reportline.DeliveryPending {
			t := d.NextAttempt
			v.NextAttempt = &t
		}
		if !d.SentAt.IsZero() {
			t := d.SentAt
			v.SentAt = &t
		}
		out.Deliveries = append(out.Deliveries, v)
	}
	return out, err
}

func (api *API) replayWebhookDelivery(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	d, err := pathID(r, "delivery")
	if err != nil {
		return nil, err
	}
	return nil, api.app.ReplayWebhookDelivery(r.Context(), actor, id, d)
}
