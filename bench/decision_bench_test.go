package bench_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"reportline"
	"reportline/api"
	"reportline/app"
	"reportline/bench"
	"reportline/server"
	"reportline/store"
)

// The decision targets A1–A5 (../shared/BENCHMARKS.md): AuthZEN evaluations
// over HTTP against the floor H, a minimal net/http JSON handler in this
// file answering the same question with one raw SQL statement on the same
// database (an indexed EXISTS for a direct pair, one recursive CTE for "is
// M anywhere above U").

// directSQL is H's direct question: is there a link from $1 to $2 (in the
// implicit tenant: since migration 0018 every index of links leads with
// tenant_id, and a floor without it scans the table).
const directSQL = `SELECT EXISTS (SELECT 1 FROM links WHERE tenant_id = 1 AND manager_id = $1 AND managee_id = $2)`

// decisionCase is one question, with the answers the floor and the product
// must give.
type decisionCase struct {
	subject, resource reportline.UserID
	floor, product    bool
}

// directCases: half a manager and their managee (a link), half a user and
// a bottom-level user they do not manage.
func directCases(ctx context.Context, tb testing.TB, f *fixture, n int) []decisionCase {
	resources := f.org.Sample(40, n, 3, 4, 5, 6, 7)
	others := f.org.Sample(41, n)
	out := make([]decisionCase, 0, n)
	for i, r := range resources {
		ms := f.org.Managers(r)
		c := decisionCase{resource: r}
		if i%2 == 0 && len(ms) > 0 {
			c.subject, c.floor = ms[i%len(ms)], true
		} else {
			c.subject = others[i]
			for _, m := range ms {
				if m == c.subject {
					c.floor = true
				}
			}
		}
		out = append(out, c)
	}
	return expect(ctx, tb, f, reportline.ManageTasks, out)
}

// transitiveCases are Q3's (bottom-level users; half have the subject
// above them).
func transitiveCases(ctx context.Context, tb testing.TB, f *fixture, n int) []decisionCase {
	var out []decisionCase
	for _, c := range q3Cases(f.org, n) {
		out = append(out, decisionCase{subject: c.subject, resource: c.resource, floor: c.above})
	}
	return expect(ctx, tb, f, reportline.ViewReports, out)
}

// expect sets each case's product answer from the product walking the
// database (the index answers the same: app's property tests).
func expect(ctx context.Context, tb testing.TB, f *fixture, c reportline.Capability, cases []decisionCase) []decisionCase {
	qs := make([]app.AccessQuery, len(cases))
	for i, k := range cases {
		qs[i] = app.AccessQuery{Subject: k.subject, Capability: c, Resource: k.resource}
	}
	f.app.UseGraphIndex(false)
	defer f.app.UseGraphIndex(true)
	ds, err := f.app.Evaluate(ctx, pdp, qs)
	if err != nil {
		tb.Fatal(err)
	}
	for i := range cases {
		cases[i].product = ds[i].Allowed
	}
	return cases
}

// serveFloorH serves H on a loopback listener: POST {"subject": "1",
// "resource": "2"} answers {"decision": true|false}.
func serveFloorH(tb testing.TB, stmt *sql.Stmt) string {
	tb.Helper()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Subject, Resource string }
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s, _ := strconv.ParseInt(in.Subject, 10, 64)
		u, _ := strconv.ParseInt(in.Resource, 10, 64)
		var ok bool
		if err := stmt.QueryRowContext(r.Context(), s, u).Scan(&ok); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"decision":%t}`, ok)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	tb.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

// post sends body and returns the raw answer.
func post(ctx context.Context, client *http.Client, url, token, body string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader([]byte(body)))
	if err != nil {
		return nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err == nil && res.StatusCode != http.StatusOK {
		err = fmt.Errorf("%s: %s", res.Status, raw)
	}
	return raw, err
}

func decided(raw []byte, want bool) error {
	var out struct {
		Decision *bool `json:"decision"`
	}
	if err := json.Unmarshal(raw, &out); err != nil || out.Decision == nil {
		return fmt.Errorf("not a decision: %s", raw)
	}
	if *out.Decision != want {
		return fmt.Errorf("decision %v, want %v: %s", *out.Decision, want, raw)
	}
	return nil
}

// batchBody is the i-th batch of 100 evaluations of cases, the action
// given once at the top (a default every evaluation takes).
func batchBody(c reportline.Capability, cases []decisionCase, i int) string {
	var buf bytes.Buffer
	buf.WriteString(`{"action":{"name":"` + string(c) + `"},"evaluations":[`)
	for j := range 100 {
		s, r := ids(cases[(i*100+j)%len(cases)])
		if j > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString(`{"subject":{"type":"user","id":"` + s + `"},"resource":{"type":"user","id":"` + r + `"}}`)
	}
	buf.WriteString(`]}`)
	return buf.String()
}

// decidedBatch checks the answer to batchBody(…, cases, i): 100 decisions,
// each the case's. It scans for the decisions rather than decoding the
// answer, so that checking costs the handler benchmark little of its time.
func decidedBatch(raw []byte, cases []decisionCase, i int) error {
	rest, n := raw, 0
	for {
		k := bytes.Index(rest, []byte(`"decision":`))
		if k < 0 {
			break
		}
		rest = rest[k+len(`"decision":`):]
		got := bytes.HasPrefix(rest, []byte("true"))
		if !got && !bytes.HasPrefix(rest, []byte("false")) {
			return fmt.Errorf("decision %d is not a boolean: %s", n, raw)
		}
		if n < 100 {
			if want := cases[(i*100+n)%len(cases)].product; got != want {
				return fmt.Errorf("batch decision %d: %v, want %v", n, got, want)
			}
		}
		n++
	}
	if n != 100 {
		return fmt.Errorf("not 100 decisions (%d): %s", n, raw)
	}
	return nil
}

func ids(c decisionCase) (string, string) {
	return strconv.FormatInt(int64(c.subject), 10), strconv.FormatInt(int64(c.resource), 10)
}

// BenchmarkDecisions is A1–A5: for each kind (direct: manage_tasks, a link
// between the two; transitive: view_reports, "is M above U"), with one
// client (c=1) and 16 (c=16): H (floor), the AuthZEN evaluation over HTTP
// (http), and with one client a batch of 100 evaluations (batch100, one op
// = one batch) and the in-process decision (app: App.Evaluate of one
// query). Every answer is checked. p50-us and p99-us are latency
// quantiles, req/s throughput.
func BenchmarkDecisions(b *testing.B) {
	engines(b, func(b *testing.B, engine store.Engine) {
		ctx := context.Background()
		f := newFixture(b, engine, benchConfig(b))
		// The decision point's admin and token first: their writes would
		// otherwise make the index rebuild while the first rounds run.
		url, token := serveAuthZEN(b, f)
		start := time.Now()
		links, err := f.app.WarmGraphIndex(ctx)
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("%s: index of %d links built in %v", engine, links, time.Since(start).Round(time.Millisecond))
		kinds := []struct {
			name string
			sql  string
			cap  reportline.Capability
			make func(context.Context, testing.TB, *fixture, int) []decisionCase
		}{
			{"direct", directSQL, reportline.ManageTasks, directCases},
			{"transitive", aboveSQL, reportline.ViewReports, transitiveCases},
		}
		for _, k := range kinds {
			cases := k.make(ctx, b, f, 1000)
			stmt, err := f.raw.PrepareContext(ctx, rebind(engine, k.sql))
			if err != nil {
				b.Fatal(err)
			}
			defer stmt.Close()
			if k.name == "transitive" {
				// aboveSQL asks ($1 = resource, $2 = subject).
				stmt.Close()
				// SQLite's planner (no statistics) would search the
				// primary key by tenant alone: INDEXED BY, as the store's
				// ancestry query says.
				by := ""
				if engine == store.SQLite {
					by = " INDEXED BY links_managee"
				}
				if stmt, err = f.raw.PrepareContext(ctx, rebind(engine, `WITH RECURSIVE up(id) AS (
	SELECT manager_id FROM links`+by+` WHERE tenant_id = 1 AND managee_id = $2 AND kind = 'line'
	UNION
	SELECT l.manager_id FROM up CROSS JOIN links l`+by+` WHERE l.tenant_id = 1 AND l.managee_id = up.id AND l.kind = 'line'
)
SELECT EXISTS (SELECT 1 FROM up WHERE id = $1)`)); err != nil {
					b.Fatal(err)
				}
			}
			h := serveFloorH(b, stmt)
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32}}
			defer client.CloseIdleConnections()
			floor := func(ctx context.Context, i int) error {
				c := cases[i%len(cases)]
				s, r := ids(c)
				raw, err := post(ctx, client, h, "", `{"subject":"`+s+`","resource":"`+r+`"}`)
				if err != nil {
					return err
				}
				return decided(raw, c.floor)
			}
			one := func(ctx context.Context, i int) error {
				c := cases[i%len(cases)]
				s, r := ids(c)
				raw, err := post(ctx, client, url+"/access/v1/evaluation", token, `{"subject":{"type":"user","id":"`+s+
					`"},"action":{"name":"`+string(k.cap)+`"},"resource":{"type":"user","id":"`+r+`"}}`)
				if err != nil {
					return err
				}
				return decided(raw, c.product)
			}
			batch := func(ctx context.Context, i int) error {
				raw, err := post(ctx, client, url+"/access/v1/evaluations", token, batchBody(k.cap, cases, i))
				if err != nil {
					return err
				}
				return decidedBatch(raw, cases, i)
			}
			inProcess := func(ctx context.Context, i int) error {
				c := cases[i%len(cases)]
				ds, err := f.app.Evaluate(ctx, pdp, []app.AccessQuery{{Subject: c.subject, Capability: k.cap, Resource: c.resource}})
				if err != nil {
					return err
				}
				if ds[0].Allowed != c.product {
					return fmt.Errorf("in-process decision %v, want %v", ds[0].Allowed, c.product)
				}
				return nil
			}
			for _, c := range []int{1, 16} {
				ops := []struct {
					name string
					op   bench.Op
				}{{"floor", floor}, {"http", one}, {"batch100", batch}, {"app", inProcess}}
				for _, o := range ops {
					if c != 1 && (o.name == "batch100" || o.name == "app") {
						continue
					}
					b.Run(fmt.Sprintf("%s/c=%d/%s", k.name, c, o.name), func(b *testing.B) { measure(b, c, o.op) })
				}
			}
		}
	})
}

// BenchmarkDecisionHandler is a diagnostic beside A1: one AuthZEN
// evaluation through the server's whole handler chain (request id, edge,
// access log, metrics, security headers, tenant, authentication,
// admission, the decision point), called in process with no network and
// no client, so that ns/op and allocs/op are the server's own cost per
// decision. It has no floor and no target; it shows where A1's time goes
// and whether a change to the chain moved it. Its batch100 runs are A4's
// diagnostic likewise: a batch of 100 evaluations, one op per batch.
func BenchmarkDecisionHandler(b *testing.B) {
	engines(b, func(b *testing.B, engine store.Engine) {
		ctx := context.Background()
		f := newFixture(b, engine, benchConfig(b))
		_, token := serveAuthZEN(b, f)
		if _, err := f.app.WarmGraphIndex(ctx); err != nil {
			b.Fatal(err)
		}
		log := slog.New(slog.DiscardHandler)
		h := server.New(server.Config{App: f.app, Logger: log, Tenants: cachedTenants{f.db, f.app},
			Routes: []server.Routes{api.NewAuthZEN(f.app, log)}, Ready: f.db.Ping})
		for _, k := range []struct {
			name string
			cap  reportline.Capability
			make func(context.Context, testing.TB, *fixture, int) []decisionCase
		}{{"direct", reportline.ManageTasks, directCases}, {"transitive", reportline.ViewReports, transitiveCases}} {
			cases := k.make(ctx, b, f, 1000)
			bodies := make([]string, len(cases))
			for i, c := range cases {
				s, r := ids(c)
				bodies[i] = `{"subject":{"type":"user","id":"` + s + `"},"action":{"name":"` + string(k.cap) +
					`"},"resource":{"type":"user","id":"` + r + `"}}`
			}
			// serve answers one request as the server gets it from a client
			// (httptest.NewRequest would parse a request text, a cost of
			// its own).
			serve := func(b *testing.B, path, body string) []byte {
				req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://localhost"+path, strings.NewReader(body))
				if err != nil {
					b.Fatal(err)
				}
				req.RemoteAddr = "127.0.0.1:40000"
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("%d: %s", rec.Code, rec.Body)
				}
				return rec.Body.Bytes()
			}
			b.Run(k.name, func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					raw := serve(b, "/access/v1/evaluation", bodies[i%len(bodies)])
					if err := decided(raw, cases[i%len(cases)].product); err != nil {
						b.Fatal(err)
					}
				}
			})
			// A batch of 100, as BenchmarkDecisions's batch100 sends it (the
			// action once, at the top): one op is one batch, so ns/op over
			// 100 is the cost of a decision in a batch (A4).
			batches := make([]string, len(cases)/100)
			for i := range batches {
				batches[i] = batchBody(k.cap, cases, i)
			}
			b.Run(k.name+"/batch100", func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					n := i % len(batches)
					if err := decidedBatch(serve(b, "/access/v1/evaluations", batches[n]), cases, n); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	})
}
