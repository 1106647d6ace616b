package bench_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"testing"
	"time"

	"reportline"
	"reportline/api"
	"reportline/app"
	"reportline/bench"
	"reportline/refdata"
	"reportline/store"
)

// q3Case asks whether subject may view the reports of resource, a user of
// the bottom level (the deepest walk up).
type q3Case struct {
	subject, resource reportline.UserID
	above             bool // subject is above resource through line links (the floor's answer)
	allowed           bool // and through active users, both active (the product's answer)
}

// q3Sample is how many checks Q3 cycles through.
const q3Sample = 1024

// q3Cases returns n checks about bottom-level users: half ask about a user
// above them (1 to 7 levels up, along a random way up), half about a user
// of any level above the bottom who is not. Statuses matter as in the
// product: a chain through an inactive user grants nothing.
func q3Cases(o *refdata.Org, n int) []q3Case {
	resources := o.Sample(30, n, refdata.Levels-1)
	others := o.Sample(31, 4*n, 0, 1, 2, 3, 4, 5, 6)
	out := make([]q3Case, 0, n)
	next := 0
	for i, r := range resources {
		above, active := ancestors(o, r)
		var s reportline.UserID
		if i%2 == 0 {
			// A way up: at each level one of the managers, chosen by i.
			s = r
			for k := 0; k <= i%7; k++ {
				ms := o.Managers(s)
				if len(ms) == 0 {
					break
				}
				s = ms[(i/2+k)%len(ms)]
			}
		} else {
			for ; next < len(others); next++ {
				if !above[others[next]] {
					s = others[next]
					next++
					break
				}
			}
		}
		if s == r || s == 0 {
			continue
		}
		out = append(out, q3Case{subject: s, resource: r, above: above[s],
			allowed: active[s] && o.Active(s) && o.Active(r)})
	}
	return out
}

// ancestors returns the users above u (every link of the org is a line
// link), and those reached through active users only (the users in
// between active; the ends are checked apart).
func ancestors(o *refdata.Org, u reportline.UserID) (above, active map[reportline.UserID]bool) {
	above, active = map[reportline.UserID]bool{}, map[reportline.UserID]bool{}
	for _, way := range []struct {
		seen   map[reportline.UserID]bool
		strict bool
	}{{above, false}, {active, true}} {
		frontier := []reportline.UserID{u}
		for len(frontier) > 0 {
			var next []reportline.UserID
			for _, n := range frontier {
				for _, m := range o.Managers(n) {
					if way.seen[m] {
						continue
					}
					way.seen[m] = true
					if !way.strict || o.Active(m) {
						next = append(next, m)
					}
				}
			}
			frontier = next
		}
	}
	return above, active
}

// BenchmarkQ3CheckAccess is BENCHMARKS.md Q3, the transitive statistics
// access check: "may A view the reports of U" for bottom-level users U,
// half of them with A above (1 to 7 levels up), half not (the walk goes to
// the top). Three ways, one sequential client each, in the same run:
//
//   - floor: the raw "is A above U" check, one prepared recursive query over
//     the line links (no dates, statuses, matrix or roles), autocommit;
//   - app: app.CheckAccess in-process (a read transaction, the users, the
//     matrix, one query per level of the walk, the statuses of a chain);
//   - http: POST /access/v1/evaluation, the AuthZEN decision point, over the
//     real server with a platform admin's token.
//
// Every answer is checked. p50-us, p95-us and p99-us are latency quantiles;
// the target is p95 ≤ 5 × the floor's.
func BenchmarkQ3CheckAccess(b *testing.B) {
	engines(b, func(b *testing.B, engine store.Engine) {
		ctx := context.Background()
		f := newFixture(b, engine, benchConfig(b))
		cases := q3Cases(f.org, q3Sample)
		stmt, err := f.raw.PrepareContext(ctx, rebind(engine, aboveSQL))
		if err != nil {
			b.Fatal(err)
		}
		defer stmt.Close()
		url, token := serveAuthZEN(b, f)
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
		defer client.CloseIdleConnections()
		ops := []struct {
			name string
			op   bench.Op
		}{
			{"floor", func(ctx context.Context, i int) error { return floorQ3(ctx, stmt, cases[i%len(cases)]) }},
			{"app", func(ctx context.Context, i int) error { return appQ3(ctx, f.app, cases[i%len(cases)]) }},
			{"http", func(ctx context.Context, i int) error { return httpQ3(ctx, client, url, token, cases[i%len(cases)]) }},
		}
		for _, o := range ops {
			b.Run(o.name, func(b *testing.B) { measureQ3(b, o.op) })
		}
	})
}

// serveAuthZEN serves the AuthZEN decision point over the fixture and
// returns its URL and a platform admin's token, as the LMS would hold.
func serveAuthZEN(tb testing.TB, f *fixture) (string, string) {
	tb.Helper()
	ctx := context.Background()
	url := serveRoutes(tb, f, api.NewAuthZEN(f.app, slog.New(slog.DiscardHandler)))
	const email = "q3.pdp@example.com"
	if _, err := f.app.CreatePlatformAdmin(ctx, email, "q3 decision point password"); err != nil {
		tb.Fatal(err)
	}
	token, err := f.app.CreateToken(ctx, app.SystemActor(reportline.SourceCLI), email, "q3")
	if err != nil {
		tb.Fatal(err)
	}
	return url, token
}

func floorQ3(ctx context.Context, stmt *sql.Stmt, c q3Case) error {
	var above bool
	if err := stmt.QueryRowContext(ctx, c.resource, c.subject).Scan(&above); err != nil {
		return err
	}
	if above != c.above {
		return fmt.Errorf("is %d above %d: %v, want %v", c.subject, c.resource, above, c.above)
	}
	return nil
}

// pdp is the caller of the in-process checks: the service itself, as the
// AuthZEN endpoint's platform admin would be (no scope to read).
var pdp = app.SystemActor(reportline.SourceAPI)

func appQ3(ctx context.Context, a *app.App, c q3Case) error {
	d, err := a.CheckAccess(ctx, pdp, c.subject, reportline.ViewReports, c.resource, time.Time{})
	if err != nil {
		return err
	}
	if d.Allowed != c.allowed {
		return fmt.Errorf("may %d view the reports of %d: %v (%s), want %v", c.subject, c.resource, d.Allowed, d.Reason, c.allowed)
	}
	return nil
}

func httpQ3(ctx context.Context, client *http.Client, url, token string, c q3Case) error {
	body := `{"subject":{"type":"user","id":"` + strconv.FormatInt(int64(c.subject), 10) + `"},"action":{"name":"view_reports"},` +
		`"resource":{"type":"user","id":"` + strconv.FormatInt(int64(c.resource), 10) + `"}}`
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/access/v1/evaluation", bytes.NewReader([]byte(body)))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("evaluation: %s: %s", res.Status, raw)
	}
	var out struct {
		Decision *bool `json:"decision"`
	}
	if err := json.Unmarshal(raw, &out); err != nil || out.Decision == nil {
		return fmt.Errorf("evaluation: not a decision: %s", raw)
	}
	if *out.Decision != c.allowed {
		return fmt.Errorf("evaluation of %d about %d: %v, want %v: %s", c.subject, c.resource, *out.Decision, c.allowed, raw)
	}
	return nil
}

// measureQ3 warms up, then drives b.N operations from one client and
// reports the latency quantiles.
func measureQ3(b *testing.B, op bench.Op) {
	ctx := context.Background()
	if n := warmups(b); n > 0 {
		if res, err := bench.Drive(ctx, bench.Options{Concurrency: 1, Requests: n, Duration: bench.MaxDuration}, op); err != nil || res.Err != nil {
			b.Fatal(err, res.Err)
		}
	}
	b.ResetTimer()
	res, err := bench.Drive(ctx, bench.Options{Concurrency: 1, Requests: b.N, Duration: bench.MaxDuration}, op)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	if res.Errors > 0 || res.Requests != b.N {
		b.Fatalf("%d of %d operations failed or were cut short; first error: %v", b.N-res.Requests, b.N, res.Err)
	}
	us := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }
	b.ReportMetric(us(res.Quantile(0.50)), "p50-us")
	b.ReportMetric(us(res.Quantile(0.95)), "p95-us")
	b.ReportMetric(us(res.Quantile(0.99)), "p99-us")
}

// TestQ3Cases checks the benchmark's cases against the product on a small
// organisation, so that a wrong expectation fails here, not in a
// benchmark run.
func TestQ3Cases(t *testing.T) {
	engines(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		f := newFixture(t, engine, refdata.Config{Users: testUsers, Seed: 1})
		cases := q3Cases(f.org, 256)
		allowed := 0
		for _, c := range cases {
			if c.allowed {
				allowed++
			}
			if err := appQ3(ctx, f.app, c); err != nil {
				t.Error(err)
			}
		}
		if allowed < len(cases)/4 || allowed == len(cases) {
			t.Errorf("%d of %d cases allowed: want a mix", allowed, len(cases))
		}
	})
}
