package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"html"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"reportline"
	"reportline/digest"
	"reportline/i18n"
	"reportline/msgtmpl"
	"reportline/outbox"
	"reportline/policy"
	"reportline/usecase"
)

// Template messages: an admin writes a subject and a body with
// placeholders, and Reportline sends one message per manager of a group's
// members, each filled in with that manager's data. Recipients are the
// managers whose link to a member grants receive_messages (asked of the
// capability checker, so the matrix, link dates and inactive users count as
// everywhere else). Templates are written in the placeholder language of
// package msgtmpl: fields and conditionals, no loops nor functions, unknown
// fields refused with their line and column, rendering linear in time and
// capped in size. Rendering happens outside any transaction, under a
// deadline.

// TemplateMessage is what an admin composes.
type TemplateMessage struct {
	Group   reportline.GroupID
	Subject string // one line; placeholders allowed
	Body    string // plain text; placeholders allowed
	// Recipient, for a preview only: show the message as this manager
	// would receive it (0: the first recipient the actor may see). The
	// actor must be allowed to read them (the policy's user.read row), and
	// they must be among the recipients.
	Recipient reportline.UserID
}

// TemplateMessageFields are the placeholders a template message may use,
// with their descriptions, for the compose page (and its insert-field
// picker).
var TemplateMessageFields = msgtmpl.ManagerMessageFields

// Limits of template messages.
const (
	maxSubjectLen  = 200
	maxBodyLen     = 20_000
	maxRenderedLen = 100_000
	// renderTimeout bounds the time spent filling a message in for all
	// its recipients (each rendering is linear and capped: this is the
	// backstop for a very large group).
	renderTimeout = 10 * time.Second
)

// MessagePreview is a template message as it would be sent.
type MessagePreview struct {
	Recipients []MessageRecipient
	// Sample is the message rendered for SampleFor: the recipient asked
	// for, else the first recipient the actor may see, else the first;
	// sample data when there is nobody (SampleFor is then 0).
	Sample    Preview
	SampleFor reportline.UserID
}

// MessageRecipient is a manager who would receive the message.
type MessageRecipient struct {
	Manager  reportline.User
	Managees []reportline.User
	// Visible: the actor may read this manager (the policy's user.read
	// row), so may preview the message as they would receive it.
	Visible bool
}

// parsedMessage is a checked, parsed template message.
type parsedMessage struct {
	subject, body *msgtmpl.Template
}

// parse checks the template message and parses its templates.
func (m TemplateMessage) parse() (parsedMessage, error) {
	subject, body := strings.TrimSpace(m.Subject), strings.TrimSpace(m.Body)
	switch {
	case m.Group <= 0:
		return parsedMessage{}, reportline.FieldError("group", fmt.Sprint(m.Group), "choose the group whose managers receive the message")
	case subject == "":
		return parsedMessage{}, reportline.FieldError("subject", "", "the subject is empty")
	case len(subject) > maxSubjectLen || strings.ContainsAny(subject, "\r\n"):
		return parsedMessage{}, reportline.FieldError("subject", "", "the subject must be one line of at most %d bytes", maxSubjectLen)
	case body == "":
		return parsedMessage{}, reportline.FieldError("body", "", "the message is empty")
	case len(body) > maxBodyLen:
		return parsedMessage{}, reportline.FieldError("body", "", "the message is longer than %d bytes", maxBodyLen)
	case !utf8.ValidString(subject) || !utf8.ValidString(body):
		return parsedMessage{}, reportline.FieldError("body", "", "the message is not valid UTF-8 text")
	}
	var p parsedMessage
	var err error
	if p.subject, err = msgtmpl.Parse(subject, TemplateMessageFields); err != nil {
		return p, reportline.FieldError("subject", subject, "in the subject, %v", asWritten(err, m.Subject))
	}
	if p.body, err = msgtmpl.Parse(body, TemplateMessageFields); err != nil {
		return p, reportline.FieldError("body", "", "in the message, %v", asWritten(err, m.Body))
	}
	return p, nil
}

// asWritten moves the position of a template error in the trimmed text
// back to where it is in the text as the author wrote it.
func asWritten(err error, written string) error {
	e, ok := errors.AsType[*msgtmpl.Error](err)
	if !ok {
		return err
	}
	lead := written[:len(written)-len(strings.TrimLeftFunc(written, unicode.IsSpace))]
	c := *e
	if i := strings.LastIndexByte(lead, '\n'); i >= 0 {
		lead = lead[i+1:]
		c.Line += strings.Count(written[:len(written)-len(strings.TrimLeftFunc(written, unicode.IsSpace))], "\n")
	}
	if e.Line == 1 {
		c.Column += utf8.RuneCountInString(lead)
	}
	return &c
}

// messageFrame is what a template message is sent in: the brand's band,
// and a footer in the recipient's language saying who sent it to whom.
type messageFrame struct {
	locale, sender, group string
	brand                 MailBrand
}

// frameFor is the frame of the message to manager, under the branding br
// of the tenant (branding).
func (a *App) frameFor(manager, sender reportline.User, group string, br reportline.Branding) messageFrame {
	return messageFrame{locale: cmp.Or(manager.Locale, br.Locale), sender: sender.Name(), group: group, brand: MailBrandOf(br)}
}

// render fills the templates in for one recipient.
func (p parsedMessage) render(v msgtmpl.Values, f messageFrame) (Preview, error) {
	subject, err := p.subject.Render(v, msgtmpl.Plain, maxRenderedLen)
	if err != nil {
		return Preview{}, reportline.FieldError("subject", "", "the filled-in subject is longer than %d bytes", maxRenderedLen)
	}
	text, err := p.body.Render(v, msgtmpl.Plain, maxRenderedLen)
	if err != nil {
		return Preview{}, reportline.FieldError("body", "", "the filled-in message is longer than %d bytes; shorten it or send it to a smaller group", maxRenderedLen)
	}
	s := strings.Join(strings.Fields(subject), " ") // a placeholder must not add lines to the header
	if s == "" {
		s = "(no subject)"
	}
	// The author writes plain text: all of it, values included, is
	// escaped for the HTML part, which keeps its paragraphs and lines, and
	// has no style of its own (it shows as written in any mail program,
	// and in the preview's frame under the page's policy). A footer in the
	// recipient's language says who sent it to whom.
	l := i18n.For(f.locale)
	footer := l.T("template.footer", map[string]any{"Sender": f.sender, "Group": f.group, "Brand": f.brand.Name})
	var h strings.Builder
	h.WriteString("<!DOCTYPE html>\n<html lang=\"" + l.Lang() + "\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + html.EscapeString(s) + "</title>\n</head>\n<body>\n")
	for _, para := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		h.WriteString("<p>" + strings.ReplaceAll(html.EscapeString(para), "\n", "<br>") + "</p>\n")
	}
	h.WriteString("<hr>\n<p><small>" + html.EscapeString(footer) + "</small></p>\n</body>\n</html>\n")
	return Preview{Type: reportline.NotifyTemplateMessage, Subject: s, Text: strings.TrimRight(text, "\n") + "\n\n-- \n" + footer + "\n", HTML: h.String()}, nil
}

// renderAll fills the message in for every recipient, outside any
// transaction, under renderTimeout.
func (p parsedMessage) renderAll(ctx context.Context, rs []MessageRecipient, g reportline.Group, sender reportline.User,
	frame func(manager reportline.User) messageFrame) ([]Preview, error) {
	ctx, cancel := context.WithTimeout(ctx, renderTimeout)
	defer cancel()
	out := make([]Preview, 0, len(rs))
	for _, r := range rs {
		if ctx.Err() != nil {
			if ctx.Err() == context.DeadlineExceeded {
				return nil, reportline.FieldError("group", g.Name, "filling the message in for the %d managers of %s took longer than %s; nothing was sent", len(rs), g.Name, renderTimeout)
			}
			return nil, ctx.Err()
		}
		pr, err := p.render(messageValues(r, g.Name, sender), frame(r.Manager))
		if err != nil {
			return nil, err
		}
		out = append(out, pr)
	}
	return out, nil
}

// messageValues builds one recipient's values.
func messageValues(r MessageRecipient, group string, sender reportline.User) msgtmpl.Values {
	names := make([]string, len(r.Managees))
	for i, m := range r.Managees {
		names[i] = m.Name()
	}
	return msgtmpl.Values{
		"manager.first_name": msgtmpl.Text(r.Manager.FirstName),
		"manager.last_name":  msgtmpl.Text(r.Manager.LastName),
		"manager.name":       msgtmpl.Text(r.Manager.Name()),
		"manager.email":      msgtmpl.Text(r.Manager.Email),
		"managees":           msgtmpl.List(names...),
		"managees.count":     msgtmpl.Count(len(names)),
		"group.name":         msgtmpl.Text(group),
		"sender.first_name":  msgtmpl.Text(sender.FirstName),
		"sender.last_name":   msgtmpl.Text(sender.LastName),
		"sender.name":        msgtmpl.Text(sender.Name()),
		"sender.email":       msgtmpl.Text(sender.Email),
	}
}

// sampleMessageValues is what previews show when nobody would receive the
// message, and what the catalogue's preview uses.
func sampleMessageValues(group string) msgtmpl.Values {
	v := msgtmpl.Examples(TemplateMessageFields)
	if group != "" {
		v["group.name"] = msgtmpl.Text(group)
	}
	return v
}

func init() { registerPreview(reportline.NotifyTemplateMessage, (*App).previewTemplateSample) }

// previewTemplateSample renders an example template message.
func (a *App) previewTemplateSample(ctx context.Context) (string, string, string, error) {
	r, err := a.sampleTemplateMessage("", a.branding(ctx))
	return r.Subject, r.Text, r.HTML, err
}

// sampleTemplateMessage renders an example template message for a manager
// who reads locale ("": the platform's default).
func (a *App) sampleTemplateMessage(locale string, br reportline.Branding) (Preview, error) {
	p, err := TemplateMessage{Group: 1, Subject: "{{group.name}}: the new training plan",
		Body: "Hello {{manager.first_name}},\n\nThe training plan of {{group.name}} is out. Please go through it with " +
			"{{managees}} this week.\n\n{{sender.name}}"}.parse()
	if err != nil {
		return Preview{}, err
	}
	return p.render(sampleMessageValues(""), a.frameFor(reportline.User{Locale: locale}, reportline.User{FirstName: "Alex", LastName: "Admin"}, "Sales France", br))
}

// mayMessageGroup loads the group and checks that the actor administrates
// it (platform admins, admins and user admins of it or of a group above).
func mayMessageGroup(ctx context.Context, tx messageGroupTx, actor Actor, id reportline.GroupID) (reportline.Group, error) {
	g, err := tx.Group(ctx, id)
	if err != nil {
		return g, err
	}
	ac, err := usecase.LoadAuthority(ctx, tx, actor)
	if err != nil {
		return g, err
	}
	if err := ac.Authorize(policy.MessageManagers, policy.Target{Group: id}); err != nil {
		return g, err
	}
	return g, nil
}

// messagesTx is what finding a template message's recipients reads: the
// access checker's view of the transaction (the members' managers, whose
// links must grant receive_messages) and the messages' own (the group, and
// who switched template messages off).
type messagesTx struct {
	check checkTx
	msg   interface {
		messageGroupTx
		digest.OptOutTx
	}
}

func (a *App) messagesStore() usecase.Store[messagesTx] {
	return narrow(a.store, func(tx Tx) messagesTx {
		return messagesTx{check: checkTx{links: tx, facts: tx, current: a.currentIn(tx)}, msg: tx}
	})
}

// messageSendTx is what sending a template message writes: the right to
// message the group checked again, the record of the send and the emails.
type messageSendTx interface {
	messageGroupTx
	outbox.Tx
	AppendTemplateSend(ctx context.Context, s *reportline.TemplateSend) error
}

func (a *App) messageSendStore() usecase.Store[messageSendTx] {
	return narrow(a.store, func(tx Tx) messageSendTx { return tx })
}

// messageRecipients finds the managers of the group's members whose link
// grants receive_messages now, each with the members they manage, ordered
// by manager id.
func (a *App) messageRecipients(ctx context.Context, tx messagesTx, g reportline.Group) ([]MessageRecipient, error) {
	ms, err := tx.check.facts.Memberships(ctx, reportline.MembershipFilter{GroupIDs: []reportline.GroupID{g.ID}})
	if err != nil {
		return nil, fmt.Errorf("read the members of %s: %w", g.Name, err)
	}
	members := make([]reportline.UserID, 0, len(ms))
	for _, m := range ms {
		members = append(members, m.UserID)
	}
	links, err := a.managersOfMany(ctx, tx.check.links, members)
	if err != nil {
		return nil, fmt.Errorf("read the managers of %s: %w", g.Name, err)
	}
	ch, err := a.newChecker(ctx, tx.check, SystemActor(reportline.SourceAPI))
	if err != nil {
		return nil, err
	}
	managees := map[reportline.UserID][]reportline.UserID{}
	for _, member := range members {
		for _, l := range links[member] {
			if slices.Contains(managees[l.ManagerID], member) {
				continue // a line and a functional link to the same person
			}
			d, err := ch.answer(ctx, AccessQuery{Subject: l.ManagerID, Capability: reportline.ReceiveMessages, Resource: member})
			if err != nil {
				return nil, err
			}
			if d.Allowed {
				managees[l.ManagerID] = append(managees[l.ManagerID], member)
			}
		}
	}
	// An admin may have switched template messages off for managers on
	// Notifications per role: then nobody receives them.
	mgrs := make([]reportline.UserID, 0, len(managees))
	for m := range managees {
		mgrs = append(mgrs, m)
	}
	off, err := optOuts(ctx, tx.msg, reportline.NotifyTemplateMessage, reportline.AudienceManagers, mgrs)
	if err != nil {
		return nil, err
	}
	for m := range off {
		delete(managees, m)
	}
	ids := make([]reportline.UserID, 0, len(managees)+len(members))
	for m, ees := range managees {
		ids = append(ids, m)
		ids = append(ids, ees...)
	}
	users, err := tx.check.facts.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]MessageRecipient, 0, len(managees))
	for m, ees := range managees {
		r := MessageRecipient{Manager: users[m]}
		for _, e := range ees {
			r.Managees = append(r.Managees, users[e])
		}
		slices.SortFunc(r.Managees, func(x, y reportline.User) int { return strings.Compare(x.Name(), y.Name()) })
		out = append(out, r)
	}
	slices.SortFunc(out, func(x, y MessageRecipient) int { return cmp.Compare(x.Manager.ID, y.Manager.ID) })
	return out, nil
}

// PreviewTemplateMessage checks a template message and shows who would
// receive it and how it reads for one of them (m.Recipient when set, else
// the first recipient the actor may see). Nothing is sent. A recipient the
// actor may not read is refused as any read of them is, whether or not
// they exist; one who would not receive the message is an Invalid error
// on the field "recipient".
func (a *App) PreviewTemplateMessage(ctx context.Context, actor Actor, m TemplateMessage) (MessagePreview, error) {
	p, err := m.parse()
	if err != nil {
		return MessagePreview{}, err
	}
	var out MessagePreview
	var g reportline.Group
	err = a.messagesStore().Read(ctx, func(tx messagesTx) error {
		var err error
		if g, err = mayMessageGroup(ctx, tx.msg, actor, m.Group); err != nil {
			return err
		}
		ac, err := usecase.LoadAuthority(ctx, tx.msg, actor)
		if err != nil {
			return err
		}
		if m.Recipient != 0 {
			ok, err := a.mayView(ctx, tx.check.visibility(), ac, m.Recipient)
			if err != nil {
				return err
			}
			if !ok {
				return usecase.NotVisible()
			}
		}
		if out.Recipients, err = a.messageRecipients(ctx, tx, g); err != nil {
			return err
		}
		for i, r := range out.Recipients {
			if out.Recipients[i].Visible, err = a.mayView(ctx, tx.check.visibility(), ac, r.Manager.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return out, err
	}
	if len(out.Recipients) == 0 {
		if m.Recipient != 0 {
			return out, notARecipient(g)
		}
		out.Sample, err = p.render(sampleMessageValues(g.Name), a.frameFor(reportline.User{}, actor.User, g.Name, a.branding(ctx)))
		return out, err
	}
	// Every recipient's rendering must work before anything is sent; one
	// is shown.
	br := a.branding(ctx)
	prs, err := p.renderAll(ctx, out.Recipients, g, actor.User, func(m reportline.User) messageFrame { return a.frameFor(m, actor.User, g.Name, br) })
	if err != nil {
		return out, err
	}
	shown := -1
	for i, r := range out.Recipients {
		if m.Recipient != 0 && r.Manager.ID == m.Recipient || m.Recipient == 0 && r.Visible && shown < 0 {
			shown = i
		}
	}
	switch {
	case shown < 0 && m.Recipient != 0:
		return out, notARecipient(g)
	case shown < 0:
		shown = 0
	}
	out.Sample, out.SampleFor = prs[shown], out.Recipients[shown].Manager.ID
	return out, nil
}

// notARecipient refuses a preview for somebody who would not receive the
// message.
func notARecipient(g reportline.Group) error {
	return reportline.FieldError("recipient", "", "this person would not receive the message: only the managers of members of %s whose link allows receiving messages do; choose one of the recipients listed", g.Name)
}

// SendTemplateMessage enqueues the message for every recipient, in one
// transaction with its record (who sent what to which group, to how many):
// either all are enqueued and recorded, or none. It returns the record.
// The recipients are read and the messages filled in before that
// transaction opens, so no admin-written text runs while it is open; the
// actor's right to message the group is checked again inside it.
func (a *App) SendTemplateMessage(ctx context.Context, actor Actor, m TemplateMessage) (reportline.TemplateSend, error) {
	p, err := m.parse()
	if err != nil {
		return reportline.TemplateSend{}, err
	}
	var g reportline.Group
	var rs []MessageRecipient
	err = a.messagesStore().Read(ctx, func(tx messagesTx) error {
		var err error
		if g, err = mayMessageGroup(ctx, tx.msg, actor, m.Group); err != nil {
			return err
		}
		rs, err = a.messageRecipients(ctx, tx, g)
		return err
	})
	if err != nil {
		return reportline.TemplateSend{}, err
	}
	if len(rs) == 0 {
		return reportline.TemplateSend{}, reportline.FieldError("group", g.Name, "nobody would receive this message: no manager of a member of %s may receive messages (or template messages are switched off for managers on Notifications per role)", g.Name)
	}
	br := a.branding(ctx)
	prs, err := p.renderAll(ctx, rs, g, actor.User, func(m reportline.User) messageFrame { return a.frameFor(m, actor.User, g.Name, br) })
	if err != nil {
		return reportline.TemplateSend{}, err
	}
	var rec reportline.TemplateSend
	err = a.messageSendStore().Write(ctx, func(tx messageSendTx) error {
		if _, err := mayMessageGroup(ctx, tx, actor, m.Group); err != nil {
			return err
		}
		rec = reportline.TemplateSend{At: a.now(), ActorID: actor.ID(), Source: actor.Source, GroupID: g.ID,
			Subject: strings.TrimSpace(m.Subject), Body: strings.TrimSpace(m.Body), Recipients: len(rs)}
		if err := tx.AppendTemplateSend(ctx, &rec); err != nil {
			return err
		}
		msgs := make([]reportline.OutboxMessage, 0, len(rs))
		for i, r := range rs {
			pr := prs[i]
			key := fmt.Sprintf("template_message:%d:%d", rec.ID, r.Manager.ID)
			msgs = append(msgs, reportline.OutboxMessage{Key: key, Type: reportline.NotifyTemplateMessage, Recipient: r.Manager.ID,
				To: r.Manager.Email, Subject: pr.Subject, Text: pr.Text, HTML: pr.HTML})
		}
		if _, err := a.Enqueue(ctx, tx, msgs...); err != nil {
			return err
		}
		a.log.Info("template message sent", "actor", actor.ID(), "group", g.ID, "send", rec.ID, "recipients", len(rs))
		return nil
	})
	return rec, err
}

// TemplateSends lists the last template messages sent, for platform
// admins.
func (a *App) TemplateSends(ctx context.Context, actor Actor, limit int) ([]reportline.TemplateSend, error) {
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	var out []reportline.TemplateSend
	err := a.templateSendsStore().Read(ctx, func(tx templateSendsTx) error {
		if err := usecase.AuthorizeActor(actor, policy.OperatePlatform); err != nil {
			return err
		}
		var err error
		out, err = tx.TemplateSends(ctx, limit)
		return err
	})
	return out, err
}
