package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"html"
	"slices"
	"strings"
	"text/template"
	"unicode/utf8"

	"reportline"
	"reportline/policy"
)

// Template messages: an admin writes a subject and a body with
// placeholders, and Reportline sends one message per manager of a group's
// members, each filled in with that manager's data. Recipients are the
// managers whose link to a member grants receive_messages (asked of the
// capability checker, so the matrix, link dates and inactive users count as
// everywhere else). Templates are text/template with no functions, a
// missing field is an error, and the output is capped, so a template can
// neither reach anything but its data nor grow without bound.

// TemplateMessage is what an admin composes.
type TemplateMessage struct {
	Group   reportline.GroupID
	Subject string // one line; placeholders allowed
	Body    string // plain text; placeholders allowed
}

// MessagePerson is a person as templates see them.
type MessagePerson struct {
	FirstName, LastName, Name, Email string
}

// MessageData is what a template message's placeholders can name:
// {{.Manager.FirstName}}, {{.Group.Name}}, {{range .Managees}}{{.Name}}{{end}},
// {{.Sender.Name}}.
type MessageData struct {
	Manager  MessagePerson
	Managees []MessagePerson // the group's members this manager manages
	Group    struct{ Name string }
	Sender   MessagePerson
}

// Limits of template messages.
const (
	maxSubjectLen  = 200
	maxBodyLen     = 20_000
	maxRenderedLen = 100_000
)

// MessagePreview is a template message as it would be sent.
type MessagePreview struct {
	Recipients []MessageRecipient
	Sample     Preview // rendered for the first recipient (sample data when there is none)
}

// MessageRecipient is a manager who would receive the message.
type MessageRecipient struct {
	Manager  reportline.User
	Managees []reportline.User
}

// parsedMessage is a checked, parsed template message.
type parsedMessage struct {
	subject, body *template.Template
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
	if p.subject, err = template.New("subject").Option("missingkey=error").Parse(subject); err != nil {
		return p, reportline.FieldError("subject", subject, "the subject's placeholders are wrong: %s", templateError(err))
	}
	if p.body, err = template.New("body").Option("missingkey=error").Parse(body); err != nil {
		return p, reportline.FieldError("body", "", "the message's placeholders are wrong: %s", templateError(err))
	}
	return p, nil
}

// templateError is the part of a template error a person can act on.
func templateError(err error) string {
	s := err.Error()
	if i := strings.Index(s, ": "); i >= 0 && strings.HasPrefix(s, "template: ") {
		return s[i+2:]
	}
	return s
}

// render fills the templates in for one recipient.
func (p parsedMessage) render(d MessageData) (Preview, error) {
	var subject, body cappedBuffer
	if err := p.subject.Execute(&subject, d); err != nil {
		return Preview{}, reportline.FieldError("subject", "", "the subject cannot be filled in: %s", templateError(err))
	}
	if err := p.body.Execute(&body, d); err != nil {
		return Preview{}, reportline.FieldError("body", "", "the message cannot be filled in: %s", templateError(err))
	}
	s := strings.Join(strings.Fields(subject.String()), " ") // a placeholder must not add lines to the header
	if s == "" {
		s = "(no subject)"
	}
	text := body.String()
	return Preview{Type: reportline.NotifyTemplateMessage, Subject: s, Text: text, HTML: textToHTML(text)}, nil
}

// textToHTML shows plain text as HTML: escaped, paragraphs kept.
func textToHTML(text string) string {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html lang="en"><body>`)
	for _, para := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		b.WriteString("<p>")
		b.WriteString(strings.ReplaceAll(html.EscapeString(para), "\n", "<br>"))
		b.WriteString("</p>")
	}
	b.WriteString(`</body></html>`)
	return b.String()
}

// cappedBuffer refuses output past maxRenderedLen, so a looping template
// fails instead of filling memory.
type cappedBuffer struct{ strings.Builder }

var errTooLong = errors.New("the filled-in message is too long")

func (c *cappedBuffer) Write(p []byte) (int, error) {
	if c.Len()+len(p) > maxRenderedLen {
		return 0, errTooLong
	}
	return c.Builder.Write(p)
}

func person(u reportline.User) MessagePerson {
	return MessagePerson{FirstName: u.FirstName, LastName: u.LastName, Name: u.Name(), Email: u.Email}
}

// messageData builds one recipient's data.
func messageData(r MessageRecipient, g reportline.Group, sender reportline.User) MessageData {
	d := MessageData{Manager: person(r.Manager), Sender: person(sender)}
	d.Group.Name = g.Name
	for _, m := range r.Managees {
		d.Managees = append(d.Managees, person(m))
	}
	return d
}

// sampleMessageData is what previews show when nobody would receive the
// message, and what the catalogue's preview uses.
func sampleMessageData() MessageData {
	d := MessageData{Manager: MessagePerson{FirstName: "Camille", LastName: "Martin", Name: "Camille Martin", Email: "camille.martin@example.com"},
		Managees: []MessagePerson{{FirstName: "Léa", LastName: "Bernard", Name: "Léa Bernard", Email: "lea.bernard@example.com"}},
		Sender:   MessagePerson{FirstName: "Alex", LastName: "Admin", Name: "Alex Admin", Email: "alex.admin@example.com"}}
	d.Group.Name = "Sales France"
	return d
}

func init() { registerPreview(reportline.NotifyTemplateMessage, (*App).previewTemplateSample) }

// previewTemplateSample renders an example template message.
func (a *App) previewTemplateSample(ctx context.Context) (string, string, string, error) {
	p, err := TemplateMessage{Group: 1, Subject: "{{.Group.Name}}: the new training plan",
		Body: "Hello {{.Manager.FirstName}},\n\nThe training plan of {{.Group.Name}} is out. Please go through it with " +
			"{{range $i, $m := .Managees}}{{if $i}}, {{end}}{{$m.Name}}{{end}} this week.\n\n{{.Sender.Name}}"}.parse()
	if err != nil {
		return "", "", "", err
	}
	r, err := p.render(sampleMessageData())
	return r.Subject, r.Text, r.HTML, err
}

// mayMessageGroup loads the group and checks that the actor administrates
// it (platform admins, admins and user admins of it or of a group above).
func mayMessageGroup(ctx context.Context, tx Tx, actor Actor, id reportline.GroupID) (reportline.Group, error) {
	g, err := tx.Group(ctx, id)
	if err != nil {
		return g, err
	}
	ac, err := loadAccess(ctx, tx, actor)
	if err != nil {
		return g, err
	}
	if err := ac.authorize(policy.MessageManagers, policy.Target{Group: id}); err != nil {
		return g, err
	}
	return g, nil
}

// messageRecipients finds the managers of the group's members whose link
// grants receive_messages now, each with the members they manage, ordered
// by manager id.
func (a *App) messageRecipients(ctx context.Context, tx Tx, g reportline.Group) ([]MessageRecipient, error) {
	ms, err := tx.Memberships(ctx, reportline.MembershipFilter{GroupIDs: []reportline.GroupID{g.ID}})
	if err != nil {
		return nil, fmt.Errorf("read the members of %s: %w", g.Name, err)
	}
	members := make([]reportline.UserID, 0, len(ms))
	for _, m := range ms {
		members = append(members, m.UserID)
	}
	links, err := a.managersOfMany(ctx, tx, members)
	if err != nil {
		return nil, fmt.Errorf("read the managers of %s: %w", g.Name, err)
	}
	ch, err := a.newChecker(ctx, tx, SystemActor(reportline.SourceAPI))
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
	ids := make([]reportline.UserID, 0, len(managees)+len(members))
	for m, ees := range managees {
		ids = append(ids, m)
		ids = append(ids, ees...)
	}
	users, err := tx.UsersByIDs(ctx, ids)
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
// receive it and how it reads for the first of them. Nothing is sent.
func (a *App) PreviewTemplateMessage(ctx context.Context, actor Actor, m TemplateMessage) (MessagePreview, error) {
	p, err := m.parse()
	if err != nil {
		return MessagePreview{}, err
	}
	var out MessagePreview
	err = a.store.Read(ctx, func(tx Tx) error {
		g, err := mayMessageGroup(ctx, tx, actor, m.Group)
		if err != nil {
			return err
		}
		if out.Recipients, err = a.messageRecipients(ctx, tx, g); err != nil {
			return err
		}
		// Every recipient's rendering must work before anything is sent;
		// the first is shown.
		for i, r := range out.Recipients {
			pr, err := p.render(messageData(r, g, actor.User))
			if err != nil {
				return err
			}
			if i == 0 {
				out.Sample = pr
			}
		}
		if len(out.Recipients) == 0 {
			d := sampleMessageData()
			d.Group.Name = g.Name
			out.Sample, err = p.render(d)
		}
		return err
	})
	return out, err
}

// SendTemplateMessage enqueues the message for every recipient, in one
// transaction with its record (who sent what to which group, to how many):
// either all are enqueued and recorded, or none. It returns the record.
func (a *App) SendTemplateMessage(ctx context.Context, actor Actor, m TemplateMessage) (reportline.TemplateSend, error) {
	p, err := m.parse()
	if err != nil {
		return reportline.TemplateSend{}, err
	}
	var rec reportline.TemplateSend
	err = a.store.Write(ctx, func(tx Tx) error {
		g, err := mayMessageGroup(ctx, tx, actor, m.Group)
		if err != nil {
			return err
		}
		rs, err := a.messageRecipients(ctx, tx, g)
		if err != nil {
			return err
		}
		if len(rs) == 0 {
			return reportline.FieldError("group", g.Name, "nobody would receive this message: no manager of a member of %s may receive messages", g.Name)
		}
		rec = reportline.TemplateSend{At: a.now(), ActorID: actor.id(), Source: actor.Source, GroupID: g.ID,
			Subject: strings.TrimSpace(m.Subject), Body: strings.TrimSpace(m.Body), Recipients: len(rs)}
		if err := tx.AppendTemplateSend(ctx, &rec); err != nil {
			return err
		}
		msgs := make([]reportline.OutboxMessage, 0, len(rs))
		for _, r := range rs {
			pr, err := p.render(messageData(r, g, actor.User))
			if err != nil {
				return err
			}
			key := fmt.Sprintf("template_message:%d:%d", rec.ID, r.Manager.ID)
			msgs = append(msgs, reportline.OutboxMessage{Key: key, Type: reportline.NotifyTemplateMessage, Recipient: r.Manager.ID,
				To: r.Manager.Email, Subject: pr.Subject, Text: pr.Text, HTML: pr.HTML})
		}
		if _, err := a.Enqueue(ctx, tx, msgs...); err != nil {
			return err
		}
		a.log.Info("template message sent", "actor", actor.id(), "group", g.ID, "send", rec.ID, "recipients", len(rs))
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
	err := a.store.Read(ctx, func(tx Tx) error {
		if err := authorizeActor(actor, policy.OperatePlatform); err != nil {
			return err
		}
		var err error
		out, err = tx.TemplateSends(ctx, limit)
		return err
	})
	return out, err
}
