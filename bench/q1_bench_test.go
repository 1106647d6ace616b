package bench_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"reportline"
	"reportline/api"
	"reportline/app"
	"reportline/bench"
	"reportline/internal/testapp"
	"reportline/server"
	"reportline/store"
)

const (
	adminEmail    = "bench.admin@example.com"
	adminPassword = "bench admin password"
)

// serve starts the real HTTP server (middleware, authentication, JSON API)
// on a loopback listener over the fixture, and returns its URL, a platform
// admin and the admin's API token.
func serve(tb testing.TB, f *fixture) (url string, admin reportline.User, token string) {
	tb.Helper()
	ctx := context.Background()
	url = serveRoutes(tb, f, api.New(f.app, slog.New(slog.DiscardHandler)))
	admin, err := f.app.CreatePlatformAdmin(ctx, adminEmail, adminPassword)
	if err != nil {
		tb.Fatal(err)
	}
	if token, err = f.app.CreateToken(ctx, app.SystemActor(reportline.SourceCLI), adminEmail, "bench"); err != nil {
		tb.Fatal(err)
	}
	return url, admin, token
}

// serveRoutes serves routes over the fixture as serve does: tenants are
// resolved from the application's cached list (cmd/reportline), not from
// a read of the tenants table per request, which production never pays.
func serveRoutes(tb testing.TB, f *fixture, routes ...server.Routes) string {
	tb.Helper()
	env := &testapp.Env{DB: f.db, App: f.app}
	return env.ServeConfig(tb, server.Config{Routes: routes, Tenants: cachedTenants{f.db, f.app}})
}

// q1Sample is how many random users Q1 asks about, in turn.
const q1Sample = 4096

// BenchmarkQ1 is BENCHMARKS.md Q1: a user's managers or managees (in turn)
// for random users, over HTTP from the load generator, with one sequential
// client (c=1) and with 16 concurrent clients (c=16). Next to each, in the
// same run, the floor: the raw lookup (SELECT manager_id FROM links WHERE
// tenant_id = 1 AND managee_id = $1, or managee_id … AND manager_id = $1) for the same
// users, through database/sql with the same concurrency. c=1/app calls
// app.ShowManagers directly, and c=1/healthz sends GET /healthz through the
// same server and client, to separate the services' cost from HTTP's.
//
// One op is one request; ns/op is wall time per request (with 16 clients,
// the inverse of throughput). p50-us and p99-us are latency quantiles of
// the last round, req/s its throughput.
func BenchmarkQ1(b *testing.B) {
	engines(b, func(b *testing.B, engine store.Engine) {
		ctx := context.Background()
		f := newFixture(b, engine, benchConfig(b))
		url, admin, token := serve(b, f)
		p, err := prepareFloor(ctx, f)
		if err != nil {
			b.Fatal(err)
		}
		ids := f.org.Sample(14, q1Sample)
		for _, c := range []int{1, 16} {
			q, err := bench.NewQ1(url, token, ids, c)
			if err != nil {
				b.Fatal(err)
			}
			defer q.Close()
			floor := func(ctx context.Context, i int) error {
				id, dir := q.Target(i)
				stmt := p.managers
				if dir == reportline.Managees {
					stmt = p.managees
				}
				_, err := lookup(ctx, stmt, id, nil)
				return err
			}
			service := func(ctx context.Context, i int) error {
				id, _ := q.Target(i)
				_, err := f.app.ListUserLinks(ctx, app.UserActor(admin, reportline.SourceAPI), id)
				return err
			}
			ops := []struct {
				name string
				op   bench.Op
			}{{"floor", floor}, {"app", service}, {"http", q.Do}, {"healthz", q.Health}}
			for _, o := range ops {
				if (o.name == "app" || o.name == "healthz") && c != 1 {
					continue
				}
				b.Run(fmt.Sprintf("c=%d/%s", c, o.name), func(b *testing.B) { measure(b, c, o.op) })
			}
		}
	})
}

// measure warms up, then drives b.N operations with c clients and reports
// the latency quantiles and the throughput.
func measure(b *testing.B, c int, op bench.Op) {
	ctx := context.Background()
	if n := warmups(b); n > 0 {
		res, err := bench.Drive(ctx, bench.Options{Concurrency: c, Requests: n, Duration: bench.MaxDuration}, op)
		if err == nil {
			err = res.Err
		}
		if err != nil {
			b.Fatalf("warm-up: %v", err)
		}
	}
	b.ResetTimer()
	res, err := bench.Drive(ctx, bench.Options{Concurrency: c, Requests: b.N, Duration: bench.MaxDuration}, op)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	if res.Errors > 0 || res.Requests != b.N {
		b.Fatalf("%d of %d operations failed or were cut short; first error: %v", b.N-res.Requests, b.N, res.Err)
	}
	us := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }
	b.ReportMetric(us(res.Quantile(0.50)), "p50-us")
	b.ReportMetric(us(res.Quantile(0.99)), "p99-us")
	b.ReportMetric(res.Throughput(), "req/s")
}
