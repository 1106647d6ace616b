package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
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
		admin, err := env.App.GetUserByEmail(ctxA, "admin@example.com")
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

// tenantGate holds each POST /hold until one release is sent on its
// channel, and records the tenant of every request it starts, in order.
type tenantGate struct {
	release chan struct{}
	mu      sync.Mutex
	started []reportline.TenantID
}

func (g *tenantGate) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /hold", func(w http.ResponseWriter, r *http.Request) {
		id, _ := reportline.TenantOf(r.Context())
		g.mu.Lock()
		g.started = append(g.started, id)
		g.mu.Unlock()
		io.Copy(io.Discard, r.Body)
		select {
		case <-g.release:
		case <-r.Context().Done():
		}
	})
}

func (g *tenantGate) ran() []reportline.TenantID {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.started)
}

// A tenant alone may use every slot of a class; once another tenant's
// request waits, a tenant over its share (half the slots) leaves it the
// next free slot, even though its own requests waited longer.
func TestTenantShareOfSlots(t *testing.T) {
	t.Parallel()
	env := testapp.New(t, store.SQLite)
	beta, err := env.DB.CreateTenantAs(context.Background(), "test", "beta", "b.example")
	if err != nil {
		t.Fatal(err)
	}
	g := &tenantGate{release: make(chan struct{})}
	base := env.ServeConfig(t, server.Config{Routes: []server.Routes{g}, PublicURL: &url.URL{Scheme: "http", Host: "localhost"},
		Admission: server.Admission{Write: server.ClassLimits{Slots: 4, PerCaller: 8, Anonymous: 4}, MaxWait: 20 * time.Second, RefusalDelay: time.Millisecond}})
	t.Cleanup(func() { close(g.release) })
	send := func(host string) {
		go func() {
			req, _ := http.NewRequest("POST", base+"/hold", strings.NewReader(`{}`))
			req.Host = host
			req.Header.Set("Content-Type", "application/json")
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
			}
		}()
	}
	waitFor := func(n int) []reportline.TenantID {
		deadline := time.Now().Add(15 * time.Second)
		for len(g.ran()) < n {
			if time.Now().After(deadline) {
				t.Fatalf("%d requests started, want %d: %v", len(g.ran()), n, g.ran())
			}
			time.Sleep(5 * time.Millisecond)
		}
		return g.ran()
	}
	// The implicit tenant alone takes all 4 slots.
	for range 4 {
		send("localhost")
	}
	waitFor(4)
	// Two more of its requests wait, then one of beta's.
	send("localhost")
	send("localhost")
	time.Sleep(200 * time.Millisecond)
	send("b.example")
	time.Sleep(200 * time.Millisecond)
	if got := g.ran(); len(got) != 4 {
		t.Fatalf("started %v while the slots are full; want 4", got)
	}
	// One slot frees: beta's request takes it.
	g.release <- struct{}{}
	if got := waitFor(5); got[4] != beta {
		t.Errorf("the freed slot went to tenant %d (%v); want beta (%d), under its share while the implicit tenant is over", got[4], got, beta)
	}
	// The next freed slot goes to the implicit tenant's waiting request.
	g.release <- struct{}{}
	if got := waitFor(6); got[5] != reportline.ImplicitTenant {
		t.Errorf("the next freed slot went to tenant %d; want the implicit tenant's waiting request", got[5])
	}
}
