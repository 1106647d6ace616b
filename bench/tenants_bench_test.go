package bench_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"

	"reportline"
	"reportline/api"
	"reportline/app"
	"reportline/bench"
	"reportline/bulkimport"
	"reportline/internal/pgtest"
	"reportline/internal/testapp"
	"reportline/refdata"
	"reportline/server"
	"reportline/store"
)

// The tenant benchmarks' sizes: REPORTLINE_BENCH_TENANTS tenants of
// REPORTLINE_BENCH_TENANT_PEOPLE people each (the sizes: 1000 × 500
// and 10 × 50000; the default is CI's small one).
const (
	tenantsEnv      = "REPORTLINE_BENCH_TENANTS"
	tenantPeopleEnv = "REPORTLINE_BENCH_TENANT_PEOPLE"
)

// tenantsFixture is an installation of n tenants, each holding the same
// reference org of people users (user ids offset per tenant, emails the
// same in every tenant), each with a host tK.example and a platform
// admin's token, served over HTTP.
type tenantsFixture struct {
	db     *store.DB
	app    *app.App
	org    *refdata.Org
	ids    []reportline.TenantID
	base   []int64 // each tenant's id base
	tokens []string
	url    string
	csv    []byte
}

// newTenantsFixture builds the installation on the engine (a fresh
// database; untimed).
func newTenantsFixture(tb testing.TB, engine store.Engine, n, people int) *tenantsFixture {
	tb.Helper()
	ctx := context.Background()
	url, dir := "", tb.TempDir()
	if engine == store.Postgres {
		url = pgtest.New(tb)
	}
	db, err := store.Open(ctx, url, dir)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	raw, err := refdata.OpenDB(ctx, url, dir)
	if err != nil {
		tb.Fatal(err)
	}
	defer raw.Close()
	f := &tenantsFixture{db: db, org: orgFor(tb, refdata.Config{Users: people, Seed: 1})}
	f.app = app.New(app.Adapt(db.Read, db.Write, db.Ping, db.ReadOnce), app.Config{
		Logger: slog.New(slog.DiscardHandler), PasswordParams: testapp.FastPasswords, Tenants: db.Tenants})
	for k := range n {
		id := reportline.ImplicitTenant
		if k > 0 {
			if id, err = db.CreateTenantAs(ctx, "bench", fmt.Sprintf("t%d", k), fmt.Sprintf("t%d.example", k)); err != nil {
				tb.Fatal(err)
			}
		}
		base := int64(k) * int64(people+1000)
		if err := refdata.Load(ctx, raw, f.org, refdata.LoadOptions{Tenant: int64(id), IDBase: base, Quick: true}); err != nil {
			tb.Fatal(err)
		}
		tctx := reportline.WithTenant(ctx, id)
		if _, err := f.app.CreatePlatformAdmin(tctx, adminEmail, adminPassword); err != nil {
			tb.Fatal(err)
		}
		tok, err := f.app.CreateToken(tctx, app.SystemActor(reportline.SourceCLI), adminEmail, "bench")
		if err != nil {
			tb.Fatal(err)
		}
		f.ids, f.base, f.tokens = append(f.ids, id), append(f.base, base), append(f.tokens, tok)
	}
	if engine == store.Postgres {
		if _, err := raw.ExecContext(ctx, "VACUUM ANALYZE"); err != nil {
			tb.Fatal(err)
		}
	} else if _, err := raw.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		tb.Fatal(err)
	}
	var csv bytes.Buffer
	if err := refdata.WriteCSV(&csv, f.org); err != nil {
		tb.Fatal(err)
	}
	f.csv = csv.Bytes()
	srv := httptest.NewServer(server.New(server.Config{App: f.app, Logger: slog.New(slog.DiscardHandler), Tenants: cachedTenants{db, f.app},
		Routes: []server.Routes{api.New(f.app, slog.New(slog.DiscardHandler)), api.NewAuthZEN(f.app, slog.New(slog.DiscardHandler))},
		Ready:  db.Ping, Admission: server.Admission{Off: true}}))
	tb.Cleanup(srv.Close)
	f.url = srv.URL
	return f
}

// cachedTenants is what serve resolves tenants from: the application's
// cached list (app.TenantsTTL) and the store's credential routes.
type cachedTenants struct {
	*store.DB
	app *app.App
}

func (c cachedTenants) Tenants(ctx context.Context) ([]reportline.Tenant, error) {
	return c.app.Tenants(ctx)
}

// host is tenant k's host (the implicit tenant answers on any other).
func (f *tenantsFixture) host(k int) string {
	if k == 0 {
		return "localhost"
	}
	return fmt.Sprintf("t%d.example", k)
}

// q1 is one Q1 request (the managers of a random person) in tenant k.
func (f *tenantsFixture) q1(ctx context.Context, client *http.Client, k int, rnd *rand.Rand) error {
	u := f.base[k] + int64(1+rnd.IntN(f.org.Size()))
	req, _ := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/api/v1/users/%d/managers", f.url, u), nil)
	req.Host = f.host(k)
	req.Header.Set("Authorization", "Bearer "+f.tokens[k])
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != 200 {
		return fmt.Errorf("tenant %d, user %d: %s", k, u, resp.Status)
	}
	return nil
}

// decision is one AuthZEN evaluation in tenant k: may a person's line
// manager manage their tasks, or the person their manager's, at random
// (the answer is checked to be a decision, not its value).
func (f *tenantsFixture) decision(ctx context.Context, client *http.Client, k int, rnd *rand.Rand) error {
	var u reportline.UserID
	for u == 0 || f.org.LineManager(u) == 0 {
		u = reportline.UserID(1 + rnd.IntN(f.org.Size()))
	}
	m := f.org.LineManager(u)
	subj, res := int64(m), int64(u)
	if rnd.IntN(2) == 0 {
		subj, res = int64(u), int64(m)
	}
	body := fmt.Sprintf(`{"subject":{"type":"user","id":"%d"},"action":{"name":"%s"},"resource":{"type":"user","id":"%d"}}`,
		f.base[k]+subj, reportline.ManageTasks, f.base[k]+res)
	req, _ := http.NewRequestWithContext(ctx, "POST", f.url+"/access/v1/evaluation", bytes.NewReader([]byte(body)))
	req.Host = f.host(k)
	req.Header.Set("Authorization", "Bearer "+f.tokens[k])
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("tenant %d: %s %s", k, resp.Status, raw)
	}
	if !bytes.Contains(raw, []byte(`"decision":`)) {
		return fmt.Errorf("tenant %d, %d about %d: %s, want a decision", k, subj, res, raw)
	}
	return nil
}

// BenchmarkTenants runs Q1 (one client, HTTP), an AuthZEN decision (one
// client, HTTP) and a dry-run import of a tenant's whole org (the app) on
// an installation of REPORTLINE_BENCH_TENANTS tenants of
// REPORTLINE_BENCH_TENANT_PEOPLE people, requests spread over every
// tenant at random, and the same on a single-tenant installation of one
// such org ("single"), on each engine. Rounds: -count 3 interleaves them.
func BenchmarkTenants(b *testing.B) {
	n, people := envInt(b, tenantsEnv, 10), envInt(b, tenantPeopleEnv, 500)
	engines(b, func(b *testing.B, engine store.Engine) {
		for _, shape := range []struct {
			name    string
			tenants int
		}{{"single", 1}, {fmt.Sprintf("%dx%d", n, people), n}} {
			b.Run(shape.name, func(b *testing.B) {
				f := newTenantsFixture(b, engine, shape.tenants, people)
				client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
				defer client.CloseIdleConnections()
				rnd := rand.New(rand.NewPCG(7, uint64(shape.tenants)))
				httpOp := func(do func(context.Context, *http.Client, int, *rand.Rand) error) bench.Op {
					return func(ctx context.Context, i int) error { return do(ctx, client, rnd.IntN(len(f.ids)), rnd) }
				}
				// Every tenant's caches (its in-memory graph, its token) warm
				// before anything is timed: a few requests per tenant.
				warm := func(op bench.Op) {
					res, err := bench.Drive(context.Background(), bench.Options{Concurrency: 1, Requests: 3 * len(f.ids), Duration: bench.MaxDuration}, op)
					if err == nil {
						err = res.Err
					}
					if err != nil {
						b.Fatalf("warm-up: %v", err)
					}
				}
				b.Run("q1", func(b *testing.B) { warm(httpOp(f.q1)); measure(b, 1, httpOp(f.q1)) })
				b.Run("decision", func(b *testing.B) { warm(httpOp(f.decision)); measure(b, 1, httpOp(f.decision)) })
				b.Run("import-dry-run", func(b *testing.B) {
					for b.Loop() {
						k := rnd.IntN(len(f.ids))
						ctx := reportline.WithTenant(context.Background(), f.ids[k])
						res, err := f.app.ImportManagers(ctx, app.SystemActor(reportline.SourceCLI), bytes.NewReader(f.csv), bulkimport.Options{DryRun: true})
						if err != nil || len(res.Rejected) > 0 {
							b.Fatalf("tenant %d: %v, %d rejected", k, err, len(res.Rejected))
						}
					}
				})
			})
		}
	})
}
