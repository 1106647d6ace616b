package api_test

import (
	"fmt"
	"strings"
	"testing"

	"reportline/internal/testapp"
	"reportline/store"
)

// TestNotificationsOverHTTP reads the catalogue, previews, sends a template
// message to the managers of a group and finds it in the delivery log.
func TestNotificationsOverHTTP(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newFixture(t, engine)
		status, body := f.do(t, f.gaToken, "GET", "/api/v1/notifications?role=managers", "")
		if status != 200 || len(body["notifications"].([]any)) != 8 {
			t.Fatalf("catalogue for managers: %d %v", status, body)
		}
		if status, body := f.do(t, f.gaToken, "GET", "/api/v1/notifications?role=bosses", ""); status != 422 || errField(body, "field") != "role" {
			t.Errorf("an unknown role: %d %v, want 422 on role", status, body)
		}
		status, body = f.do(t, f.gaToken, "GET", "/api/v1/notifications/template_message/preview", "")
		if status != 200 || !strings.Contains(body["text"].(string), "Camille") {
			t.Errorf("preview: %d %v", status, body)
		}

		var group int64
		status, body = f.do(t, f.gaToken, "GET", "/api/v1/groups", "")
		if status != 200 {
			t.Fatalf("list groups: %d %v", status, body)
		}
		for _, g := range body["groups"].([]any) {
			if g := g.(map[string]any); g["name"] == "Team" {
				group = int64(g["id"].(float64))
			}
		}
		msg := fmt.Sprintf(`{"group_id": %d, "subject": "Hi {{manager.email}}", "body": "Team {{group.name}}: {{managees}}"}`, group)
		status, body = f.do(t, f.gaToken, "POST", "/api/v1/template-messages/preview", msg)
		if status != 200 || len(body["recipients"].([]any)) != 1 || !strings.HasPrefix(body["sample"].(map[string]any)["text"].(string), "Team Team: b@example.com\n\n-- \nSent by ") {
			t.Fatalf("template preview: %d %v", status, body)
		}
		// As a chosen recipient: one the caller may read, or refused as
		// reading them is.
		rc := body["recipients"].([]any)[0].(map[string]any)
		id := int64(rc["manager"].(map[string]any)["id"].(float64))
		if rc["may_preview"] != true || body["sample_for"] != float64(id) {
			t.Errorf("recipient %v, sample for %v", rc, body["sample_for"])
		}
		as := func(recipient int64) string {
			return fmt.Sprintf(`{"group_id": %d, "subject": "Hi {{manager.email}}", "body": "Team {{group.name}}: {{managees}}", "recipient_id": %d}`, group, recipient)
		}
		if status, body := f.do(t, f.gaToken, "POST", "/api/v1/template-messages/preview", as(id)); status != 200 || body["sample"].(map[string]any)["subject"] != "Hi a@example.com" {
			t.Errorf("preview as %d: %d %v", id, status, body)
		}
		if status, body := f.do(t, f.gaToken, "POST", "/api/v1/template-messages/preview", as(987654)); status != 403 {
			t.Errorf("preview as a user nobody may read: %d %v, want 403", status, body)
		}
		bad := fmt.Sprintf(`{"group_id": %d, "subject": "Hi", "body": "{{manager.shoe}}"}`, group)
		if status, body := f.do(t, f.gaToken, "POST", "/api/v1/template-messages/preview", bad); status != 422 || errField(body, "field") != "body" {
			t.Errorf("a wrong placeholder: %d %v, want 422 on body", status, body)
		}
		status, body = f.do(t, f.gaToken, "POST", "/api/v1/template-messages", msg)
		if status != 201 || body["recipients"] != float64(1) {
			t.Fatalf("send: %d %v", status, body)
		}

		if status, _ := f.do(t, f.gaToken, "GET", "/api/v1/deliveries", ""); status != 403 {
			t.Errorf("delivery log by a group admin: %d, want 403", status)
		}
		status, body = f.do(t, f.paToken, "GET", "/api/v1/deliveries?recipient=A@EXAMPLE&type=template_message&status=pending&since=2026-01-01&until=2026-12-31", "")
		if status != 200 || len(body["deliveries"].([]any)) != 1 {
			t.Fatalf("delivery log: %d %v", status, body)
		}
		d := body["deliveries"].([]any)[0].(map[string]any)
		if d["to"] != "a@example.com" || d["subject"] != "Hi a@example.com" || d["status"] != "pending" {
			t.Errorf("delivery = %v", d)
		}
		status, body = f.do(t, f.paToken, "GET", fmt.Sprintf("/api/v1/deliveries/%d", int64(d["id"].(float64))), "")
		if status != 200 || !strings.HasPrefix(fmt.Sprint(body["text"]), "Team Team: b@example.com\n") {
			t.Errorf("delivery detail: %d %v", status, body)
		}
		if status, body := f.do(t, f.paToken, "GET", "/api/v1/deliveries?since=yesterday", ""); status != 422 || errField(body, "field") != "since" {
			t.Errorf("a bad date: %d %v, want 422 on since", status, body)
		}
		status, body = f.do(t, f.paToken, "GET", "/api/v1/template-messages", "")
		if status != 200 || len(body["sends"].([]any)) != 1 {
			t.Errorf("template sends: %d %v", status, body)
		}
	})
}
