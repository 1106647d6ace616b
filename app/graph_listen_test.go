package app_test

import (
	"context"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"reportline"
	"reportline/app"
	"reportline/internal/pgtest"
	"reportline/internal/testapp"
	"reportline/store"
)

// listenCounts is what a listening App's follower did: its reads of
// graph versions (GraphVersions), its connections and its round trips.
type listenCounts struct {
	polls, opens, syncs atomic.Int64
	mu                  sync.Mutex
	pid                 uint32 // the last connection's server process
}

type countedListener struct {
	*store.GraphListener
	c *listenCounts
}

func (l countedListener) Sync(ctx context.Context) (map[reportline.TenantID]int64, error) {
	l.c.syncs.Add(1)
	return l.GraphListener.Sync(ctx)
}

// listeningReplicaOf is another App on env's database wired as
// cmd/reportline wires one (GraphVersions, and ListenGraph on PostgreSQL),
// counting what its follower does.
func listeningReplicaOf(env *testapp.Env) (*app.App, *listenCounts) {
	c := &listenCounts{}
	versions := func(ctx context.Context, ids []reportline.TenantID) (map[reportline.TenantID]int64, error) {
		c.polls.Add(1)
		return env.DB.GraphVersions(ctx, ids)
	}
	open := func(ctx context.Context) (app.GraphListener, error) {
		l, err := env.DB.ListenGraph(ctx)
		if err != nil {
			return nil, err
		}
		c.opens.Add(1)
		c.mu.Lock()
		c.pid = l.PID()
		c.mu.Unlock()
		return countedListener{l, c}, nil
	}
	if env.DB.Engine() != store.Postgres {
		open = nil // SQLite: no NOTIFY, the follower reads versions
	}
	return app.New(app.Adapt(env.DB.Read, env.DB.Write, env.DB.Ping, env.DB.ReadOnce), app.Config{Now: env.Now.Now,
		Logger: slog.New(slog.DiscardHandler), GraphVersions: versions, ListenGraph: open, Tenant: env.DB.DefaultTenant()}), c
}

// waitFor waits (generously: the machine may be loaded) for cond.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestFollowerListens: on PostgreSQL the one follower listens for new
// graph versions (graph_listen.go): another App's writes reach this App's
// index with no read of graph_version once it listens (one read at
// start), decisions answer from the index, and a revoked API token stops
// working here; when the listening connection is killed, the follower
// reads versions, listens again, reads once, and follows as before.
// SQLite has no NOTIFY: its followers read versions
// (TestFollowerSharedByTenants).
func TestFollowerListens(t *testing.T) {
	env := testapp.New(t, store.Postgres)
	ctx := context.Background()
	writer := env.App
	a, c := listeningReplicaOf(env)
	m, err := writer.CreateUser(ctx, sys, app.UserInput{Email: "m@example.com", FirstName: "M"})
	if err != nil {
		t.Fatal(err)
	}
	u, err := writer.CreateUser(ctx, sys, app.UserInput{Email: "u@example.com", FirstName: "U"})
	if err != nil {
		t.Fatal(err)
	}
	tenantCtx := ctx // the implicit tenant (or the test's own, on Citus)
	manages := func() bool {
		t.Helper()
		ds, err := a.Evaluate(tenantCtx, sys, []app.AccessQuery{{Subject: m.ID, Capability: reportline.ManageTasks, Resource: u.ID}})
		if err != nil {
			t.Fatal(err)
		}
		return ds[0].Allowed
	}
	if manages() {
		t.Fatal("m manages u before any link")
	}
	// Listening, and past the round that read the index's version once
	// (the first round trip's): from here on no read is expected.
	waitFor(t, "the follower listens", func() bool { return c.opens.Load() == 1 && c.syncs.Load() >= 2 })
	polls := c.polls.Load()

	// follow makes a write through the writer and waits until this
	// App's index is at its version.
	follow := func(what string, write func(ctx context.Context) error) {
		t.Helper()
		var tok app.ConsistencyToken
		if err := write(app.WithConsistencyToken(ctx, &tok)); err != nil {
			t.Fatal(err)
		}
		committed := time.Now()
		waitFor(t, what+" reaches the listening App's index", func() bool {
			return a.GraphIndexVersionOf(tenantCtx) >= tok.Value()
		})
		t.Logf("%s: in the index %v after the commit", what, time.Since(committed).Round(time.Millisecond))
	}
	link := func(ctx context.Context) error {
		_, err := writer.AddLinks(ctx, sys, app.LinkRequest{User: u.ID, Direction: reportline.Managers,
			Kind: reportline.Line, IDs: []reportline.UserID{m.ID}})
		return err
	}
	follow("a link", link)
	if !manages() {
		t.Error("the decision does not see the other App's link")
	}
	if got := c.polls.Load(); got != polls {
		t.Errorf("the listening follower read graph versions %d times after it listened", got-polls)
	}

	// A token revoked on the writer stops working here: past tokenTTL
	// (by the App's clock) the cache trusts an entry only while the
	// index is confirmed at the version it was read at
	// (token_cache.go).
	created, err := writer.CreateAPIToken(ctx, sys, app.NewToken{Email: m.Email, Name: "listen"})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the token's creation reaches the listening App", func() bool {
		v, err := writer.GraphVersion(tenantCtx)
		return err == nil && a.GraphIndexVersionOf(tenantCtx) >= v
	})
	if _, err := a.TokenUser(tenantCtx, created.Secret); err != nil {
		t.Fatalf("the new token does not work on the listening App: %v", err)
	}
	env.Now.Advance(2 * time.Second)
	if _, err := a.TokenUser(tenantCtx, created.Secret); err != nil {
		t.Fatalf("the token does not work on the listening App: %v", err)
	}
	follow("a revocation", func(ctx context.Context) error {
		_, err := writer.RevokeToken(ctx, sys, created.Token.ID)
		return err
	})
	manages() // a decision: the index at its version is confirmed
	if _, err := a.TokenUser(tenantCtx, created.Secret); err == nil {
		t.Error("the revoked token still works on the listening App")
	}
	if got := c.polls.Load(); got != polls {
		t.Errorf("the listening follower read graph versions %d times after it listened", got-polls)
	}

	// Kill the listening connection: the follower reads versions
	// meanwhile, listens again and reads once; a change made in the
	// gap (its announcement may be lost) is seen.
	c.mu.Lock()
	pid := c.pid
	c.mu.Unlock()
	terminate(t, pid)
	follow("a link removed while the connection is down", func(ctx context.Context) error {
		return writer.RemoveLink(ctx, sys, reportline.Pair{ManagerID: m.ID, ManageeID: u.ID})
	})
	waitFor(t, "the follower listens again", func() bool { return c.opens.Load() == 2 })
	if c.polls.Load() == polls {
		t.Error("no read of the versions after the connection broke")
	}
	syncs := c.syncs.Load()
	waitFor(t, "the follower is past its first round on the new connection", func() bool { return c.syncs.Load() >= syncs+2 })
	polls = c.polls.Load()
	follow("a link again", link)
	if !manages() {
		t.Error("the decision does not see the link made after the reconnection")
	}
	if got := c.polls.Load(); got != polls {
		t.Errorf("the follower read graph versions %d times after it listened again", got-polls)
	}
}

// terminate ends the server process pid (pg_terminate_backend), from a
// connection of its own to the same server.
func terminate(t *testing.T, pid uint32) {
	t.Helper()
	ctx := context.Background()
	url := os.Getenv(pgtest.CitusEnv)
	if url == "" {
		url = pgtest.New(t) // a database of the same server
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var ok bool
	if err := conn.QueryRow(ctx, "SELECT pg_terminate_backend($1::int)", int32(pid)).Scan(&ok); err != nil || !ok {
		t.Fatalf("terminate the listening connection (pid %d): %v, %v", pid, ok, err)
	}
}
