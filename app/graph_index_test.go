package app_test

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// replicaOf is another App on env's database, with env's clock.
func replicaOf(env *testapp.Env) *app.App {
	return app.New(app.Adapt(env.DB.Read, env.DB.Write, env.DB.Ping, env.DB.ReadOnce), app.Config{Now: env.Now.Now, Logger: slog.New(slog.DiscardHandler),
		Tenant: env.DB.DefaultTenant()}) // the test's own tenant on Citus
}

// TestIndexAgreesWithDatabase: on random graphs written straight into the
// database (cycles of line links included, as corrupt data may hold,
// functional and temporary links, inactive users), every decision of an App
// reading the in-memory index equals that of an App walking the database,
// reasons and chains included, at instants inside and outside the links'
// dates.
func TestIndexAgreesWithDatabase(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		for seed := uint64(1); seed <= 4; seed++ {
			env := testapp.New(t, engine)
			r := rand.New(rand.NewPCG(seed, 15))
			now := env.Now.Now()
			n := 9
			var ids []reportline.UserID
			for i := range n {
				u, err := env.App.CreateUser(ctx, sys, app.UserInput{Email: fmt.Sprintf("u%d@example.com", i), FirstName: "U"})
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, u.ID)
			}
			if err := env.DB.Write(ctx, func(tx *store.Tx) error {
				seen := map[reportline.Pair]bool{}
				for k := 0; k < 2*n; k++ {
					p := reportline.Pair{ManagerID: ids[r.IntN(n)], ManageeID: ids[r.IntN(n)]}
					if p.ManagerID == p.ManageeID || seen[p] {
						continue
					}
					seen[p] = true
					l := reportline.Link{ManagerID: p.ManagerID, ManageeID: p.ManageeID, Kind: reportline.Line, Source: reportline.SourceAPI, CreatedAt: now}
					if r.IntN(4) == 0 {
						l.Kind = reportline.Functional
					}
					switch r.IntN(4) {
					case 0:
						l.ValidFrom = now.Add(time.Hour)
					case 1:
						l.ValidUntil = now.Add(time.Hour)
					}
					if err := tx.InsertLink(ctx, l); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			off := reportline.StatusInactive
			for _, id := range ids[:2] {
				if _, err := env.App.UpdateUser(ctx, sys, id, app.UserPatch{Status: &off}); err != nil {
					t.Fatal(err)
				}
			}
			indexed, walking := replicaOf(env), replicaOf(env)
			walking.UseGraphIndex(false)
			var qs []app.AccessQuery
			for _, s := range ids {
				for _, u := range ids {
					for _, c := range []reportline.Capability{reportline.ViewReports, reportline.ManageTasks, reportline.SeeMBOGoals} {
						for _, at := range []time.Time{now, now.Add(2 * time.Hour)} {
							qs = append(qs, app.AccessQuery{Subject: s, Capability: c, Resource: u, At: at})
						}
					}
				}
			}
			got, err := indexed.CheckAccessBatch(ctx, sys, qs)
			if err != nil {
				t.Fatal(err)
			}
			if indexed.GraphIndexVersion() == 0 {
				t.Fatal("the indexed App built no index")
			}
			want, err := walking.CheckAccessBatch(ctx, sys, qs)
			if err != nil {
				t.Fatal(err)
			}
			chains := 0
			for i := range qs {
				if !reflect.DeepEqual(got[i], want[i]) {
					t.Fatalf("seed %d: %+v:\nindex    %+v\ndatabase %+v", seed, qs[i], got[i], want[i])
				}
				if got[i].Grant.By == app.GrantChain && len(got[i].Grant.Chain) > 1 {
					chains++
				}
			}
			t.Logf("seed %d: %d decisions agree, %d through chains of two links or more", seed, len(qs), chains)
		}
	})
}

// TestIndexReadsItsWrites: on the App that wrote, a decision after a link
// is added, removed, or a user deactivated answers from the new state at
// once, from the index.
func TestIndexReadsItsWrites(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		o := newOrg(t, engine)
		ctx := context.Background()
		a := o.env.App
		allowed := func() bool {
			t.Helper()
			d, err := a.CheckAccess(ctx, sys, o.mem.ID, reportline.ViewReports, o.x.ID, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			return d.Allowed
		}
		if allowed() {
			t.Fatal("mem sees x before any link")
		}
		v0 := a.GraphIndexVersion()
		o.link(t, o.mem, o.mgr, reportline.Line)
		if !allowed() {
			t.Error("mem does not see x right after becoming mgr's manager")
		}
		if v := a.GraphIndexVersion(); v <= v0 {
			t.Errorf("the index did not follow the write (version %d, was %d)", v, v0)
		}
		if err := a.RemoveLink(ctx, sys, reportline.Pair{ManagerID: o.mem.ID, ManageeID: o.mgr.ID}); err != nil {
			t.Fatal(err)
		}
		if allowed() {
			t.Error("mem still sees x right after the link was removed")
		}
		o.link(t, o.mem, o.mgr, reportline.Line)
		off := reportline.StatusInactive
		if _, err := a.UpdateUser(ctx, sys, o.mgr.ID, app.UserPatch{Status: &off}); err != nil {
			t.Fatal(err)
		}
		if allowed() {
			t.Error("mem still sees x through mgr right after mgr was deactivated")
		}
	})
}

// TestIndexReplicaCatchesUp: another App on the same database, whose index
// was built before a write, answers from the new state at once (the
// decision reads the graph version in its own transaction) and its index
// catches up with the write's consistency token; given that token it
// answers from the new state too.
func TestIndexReplicaCatchesUp(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		o := newOrg(t, engine)
		ctx := context.Background()
		replica := replicaOf(o.env)
		allowed := func(ctx context.Context) bool {
			t.Helper()
			d, err := replica.CheckAccess(ctx, sys, o.mem.ID, reportline.ViewReports, o.x.ID, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			return d.Allowed
		}
		if allowed(ctx) {
			t.Fatal("mem sees x before any link")
		}
		before := replica.GraphIndexVersion()
		if before == 0 {
			t.Fatal("the replica built no index")
		}
		var tok app.ConsistencyToken
		if _, err := o.env.App.AddLinks(app.WithConsistencyToken(ctx, &tok), sys, app.LinkRequest{User: o.mgr.ID,
			Direction: reportline.Managers, Kind: reportline.Line, IDs: []reportline.UserID{o.mem.ID}}); err != nil {
			t.Fatal(err)
		}
		if tok.Value() <= before {
			t.Fatalf("the write's consistency token %d is not above the replica's index version %d", tok.Value(), before)
		}
		if !allowed(ctx) {
			t.Error("the replica answers from the state before another replica's write")
		}
		if v := replica.GraphIndexVersion(); v < tok.Value() {
			t.Errorf("the replica's index did not catch up: version %d, token %d", v, tok.Value())
		}
		if !allowed(app.WithAtLeast(ctx, tok.Value())) {
			t.Error("the replica given the writer's token answers from the old state")
		}
		off := reportline.StatusInactive
		if _, err := o.env.App.UpdateUser(ctx, sys, o.mgr.ID, app.UserPatch{Status: &off}); err != nil {
			t.Fatal(err)
		}
		if allowed(ctx) {
			t.Error("the replica still grants through a manager deactivated on another replica")
		}
	})
}

// TestGaugesIndexStaleness: /metrics' gauges say how far each tenant's
// index in memory is behind the database: absent before the replica has
// an index, current once built, behind (in versions and in time) after
// another replica's write, current again once a decision rebuilt it.
func TestGaugesIndexStaleness(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		o := newOrg(t, engine)
		ctx := context.Background()
		replica := replicaOf(o.env)
		lags := func() []app.GraphIndexLag {
			t.Helper()
			g, err := replica.Gauges(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return g.GraphIndex
		}
		decide := func() {
			t.Helper()
			if _, err := replica.CheckAccess(ctx, sys, o.mem.ID, reportline.ViewReports, o.x.ID, time.Time{}); err != nil {
				t.Fatal(err)
			}
		}
		if l := lags(); len(l) != 0 {
			t.Fatalf("a replica that decided nothing reports an index: %+v", l)
		}
		decide()
		l := lags()
		if len(l) != 1 || l[0].Tenant != reportline.ImplicitTenant || l[0].VersionLag() != 0 || l[0].Age != 0 || l[0].Indexed == 0 {
			t.Fatalf("after a decision: %+v, want the implicit tenant's index, current", l)
		}
		o.link(t, o.mem, o.mgr, reportline.Line) // through the other App
		l = lags()
		if len(l) != 1 || l[0].VersionLag() < 1 || l[0].Stored <= l[0].Indexed || l[0].Age <= 0 {
			t.Errorf("after another replica's write: %+v, want the index behind", l)
		}
		decide() // finds the index stale and rebuilds it
		if l = lags(); len(l) != 1 || l[0].VersionLag() != 0 || l[0].Age != 0 {
			t.Errorf("after a decision rebuilt the index: %+v, want it current", l)
		}
	})
}
