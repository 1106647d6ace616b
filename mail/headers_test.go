package mail_test

import (
	"strings"
	"testing"

	"reportline"
	"reportline/mail"
)

// Bulk messages carry the one-click unsubscribe headers (RFC 8058),
// Precedence: bulk and Auto-Submitted; a password reset is not bulk.
func TestBulkHeaders(t *testing.T) {
	t.Parallel()
	m := reportline.OutboxMessage{Key: "weekly_digest:2026-W48:7", Type: reportline.NotifyWeeklyDigest, To: "a@example.com",
		Subject: "Week", Text: "…", MessageID: "<x@reportline.local>", ListUnsubscribe: "https://rl.example.com/unsubscribe?t=abc.def"}
	b, err := mail.Render(m, "reportline@example.com")
	if err != nil {
		t.Fatal(err)
	}
	head, _, _ := strings.Cut(string(b), "\r\n\r\n")
	for _, want := range []string{"List-Unsubscribe: <https://rl.example.com/unsubscribe?t=abc.def>", "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
		"Precedence: bulk", "Auto-Submitted: auto-generated"} {
		if !strings.Contains(head, want) {
			t.Errorf("headers lack %q:\n%s", want, head)
		}
	}
	m.Type, m.ListUnsubscribe = reportline.NotifyPasswordReset, ""
	b, _ = mail.Render(m, "reportline@example.com")
	head, _, _ = strings.Cut(string(b), "\r\n\r\n")
	if strings.Contains(head, "Precedence") || strings.Contains(head, "List-Unsubscribe") {
		t.Errorf("a password reset looks bulk:\n%s", head)
	}
}
