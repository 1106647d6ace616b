package ui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"reportline"
	"reportline/app"
	"reportline/i18n"
	"reportline/msgtmpl"
	"reportline/policy"
)

// registerNotifications adds the admin pages of notifications: the
// catalogue per role with previews, the delivery log and template
// messages.
func (u *UI) registerNotifications(mux *http.ServeMux) {
	mux.Handle("GET /settings/notifications", u.signedIn(u.notificationRoles))
	mux.Handle("GET /settings/notifications/preview/{type}", u.signedIn(u.notificationPreviewHTML))
	mux.Handle("POST /settings/notifications/switch", u.signedIn(u.switchNotificationRole))
	mux.Handle("GET /settings/delivery-log", u.signedIn(u.deliveryLog))
	mux.Handle("GET /settings/delivery-log/{id}", u.signedIn(u.delivery))
	mux.Handle("GET /settings/template-messages", u.signedIn(u.templateMessages))
	mux.Handle("POST /settings/template-messages", u.signedIn(u.postTemplateMessage))
}

// rolesPage is Settings → Notifications per role: the catalogue for one
// role, and one notification previewed with sample data.
type rolesPage struct {
	settingsPage
	Roles         []roleTab
	Role          reportline.Audience
	Notifications []roleRow
	CanSwitch     bool         // a platform admin: may switch a notification off for the role
	Preview       *app.Preview // the chosen notification, rendered
	PreviewName   string
}

// roleRow is one notification for the chosen role: on or switched off by
// an admin, and whether people may turn it off for themself.
type roleRow struct {
	app.NotificationView
	Enabled, Mandatory bool
}

// roleTab is one of the role choices.
type roleTab struct {
	Value   reportline.Audience
	Label   string
	Current bool
}

func (u *UI) notificationRoles(w http.ResponseWriter, r *http.Request, v viewer) error {
	ctx := r.Context()
	q := r.URL.Query()
	role := reportline.AudienceManagers
	if s := q.Get("role"); s != "" {
		var err error
		if role, err = reportline.ParseAudience(s); err != nil {
			return err
		}
	}
	ns, err := u.app.Notifications(ctx, v.Actor, role)
	if err != nil {
		return err
	}
	s, err := u.settingsBase(r, v, u.loc(r).T("settings.notifications_roles", nil), "notifications")
	if err != nil {
		return err
	}
	states, err := u.app.NotificationRoles(ctx, v.Actor)
	if err != nil {
		return err
	}
	p := rolesPage{settingsPage: s, Role: role}
	for _, n := range ns {
		st := states[reportline.NotificationRole{Type: n.Type, Audience: role}]
		p.Notifications = append(p.Notifications, roleRow{NotificationView: n, Enabled: st.Enabled, Mandatory: st.Mandatory})
	}
	if p.CanSwitch, err = u.app.May(ctx, v.Actor, policy.ChangeSettings, 0); err != nil {
		return err
	}
	for _, a := range reportline.Audiences {
		p.Roles = append(p.Roles, roleTab{Value: a, Label: u.loc(r).T("audience."+string(a), nil), Current: a == role})
	}
	if t := q.Get("preview"); t != "" {
		pr, err := u.app.PreviewNotification(ctx, v.Actor, reportline.NotificationType(t))
		if err != nil {
			return err
		}
		p.Preview = &pr
		p.PreviewName = u.loc(r).T("notification."+string(pr.Type), nil)
	}
	// The preview's HTML is shown in a sandboxed frame of this page (see
	// notificationPreviewHTML): the one relaxation of the strict policy.
	w.Header().Set("Content-Security-Policy", strings.Replace(w.Header().Get("Content-Security-Policy"),
		"default-src 'none';", "default-src 'none'; frame-src 'self';", 1))
	u.render(w, r, http.StatusOK, "notifications_roles", p)
	return nil
}

// previewCSP confines a previewed email: a sandbox (a unique origin, no
// scripts, no forms, no navigation of the page), nothing loaded from
// anywhere but inline styles and data: images, and framing only by
// Reportline's own pages.
const previewCSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"

// notificationPreviewHTML serves a notification's sample HTML on its own,
// for the frame of the roles page.
func (u *UI) notificationPreviewHTML(w http.ResponseWriter, r *http.Request, v viewer) error {
	pr, err := u.app.PreviewNotification(r.Context(), v.Actor, reportline.NotificationType(r.PathValue("type")))
	if err != nil {
		return err
	}
	body := pr.HTML
	if body == "" {
		body = `<!DOCTYPE html><html lang="en"><p>This notification has no HTML version.</p></html>`
	}
	h := w.Header()
	h.Set("Content-Security-Policy", previewCSP)
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.Write([]byte(body))
	return nil
}

// deliveryLogPage is Settings → Delivery log.
type deliveryLogPage struct {
	settingsPage
	Filter    logFilter
	Types     []reportline.Notification
	TypeNames map[reportline.NotificationType]string
	Statuses  []reportline.DeliveryStatus
	Messages  []reportline.OutboxMessage
	NextURL   string // the next (older) page, "" on the last
	Filtering bool
}

// logFilter is the filter form's values as typed.
type logFilter struct {
	Recipient, Type, Status, Since, Until string
}

func (u *UI) deliveryLog(w http.ResponseWriter, r *http.Request, v viewer) error {
	ctx := r.Context()
	q := r.URL.Query()
	s, err := u.settingsBase(r, v, u.loc(r).T("settings.delivery_log", nil), "delivery-log")
	if err != nil {
		return err
	}
	p := deliveryLogPage{settingsPage: s, Types: reportline.Notifications(),
		Statuses: []reportline.DeliveryStatus{reportline.DeliveryPending, reportline.DeliverySending, reportline.DeliverySent, reportline.DeliveryFailed},
		Filter:   logFilter{Recipient: q.Get("recipient"), Type: q.Get("type"), Status: q.Get("status"), Since: q.Get("since"), Until: q.Get("until")}}
	p.Filtering = p.Filter != logFilter{}
	p.TypeNames = map[reportline.NotificationType]string{}
	for _, n := range p.Types {
		p.TypeNames[n.Type] = u.loc(r).T("notification."+string(n.Type), nil)
	}
	f, err := app.ParseDeliveryFilter(q.Get("recipient"), q.Get("type"), q.Get("status"), q.Get("since"), q.Get("until"))
	if err == nil {
		f.BeforeID, _ = strconv.ParseInt(q.Get("before"), 10, 64)
		var page app.DeliveryLogPage
		page, err = u.app.DeliveryLog(ctx, v.Actor, f)
		if err == nil {
			p.Messages = page.Messages
			if page.Next != 0 {
				next := url.Values{}
				for k, vs := range q {
					next[k] = vs
				}
				next.Set("before", strconv.FormatInt(page.Next, 10))
				p.NextURL = "/settings/delivery-log?" + next.Encode()
			}
		}
	}
	if reportline.IsCode(err, reportline.Invalid) {
		p.Problem = problemOf(u.loc(r), err)
		p.Problem.Title = u.loc(r).T("delivery_log.bad_filter", nil)
		u.render(w, r, http.StatusUnprocessableEntity, "notifications_log", p)
		return nil
	}
	if err != nil {
		return err
	}
	u.render(w, r, http.StatusOK, "notifications_log", p)
	return nil
}

// deliveryPage is one message of the delivery log.
type deliveryPage struct {
	settingsPage
	app.DeliveryDetail
}

func (u *UI) delivery(w http.ResponseWriter, r *http.Request, v viewer) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return reportline.Errorf(reportline.NotFound, "there is no message %q in the delivery log", r.PathValue("id"))
	}
	d, err := u.app.Delivery(r.Context(), v.Actor, id)
	if err != nil {
		return err
	}
	s, err := u.settingsBase(r, v, u.loc(r).T("delivery.title", map[string]any{"ID": id}), "delivery-log")
	if err != nil {
		return err
	}
	// A message of the log: the crumbs go back to the log.
	s.SectionName, s.Crumbs = "", []crumb{{Href: "/settings/delivery-log", Label: u.loc(r).T("settings.delivery_log", nil)}}
	u.render(w, r, http.StatusOK, "notifications_delivery", deliveryPage{settingsPage: s, DeliveryDetail: d})
	return nil
}

// templateMessagesPage is Settings → Template messages: compose, preview,
// confirm, and the messages sent.
type templateMessagesPage struct {
	settingsPage
	Groups   []app.GroupView // the groups the viewer may message
	Form     app.TemplateMessage
	Fields   []msgtmpl.Field // the placeholders the message may use
	Example  string          // an example body, shown in the empty field
	Preview  *app.MessagePreview
	Shown    *app.MessageRecipient  // whose message the preview shows; nil for sample data
	Choices  []app.MessageRecipient // the recipients the viewer may read: the preview may be shown as any
	Inserted string                 // the field the last click inserted, "" if none
	Into     string                 // where the picker inserts: "body" (default) or "subject"
	Sends    []reportline.TemplateSend
	GroupOf  map[reportline.GroupID]string
	CanAudit bool // platform admins see every message sent
}

// defaultTemplate is what the compose form starts with, in the reader's
// language: a subject, and an empty body whose placeholder attribute shows
// an example. (The body used to start with a literal "…" line, which was
// sent to managers as is when an admin only filled in the rest.)
func defaultTemplate(l *i18n.Localizer) app.TemplateMessage {
	return app.TemplateMessage{Subject: l.T("tmsg.default_subject", placeholders)}
}

// exampleBody is shown greyed in the empty message field.
func exampleBody(l *i18n.Localizer) string {
	return l.T("tmsg.example", placeholders)
}

// placeholders are the message fields as the catalogue's messages write
// them ({{.Group}} for {{group.name}}): go-i18n reads {{…}} itself.
var placeholders = map[string]any{
	"FirstName": "{{manager.first_name}}", "Group": "{{group.name}}", "Managees": "{{managees}}",
	"SenderName": "{{sender.name}}", "If": "{{#if managees}}", "EndIf": "{{/if}}",
}

func (u *UI) templateMessagesBase(r *http.Request, v viewer) (*templateMessagesPage, error) {
	ctx, l := r.Context(), u.loc(r)
	s, err := u.settingsBase(r, v, l.T("settings.template_messages", nil), "template-messages")
	if err != nil {
		return nil, err
	}
	groups, err := u.app.ListGroups(ctx, v.Actor)
	if err != nil {
		return nil, err
	}
	p := &templateMessagesPage{settingsPage: s, Form: defaultTemplate(l), Fields: app.TemplateMessageFields, Example: exampleBody(l),
		GroupOf: map[reportline.GroupID]string{}}
	for _, g := range groups {
		p.GroupOf[g.ID] = g.Name
		if g.Administered {
			p.Groups = append(p.Groups, g)
		}
	}
	if len(p.Groups) == 0 {
		return nil, reportline.Errorf(reportline.Forbidden, "only admins of a group may message its managers")
	}
	sends, err := u.app.TemplateSends(ctx, v.Actor, 20)
	switch {
	case err == nil:
		p.Sends, p.CanAudit = sends, true
	case !reportline.IsCode(err, reportline.Forbidden):
		return nil, err
	}
	return p, nil
}

func (u *UI) templateMessages(w http.ResponseWriter, r *http.Request, v viewer) error {
	p, err := u.templateMessagesBase(r, v)
	if err != nil {
		return err
	}
	if n, err := strconv.Atoi(r.URL.Query().Get("sent")); err == nil && n > 0 {
		p.Flash = u.loc(r).N("tmsg.sent.flash", n, nil)
	}
	u.render(w, r, http.StatusOK, "notifications_messages", p)
	return nil
}

// postTemplateMessage previews (action=preview) or sends (action=send) the
// composed message. A refusal shows the form again with the reason.
func (u *UI) postTemplateMessage(w http.ResponseWriter, r *http.Request, v viewer) error {
	p, err := u.templateMessagesBase(r, v)
	if err != nil {
		return err
	}
	g, _ := strconv.ParseInt(r.PostFormValue("group"), 10, 64)
	p.Form = app.TemplateMessage{Group: reportline.GroupID(g), Subject: r.PostFormValue("subject"), Body: r.PostFormValue("body")}
	if r.PostFormValue("into") == "subject" {
		p.Into = "subject"
	}
	if f, ok := r.PostForm["insert"]; ok {
		return u.insertField(w, r, p, strings.Join(f, ""))
	}
	if r.PostFormValue("action") == "send" {
		rec, err := u.app.SendTemplateMessage(r.Context(), v.Actor, p.Form)
		if err == nil {
			seeOther(w, r, "/settings/template-messages?sent="+strconv.Itoa(rec.Recipients))
			return nil
		}
		if !reportline.IsCode(err, reportline.Invalid) {
			return err
		}
		p.Problem = problemOf(u.loc(r), err)
		p.Problem.Title = u.loc(r).T("tmsg.not_sent", nil)
		u.render(w, r, http.StatusUnprocessableEntity, "notifications_messages", p)
		return nil
	}
	// The recipient chosen for the preview counts only for the group it
	// was chosen in: another group has other recipients.
	if rc, _ := strconv.ParseInt(r.PostFormValue("recipient"), 10, 64); rc > 0 && r.PostFormValue("recipients_of") == strconv.FormatInt(g, 10) {
		p.Form.Recipient = reportline.UserID(rc)
	}
	pr, err := u.app.PreviewTemplateMessage(r.Context(), v.Actor, p.Form)
	if reportline.IsCode(err, reportline.Invalid) {
		p.Problem = problemOf(u.loc(r), err)
		p.Problem.Title = u.loc(r).T("tmsg.not_valid", nil)
		u.render(w, r, http.StatusUnprocessableEntity, "notifications_messages", p)
		return nil
	}
	if err != nil {
		return err
	}
	p.Preview = &pr
	for i, rc := range pr.Recipients {
		if rc.Visible {
			p.Choices = append(p.Choices, rc)
		}
		if rc.Manager.ID == pr.SampleFor {
			p.Shown = &pr.Recipients[i]
		}
	}
	u.render(w, r, http.StatusOK, "notifications_messages", p)
	return nil
}

// insertField is the insert-field picker, which needs no script: each
// field's Insert button submits the form, and the page comes back with
// {{field}} added at the end of the message (or of the subject).
func (u *UI) insertField(w http.ResponseWriter, r *http.Request, p *templateMessagesPage, name string) error {
	known := false
	for _, f := range p.Fields {
		known = known || f.Name == name
	}
	if !known {
		l := u.loc(r)
		p.Problem = &problem{Title: l.T("tmsg.not_inserted", nil), Message: l.T("tmsg.no_field", map[string]any{"Name": name})}
		u.render(w, r, http.StatusUnprocessableEntity, "notifications_messages", p)
		return nil
	}
	ph := "{{" + name + "}}"
	at := &p.Form.Body
	if p.Into == "subject" {
		at = &p.Form.Subject
	}
	if *at != "" && !strings.HasSuffix(*at, " ") && !strings.HasSuffix(*at, "\n") {
		*at += " "
	}
	*at += ph
	p.Inserted = name
	u.render(w, r, http.StatusOK, "notifications_messages", p)
	return nil
}

// switchNotificationRole switches one notification on or off for a role
// (platform admins).
func (u *UI) switchNotificationRole(w http.ResponseWriter, r *http.Request, v viewer) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return reportline.Errorf(reportline.Invalid, "the form could not be read")
	}
	role, err := reportline.ParseAudience(r.PostForm.Get("role"))
	if err != nil {
		return err
	}
	t := reportline.NotificationType(r.PostForm.Get("type"))
	if err := u.app.SetNotificationRole(r.Context(), v.Actor, t, role, r.PostForm.Get("enabled") == "1"); err != nil {
		return err
	}
	seeOther(w, r, "/settings/notifications?role="+url.QueryEscape(string(role)))
	return nil
}
