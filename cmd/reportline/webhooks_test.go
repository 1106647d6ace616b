package main

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"reportline/internal/testapp"
	"reportline/store"
)

// TestWebhookCommands: a private address refused, add (secret shown once),
// list without the secret, the delivery log, delete.
func TestWebhookCommands(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		st := storageArgs(t, engine)
		for _, u := range []string{"https://169.254.169.254/latest/meta-data", "https://127.0.0.1/", "http://hooks.example.com/"} {
			if out, err := program(t, ctx, "", append([]string{"webhooks", "add", "--url", u}, st...)...); err == nil {
				t.Errorf("webhooks add %s: %q, want refused", u, out)
			}
		}
		out, err := program(t, ctx, "", append([]string{"webhooks", "add", "--url", "https://hooks.example.com/reportline", "--types", "com.reportline.link.created"}, st...)...)
		m := regexp.MustCompile(`webhook (\d+) .*\nsecret \(shown once\): (whsec_\S+)`).FindStringSubmatch(out)
		if err != nil || m == nil {
			t.Fatalf("webhooks add: %q, %v", out, err)
		}
		out, err = program(t, ctx, "", append([]string{"webhooks", "list"}, st...)...)
		if err != nil || !strings.Contains(out, "https://hooks.example.com/reportline") || strings.Contains(out, m[2]) {
			t.Fatalf("webhooks list: %q, %v (want the URL and never the secret)", out, err)
		}
		if _, err := program(t, ctx, "", append([]string{"webhooks", "deliveries", m[1]}, st...)...); err != nil {
			t.Fatal(err)
		}
		if _, err := program(t, ctx, "", append([]string{"webhooks", "replay", m[1], "1"}, st...)...); err == nil {
			t.Error("replaying a delivery that does not exist succeeded")
		}
		out, err = program(t, ctx, "", append([]string{"webhooks", "delete", m[1]}, st...)...)
		if err != nil || !strings.Contains(out, "deleted") {
			t.Fatalf("webhooks delete: %q, %v", out, err)
		}
		if _, err := program(t, ctx, "", append([]string{"webhooks", "delete", m[1]}, st...)...); err == nil {
			t.Error("deleting it twice succeeded")
		}
	})
}
