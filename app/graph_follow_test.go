package app_test

import (
	"context"
	"log/slog"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// The decision point's decisions from the index alone (graph_index.go):
// they read no database, answer as the database does, see this App's
// writes at once and other replicas' within the staleness bound, and never
// read another tenant's graph.

// staleAfter is app's bound on a decision's staleness (graph_index.go).
const staleAfter = 500 * time.Millisecond

type countedKey struct{}

// countingReplicaOf is another App on env's database that counts the
// reads (transactions and single statements) made for a context marked
// with countedKey (not its follower's).
func countingReplicaOf(env *testapp.Env) (*app.App, *atomic.Int64) {
	n := &atomic.Int64{}
	count := func(ctx context.Context) {
		if ctx.Value(countedKey{}) != nil {
			n.Add(1)
		}
	}
	read := func(ctx context.Context, fn func(*store.Tx) error) error { count(ctx); return env.DB.Read(ctx, fn) }
	once := func(ctx context.Context, fn func(*store.Tx) error) error { count(ctx); return env.DB.ReadOnce(ctx, fn) }
	return app.New(app.Adapt(read, env.DB.Write, env.DB.Ping, once), app.Config{Now: env.Now.Now, Logger: slog.New(slog.DiscardHandler)}), n
}

// lean clears what the decision point's decisions do not carry of a link.
func lean(ds []app.Decision) []app.Decision {
	out := make([]app.Decision, len(ds))
	for i, d := range ds {
		d.Grant.Link.Comment, d.Grant.Link.CreatedBy, d.Grant.Link.CreatedAt = "", 0, time.Time{}
		var chain []reportline.Link
		for _, l := range d.Grant.Chain {
			l.Comment, l.CreatedBy, l.CreatedAt = "", 0, time.Time{}
			chain = append(chain, l)
		}
		d.Grant.Chain = chain
		out[i] = d
	}
	return out
}

// TestEvaluateFromMemory: every decision of the decision point made from
// the index alone equals the database's (every pair of users, unknown ids,
// every capability, the service and a platform admin asking; subjects that
// administrate groups included), and a batch of decisions by subjects who
// administrate no group reads no database at all.
func TestEvaluateFromMemory(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		o := newOrg(t, engine)
		ctx := context.Background()
		o.link(t, o.mem, o.mgr, reportline.Line)
		o.link(t, o.mgr, o.x, reportline.Line)
		o.link(t, o.mgr, o.y, reportline.Functional)
		o.link(t, o.ga, o.w, reportline.Line)
		o.link(t, o.pa, o.z, reportline.Line)
		users := []reportline.User{o.pa, o.ga, o.mem, o.mgr, o.ua, o.x, o.y, o.w, o.z, o.off, {ID: 0}, {ID: 1 << 40}}
		memory, reads := countingReplicaOf(o.env)
		walking := replicaOf(o.env)
		walking.UseGraphIndex(false)
		if _, err := memory.WarmGraphIndex(ctx); err != nil {
			t.Fatal(err)
		}
		counted := context.WithValue(ctx, countedKey{}, true)
		for _, actor := range []app.Actor{sys, app.UserActor(o.pa, reportline.SourceAPI)} {
			var all, plain []app.AccessQuery
			for _, s := range users {
				for _, r := range users {
					for _, c := range reportline.Capabilities {
						q := app.AccessQuery{Subject: s.ID, Capability: c, Resource: r.ID}
						all = append(all, q)
						if s.ID != o.ga.ID && s.ID != o.ua.ID {
							plain = append(plain, q)
						}
					}
				}
			}
			reads.Store(0)
			got, err := memory.Evaluate(counted, actor, plain)
			if err != nil {
				t.Fatal(err)
			}
			if n := reads.Load(); n != 0 {
				t.Errorf("a batch of %d decisions read the database %d times", len(plain), n)
			}
			one, err := memory.Evaluate(counted, actor, plain[:1])
			if err != nil || reads.Load() != 0 || !reflect.DeepEqual(one, got[:1]) {
				t.Errorf("one decision: %v, %d reads", err, reads.Load())
			}
			want, err := walking.Evaluate(ctx, actor, plain)
			if err != nil {
				t.Fatal(err)
			}
			for _, qs := range [][]app.AccessQuery{plain, all} {
				if qs[0].Subject != plain[0].Subject || len(qs) != len(plain) {
					if got, err = memory.Evaluate(ctx, actor, qs); err != nil {
						t.Fatal(err)
					}
					if want, err = walking.Evaluate(ctx, actor, qs); err != nil {
						t.Fatal(err)
					}
				}
				got, want := lean(got), lean(want)
				for i := range qs {
					if !reflect.DeepEqual(got[i], want[i]) {
						t.Fatalf("%+v:\nmemory   %+v\ndatabase %+v", qs[i], got[i], want[i])
					}
				}
			}
		}
	})
}

// TestEvaluateStalenessBound: another App on the same database, its index
// warm, sees a link added, a manager deactivated and a platform admin
// demoted on the first App at most staleAfter later (usually within one
// poll: the test logs when it first did), and at once when given the
// write's consistency token; the App that wrote sees each at once.
func TestEvaluateStalenessBound(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		o := newOrg(t, engine)
		ctx := context.Background()
		writer, replica, told := o.env.App, replicaOf(o.env), replicaOf(o.env)
		// As cmd/reportline wires it: one follower, listening on PostgreSQL.
		shared, _ := listeningReplicaOf(o.env)
		pa2, err := writer.CreatePlatformAdmin(ctx, "pa2@example.com", "correct horse battery")
		if err != nil {
			t.Fatal(err)
		}
		pdp := sys
		for _, a := range []*app.App{writer, replica, told, shared} {
			if _, err := a.WarmGraphIndex(ctx); err != nil {
				t.Fatal(err)
			}
		}
		decide := func(a *app.App, ctx context.Context, s reportline.User, c reportline.Capability, r reportline.User) bool {
			t.Helper()
			ds, err := a.Evaluate(ctx, pdp, []app.AccessQuery{{Subject: s.ID, Capability: c, Resource: r.ID}})
			if err != nil {
				t.Fatal(err)
			}
			return ds[0].Allowed
		}
		o.link(t, o.mgr, o.x, reportline.Line)
		// Warm the replica's follower at the current version.
		deadline := time.Now().Add(5 * time.Second)
		for !decide(replica, ctx, o.mgr, reportline.ViewReports, o.x) || !decide(told, ctx, o.mgr, reportline.ViewReports, o.x) ||
			!decide(shared, ctx, o.mgr, reportline.ViewReports, o.x) {
			if time.Now().After(deadline) {
				t.Fatal("the replica never saw the first link")
			}
			time.Sleep(5 * time.Millisecond)
		}
		steps := []struct {
			name  string
			write func(ctx context.Context) error
			s     reportline.User
			c     reportline.Capability
			r     reportline.User
			after bool
		}{
			{"a link added", func(ctx context.Context) error {
				_, err := writer.AddLinks(ctx, sys, app.LinkRequest{User: o.mgr.ID, Direction: reportline.Managers,
					Kind: reportline.Line, IDs: []reportline.UserID{o.mem.ID}})
				return err
			}, o.mem, reportline.ViewReports, o.x, true},
			{"a manager deactivated", func(ctx context.Context) error {
				off := reportline.StatusInactive
				_, err := writer.UpdateUser(ctx, sys, o.mgr.ID, app.UserPatch{Status: &off})
				return err
			}, o.mem, reportline.ViewReports, o.x, false},
			{"a platform admin demoted", func(ctx context.Context) error {
				none := reportline.NoPlatformRole
				_, err := writer.UpdateUser(ctx, sys, pa2.ID, app.UserPatch{PlatformRole: &none})
				return err
			}, pa2, reportline.Contacts, o.z, false},
		}
		for _, st := range steps {
			if got := decide(replica, ctx, st.s, st.c, st.r); got == st.after {
				t.Fatalf("%s: the replica answers %v before the write", st.name, got)
			}
			var tok app.ConsistencyToken
			if err := st.write(app.WithConsistencyToken(ctx, &tok)); err != nil {
				t.Fatal(err)
			}
			committed := time.Now()
			if got := decide(writer, ctx, st.s, st.c, st.r); got != st.after {
				t.Errorf("%s: the App that wrote answers %v right after its write", st.name, got)
			}
			if got := decide(told, app.WithAtLeast(ctx, tok.Value()), st.s, st.c, st.r); got != st.after {
				t.Errorf("%s: a replica given the write's token answers %v", st.name, got)
			}
			replicas := []struct {
				name string
				a    *app.App
			}{{"the replica", replica}, {"the replica with one follower", shared}}
			first := []time.Duration{-1, -1}
			for time.Since(committed) < staleAfter+50*time.Millisecond {
				for i, r := range replicas {
					if decide(r.a, ctx, st.s, st.c, st.r) == st.after && first[i] < 0 {
						first[i] = time.Since(committed)
					}
				}
				time.Sleep(2 * time.Millisecond)
			}
			for i, r := range replicas {
				if got := decide(r.a, ctx, st.s, st.c, st.r); got != st.after {
					t.Errorf("%s: %s still answers %v %v after the write (bound %v)", st.name, r.name, got, time.Since(committed), staleAfter)
				}
				t.Logf("%s: %s first answered from it %v after the commit", st.name, r.name, first[i].Round(time.Millisecond))
			}
		}
	})
}

// TestEvaluateTenants: one App serving two tenants keeps one index per
// tenant: a decision in a tenant answers from that tenant's graph only,
// even about the same ids.
func TestEvaluateTenants(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		env := testapp.New(t, engine)
		ctx := context.Background()
		second, err := env.DB.CreateTenant(ctx, "second")
		if err != nil {
			t.Fatal(err)
		}
		// The store as the server binds it: to the tenant ctx carries.
		of := func(ctx context.Context) *store.Tenant {
			id, ok := reportline.TenantOf(ctx)
			if !ok {
				id = store.ImplicitTenant
			}
			return env.DB.Tenant(id)
		}
		a := app.New(app.Adapt(
			func(ctx context.Context, fn func(*store.Tx) error) error { return of(ctx).Read(ctx, fn) },
			func(ctx context.Context, fn func(*store.Tx) error) error { return of(ctx).Write(ctx, fn) },
			env.DB.Ping,
			func(ctx context.Context, fn func(*store.Tx) error) error { return of(ctx).ReadOnce(ctx, fn) },
		), app.Config{Now: env.Now.Now, Logger: slog.New(slog.DiscardHandler)})
		c1, c2 := ctx, reportline.WithTenant(ctx, second)
		people := func(ctx context.Context) (m, u reportline.User) {
			t.Helper()
			var err error
			if m, err = a.CreateUser(ctx, sys, app.UserInput{Email: "m@example.com", FirstName: "M"}); err != nil {
				t.Fatal(err)
			}
			if u, err = a.CreateUser(ctx, sys, app.UserInput{Email: "u@example.com", FirstName: "U"}); err != nil {
				t.Fatal(err)
			}
			return m, u
		}
		m1, u1 := people(c1)
		m2, u2 := people(c2)
		if _, err := a.AddLinks(c2, sys, app.LinkRequest{User: u2.ID, Direction: reportline.Managers,
			Kind: reportline.Line, IDs: []reportline.UserID{m2.ID}}); err != nil {
			t.Fatal(err)
		}
		decide := func(ctx context.Context, m, u reportline.User) bool {
			t.Helper()
			ds, err := a.Evaluate(ctx, sys, []app.AccessQuery{{Subject: m.ID, Capability: reportline.ManageTasks, Resource: u.ID}})
			if err != nil {
				t.Fatal(err)
			}
			return ds[0].Allowed
		}
		for range 2 { // the second time from the indexes built by the first
			if !decide(c2, m2, u2) {
				t.Error("tenant 2: m does not manage u")
			}
			if decide(c1, m1, u1) || decide(c1, m2, u2) {
				t.Error("tenant 1 answers from tenant 2's link")
			}
		}
		v1, v2 := a.GraphIndexVersionOf(c1), a.GraphIndexVersionOf(c2)
		if v1 == 0 || v2 == 0 {
			t.Fatalf("index versions %d and %d: one tenant has none", v1, v2)
		}
	})
}
