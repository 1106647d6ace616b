package mail

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"reportline"
)

// Build returns m as a go-mail message from the address from: a text/plain
// body with a text/html alternative when m has HTML, and m's Message-ID.
// The Date is when the message was enqueued, so a message written or sent
// twice is the same bytes twice (the MIME boundary derives from the
// Message-ID too).
func Build(m reportline.OutboxMessage, from string) (*gomail.Msg, error) {
	// A boundary derived from the Message-ID, so the bytes are
	// deterministic (go-mail's default is random).
	sum := sha256.Sum256([]byte(m.MessageID))
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent(), gomail.WithBoundary("rl-"+hex.EncodeToString(sum[:12])))
	if err := msg.From(from); err != nil {
		return nil, fmt.Errorf("from address %q: %w", from, err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("recipient %q: %w", m.To, err)
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(strings.TrimSuffix(strings.TrimPrefix(m.MessageID, "<"), ">"))
	date := m.CreatedAt
	if date.IsZero() {
		date = time.Now()
	}
	msg.SetDateWithValue(date)
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	if n, _ := reportline.NotificationByType(m.Type); n.Bulk {
		msg.SetGenHeader("Precedence", "bulk")
	}
	if m.ListUnsubscribe != "" {
		// RFC 2369 and RFC 8058: one click in the mail program unsubscribes
		// with a POST to this address, without signing in.
		msg.SetGenHeader("List-Unsubscribe", "<"+m.ListUnsubscribe+">")
		msg.SetGenHeader("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	}
	msg.SetGenHeader("X-Reportline-Notification", string(m.Type))
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

// Render returns m as the bytes of an RFC 5322 message.
func Render(m reportline.OutboxMessage, from string) ([]byte, error) {
	msg, err := Build(m, from)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if _, err := msg.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("render message %s: %w", m.MessageID, err)
	}
	return b.Bytes(), nil
}
