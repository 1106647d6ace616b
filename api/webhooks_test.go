package api_test

import (
	"fmt"
	"strings"
	"testing"

	"reportline/internal/testapp"
	"reportline/store"
)

// TestWebhooksAPI: a private URL refused, the secret in the creation's
// answer only, the subscriber listed, its log read, then deleted.
func TestWebhooksAPI(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newFixture(t, engine)
		for _, u := range []string{"https://169.254.169.254/latest/meta-data", "https://192.168.1.10/hook", "http://hooks.example.com/"} {
			if status, body := f.do(t, f.paToken, "POST", "/api/v1/webhooks", `{"url": "`+u+`"}`); status != 422 && status != 400 {
				t.Errorf("POST a webhook to %s: %d %v, want refused", u, status, body)
			}
		}
		if status, body := f.do(t, f.paToken, "POST", "/api/v1/webhooks", `{"url": "https://hooks.example.com/x", "types": ["com.reportline.nope"]}`); status != 422 && status != 400 {
			t.Errorf("an unknown event type: %d %v, want refused", status, body)
		}
		if status, _ := f.do(t, f.gaToken, "POST", "/api/v1/webhooks", `{"url": "https://hooks.example.com/x"}`); status != 403 {
			t.Errorf("a group admin creating a webhook: %d, want 403", status)
		}
		status, body := f.do(t, f.paToken, "POST", "/api/v1/webhooks", `{"url": "https://hooks.example.com/x", "types": ["com.reportline.link.created"]}`)
		secret, _ := body["secret"].(string)
		if status != 201 || !strings.HasPrefix(secret, "whsec_") {
			t.Fatalf("create: %d %v", status, body)
		}
		id := int64(body["id"].(float64))
		status, body = f.do(t, f.paToken, "GET", "/api/v1/webhooks", "")
		hooks, _ := body["webhooks"].([]any)
		if status != 200 || len(hooks) != 1 || strings.Contains(fmt.Sprint(body), secret) {
			t.Fatalf("list: %d %v (want one, without its secret)", status, body)
		}
		path := fmt.Sprintf("/api/v1/webhooks/%d", id)
		if status, body := f.do(t, f.paToken, "GET", path+"/deliveries", ""); status != 200 || body["deliveries"] == nil {
			t.Errorf("deliveries: %d %v", status, body)
		}
		if status, body := f.do(t, f.paToken, "DELETE", path, ""); status != 204 {
			t.Errorf("delete: %d %v", status, body)
		}
		if status, _ := f.do(t, f.paToken, "DELETE", path, ""); status != 404 {
			t.Errorf("delete again: %d, want 404", status)
		}
		status, body = f.do(t, f.paToken, "GET", "/api/openapi.json", "")
		if paths, _ := body["paths"].(map[string]any); status != 200 || paths["/api/v1/webhooks"] == nil || paths["/api/v1/webhooks/{id}/deliveries"] == nil {
			t.Errorf("the OpenAPI document has no webhook paths")
		}
	})
}
