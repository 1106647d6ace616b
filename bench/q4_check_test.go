package bench_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"reportline/bench"
	"reportline/store"
)

// TestQ4ChecksEveryAnswer runs Q4's load at the test size and checks that
// every import succeeds and says what it did, and that a wrong expectation
// is caught (the check is not vacuous).
func TestQ4ChecksEveryAnswer(t *testing.T) {
	engines(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		f := newFixture(t, engine, testConfig)
		url, token := serveV2(t, f)
		cases := q4Cases(f.org, 100)
		if len(cases) != 100 {
			t.Fatalf("%d cases, want 100", len(cases))
		}
		q := newQ4Client(url, token, cases)
		defer q.http.CloseIdleConnections()
		res, err := bench.Drive(ctx, bench.Options{Concurrency: q4Clients, Requests: 300, Duration: time.Minute}, q.Do)
		if err != nil {
			t.Fatal(err)
		}
		if res.Errors != 0 || res.Requests != 300 {
			t.Fatalf("%d ok, %d failed: %v", res.Requests, res.Errors, res.Err)
		}
		u, err := f.app.GetUserByEmail(ctx, cases[0].email)
		if err != nil {
			t.Fatal(err)
		}
		if u.Position != cases[0].position {
			t.Errorf("stored position %q, the client says %q", u.Position, cases[0].position)
		}
		// A client that expects another manager set fails.
		cases[1].managers = append(cases[1].managers, "E999999999")
		err = q.Do(ctx, 1)
		if err == nil || !strings.Contains(err.Error(), "422") {
			t.Errorf("an import naming an unknown manager: %v, want a 422 failure", err)
		}
		cases[1].managers = cases[1].managers[:len(cases[1].managers)-1]
		// A client that believes the position is the other one sends the
		// stored one: the answer says unchanged, and the check fails.
		if cases[2].position == "Bench position A" {
			cases[2].position = "Bench position B"
		} else {
			cases[2].position = "Bench position A"
		}
		if err := q.Do(ctx, 2); err == nil || !strings.Contains(err.Error(), `"action": "unchanged"`) {
			t.Errorf("an import that changes nothing passed as an update: %v", err)
		}
	})
}
