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

// TestIndexOfABoundStore: an App over a store bound to one tenant (the
// CLI's --tenant: contexts name no tenant, the store acts in the tenant)
// keys its decision index by that tenant (Config.Tenant), so its follower
// reads that tenant's graph version and a write by another replica in the
// tenant reaches the App's decisions. Keyed by the implicit tenant, the
// follower would read the implicit tenant's version, which never moves.
func TestIndexOfABoundStore(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		env := testapp.New(t, engine)
		ctx := context.Background()
		id, err := env.DB.CreateTenant(ctx, "bound")
		if err != nil {
			t.Fatal(err)
		}
		in := reportline.WithTenant(ctx, id)
		bound := func(run func(context.Context, func(*store.Tx) error) error) func(context.Context, func(*store.Tx) error) error {
			return func(ctx context.Context, fn func(*store.Tx) error) error {
				if _, ok := reportline.TenantOf(ctx); !ok {
					ctx = reportline.WithTenant(ctx, id)
				}
				return run(ctx, fn)
			}
		}
		var mu sync.Mutex
		var asked []reportline.TenantID
		versions := func(ctx context.Context, ids []reportline.TenantID) (map[reportline.TenantID]int64, error) {
			mu.Lock()
			asked = append(asked, ids...)
			mu.Unlock()
			return env.DB.GraphVersions(ctx, ids)
		}
		a := app.New(app.Adapt(bound(env.DB.Read), bound(env.DB.Write), env.DB.Ping, bound(env.DB.ReadOnce)),
			app.Config{Now: env.Now.Now, Logger: slog.New(slog.DiscardHandler), GraphVersions: versions, Tenant: id})
		other := app.New(app.Adapt(env.DB.Read, env.DB.Write, env.DB.Ping), app.Config{Now: env.Now.Now, Logger: slog.New(slog.DiscardHandler)})

		m, err := other.CreateUser(in, sys, app.UserInput{Email: "m@example.com", FirstName: "M"})
		if err != nil {
			t.Fatal(err)
		}
		u, err := other.CreateUser(in, sys, app.UserInput{Email: "u@example.com", FirstName: "U"})
		if err != nil {
			t.Fatal(err)
		}
		manages := func() bool {
			t.Helper()
			ds, err := a.Evaluate(ctx, sys, []app.AccessQuery{{Subject: m.ID, Capability: reportline.ManageTasks, Resource: u.ID}})
			if err != nil {
				t.Fatal(err)
			}
			return ds[0].Allowed
		}
		if manages() {
			t.Fatal("m manages u before any link")
		}
		var tok app.ConsistencyToken
		if _, err := other.AddLinks(app.WithConsistencyToken(in, &tok), sys, app.LinkRequest{User: u.ID,
			Direction: reportline.Managers, Kind: reportline.Line, IDs: []reportline.UserID{m.ID}}); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for a.GraphIndexVersionOf(ctx) < tok.Value() {
			if time.Now().After(deadline) {
				t.Fatalf("the bound App's index did not reach the other replica's write: version %d, token %d",
					a.GraphIndexVersionOf(ctx), tok.Value())
			}
			time.Sleep(5 * time.Millisecond)
		}
		if !manages() {
			t.Error("the bound App's decision does not see the other replica's link")
		}
		mu.Lock()
		defer mu.Unlock()
		if !slices.Contains(asked, id) || slices.Contains(asked, reportline.ImplicitTenant) {
			t.Errorf("the follower read the versions of %v, want tenant %d's only", asked, id)
		}
	})
}
