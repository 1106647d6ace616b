package bench_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

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
	"reportline/usecase"
)

// The tenant benchmarks' sizes: REPORTLINE_BENCH_TENANTS tenants of
// REPORTLINE_BENCH_TENANT_PEOPLE people each (the sizes: 1000 × 500
// and 10 × 50000; the default is CI's small one).
const (
	tenantsEnv      = "REPORTLINE_BENCH_TENANTS"
	tenantPeopleEnv = "REPORTLINE_BENCH_TENANT_PEOPLE"
	// tenantImportsEnv, when set, is how many dry-run imports each round
	// times (-benchtime's count otherwise): a tenant of 50,000 people's
	// import takes seconds, its Q1 a millisecond.
	tenantImportsEnv = "REPORTLINE_BENCH_TENANT_IMPORTS"
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
	hosts  []string // each tenant's host ("localhost" for the implicit tenant)
	base   []int64  // each tenant's id base
	tokens []string
	url    string
	csv    []byte
}

// newTenantsFixture builds the installation on the engine (a fresh
// database; untimed, but its time is logged: a thousand tenants must not
// cost a thousand loads). Everything is written in bulk on a raw pool, in
// three transactions: the tenants, every tenant's org (refdata.LoadCopies,
// one pass), every tenant's platform admin and API token. The tenants'
// first rows and the credentials are what store.CreateTenantAs and
// app.CreatePlatformAdmin/CreateToken write, minus the operator log, the
// audit and the password, which no request here reads; the benchmark's
// warm-up sends a request with every tenant's token, so a row they need
// and this misses fails it.
//
// On a Citus cluster ($REPORTLINE_CITUS_URL) both installations of a run
// are tenants of the one shared database (pgtest.Shared: a database cloned
// from a template lacks the workers' shards), each of its n tenants a new
// one named after the process and the fixture, the implicit tenant none of
// them.
func newTenantsFixture(tb testing.TB, engine store.Engine, n, people int) *tenantsFixture {
	tb.Helper()
	ctx := context.Background()
	url, dir := "", tb.TempDir()
	citus := false
	if engine == store.Postgres {
		url, citus = pgtest.Shared(tb, migrateURL)
		if !citus {
			url = pgtest.New(tb)
		}
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
		Logger: slog.New(slog.DiscardHandler), PasswordParams: testapp.FastPasswords, Tenants: db.Tenants,
		GraphVersions: db.GraphVersions, ListenGraph: app.ListenWith(db.Listens())})

	start := time.Now()
	tag := ""
	if citus {
		tag = fmt.Sprintf("%d-%d", os.Getpid(), fixtureSeq.Add(1))
	}
	if f.ids, f.hosts, err = createTenants(ctx, raw, engine, n, tag); err != nil {
		tb.Fatal(err)
	}
	tenantsDone := time.Now()
	copies := make([]refdata.Copy, n)
	for k, id := range f.ids {
		// Room past each org for its admin (and a user or two more).
		f.base = append(f.base, int64(k)*int64(people+1000))
		copies[k] = refdata.Copy{Tenant: int64(id), IDBase: f.base[k]}
	}
	if err := refdata.LoadCopies(ctx, raw, f.org, copies, refdata.LoadOptions{Quick: true}); err != nil {
		tb.Fatal(err)
	}
	loadDone := time.Now()
	if f.tokens, err = createAdmins(ctx, raw, engine, f.ids, f.base, people); err != nil {
		tb.Fatal(err)
	}
	credsDone := time.Now()
	if engine == store.Postgres {
		if _, err := raw.ExecContext(ctx, "VACUUM ANALYZE"); err != nil {
			tb.Fatal(err)
		}
	} else if _, err := raw.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		tb.Fatal(err)
	}
	end := time.Now()
	where := string(engine)
	if citus {
		where += " (citus)"
	}
	tb.Logf("set-up %s, %d tenants × %d people: tenants %v, people and links %v, admins and tokens %v, vacuum/checkpoint %v; total %v",
		where, n, people, tenantsDone.Sub(start).Round(time.Millisecond), loadDone.Sub(tenantsDone).Round(time.Millisecond),
		credsDone.Sub(loadDone).Round(time.Millisecond), end.Sub(credsDone).Round(time.Millisecond), end.Sub(start).Round(time.Millisecond))

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

// fixtureSeq numbers a process's Citus fixtures, whose tenants share one
// database and so need names of their own.
var fixtureSeq atomic.Int64

// migrateURL migrates the database at url (pgtest.Shared's prepare).
func migrateURL(url string) error {
	ctx := context.Background()
	db, err := store.Open(ctx, url, "")
	if err != nil {
		return err
	}
	defer db.Close()
	return db.Migrate(ctx)
}

// createTenants returns n tenants and their hosts: with no tag, the
// implicit one and n-1 new ones, tK with host tK.example; with a tag (a
// shared Citus database), n new ones, tK-tag with host tK.tag.example.
// They are created in one transaction with the rows a new tenant starts
// with (store's seedTenant: its graph version, its notification roles
// off).
func createTenants(ctx context.Context, raw *sql.DB, engine store.Engine, n int, tag string) ([]reportline.TenantID, []string, error) {
	ids, hosts, first := []reportline.TenantID{reportline.ImplicitTenant}, []string{"localhost"}, 1
	if tag != "" {
		ids, hosts, first = nil, nil, 0
	}
	tx, err := raw.BeginTx(ctx, nil)
	if err != nil {
		return nil, nil, err
	}
	defer tx.Rollback()
	stmts := make([]*sql.Stmt, 3)
	for i, q := range []string{
		`INSERT INTO tenants (slug, host, status, created_at) VALUES ($1, $2, 'active', $3) RETURNING id`,
		`INSERT INTO graph_version (tenant_id, version) VALUES ($1, 1)`,
		`INSERT INTO notification_roles (tenant_id, type, audience, enabled, at) VALUES
			($1, 'manager_added', 'managers', $2, 0), ($1, 'manager_added', 'learners', $2, 0),
			($1, 'manager_removed', 'managers', $2, 0), ($1, 'manager_removed', 'learners', $2, 0)`,
	} {
		if stmts[i], err = tx.PrepareContext(ctx, rebind(engine, q)); err != nil {
			return nil, nil, fmt.Errorf("create tenants: %w", err)
		}
		defer stmts[i].Close()
	}
	now := time.Now().UnixMicro()
	for k := first; k < n; k++ {
		slug, host := fmt.Sprintf("t%d", k), fmt.Sprintf("t%d.example", k)
		if tag != "" {
			slug, host = fmt.Sprintf("t%d-%s", k, tag), fmt.Sprintf("t%d.%s.example", k, tag)
		}
		var id reportline.TenantID
		if err := stmts[0].QueryRowContext(ctx, slug, host, now).Scan(&id); err != nil {
			return nil, nil, fmt.Errorf("create tenant %d: %w", k, err)
		}
		if _, err := stmts[1].ExecContext(ctx, id); err != nil {
			return nil, nil, fmt.Errorf("tenant %d's graph version: %w", k, err)
		}
		if _, err := stmts[2].ExecContext(ctx, id, false); err != nil {
			return nil, nil, fmt.Errorf("tenant %d's notification roles: %w", k, err)
		}
		ids, hosts = append(ids, id), append(hosts, host)
	}
	return ids, hosts, tx.Commit()
}

// createAdmins gives every tenant a platform admin (adminEmail, user id
// just past its org: base+people+1) and an API token for it, in one
// transaction, and returns the tokens. No password: the benchmarks use the
// tokens alone.
func createAdmins(ctx context.Context, raw *sql.DB, engine store.Engine, ids []reportline.TenantID, bases []int64, people int) ([]string, error) {
	tx, err := raw.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	stmts := make([]*sql.Stmt, 3)
	for i, q := range []string{
		`INSERT INTO users (tenant_id, id, email, status, platform_role, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)`,
		`INSERT INTO api_tokens (tenant_id, user_id, name, hash, created_at) VALUES ($1, $2, 'bench', $3, $4)`,
		`INSERT INTO credential_routes (hash, tenant_id, kind) VALUES ($1, $2, 'api_token')`,
	} {
		if stmts[i], err = tx.PrepareContext(ctx, rebind(engine, q)); err != nil {
			return nil, fmt.Errorf("create admins: %w", err)
		}
		defer stmts[i].Close()
	}
	now := time.Now().UnixMicro()
	tokens := make([]string, len(ids))
	for k, id := range ids {
		admin := bases[k] + int64(people) + 1
		if _, err := stmts[0].ExecContext(ctx, id, admin, adminEmail, string(reportline.StatusActive), string(reportline.PlatformAdminRole), now); err != nil {
			return nil, fmt.Errorf("tenant %d's admin: %w", id, err)
		}
		secret, hash := usecase.NewSecret("rlt_")
		if _, err := stmts[1].ExecContext(ctx, id, admin, hash, now); err != nil {
			return nil, fmt.Errorf("tenant %d's token: %w", id, err)
		}
		if _, err := stmts[2].ExecContext(ctx, hash, id); err != nil {
			return nil, fmt.Errorf("tenant %d's token route: %w", id, err)
		}
		tokens[k] = secret
	}
	if engine == store.Postgres {
		// The ids were given, so the identity sequence has not moved.
		if _, err := tx.ExecContext(ctx, "SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT max(id) FROM users))"); err != nil {
			return nil, fmt.Errorf("set users sequence: %w", err)
		}
	}
	return tokens, tx.Commit()
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
func (f *tenantsFixture) host(k int) string { return f.hosts[k] }

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

// tenantDecision is one AuthZEN question about the org, asked in any
// tenant (ids offset by the tenant's base), with the answer the product
// gives in the fixture's first tenant: every tenant holds the same org, so every
// tenant must give it too.
type tenantDecision struct {
	subject, resource reportline.UserID
	want              bool
}

// tenantDecisions makes n questions of the kind (direct: manage_tasks, a
// person's line manager about them or the other way round; transitive:
// view_reports, a manager one to three levels above a person, or someone
// who is not above them) and asks the product for their answers in the
// fixture's first tenant, without its in-memory index.
func tenantDecisions(ctx context.Context, tb testing.TB, f *tenantsFixture, transitive bool, n int) []tenantDecision {
	tb.Helper()
	rnd := rand.New(rand.NewPCG(11, uint64(n)))
	var out []tenantDecision
	for len(out) < n {
		u := reportline.UserID(1 + rnd.IntN(f.org.Size()))
		m := f.org.LineManager(u)
		if m == 0 {
			continue
		}
		d := tenantDecision{subject: m, resource: u}
		switch {
		case !transitive && rnd.IntN(2) == 0:
			d.subject, d.resource = u, m
		case transitive && len(out)%2 == 0:
			for range rnd.IntN(3) {
				if up := f.org.LineManager(d.subject); up != 0 {
					d.subject = up
				}
			}
		case transitive:
			above, _ := ancestors(f.org, u)
			if d.subject = reportline.UserID(1 + rnd.IntN(f.org.Size())); above[d.subject] || d.subject == u {
				continue
			}
		}
		out = append(out, d)
	}
	c := reportline.ManageTasks
	if transitive {
		c = reportline.ViewReports
	}
	qs := make([]app.AccessQuery, len(out))
	for i, d := range out {
		qs[i] = app.AccessQuery{Subject: d.subject, Capability: c, Resource: d.resource}
	}
	f.app.UseGraphIndex(false)
	defer f.app.UseGraphIndex(true)
	ds, err := f.app.Evaluate(reportline.WithTenant(ctx, f.ids[0]), pdp, qs)
	if err != nil {
		tb.Fatal(err)
	}
	allowed := 0
	for i := range out {
		if out[i].want = ds[i].Allowed; out[i].want {
			allowed++
		}
	}
	if allowed == 0 || allowed == len(out) {
		tb.Fatalf("%s decisions: %d of %d allowed, want a mix", c, allowed, len(out))
	}
	return out
}

// decision asks tenant k one of the questions over AuthZEN and checks the
// answer.
func (f *tenantsFixture) decision(ctx context.Context, client *http.Client, k int, c reportline.Capability, d tenantDecision) error {
	body := fmt.Sprintf(`{"subject":{"type":"user","id":"%d"},"action":{"name":"%s"},"resource":{"type":"user","id":"%d"}}`,
		f.base[k]+int64(d.subject), c, f.base[k]+int64(d.resource))
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
	if err := decided(raw, d.want); err != nil {
		return fmt.Errorf("tenant %d, %s of %d about %d: %w", k, c, d.subject, d.resource, err)
	}
	return nil
}

// BenchmarkTenants compares an installation of REPORTLINE_BENCH_TENANTS
// tenants of REPORTLINE_BENCH_TENANT_PEOPLE people each ("NxP") with a
// single tenant of one such org ("single"), on each engine: Q1 (one
// client, HTTP), AuthZEN decisions direct and transitive (one client,
// HTTP, every answer checked) and a dry-run import of a tenant's whole org
// (the app; p50-ms is the median import, ns/op means nothing there when
// REPORTLINE_BENCH_TENANT_IMPORTS is set). Requests go to a tenant at random, so they spread over every
// tenant. Both installations are built first (their set-up time is
// logged) and every tenant is warmed with its own token; then each of
// REPORTLINE_BENCH_ROUNDS rounds runs every measure on single and on NxP,
// one after the other: rounds interleaved, the ratio of a round's two
// figures the result.
func BenchmarkTenants(b *testing.B) {
	n, people := envInt(b, tenantsEnv, 10), envInt(b, tenantPeopleEnv, 500)
	imports := envInt(b, tenantImportsEnv, 0)
	engines(b, func(b *testing.B, engine store.Engine) {
		ctx := context.Background()
		type shape struct {
			name   string
			f      *tenantsFixture
			client *http.Client
			rnd    *rand.Rand
		}
		shapes := []*shape{{name: "single", f: newTenantsFixture(b, engine, 1, people)},
			{name: fmt.Sprintf("%dx%d", n, people), f: newTenantsFixture(b, engine, n, people)}}
		direct := tenantDecisions(ctx, b, shapes[0].f, false, 1000)
		transitive := tenantDecisions(ctx, b, shapes[0].f, true, 1000)
		type kind func(s *shape, ctx context.Context, k int) error
		kinds := []struct {
			name string
			do   kind
		}{
			{"q1", func(s *shape, ctx context.Context, k int) error { return s.f.q1(ctx, s.client, k, s.rnd) }},
			{"direct", func(s *shape, ctx context.Context, k int) error {
				return s.f.decision(ctx, s.client, k, reportline.ManageTasks, direct[s.rnd.IntN(len(direct))])
			}},
			{"transitive", func(s *shape, ctx context.Context, k int) error {
				return s.f.decision(ctx, s.client, k, reportline.ViewReports, transitive[s.rnd.IntN(len(transitive))])
			}},
		}
		for i, s := range shapes {
			s.client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
			defer s.client.CloseIdleConnections()
			s.rnd = rand.New(rand.NewPCG(7, uint64(i)))
			// Every tenant's caches (its token, its in-memory graph) warm
			// before anything is timed: each kind of request twice in
			// every tenant, in turn.
			for _, kd := range kinds {
				op := func(ctx context.Context, i int) error { return kd.do(s, ctx, i%len(s.f.ids)) }
				res, err := bench.Drive(ctx, bench.Options{Concurrency: 1, Requests: 2 * len(s.f.ids), Duration: bench.MaxDuration}, op)
				if err == nil {
					err = res.Err
				}
				if err != nil {
					b.Fatalf("%s: warm-up %s: %v", s.name, kd.name, err)
				}
			}
		}
		for r := range rounds(b) {
			b.Logf("round %d: load average %s", r+1, loadAverage())
			for _, kd := range kinds {
				for _, s := range shapes {
					b.Run(fmt.Sprintf("%s/%s/round%d", kd.name, s.name, r+1), func(b *testing.B) {
						measure(b, 1, func(ctx context.Context, _ int) error { return kd.do(s, ctx, s.rnd.IntN(len(s.f.ids))) })
					})
				}
			}
			for _, s := range shapes {
				b.Run(fmt.Sprintf("import-dry-run/%s/round%d", s.name, r+1), func(b *testing.B) {
					count := b.N
					if imports > 0 {
						count = imports
					}
					res, err := bench.Drive(ctx, bench.Options{Concurrency: 1, Requests: count, Duration: bench.MaxDuration}, func(ctx context.Context, _ int) error {
						k := s.rnd.IntN(len(s.f.ids))
						res, err := s.f.app.ImportManagers(reportline.WithTenant(ctx, s.f.ids[k]), app.SystemActor(reportline.SourceCLI),
							bytes.NewReader(s.f.csv), bulkimport.Options{DryRun: true})
						if err == nil && len(res.Rejected) > 0 {
							err = fmt.Errorf("%d lines rejected", len(res.Rejected))
						}
						if err != nil {
							return fmt.Errorf("tenant %d: %w", k, err)
						}
						return nil
					})
					if err == nil {
						err = res.Err
					}
					if err != nil {
						b.Fatal(err)
					}
					b.ReportMetric(float64(res.Quantile(0.50).Microseconds())/1e3, "p50-ms")
				})
			}
		}
	})
}

// loadAverage is /proc/loadavg's first three figures, logged beside each
// round's figures (BENCHMARKS.md: record the load with every figure), or
// "unknown" where there is none.
func loadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(raw)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}
