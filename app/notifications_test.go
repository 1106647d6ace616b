package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/store"
)

func TestNotificationCatalogue(t *testing.T) {
	o := newOrg(t, store.SQLite)
	ctx := context.Background()
	tests := []struct {
		actor    reportline.User
		audience reportline.Audience
		want     []reportline.NotificationType
		code     reportline.Code
	}{
		{o.ga, reportline.AudienceManagers, []reportline.NotificationType{reportline.NotifyWeeklyDigest, reportline.NotifyBirthday, reportline.NotifyTemplateMessage,
			reportline.NotifyTemporaryLinkStart, reportline.NotifyTemporaryLinkEnd, reportline.NotifyManagerAdded, reportline.NotifyManagerRemoved, reportline.NotifyPasswordReset}, ""},
		{o.pa, reportline.AudienceLearners, []reportline.NotificationType{reportline.NotifyTemporaryLinkStart, reportline.NotifyTemporaryLinkEnd,
			reportline.NotifyManagerAdded, reportline.NotifyManagerRemoved, reportline.NotifyPasswordReset}, ""},
		{o.pa, reportline.AudienceAdmins, []reportline.NotificationType{reportline.NotifyPasswordReset, reportline.NotifyPlanApplied}, ""},
		{o.ua, "", []reportline.NotificationType{reportline.NotifyWeeklyDigest, reportline.NotifyBirthday, reportline.NotifyTemplateMessage,
			reportline.NotifyTemporaryLinkStart, reportline.NotifyTemporaryLinkEnd, reportline.NotifyManagerAdded, reportline.NotifyManagerRemoved, reportline.NotifyPasswordReset,
			reportline.NotifyPlanApplied}, ""},
		{o.mem, reportline.AudienceManagers, nil, reportline.Forbidden},
		{o.pa, "bosses", nil, reportline.Invalid},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%s", tt.actor.Email, tt.audience), func(t *testing.T) {
			got, err := o.env.App.Notifications(ctx, ui(tt.actor), tt.audience)
			if reportline.ErrorCode(err) != tt.code {
				t.Fatalf("error = %v, want code %q", err, tt.code)
			}
			var types []reportline.NotificationType
			for _, n := range got {
				types = append(types, n.Type)
				if n.Template == "" || n.Trigger == "" || n.Channel != "email" {
					t.Errorf("%s: incomplete catalogue entry %+v", n.Type, n)
				}
			}
			if fmt.Sprint(types) != fmt.Sprint(tt.want) {
				t.Errorf("got %v, want %v", types, tt.want)
			}
		})
	}
	p, err := o.env.App.PreviewNotification(ctx, ui(o.ga), reportline.NotifyTemplateMessage)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.Text, "Hello Camille,") || !strings.Contains(p.Subject, "Sales France") || !strings.Contains(p.HTML, "<p>Hello Camille,</p>") {
		t.Errorf("template message preview = %+v", p)
	}
	if _, err := o.env.App.PreviewNotification(ctx, ui(o.mem), reportline.NotifyTemplateMessage); reportline.ErrorCode(err) != reportline.Forbidden {
		t.Errorf("preview by a member: %v, want forbidden", err)
	}
}

// TestTemplateMessages sends a message to the managers of group A1, on both
// engines: only managers whose link grants receive_messages get it.
func TestTemplateMessages(t *testing.T) {
	testapp := func(t *testing.T, engine store.Engine) {
		o := newOrg(t, engine)
		ctx := context.Background()
		a := o.env.App
		o.link(t, o.z, o.y, reportline.Functional) // z (group B) manages y (A1) functionally
		o.link(t, o.mem, o.w, reportline.Line)     // mem leaves: an inactive manager receives nothing
		off := reportline.StatusInactive
		if _, err := a.UpdateUser(ctx, sys, o.mem.ID, app.UserPatch{Status: &off}); err != nil {
			t.Fatal(err)
		}
		msg := app.TemplateMessage{Group: o.a1.ID, Subject: "{{group.name}} for {{manager.first_name}}",
			Body: "Hello {{manager.first_name}},\n\nyour people: {{managees}} <b>\n\n{{sender.email}}"}

		recipients := func(actor reportline.User) ([]string, app.MessagePreview, error) {
			p, err := a.PreviewTemplateMessage(ctx, ui(actor), msg)
			var out []string
			for _, r := range p.Recipients {
				out = append(out, r.Manager.Email)
			}
			return out, p, err
		}
		got, p, err := recipients(o.ga)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != "[mgr@example.com z@example.com]" {
			t.Errorf("recipients = %v, want mgr (line) and z (functional)", got)
		}
		if p.Sample.Subject != "A1 for mgr" || !strings.Contains(p.Sample.Text, "your people: x ") || !strings.Contains(p.Sample.HTML, "&lt;b&gt;") {
			t.Errorf("sample = %+v; want mgr's message with the HTML escaped", p.Sample)
		}

		// The matrix decides: functional links stop granting the capability.
		m := reportline.DefaultMatrix()
		m.Set(reportline.Functional, reportline.ReceiveMessages, false)
		if _, err := a.SetCapabilityMatrix(ctx, ui(o.pa), m); err != nil {
			t.Fatal(err)
		}
		if got, _, _ := recipients(o.ua); fmt.Sprint(got) != "[mgr@example.com]" {
			t.Errorf("recipients with functional links not granting = %v, want mgr only", got)
		}
		for _, who := range []reportline.User{o.mem, o.x, o.z} {
			if _, _, err := recipients(who); reportline.ErrorCode(err) != reportline.Forbidden {
				t.Errorf("preview by %s: %v, want forbidden", who.Email, err)
			}
		}

		rec, err := a.SendTemplateMessage(ctx, ui(o.ga), msg)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Recipients != 1 || rec.ActorID != o.ga.ID || rec.GroupID != o.a1.ID {
			t.Errorf("record = %+v", rec)
		}
		page, err := a.DeliveryLog(ctx, ui(o.pa), reportline.DeliveryFilter{Type: reportline.NotifyTemplateMessage})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Messages) != 1 {
			t.Fatalf("outbox holds %d template messages, want 1", len(page.Messages))
		}
		out := page.Messages[0]
		if out.To != "mgr@example.com" || out.Recipient != o.mgr.ID || out.Subject != "A1 for mgr" ||
			out.Key != fmt.Sprintf("template_message:%d:%d", rec.ID, o.mgr.ID) || !strings.Contains(out.Text, "ga@example.com\n\n-- \nSent by ga through Reportline to the managers of the members of A1.") {
			t.Errorf("enqueued = %+v", out)
		}
		sends, err := a.TemplateSends(ctx, ui(o.pa), 10)
		if err != nil || len(sends) != 1 || sends[0].ID != rec.ID {
			t.Errorf("template sends = %v, %v", sends, err)
		}
		if _, err := a.TemplateSends(ctx, ui(o.ga), 10); reportline.ErrorCode(err) != reportline.Forbidden {
			t.Errorf("template sends read by a group admin: %v, want forbidden", err)
		}

		// Nobody to send to is an error, and nothing is recorded.
		_, err = a.SendTemplateMessage(ctx, ui(o.pa), app.TemplateMessage{Group: o.b.ID, Subject: "s", Body: "b"})
		if reportline.ErrorCode(err) != reportline.Invalid {
			t.Errorf("send to a group without managers: %v, want invalid", err)
		}
		if sends, _ := a.TemplateSends(ctx, ui(o.pa), 10); len(sends) != 1 {
			t.Errorf("a refused send was recorded")
		}
	}
	for _, e := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(e), func(t *testing.T) { testapp(t, e) })
	}
}

func TestTemplateMessageErrors(t *testing.T) {
	o := newOrg(t, store.SQLite)
	ctx := context.Background()
	tests := []struct {
		name  string
		m     app.TemplateMessage
		field string
		msg   string
	}{
		{"unknown field", app.TemplateMessage{Subject: "Hi", Body: "Hello,\n\nDear {{manager.nickname}}"}, "body",
			"line 3, column 6: unknown field {{manager.nickname}}; known fields: manager.first_name, "},
		{"broken placeholder", app.TemplateMessage{Subject: "Hi {{manager.first_name", Body: "b"}, "subject", "line 1, column 4: \"{{\" opens a placeholder"},
		{"function call", app.TemplateMessage{Subject: "Hi", Body: `{{exec "rm"}}`}, "body", "exec"},
		{"position as written", app.TemplateMessage{Subject: "Hi", Body: "\n\n  Dear {{manager.nickname}}"}, "body", "line 3, column 8: unknown field"},
		{"old syntax", app.TemplateMessage{Subject: "Hi", Body: "{{.Manager.FirstName}}"}, "body", "did you mean {{manager.first_name}}?"},
		{"pathological loop", app.TemplateMessage{Subject: "Hi", Body: "{{range 20000}}{{range 1000}}{{end}}{{end}}"}, "body", "there are no loops"},
		{"two-line subject", app.TemplateMessage{Subject: "Hi\nBcc: x@example.com", Body: "b"}, "subject", "one line"},
		{"empty body", app.TemplateMessage{Subject: "Hi", Body: "  "}, "body", "empty"},
		{"no group", app.TemplateMessage{Group: -1, Subject: "Hi", Body: "b"}, "group", "choose"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.m.Group == 0 {
				tt.m.Group = o.a1.ID
			}
			_, err := o.env.App.PreviewTemplateMessage(ctx, ui(o.pa), tt.m)
			e, ok := err.(*reportline.Error)
			if !ok || e.Code != reportline.Invalid || e.Field != tt.field || !strings.Contains(e.Message, tt.msg) {
				t.Errorf("error = %v, want invalid %s mentioning %q", err, tt.field, tt.msg)
			}
		})
	}
}

func TestDeliveryLogIsForPlatformAdmins(t *testing.T) {
	o := newOrg(t, store.SQLite)
	ctx := context.Background()
	if _, err := o.env.App.DeliveryLog(ctx, ui(o.ga), reportline.DeliveryFilter{}); reportline.ErrorCode(err) != reportline.Forbidden {
		t.Errorf("group admin: %v, want forbidden", err)
	}
	if _, err := o.env.App.DeliveryLog(ctx, ui(o.pa), reportline.DeliveryFilter{Status: "lost"}); reportline.ErrorCode(err) != reportline.Invalid {
		t.Errorf("unknown status: %v, want invalid", err)
	}
	var msgs []reportline.OutboxMessage
	for i := range 5 {
		msgs = append(msgs, outboxMessage(fmt.Sprint("log", i), fmt.Sprintf("user%d@example.com", i)))
	}
	enqueue(t, o.env, msgs...)
	page, err := o.env.App.DeliveryLog(ctx, ui(o.pa), reportline.DeliveryFilter{Limit: 3})
	if err != nil || len(page.Messages) != 3 || page.Next == 0 {
		t.Fatalf("first page = %d messages, next %d, %v; want 3 and a next page", len(page.Messages), page.Next, err)
	}
	page, err = o.env.App.DeliveryLog(ctx, ui(o.pa), reportline.DeliveryFilter{Limit: 3, BeforeID: page.Next})
	if err != nil || len(page.Messages) != 2 || page.Next != 0 {
		t.Errorf("last page = %d messages, next %d, %v; want 2 and no next page", len(page.Messages), page.Next, err)
	}
	d, err := o.env.App.Delivery(ctx, ui(o.pa), page.Messages[0].ID)
	if err != nil || d.Message.Key != "log1" {
		t.Errorf("delivery detail = %+v, %v", d, err)
	}
}

// TestTemplateMessagePreviewForRecipient previews a template message as
// one chosen manager would receive it, on both engines. The hostile cases
// first: a manager the admin may not read is refused exactly as an
// unknown id is (a read of them, through the policy), even though they
// would receive the message; somebody who would not receive it is refused
// with a reason; an admin who switched template messages off for managers
// leaves nobody to send to.
func TestTemplateMessagePreviewForRecipient(t *testing.T) {
	for _, e := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			o := newOrg(t, e)
			ctx := context.Background()
			a := o.env.App
			o.link(t, o.z, o.y, reportline.Functional) // z (group B, out of ga's scope) manages y (A1)
			msg := func(recipient reportline.User) app.TemplateMessage {
				return app.TemplateMessage{Group: o.a1.ID, Subject: "{{group.name}} for {{manager.first_name}}",
					Body: "Hello {{manager.name}},\n\nyour people: {{managees}}.", Recipient: recipient.ID}
			}

			_, errZ := a.PreviewTemplateMessage(ctx, ui(o.ga), msg(o.z))
			_, errNobody := a.PreviewTemplateMessage(ctx, ui(o.ga), msg(reportline.User{ID: 987654}))
			if reportline.ErrorCode(errZ) != reportline.Forbidden || errZ.Error() != errNobody.Error() {
				t.Errorf("preview for a recipient ga may not read: %v; for nobody: %v; want the same refusal", errZ, errNobody)
			}
			_, err := a.PreviewTemplateMessage(ctx, ui(o.ga), msg(o.y))
			if e, ok := err.(*reportline.Error); !ok || e.Code != reportline.Invalid || e.Field != "recipient" || !strings.Contains(e.Message, "would not receive") {
				t.Errorf("preview for y, who receives nothing: %v, want invalid recipient", err)
			}

			// No recipient chosen: the first ga may read, and which ones
			// ga may choose.
			p, err := a.PreviewTemplateMessage(ctx, ui(o.ga), msg(reportline.User{}))
			if err != nil {
				t.Fatal(err)
			}
			var seen []string
			for _, r := range p.Recipients {
				seen = append(seen, fmt.Sprintf("%s:%v", r.Manager.FirstName, r.Visible))
			}
			if fmt.Sprint(seen) != "[mgr:true z:false]" || p.SampleFor != o.mgr.ID || p.Sample.Subject != "A1 for mgr" {
				t.Errorf("default preview: recipients %v, shown for %d (%q); want mgr shown, z not choosable", seen, p.SampleFor, p.Sample.Subject)
			}
			// The platform admin may read z: the message as z gets it,
			// in both parts.
			p, err = a.PreviewTemplateMessage(ctx, ui(o.pa), msg(o.z))
			if err != nil {
				t.Fatal(err)
			}
			if p.SampleFor != o.z.ID || p.Sample.Subject != "A1 for z" || !strings.Contains(p.Sample.Text, "Hello z,\n\nyour people: y.") ||
				!strings.Contains(p.Sample.HTML, "<p>your people: y.</p>") {
				t.Errorf("preview for z = %+v", p.Sample)
			}

			// Switched off for managers: nobody receives it.
			if err := a.SetNotificationRole(ctx, ui(o.pa), reportline.NotifyTemplateMessage, reportline.AudienceManagers, false); err != nil {
				t.Fatal(err)
			}
			if p, err := a.PreviewTemplateMessage(ctx, ui(o.ga), msg(reportline.User{})); err != nil || len(p.Recipients) != 0 {
				t.Errorf("preview with template messages switched off: %d recipients, %v; want none", len(p.Recipients), err)
			}
			if _, err := a.SendTemplateMessage(ctx, ui(o.ga), msg(reportline.User{})); reportline.ErrorCode(err) != reportline.Invalid ||
				!strings.Contains(err.Error(), "switched off") {
				t.Errorf("send with template messages switched off: %v, want invalid saying why", err)
			}
		})
	}
}
