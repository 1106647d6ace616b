package reportline

import (
	"strings"
	"testing"
)

func TestCatalogueIsComplete(t *testing.T) {
	t.Parallel()
	seen := map[NotificationType]bool{}
	for _, n := range Notifications() {
		if seen[n.Type] {
			t.Errorf("%s listed twice", n.Type)
		}
		seen[n.Type] = true
		if n.Name == "" || n.Trigger == "" || n.Channel == "" || n.Template == "" || len(n.Audiences) == 0 {
			t.Errorf("%s: incomplete entry %+v", n.Type, n)
		}
		if !n.Type.Valid() {
			t.Errorf("%s is listed but not valid", n.Type)
		}
	}
	for _, want := range []NotificationType{NotifyWeeklyDigest, NotifyBirthday, NotifyTemplateMessage, NotifyTemporaryLinkStart,
		NotifyTemporaryLinkEnd, NotifyManagerAdded, NotifyManagerRemoved, NotifyPasswordReset} {
		if !seen[want] {
			t.Errorf("%s is missing from the catalogue", want)
		}
	}
	for _, a := range Audiences {
		if len(NotificationsFor(a)) == 0 {
			t.Errorf("%s receive nothing", a)
		}
	}
	// "Your manager changed" reaches the managee whatever they chose.
	for _, typ := range []NotificationType{NotifyManagerAdded, NotifyManagerRemoved, NotifyTemporaryLinkStart, NotifyTemporaryLinkEnd} {
		n, _ := NotificationByType(typ)
		if !n.MandatoryFor(AudienceLearners) || n.MandatoryFor(AudienceManagers) {
			t.Errorf("%s: mandatory for %v, want learners only", typ, n.Mandatory)
		}
	}
	if n, _ := NotificationByType(NotifyPasswordReset); n.Optional() || n.Bulk {
		t.Errorf("a password reset may be turned off or is bulk: %+v", n)
	}
	if _, err := ParseAudience("bosses"); ErrorCode(err) != Invalid {
		t.Errorf("ParseAudience(bosses) = %v, want invalid", err)
	}
}

func TestMessageIDFor(t *testing.T) {
	t.Parallel()
	tests := []struct{ key, want string }{
		{"weekly_digest:2026-W47:123", "<weekly_digest.2026-W47.123@reportline.local>"},
		{"birthday:2026-11-23:7:9", "<birthday.2026-11-23.7.9@reportline.local>"},
		{"a b<c>@d", "<a.b.c..d@reportline.local>"},
	}
	for _, tt := range tests {
		if got := MessageIDFor(tt.key); got != tt.want {
			t.Errorf("MessageIDFor(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
}

func TestOutboxMessageValidate(t *testing.T) {
	t.Parallel()
	good := OutboxMessage{Key: "k:1", Type: NotifyBirthday, To: " Ann@Example.COM ", Subject: "Happy birthday", Text: "…"}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	if good.To != "ann@example.com" || good.MessageID != "<k.1@reportline.local>" {
		t.Errorf("after Validate: to %q, message id %q", good.To, good.MessageID)
	}
	tests := []struct {
		name  string
		edit  func(*OutboxMessage)
		field string
	}{
		{"no key", func(m *OutboxMessage) { m.Key = "" }, "key"},
		{"long key", func(m *OutboxMessage) { m.Key = strings.Repeat("k", 201) }, "key"},
		{"unknown type", func(m *OutboxMessage) { m.Type = "sms" }, "type"},
		{"header injection", func(m *OutboxMessage) { m.Subject = "Hi\r\nBcc: all@example.com" }, "subject"},
		{"no text", func(m *OutboxMessage) { m.Text = "" }, "text"},
		{"bad address", func(m *OutboxMessage) { m.To = "nobody" }, "to"},
		{"bad message id", func(m *OutboxMessage) { m.MessageID = "no-brackets@x" }, "message_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := OutboxMessage{Key: "k", Type: NotifyBirthday, To: "a@example.com", Subject: "s", Text: "t"}
			tt.edit(&m)
			err := m.Validate()
			e, ok := err.(*Error)
			if !ok || e.Code != Invalid || e.Field != tt.field {
				t.Errorf("Validate() = %v, want invalid %s", err, tt.field)
			}
		})
	}
}
