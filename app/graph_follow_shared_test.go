package app_test

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// TestFollowerSharedByTenants: with the store's cross-tenant read
// configured (Config.GraphVersions), one follower reads the graph versions
// of every tenant in use in one statement: a write in one tenant on
// another replica reaches this App's index for that tenant without a
// decision there, and its decisions then answer from it; a tenant in which
// this App made no decision (a write only) is never read. /metrics' lags come from the
// same read.
func TestFollowerSharedByTenants(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		env := testapp.New(t, engine)
		ctx := context.Background()
		var mu sync.Mutex
		var reads [][]reportline.TenantID
		versions := func(ctx context.Context, ids []reportline.TenantID) (map[reportline.TenantID]int64, error) {
			mu.Lock()
			reads = append(reads, slices.Clone(ids))
			mu.Unlock()
			return env.DB.GraphVersions(ctx, ids)
		}
		st := app.Adapt(env.DB.Read, env.DB.Write, env.DB.Ping, env.DB.ReadOnce)
		a := app.New(st, app.Config{Now: env.Now.Now, Logger: slog.New(slog.DiscardHandler), GraphVersions: versions})
		other := app.New(st, app.Config{Now: env.Now.Now, Logger: slog.New(slog.DiscardHandler)}) // another replica

		type tenant struct {
			ctx  context.Context
			id   reportline.TenantID
			m, u reportline.User
		}
		var ts []*tenant
		for _, slug := range []string{"follow-one", "follow-two", "follow-idle"} {
			id, err := env.DB.CreateTenant(ctx, slug)
			if err != nil {
				t.Fatal(err)
			}
			tc := &tenant{ctx: reportline.WithTenant(ctx, id), id: id}
			if tc.m, err = other.CreateUser(tc.ctx, sys, app.UserInput{Email: "m@example.com", FirstName: "M"}); err != nil {
				t.Fatal(err)
			}
			if tc.u, err = other.CreateUser(tc.ctx, sys, app.UserInput{Email: "u@example.com", FirstName: "U"}); err != nil {
				t.Fatal(err)
			}
			ts = append(ts, tc)
		}
		one, two, idle := ts[0], ts[1], ts[2]
		// A write through this App in the idle tenant: it knows the tenant
		// (its version), but no decision there asks it to follow it.
		if _, err := a.CreateUser(idle.ctx, sys, app.UserInput{Email: "w@example.com", FirstName: "W"}); err != nil {
			t.Fatal(err)
		}
		manages := func(tc *tenant) bool {
			t.Helper()
			ds, err := a.Evaluate(tc.ctx, sys, []app.AccessQuery{{Subject: tc.m.ID, Capability: reportline.ManageTasks, Resource: tc.u.ID}})
			if err != nil {
				t.Fatal(err)
			}
			return ds[0].Allowed
		}
		if manages(one) || manages(two) {
			t.Fatal("m manages u before any link")
		}
		before := a.GraphIndexVersionOf(two.ctx)
		if before == 0 {
			t.Fatal("a decision built no index")
		}

		var tok app.ConsistencyToken
		if _, err := other.AddLinks(app.WithConsistencyToken(two.ctx, &tok), sys, app.LinkRequest{User: two.u.ID,
			Direction: reportline.Managers, Kind: reportline.Line, IDs: []reportline.UserID{two.m.ID}}); err != nil {
			t.Fatal(err)
		}
		if tok.Value() <= before {
			t.Fatalf("the write's token %d is not above the index's version %d", tok.Value(), before)
		}
		// No decision in tenant two meanwhile: only the follower moves its
		// index (within the staleness bound; the deadline is generous for
		// a loaded machine).
		deadline := time.Now().Add(10 * time.Second)
		for a.GraphIndexVersionOf(two.ctx) < tok.Value() {
			if time.Now().After(deadline) {
				t.Fatalf("the follower did not bring tenant two's index to the other replica's write: version %d, token %d",
					a.GraphIndexVersionOf(two.ctx), tok.Value())
			}
			time.Sleep(5 * time.Millisecond)
		}
		if !manages(two) {
			t.Error("tenant two: the decision does not see the other replica's link")
		}
		if manages(one) {
			t.Error("tenant one answers from tenant two's link")
		}
		// /metrics reads the tenants with an index through the same
		// cross-tenant read: both current, the idle tenant absent.
		g, err := a.Gauges(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var lagged []reportline.TenantID
		for _, l := range g.GraphIndex {
			if l.VersionLag() != 0 || l.Indexed == 0 {
				t.Errorf("tenant %d: index behind after the follower caught up: %+v", l.Tenant, l)
			}
			lagged = append(lagged, l.Tenant)
		}
		if !slices.Equal(lagged, []reportline.TenantID{one.id, two.id}) {
			t.Errorf("the metrics list the indexes of tenants %v, want %v", lagged, []reportline.TenantID{one.id, two.id})
		}

		mu.Lock()
		defer mu.Unlock()
		together := false
		for _, ids := range reads {
			if slices.Contains(ids, idle.id) {
				t.Fatalf("the follower read a tenant in which this App decided nothing: %v", ids)
			}
			together = together || slices.Contains(ids, one.id) && slices.Contains(ids, two.id)
		}
		if !together {
			t.Errorf("no read of both tenants in use in one statement: %v", reads)
		}
	})
}
