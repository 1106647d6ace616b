package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"reportline"
	"reportline/api"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/server"
	"reportline/store"
)

// tenantGet sends GET path on host with a bearer token and returns the
// response with its body read.
func tenantGet(t *testing.T, base, host, path, token string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("GET", base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp, string(raw)
}

// A tenant's request rate is its own: once its callers together have
// spent its bucket, its requests are refused with 429, Retry-After and a
// JSON error naming the limit, counted in /metrics, while another
// tenant's requests go on. The operator's default applies to every
// tenant without its own limit; a tenant's own limit (0: none) replaces
// it; only the operator may set one.
func TestTenantRateLimits(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		env := testapp.New(t, engine)
		a, b := twoTenants(t, env)
		op := app.OperatorActor(reportline.SourceCLI, "ops")
		ctxA := reportline.WithTenant(context.Background(), a.id)
		const users = "/api/v1/users?q=same"
		adm := server.Admission{MaxWait: 50 * time.Millisecond, RefusalDelay: time.Millisecond}

		// acme's own limit: 3 requests, then one every 100 s.
		rate, burst := "0.01", "3"
		if _, err := env.App.SetTenantLimits(ctxA, op, app.TenantLimitsChange{APIPerSecond: &rate, APIBurst: &burst}); err != nil {
			t.Fatal(err)
		}
		base := env.ServeConfig(t, server.Config{Routes: []server.Routes{api.New(env.App, env.Logger())}, Admission: adm})
		for i := range 3 {
			if resp, body := tenantGet(t, base, a.host, users, a.token); resp.StatusCode != 200 {
				t.Fatalf("acme's request %d within its burst: %d %s", i+1, resp.StatusCode, body)
			}
		}
		resp, body := tenantGet(t, base, a.host, users, a.token)
		if resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("acme's 4th request: %d %s; want 429", resp.StatusCode, body)
		}
		if ra := resp.Header.Get("Retry-After"); ra == "" || ra == "0" || ra == "1" {
			t.Errorf("Retry-After %q; want the ~100 s until acme's next token", ra)
		}
		var e struct {
			Error struct {
				Code, Message, Limit string
				Rate                 float64 `json:"rate_per_second"`
				Burst                int
			}
		}
		if err := json.Unmarshal([]byte(body), &e); err != nil {
			t.Fatalf("refusal %q: %v", body, err)
		}
		if e.Error.Code != "rate_limited" || e.Error.Limit != "tenant_api_rate" || e.Error.Rate != 0.01 || e.Error.Burst != 3 ||
			!strings.Contains(e.Error.Message, "organisation") || !strings.Contains(e.Error.Message, "0.01 a second") {
			t.Errorf("refusal %s; want rate_limited naming the tenant's limit (0.01 a second, bursts of 3)", body)
		}
		// beta is not held back by acme's spent bucket.
		for i := range 6 {
			if resp, body := tenantGet(t, base, b.host, users, b.token); resp.StatusCode != 200 || !strings.Contains(body, b.first) {
				t.Fatalf("beta's request %d while acme is limited: %d %s", i+1, resp.StatusCode, body)
			}
		}
		_, metrics := tenantGet(t, base, "localhost", "/metrics", "")
		if !strings.Contains(metrics, `reportline_http_admission_refused_total{class="read",reason="tenant-rate"} 1`) {
			t.Errorf("/metrics does not count the tenant-rate refusal once:\n%s", grep(metrics, "admission_refused"))
		}

		// The operator's default (2 requests, then one every 100 s)
		// applies to beta, which has no limit of its own; acme's own "0"
		// is no limit.
		zero := "0"
		if _, err := env.App.SetTenantLimits(ctxA, op, app.TenantLimitsChange{APIPerSecond: &zero}); err != nil {
			t.Fatal(err)
		}
		withDefault := app.New(app.Adapt(env.DB.Read, env.DB.Write, env.DB.Ping, env.DB.ReadOnce), app.Config{Now: env.Now.Now,
			Logger: slog.New(slog.DiscardHandler), PasswordParams: testapp.FastPasswords, Tenants: env.DB.Tenants,
			TenantLimits: app.TenantLimits{APIPerSecond: 0.01, APIBurst: 2}})
		base = env.ServeConfig(t, server.Config{App: withDefault, Routes: []server.Routes{api.New(withDefault, env.Logger())}, Admission: adm})
		codes := func(host, token string, n int) []int {
			var out []int
			for range n {
				resp, _ := tenantGet(t, base, host, users, token)
				out = append(out, resp.StatusCode)
			}
			return out
		}
		if got := codes(b.host, b.token, 3); got[0] != 200 || got[1] != 200 || got[2] != 429 {
			t.Errorf("beta under the operator's default of 2: %v; want 200 200 429", got)
		}
		for i, c := range codes(a.host, a.token, 5) {
			if c != 200 {
				t.Errorf("acme (its own limit 0: none), request %d: %d", i+1, c)
			}
		}

		// Only the operator sets limits: acme's platform admin may not
		// raise its own; a wrong value is refused naming the setting.
		admin, err := env.App.UserByEmail(ctxA, "admin@example.com")
		if err != nil {
			t.Fatal(err)
		}
		big := "1000"
		if _, err := env.App.SetTenantLimits(ctxA, testapp.Actor(admin), app.TenantLimitsChange{APIPerSecond: &big}); !reportline.IsCode(err, reportline.Forbidden) {
			t.Errorf("a platform admin raising its tenant's limit: %v; want Forbidden", err)
		}
		bad := "-1"
		if _, err := env.App.SetTenantLimits(ctxA, op, app.TenantLimitsChange{MailPerMinute: &bad}); err == nil || !strings.Contains(err.Error(), "limit_mail_per_minute") {
			t.Errorf("a negative mail rate: %v; want refused naming limit_mail_per_minute", err)
		}
		v, err := env.App.TenantLimitsOf(ctxA, op)
		if err != nil || v.Effective.APIPerSecond != 0 || v.Effective.APIBurst != 3 || v.Effective.MailPerMinute != 0 {
			t.Errorf("acme's limits after the refusals: %+v, %v; want rate 0 (none), burst 3, no mail limit", v, err)
		}
	})
}

// grep keeps the lines of s that contain sub.
func grep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
