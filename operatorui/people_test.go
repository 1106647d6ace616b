package operatorui_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// TestOperatorPeopleWhileGranted: the operator page lists a tenant's
// people only while the tenant's platform admin grants it: refused (403,
// saying so, nobody shown) before, listed read-only during, refused again
// once the grant has ended; another tenant's people stay refused.
func TestOperatorPeopleWhileGranted(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		env, base := start(t, engine)
		ctx := context.Background()
		beta, err := env.DB.CreateTenantAs(ctx, "test", "beta", "b.example")
		if err != nil {
			t.Fatal(err)
		}
		betaCtx := reportline.WithTenant(ctx, beta)
		pa, err := env.App.CreatePlatformAdmin(betaCtx, "pa@b.example", "a long password")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := env.App.CreateUser(betaCtx, app.SystemActor(reportline.SourceCLI), app.UserInput{Email: "emp@b.example", FirstName: "Emp"}); err != nil {
			t.Fatal(err)
		}
		c := newClient(t, base)
		if r, body := c.do("POST", "/signin", url.Values{"email": {"ops@example.com"}, "password": {"operator password 1"}}); r.Request.URL.Path != "/" {
			t.Fatalf("sign in: ended at %s\n%s", r.Request.URL.Path, body)
		}
		refused := func(slug, when string) {
			t.Helper()
			r, body := c.do("GET", "/tenants/"+slug+"/people", nil)
			if r.StatusCode != http.StatusForbidden || !strings.Contains(body, "has not let the operator see its people") ||
				strings.Contains(body, "emp@b.example") || strings.Contains(body, "root@example.com") {
				t.Errorf("%s, %s: %d; want 403 saying the organisation has not granted it, and nobody\n%s", slug, when, r.StatusCode, body)
			}
		}
		refused("beta", "before a grant")
		if _, err := env.App.GrantOperatorAccess(betaCtx, app.UserActor(pa, reportline.SourceUI), 1); err != nil {
			t.Fatal(err)
		}
		r, body := c.do("GET", "/tenants/beta/people", nil)
		if r.StatusCode != http.StatusOK || !strings.Contains(body, "emp@b.example") || !strings.Contains(body, "pa@b.example") ||
			!strings.Contains(body, "granted by pa@b.example") || strings.Contains(body, "root@example.com") || strings.Contains(body, "<form method=\"post\" action=\"/tenants/beta") {
			t.Errorf("while granted: %d; want beta's people, read-only\n%s", r.StatusCode, body)
		}
		refused("default", "while beta's grant runs")
		env.Now.Advance(time.Hour + time.Second)
		refused("beta", "after the grant ended")
	})
}
