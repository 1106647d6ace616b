package bench_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"reportline"
	"reportline/bench"
	"reportline/refdata"
	"reportline/store"
)

// These tests check that what the benchmarks measure is right, on both
// engines, at a small size. They assert no timing.

var testConfig = refdata.Config{Users: testUsers, Seed: 1}

func TestCycleCheckAndFloorAgree(t *testing.T) {
	engines(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		f := newFixture(t, engine, testConfig)
		var cases []cycleCase
		for _, found := range []bool{false, true} {
			cases = append(cases, cycleCases(f.org, 50, found)...)
		}
		// A planted cycle a level up: linking a user's line manager's line
		// manager below the user closes one through the line chain.
		deep := cycleCases(f.org, 1, false)[0].manager
		grand := f.org.LineManager(f.org.LineManager(deep))
		cases = append(cases, cycleCase{manager: deep, managee: grand, cycle: true})

		err := f.db.Read(ctx, func(tx *store.Tx) error {
			for _, c := range cases {
				if err := checkCycle(ctx, tx, c); err != nil {
					t.Error(err)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		tx, err := readTx(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		stmt, err := tx.PrepareContext(ctx, rebind(engine, aboveSQL))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			if err := floorAbove(ctx, stmt, c); err != nil {
				t.Error(err)
			}
		}
	})
}

// managersOf reads a user's managers from the store, sorted.
func managersOf(t *testing.T, f *fixture, user reportline.UserID) []reportline.UserID {
	t.Helper()
	var out []reportline.UserID
	err := f.db.Read(context.Background(), func(tx *store.Tx) error {
		links, err := tx.Links(context.Background(), reportline.LinkFilter{ManageeID: user})
		for _, l := range links {
			out = append(out, l.ManagerID)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func TestWriteBenchmarksLeaveTheDataAsTheyFoundIt(t *testing.T) {
	engines(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		f := newFixture(t, engine, testConfig)
		p, err := prepareFloor(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		cases := addCases(f.org, 20)
		if len(cases) != 20 {
			t.Fatalf("%d add cases, want 20", len(cases))
		}
		ops := map[string]func(addCase) error{
			"AddManager":      func(c addCase) error { return addRemove(ctx, f.app, c) },
			"ReplaceManagers": func(c addCase) error { return replaceTwice(ctx, f.app, c) },
			"FloorAddRemove":  func(c addCase) error { return floorAddRemove(ctx, f, p, c, time.Now().UnixMicro()) },
		}
		for name, op := range ops {
			for _, c := range cases[:5] {
				before := managersOf(t, f, c.user)
				if want := slices.Sorted(slices.Values(c.current)); !slices.Equal(before, want) {
					t.Fatalf("%s: managers of %d are %v, the org says %v", name, c.user, before, want)
				}
				for range 2 {
					if err := op(c); err != nil {
						t.Fatalf("%s: %v", name, err)
					}
				}
				if after := managersOf(t, f, c.user); !slices.Equal(after, before) {
					t.Errorf("%s: managers of %d went from %v to %v", name, c.user, before, after)
				}
			}
		}
	})
}

// apiLinks is the part of the API's UserLinks answer the test reads.
type apiLinks struct {
	User  struct{ ID reportline.UserID } `json:"user"`
	Links []struct {
		ManagerID reportline.UserID `json:"manager_id"`
		ManageeID reportline.UserID `json:"managee_id"`
	} `json:"links"`
}

func TestQ1AnswersMatchTheOrg(t *testing.T) {
	engines(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		f := newFixture(t, engine, testConfig)
		url, _, token := serve(t, f)
		ids := append(f.org.Sample(14, 30), f.org.Root(), f.org.Level(4)[0])
		q, err := bench.NewQ1(url, token, ids, 4)
		if err != nil {
			t.Fatal(err)
		}
		defer q.Close()
		for i := range 2 * len(ids) {
			id, dir := q.Target(i)
			body, err := q.Get(ctx, id, dir)
			if err != nil {
				t.Fatal(err)
			}
			var got apiLinks
			err = json.NewDecoder(body).Decode(&got)
			body.Close()
			if err != nil {
				t.Fatal(err)
			}
			var others []reportline.UserID
			for _, l := range got.Links {
				if dir == reportline.Managers {
					others = append(others, l.ManagerID)
				} else {
					others = append(others, l.ManageeID)
				}
			}
			slices.Sort(others)
			want := f.org.Managees(id)
			if dir == reportline.Managers {
				want = slices.Sorted(slices.Values(f.org.Managers(id)))
			}
			if got.User.ID != id || !slices.Equal(others, want) {
				t.Errorf("GET %d/%s: user %d, %v; want user %d, %v", id, dir, got.User.ID, others, id, want)
			}
		}

		if err := q.Health(ctx, 0); err != nil {
			t.Errorf("Health: %v", err)
		}

		res, err := bench.LoadQ1(ctx, url, token, ids, bench.Options{Concurrency: 4, Requests: 200, Duration: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		if res.Errors != 0 || res.Requests != 200 || len(res.Latencies) != 200 {
			t.Errorf("LoadQ1: %d ok, %d failed (%v), %d latencies; want 200 ok", res.Requests, res.Errors, res.Err, len(res.Latencies))
		}
		res, err = bench.LoadQ1(ctx, url, "rlt_wrong", ids, bench.Options{Concurrency: 1, Requests: 3, Duration: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		if res.Errors != 3 || res.Err == nil || !strings.Contains(res.Err.Error(), "401") {
			t.Errorf("with a wrong token: %d errors (%v), want 3 failures with 401", res.Errors, res.Err)
		}
	})
}

func TestNewQ1RefusesAnythingButLoopback(t *testing.T) {
	ids := []reportline.UserID{1}
	for _, u := range []string{"http://127.0.0.1:8080", "http://localhost:1234/x", "http://[::1]:80"} {
		if _, err := bench.NewQ1(u, "t", ids, 1); err != nil {
			t.Errorf("NewQ1(%s): %v, want it accepted", u, err)
		}
	}
	for _, u := range []string{"http://example.com", "https://127.0.0.1:8443", "http://10.0.0.1:80", "http://192.168.1.2", "127.0.0.1:80"} {
		if _, err := bench.NewQ1(u, "t", ids, 1); err == nil {
			t.Errorf("NewQ1(%s): accepted, want a refusal", u)
		}
	}
	if _, err := bench.NewQ1("http://127.0.0.1:1", "t", nil, 1); err == nil {
		t.Error("NewQ1 with no ids: accepted, want a refusal")
	}
}

func TestDrive(t *testing.T) {
	ctx := context.Background()
	var calls atomic.Int64
	res, err := bench.Drive(ctx, bench.Options{Concurrency: 8, Requests: 1000, Duration: time.Minute}, func(ctx context.Context, i int) error {
		calls.Add(1)
		if i%100 == 7 {
			return errors.New("boom")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 1000 || res.Requests != 990 || res.Errors != 10 || res.Err == nil {
		t.Errorf("%d calls, %d ok, %d failed (%v); want 1000 calls, 990 ok, 10 failed", calls.Load(), res.Requests, res.Errors, res.Err)
	}
	if !slices.IsSorted(res.Latencies) || res.Quantile(0.5) > res.Quantile(0.99) || res.Throughput() <= 0 {
		t.Errorf("latencies unsorted or quantiles inconsistent: p50 %v, p99 %v", res.Quantile(0.5), res.Quantile(0.99))
	}

	// The time bound stops a run that would go on.
	res, err = bench.Drive(ctx, bench.Options{Concurrency: 2, Requests: bench.MaxRequests, Duration: 50 * time.Millisecond}, func(ctx context.Context, i int) error {
		select {
		case <-time.After(time.Millisecond):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	if err != nil || res.Requests == 0 || res.Requests >= bench.MaxRequests || res.Errors != 0 {
		t.Errorf("time-bounded run: %d ok, %d failed, %v; want some, cut short, no failures", res.Requests, res.Errors, err)
	}

	for _, o := range []bench.Options{
		{Concurrency: 0, Requests: 1, Duration: time.Second},
		{Concurrency: bench.MaxConcurrency + 1, Requests: 1, Duration: time.Second},
		{Concurrency: 1, Requests: 0, Duration: time.Second},
		{Concurrency: 1, Requests: bench.MaxRequests + 1, Duration: time.Second},
		{Concurrency: 1, Requests: 1},
		{Concurrency: 1, Requests: 1, Duration: bench.MaxDuration + 1},
	} {
		if _, err := bench.Drive(ctx, o, func(context.Context, int) error { return nil }); err == nil {
			t.Errorf("Drive(%+v): no error, want the bounds enforced", o)
		}
	}
}

func TestQuantile(t *testing.T) {
	var r bench.Result
	for i := 1; i <= 100; i++ {
		r.Latencies = append(r.Latencies, time.Duration(i))
	}
	for _, tt := range []struct {
		q    float64
		want time.Duration
	}{{0, 1}, {0.5, 50}, {0.99, 99}, {1, 100}} {
		if got := r.Quantile(tt.q); got != tt.want {
			t.Errorf("Quantile(%v) = %v, want %v", tt.q, got, tt.want)
		}
	}
	if got := (bench.Result{}).Quantile(0.5); got != 0 {
		t.Errorf("Quantile of nothing = %v, want 0", got)
	}
}
