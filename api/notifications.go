package api

import (
	"net/http"
	"time"

	"reportline"
	"reportline/app"
)

// notificationRoutes are the notification catalogue, the delivery log and
// template messages.
func (api *API) notificationRoutes() []route {
	return []route{
		{id: "listNotifications", method: "GET", path: "/api/v1/notifications", tag: "notifications", summary: "Every notification Reportline sends, optionally for one role (admins)",
			query:    []param{{"role", "string", "managers, learners or admins; all when absent"}},
			response: NotificationList{}, status: http.StatusOK, handler: api.listNotifications},
		{id: "previewNotification", method: "GET", path: "/api/v1/notifications/{type}/preview", tag: "notifications", summary: "A notification's template rendered with sample data (admins)",
			response: NotificationPreview{}, status: http.StatusOK, handler: api.previewNotification},
		{id: "listDeliveries", method: "GET", path: "/api/v1/deliveries", tag: "notifications", summary: "The delivery log: every message of the outbox and how its delivery went, newest first (platform admins)",
			query: []param{{"recipient", "string", "part of the recipient's address, any case"}, {"type", "string", "a notification type"},
				{"status", "string", "pending, sending, sent or failed"}, {"since", "string", "created on or after: YYYY-MM-DD (UTC) or RFC 3339"},
				{"until", "string", "created up to: YYYY-MM-DD (that whole day, UTC) or RFC 3339 (exclusive)"},
				{"before", "integer", "keyset: messages with a smaller id"}, {"limit", "integer", "page size, 100 at most"}},
			response: DeliveryList{}, status: http.StatusOK, handler: api.listDeliveries},
		{id: "getDelivery", method: "GET", path: "/api/v1/deliveries/{id}", tag: "notifications", summary: "One message of the delivery log with every attempt to send it (platform admins)",
			response: DeliveryDetail{}, status: http.StatusOK, handler: api.getDelivery},
		{id: "previewTemplateMessage", method: "POST", path: "/api/v1/template-messages/preview", tag: "notifications", summary: "Check a template message: who would receive it and how it reads for one of them (recipient_id, else the first the caller may read); nothing is sent",
			request: TemplateMessagePreviewBody{}, response: TemplateMessagePreview{}, status: http.StatusOK, handler: api.previewTemplateMessage},
		{id: "sendTemplateMessage", method: "POST", path: "/api/v1/template-messages", tag: "notifications", summary: "Send a message built from a template to the managers of a group's members (admins of the group)",
			request: TemplateMessageBody{}, response: TemplateSend{}, status: http.StatusCreated, handler: api.sendTemplateMessage},
		{id: "listTemplateMessages", method: "GET", path: "/api/v1/template-messages", tag: "notifications", summary: "The template messages sent, newest first (platform admins)",
			query: []param{{"limit", "integer", "at most 100"}}, response: TemplateSendList{}, status: http.StatusOK, handler: api.listTemplateSends},
	}
}

// Notification is a catalogue entry.
type Notification struct {
	Type        string   `json:"type"`
	Name        string   `json:"name"`
	Roles       []string `json:"roles" doc:"who receives it: managers, learners, admins"`
	Trigger     string   `json:"trigger"`
	Channel     string   `json:"channel"`
	Template    string   `json:"template"`
	Description string   `json:"description"`
	Previewable bool     `json:"previewable" doc:"GET /api/v1/notifications/{type}/preview renders it with sample data"`
}

// NotificationList is the catalogue.
type NotificationList struct {
	Notifications []Notification `json:"notifications"`
}

// NotificationPreview is a template rendered with sample data.
type NotificationPreview struct {
	Type    string `json:"type"`
	Subject string `json:"subject"`
	Text    string `json:"text"`
	HTML    string `json:"html,omitempty"`
}

// Delivery is one message of the delivery log.
type Delivery struct {
	ID          int64      `json:"id"`
	Key         string     `json:"key" doc:"the idempotency key"`
	Type        string     `json:"type"`
	RecipientID int64      `json:"recipient_id,omitempty"`
	To          string     `json:"to"`
	Subject     string     `json:"subject"`
	MessageID   string     `json:"message_id"`
	Late        bool       `json:"late" doc:"sent after its due time"`
	Status      string     `json:"status" enum:"pending,sending,sent,failed"`
	Attempts    int        `json:"attempts"`
	NextAttempt *time.Time `json:"next_attempt,omitempty" doc:"when a pending message is tried next"`
	CreatedAt   time.Time  `json:"created_at"`
	SentAt      *time.Time `json:"sent_at,omitempty"`
	LastError   string     `json:"last_error,omitempty"`
}

func toDelivery(m reportline.OutboxMessage) Delivery {
	d := Delivery{ID: m.ID, Key: m.Key, Type: string(m.Type), RecipientID: int64(m.Recipient), To: m.To, Subject: m.Subject,
		MessageID: m.MessageID, Late: m.Late, Status: string(m.Status), Attempts: m.Attempts, CreatedAt: m.CreatedAt, LastError: m.LastError}
	if m.Status == reportline.DeliveryPending {
		d.NextAttempt = &m.NextAttempt
	}
	if !m.SentAt.IsZero() {
		d.SentAt = &m.SentAt
	}
	return d
}

// DeliveryList is a page of the delivery log.
type DeliveryList struct {
	Deliveries []Delivery `json:"deliveries"`
	Next       int64      `json:"next,omitempty" doc:"pass as before= for the next page; absent on the last page"`
}

// DeliveryAttempt is one try at sending a message.
type DeliveryAttempt struct {
	At      time.Time `json:"at"`
	Attempt int       `json:"attempt"`
	Status  string    `json:"status" enum:"sent,pending,failed" doc:"pending: failed and will be retried"`
	Error   string    `json:"error,omitempty"`
}

// DeliveryDetail is one message and its attempts.
type DeliveryDetail struct {
	Delivery
	Text     string            `json:"text"`
	HTML     string            `json:"html,omitempty"`
	Attempts []DeliveryAttempt `json:"attempt_log"`
}

// TemplateMessageBody is a template message to preview or send.
type TemplateMessageBody struct {
	GroupID int64  `json:"group_id" doc:"the group whose members' managers receive it"`
	Subject string `json:"subject" doc:"one line; placeholders such as {{group.name}}"`
	Body    string `json:"body" doc:"plain text with placeholders: {{manager.first_name}} {{manager.last_name}} {{manager.name}} {{manager.email}} {{managees}} (the manager's people in the group, separated by commas) {{managees.count}} {{group.name}} {{sender.first_name}} {{sender.last_name}} {{sender.name}} {{sender.email}}, and {{#if field}}…{{else}}…{{/if}}; no loops or functions; an unknown field is refused with its line and column"`
}

// TemplateMessagePreviewBody is a template message to preview, as one
// recipient would receive it.
type TemplateMessagePreviewBody struct {
	GroupID     int64  `json:"group_id" doc:"the group whose members' managers receive it"`
	Subject     string `json:"subject" doc:"one line; placeholders such as {{group.name}}"`
	Body        string `json:"body" doc:"plain text with placeholders, as for sending"`
	RecipientID int64  `json:"recipient_id,omitempty" doc:"show the message as this manager receives it (default: the first recipient the caller may read); a user the caller may not read is refused (403) as reading them is; one who would not receive it is a 422 on recipient"`
}

// TemplateRecipient is a manager who would receive a template message.
type TemplateRecipient struct {
	Manager    UserRef   `json:"manager"`
	Managees   []UserRef `json:"managees" doc:"the group's members this manager manages"`
	MayPreview bool      `json:"may_preview" doc:"the caller may read this manager, so may preview the message as they receive it"`
}

// TemplateMessagePreview is what a template message would send.
type TemplateMessagePreview struct {
	Recipients []TemplateRecipient `json:"recipients"`
	Sample     NotificationPreview `json:"sample" doc:"the message as the recipient sample_for would get it (sample data when nobody would)"`
	SampleFor  int64               `json:"sample_for,omitempty" doc:"whose message sample is; absent for sample data"`
}

// TemplateSend is the record of a sent template message.
type TemplateSend struct {
	ID         int64     `json:"id"`
	At         time.Time `json:"at"`
	ActorID    int64     `json:"actor_id,omitempty"`
	Source     string    `json:"source"`
	GroupID    int64     `json:"group_id"`
	Subject    string    `json:"subject"`
	Body       string    `json:"body"`
	Recipients int       `json:"recipients" doc:"messages enqueued, one per manager"`
}

func toTemplateSend(s reportline.TemplateSend) TemplateSend {
	return TemplateSend{ID: s.ID, At: s.At, ActorID: int64(s.ActorID), Source: string(s.Source), GroupID: int64(s.GroupID),
		Subject: s.Subject, Body: s.Body, Recipients: s.Recipients}
}

// TemplateSendList lists sent template messages.
type TemplateSendList struct {
	Sends []TemplateSend `json:"sends"`
}

func (api *API) listNotifications(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	ns, err := api.app.Notifications(r.Context(), actor, reportline.Audience(r.URL.Query().Get("role")))
	if err != nil {
		return nil, err
	}
	out := NotificationList{Notifications: []Notification{}}
	for _, n := range ns {
		roles := make([]string, len(n.Audiences))
		for i, a := range n.Audiences {
			roles[i] = string(a)
		}
		out.Notifications = append(out.Notifications, Notification{Type: string(n.Type), Name: n.Name, Roles: roles, Trigger: n.Trigger,
			Channel: n.Channel, Template: n.Template, Description: n.Description, Previewable: n.Previewable})
	}
	return out, nil
}

func (api *API) previewNotification(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	p, err := api.app.PreviewNotification(r.Context(), actor, reportline.NotificationType(r.PathValue("type")))
	if err != nil {
		return nil, err
	}
	return NotificationPreview{Type: string(p.Type), Subject: p.Subject, Text: p.Text, HTML: p.HTML}, nil
}

func (api *API) listDeliveries(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	q := r.URL.Query()
	f, err := app.ParseDeliveryFilter(q.Get("recipient"), q.Get("type"), q.Get("status"), q.Get("since"), q.Get("until"))
	if err != nil {
		return nil, err
	}
	if f.BeforeID, err = queryInt(r, "before"); err != nil {
		return nil, err
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return nil, err
	}
	f.Limit = int(limit)
	page, err := api.app.DeliveryLog(r.Context(), actor, f)
	if err != nil {
		return nil, err
	}
	out := DeliveryList{Deliveries: []Delivery{}, Next: page.Next}
	for _, m := range page.Messages {
		out.Deliveries = append(out.Deliveries, toDelivery(m))
	}
	return out, nil
}

func (api *API) getDelivery(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	d, err := api.app.Delivery(r.Context(), actor, id)
	if err != nil {
		return nil, err
	}
	out := DeliveryDetail{Delivery: toDelivery(d.Message), Text: d.Message.Text, HTML: d.Message.HTML, Attempts: []DeliveryAttempt{}}
	for _, a := range d.Attempts {
		out.Attempts = append(out.Attempts, DeliveryAttempt{At: a.At, Attempt: a.Attempt, Status: string(a.Status), Error: a.Error})
	}
	return out, nil
}

func (in TemplateMessageBody) message() app.TemplateMessage {
	return app.TemplateMessage{Group: reportline.GroupID(in.GroupID), Subject: in.Subject, Body: in.Body}
}

func (api *API) previewTemplateMessage(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	var in TemplateMessagePreviewBody
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	m := TemplateMessageBody{GroupID: in.GroupID, Subject: in.Subject, Body: in.Body}.message()
	m.Recipient = reportline.UserID(in.RecipientID)
	p, err := api.app.PreviewTemplateMessage(r.Context(), actor, m)
	if err != nil {
		return nil, err
	}
	out := TemplateMessagePreview{Recipients: []TemplateRecipient{}, SampleFor: int64(p.SampleFor),
		Sample: NotificationPreview{Type: string(p.Sample.Type), Subject: p.Sample.Subject, Text: p.Sample.Text, HTML: p.Sample.HTML}}
	for _, rc := range p.Recipients {
		tr := TemplateRecipient{Manager: toUserRef(rc.Manager), Managees: []UserRef{}, MayPreview: rc.Visible}
		for _, m := range rc.Managees {
			tr.Managees = append(tr.Managees, toUserRef(m))
		}
		out.Recipients = append(out.Recipients, tr)
	}
	return out, nil
}

func (api *API) sendTemplateMessage(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	var in TemplateMessageBody
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	s, err := api.app.SendTemplateMessage(r.Context(), actor, in.message())
	if err != nil {
		return nil, err
	}
	return toTemplateSend(s), nil
}

func (api *API) listTemplateSends(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	limit, err := queryInt(r, "limit")
	if err != nil {
		return nil, err
	}
	ss, err := api.app.TemplateSends(r.Context(), actor, int(limit))
	if err != nil {
		return nil, err
	}
	out := TemplateSendList{Sends: []TemplateSend{}}
	for _, s := range ss {
		out.Sends = append(out.Sends, toTemplateSend(s))
	}
	return out, nil
}
