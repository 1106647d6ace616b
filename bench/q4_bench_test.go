package bench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"reportline"
	"reportline/api"
	"reportline/app"
	"reportline/bench"
	"reportline/refdata"
	"reportline/store"
)

// q4Sample is how many users Q4 imports, in turn. Operation i imports user
// i mod q4Sample, so one user's imports are q4Sample operations apart and
// never in flight together.
const q4Sample = 4096

// q4Clients is BENCHMARKS.md Q4's concurrency.
const q4Clients = 16

// q4Case is one user as an LMS sync sends them: the same record each time
// but for the position, which flips, so that every import changes the user
// (a write, an audit entry) and re-sends their managers (the manager plan,
// unchanged links).
type q4Case struct {
	id       reportline.UserID
	uid      string
	email    string
	managers []string // external uids, sorted

	mu       sync.Mutex
	position string // as stored; the next import sends the other one
}

// q4Cases returns n distinct active users of the org whose managers are all active
// (an import re-sending an inactive manager is refused, which is right but
// not what Q4 measures).
func q4Cases(o *refdata.Org, n int) []*q4Case {
	var out []*q4Case
	seen := map[reportline.UserID]bool{}
	for _, id := range o.Sample(40, 4*n, 1, 2, 3, 4, 5, 6, 7) {
		if len(out) == n {
			break
		}
		ms := o.Managers(id)
		if seen[id] || !o.Active(id) || len(ms) == 0 || slices.ContainsFunc(ms, func(m reportline.UserID) bool { return !o.Active(m) }) {
			continue
		}
		seen[id] = true
		c := &q4Case{id: id, uid: o.ExternalUID(id), email: o.Email(id), position: o.User(id).Position}
		for _, m := range ms {
			c.managers = append(c.managers, o.ExternalUID(m))
		}
		slices.Sort(c.managers)
		out = append(out, c)
	}
	return out
}

// q4Client sends POST /api/v2/users-import/single to a server on the
// loopback interface and checks every answer.
type q4Client struct {
	url, token string
	cases      []*q4Case
	http       *http.Client
}

func newQ4Client(url, token string, cases []*q4Case) *q4Client {
	tr := &http.Transport{MaxIdleConns: q4Clients, MaxIdleConnsPerHost: q4Clients, MaxConnsPerHost: q4Clients,
		IdleConnTimeout: time.Minute, DisableCompression: true}
	return &q4Client{url: url + "/api/v2/users-import/single", token: token, cases: cases,
		http: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

// q4Answer is the part of the import's answer Q4 checks.
type q4Answer struct {
	Action        string   `json:"action"`
	MatchedBy     string   `json:"matched_by"`
	ChangedFields []string `json:"changed_fields"`
	InEffect      bool     `json:"in_effect"`
	User          struct {
		ID          reportline.UserID `json:"id"`
		ExternalUID string            `json:"external_uid"`
		Position    string            `json:"position"`
	} `json:"user"`
	Managers *struct {
		Field                              string
		Added, Updated, Removed, Unchanged []q4Ref
	} `json:"managers"`
}

// q4Ref is a manager in the answer.
type q4Ref struct {
	ExternalUID string `json:"external_uid"`
}

// Do imports user i mod len(cases) and checks that the answer says exactly
// what the import had to do: the position changed, the managers did not.
func (q *q4Client) Do(ctx context.Context, i int) error {
	c := q.cases[i%len(q.cases)]
	c.mu.Lock()
	defer c.mu.Unlock()
	next := "Bench position A"
	if c.position == next {
		next = "Bench position B"
	}
	body, _ := json.Marshal(map[string]any{"uid": c.uid, "email": c.email, "position": next, "is_active": 1,
		"manager_uid": strings.Join(c.managers, ", "), "login": "ignored"})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, q.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+q.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := q.http.Do(req)
	if err != nil {
		return err
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("import %s: %s: %s", c.uid, resp.Status, raw)
	}
	var got q4Answer
	if err := json.Unmarshal(raw, &got); err != nil {
		return fmt.Errorf("import %s: %w: %s", c.uid, err, raw)
	}
	m := got.Managers
	if got.Action != "updated" || got.MatchedBy != "uid" || !slices.Equal(got.ChangedFields, []string{"position"}) || !got.InEffect ||
		got.User.ID != c.id || got.User.Position != next || m == nil || m.Field != "manager_uid" ||
		len(m.Added)+len(m.Updated)+len(m.Removed) != 0 || len(m.Unchanged) != len(c.managers) {
		return fmt.Errorf("import %s: unexpected answer %s", c.uid, raw)
	}
	uids := make([]string, len(m.Unchanged))
	for k, u := range m.Unchanged {
		uids[k] = u.ExternalUID
	}
	if slices.Sort(uids); !slices.Equal(uids, c.managers) {
		return fmt.Errorf("import %s: managers %v, want %v", c.uid, uids, c.managers)
	}
	c.position = next
	return nil
}

// serveV2 starts the real server with /api/v1 and /api/v2 over the fixture
// and returns its URL and a platform admin's token.
func serveV2(tb testing.TB, f *fixture) (url, token string) {
	tb.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	url = serveRoutes(tb, f, api.New(f.app, log), api.NewV2(f.app, log))
	if _, err := f.app.CreatePlatformAdmin(ctx, adminEmail, adminPassword); err != nil {
		tb.Fatal(err)
	}
	token, err := f.app.CreateToken(ctx, app.SystemActor(reportline.SourceCLI), adminEmail, "bench")
	if err != nil {
		tb.Fatal(err)
	}
	return url, token
}

// q4Floor is the raw minimum of one import, through database/sql with the
// same concurrency: update the user's position, read their managers.
const (
	q4UpdateSQL   = `UPDATE users SET position = $1 WHERE tenant_id = 1 AND id = $2`
	q4ManagersSQL = `SELECT manager_id FROM links WHERE tenant_id = 1 AND managee_id = $1`
)

// BenchmarkQ4 is BENCHMARKS.md Q4: POST /api/v2/users-import/single over
// HTTP from 16 concurrent clients, each import changing the user's position
// and re-sending their managers, every answer checked (status and body).
// Next to it, in the same run, the floor: the raw update of the position and
// read of the managers (autocommit statements) with the same concurrency.
// One op is one request; ns/op is wall time per request, req/s the
// throughput, p50-us and p99-us the latency quantiles of the last round.
// cpu-us/op is the CPU time of this process per operation (warm-up
// included): on SQLite that is client, server and database together, a
// figure other processes on a shared machine barely move, and 2 cores
// divided by it bounds the throughput an idle 2-core machine could reach.
// On PostgreSQL the server's own CPU is not in it.
func BenchmarkQ4(b *testing.B) {
	engines(b, func(b *testing.B, engine store.Engine) {
		ctx := context.Background()
		f := newFixture(b, engine, benchConfig(b))
		url, token := serveV2(b, f)
		q := newQ4Client(url, token, q4Cases(f.org, q4Sample))
		defer q.http.CloseIdleConnections()
		update, err := f.raw.PrepareContext(ctx, rebind(engine, q4UpdateSQL))
		if err != nil {
			b.Fatal(err)
		}
		managers, err := f.raw.PrepareContext(ctx, rebind(engine, q4ManagersSQL))
		if err != nil {
			b.Fatal(err)
		}
		floor := func(ctx context.Context, i int) error {
			c := q.cases[i%len(q.cases)]
			if _, err := update.ExecContext(ctx, fmt.Sprintf("Floor %d", i%2), c.id); err != nil {
				return err
			}
			_, err := lookup(ctx, managers, c.id, nil)
			return err
		}
		b.Run(fmt.Sprintf("c=%d/floor", q4Clients), func(b *testing.B) { measureCPU(b, q4Clients, floor) })
		b.Run(fmt.Sprintf("c=%d/http", q4Clients), func(b *testing.B) { measureCPU(b, q4Clients, q.Do) })
	})
}

// measureCPU is measure, also reporting the process's CPU time per
// operation.
func measureCPU(b *testing.B, c int, op bench.Op) {
	before := cpuTime(b)
	measure(b, c, op)
	b.ReportMetric(float64((cpuTime(b)-before).Microseconds())/float64(b.N+warmups(b)), "cpu-us/op")
}

// cpuTime returns the user and system CPU time of this process so far.
func cpuTime(b *testing.B) time.Duration {
	t := processCPU()
	if t == 0 {
		b.Fatal("getrusage gave no CPU time")
	}
	return t
}
