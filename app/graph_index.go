package app

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"reportline"
	"reportline/orggraph"
)

// The reporting graph in memory (package orggraph): the access checks read
// it instead of walking the database whenever it is current, and walk the
// database otherwise. Both answer the same (the property tests in
// graph_index_test.go and orggraph), so a stale index costs time, never a
// wrong answer.
//
// When is it current? Every change to what the graph holds bumps the
// graph_version row in its own transaction (triggers, migration 0015),
// whichever way it is made: the API, the UI, the CLI, a directory sync, a
// statement typed by hand, another replica. A decision reads that row in
// its own read transaction, with the users it needs, and uses the index
// only when the index was built at that version: so a decision is exactly
// as current as its transaction, on every replica, with no staleness
// window. The price is one single-row read per request.
//
// A stale index is rebuilt after the request that found it stale: inline
// when the last graph was small (under graphSyncLinks links, so tests and
// small installs use the index at once), in the background otherwise (one
// build at a time) while the database answers.
//
// A write through this App also records the version it committed
// (indexedStore), which is the write's consistency token: a client may pass
// it back (Reportline-Consistency) so that a replica whose index is older
// answers from the database rather than wait.
type graphIndex struct {
	current  atomic.Pointer[indexedGraph]
	polled   atomic.Int64 // the highest graph_version seen: by a decision, a write or a build
	building sync.Mutex
	pending  atomic.Bool // a background build is running
	disabled atomic.Bool // tests: always walk the database
}

// indexedGraph is a graph with what it was built from.
type indexedGraph struct {
	g       *orggraph.Graph
	version int64 // graph_version it was read at
	links   int
}

// GraphIndexVersion is the graph version of the index in memory, 0 when
// there is none.
func (a *App) GraphIndexVersion() int64 {
	if ig := a.index().current.Load(); ig != nil {
		return ig.version
	}
	return 0
}

// graphSyncLinks: graphs smaller than this are rebuilt inline.
const graphSyncLinks = 20_000

func (a *App) index() *graphIndex { return a.ix }

// indexedStore reads graph_version at the end of every write transaction
// and, once it has committed, records it: the App's own writes are then
// read back at once, and the version is the write's consistency token.
type indexedStore struct {
	Store
	ix     *graphIndex
	tokens *tokenCache
}

func (s indexedStore) Write(ctx context.Context, fn func(Tx) error) error {
	var v int64
	err := s.Store.Write(ctx, func(tx Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		var err error
		v, err = tx.GraphVersion(ctx)
		return err
	})
	s.tokens.clear() // see forgetTokens
	if err != nil {
		return err
	}
	s.ix.saw(v)
	if t, ok := ctx.Value(tokenKey{}).(*ConsistencyToken); ok {
		t.set(v)
	}
	return nil
}

// ConsistencyToken receives the graph version after the writes of a
// request (see WithConsistencyToken): a client passes it back
// (Reportline-Consistency) to get decisions no older than its writes.
type ConsistencyToken struct {
	mu sync.Mutex
	v  int64
}

func (t *ConsistencyToken) set(v int64) {
	t.mu.Lock()
	t.v = max(t.v, v)
	t.mu.Unlock()
}

// Value is the token: 0 when the request wrote nothing.
func (t *ConsistencyToken) Value() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.v
}

type tokenKey struct{}

// WithConsistencyToken returns a context whose writes record their graph
// version in t.
func WithConsistencyToken(ctx context.Context, t *ConsistencyToken) context.Context {
	return context.WithValue(ctx, tokenKey{}, t)
}

type atLeastKey struct{}

// WithAtLeast returns a context whose decisions read a graph at version v
// or later (a client's consistency token).
func WithAtLeast(ctx context.Context, v int64) context.Context {
	return context.WithValue(ctx, atLeastKey{}, v)
}

// UseGraphIndex turns the in-memory index on or off (on by default); off,
// every decision walks the database, as tests comparing the two need.
func (a *App) UseGraphIndex(on bool) { a.index().disabled.Store(!on) }

// WarmGraphIndex builds the index now (at start, so the first decisions
// need not wait), returning how many links it holds.
func (a *App) WarmGraphIndex(ctx context.Context) (int, error) {
	ix := a.index()
	ix.pending.Store(true) // meanwhile decisions walk the database rather than wait
	defer ix.pending.Store(false)
	ig, err := a.buildGraph(ctx)
	if err != nil {
		return 0, err
	}
	return ig.links, nil
}

// GraphVersion is the version of the reporting graph as stored: the
// consistency token of a write (Reportline-Consistency).
func (a *App) GraphVersion(ctx context.Context) (int64, error) {
	var v int64
	err := a.store.Read(ctx, func(tx Tx) error {
		var err error
		v, err = tx.GraphVersion(ctx)
		return err
	})
	return v, err
}

// saw records a graph version seen.
func (ix *graphIndex) saw(v int64) {
	for {
		p := ix.polled.Load()
		if v <= p || ix.polled.CompareAndSwap(p, v) {
			return
		}
	}
}

// graph returns the index unless it is known to be stale (older than a
// version seen, or than the caller's consistency token), building it
// first when it is small or missing; nil when there is none to use. The
// decision still checks, in its transaction, that it is current (current).
func (a *App) graph(ctx context.Context) *indexedGraph {
	ix := a.index()
	if ix.disabled.Load() {
		return nil
	}
	// The index holds the implicit tenant's graph alone (it is built with
	// no tenant on the context): another tenant's decisions walk their
	// own tenant's database, so no decision reads another tenant's graph.
	if id, ok := reportline.TenantOf(ctx); ok && id != reportline.ImplicitTenant {
		return nil
	}
	atLeast, _ := ctx.Value(atLeastKey{}).(int64)
	ig := ix.current.Load()
	if ig == nil || ig.version < ix.polled.Load() {
		a.rebuild(ctx, ig)
		ig = ix.current.Load()
	}
	if ig == nil || ig.version < atLeast || ig.version < ix.polled.Load() {
		return nil
	}
	return ig
}

// current reads graph_version in tx and returns ig's graph when ig was
// built at that version, else nil (and the version is recorded, so that the
// next request rebuilds).
func (a *App) current(ctx context.Context, tx Tx, ig *indexedGraph) (*orggraph.Graph, error) {
	if ig == nil {
		return nil, nil
	}
	v, err := tx.GraphVersion(ctx)
	if err != nil {
		return nil, err
	}
	if v != ig.version {
		a.index().saw(v)
		return nil, nil
	}
	return ig.g, nil
}

// afterDecision rebuilds the index when the decision found it stale.
func (a *App) afterDecision(ctx context.Context, ig *indexedGraph) {
	if ig != nil && ig.version < a.index().polled.Load() {
		a.rebuild(ctx, ig)
	}
}

// rebuild builds a new graph: inline when the last one was small (or there
// was none), in the background otherwise, one background build at a time.
func (a *App) rebuild(ctx context.Context, last *indexedGraph) {
	ix := a.index()
	if ix.pending.Load() {
		return // a build is under way: the database answers meanwhile
	}
	if last == nil || last.links < graphSyncLinks {
		if _, err := a.buildGraph(ctx); err != nil {
			a.log.Warn("reporting graph index: build failed; decisions read the database", "err", err)
		}
		return
	}
	if !ix.pending.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer ix.pending.Store(false)
		if _, err := a.buildGraph(context.WithoutCancel(ctx)); err != nil {
			a.log.Warn("reporting graph index: build failed; decisions read the database", "err", err)
		}
	}()
}

// buildGraph reads everything the graph holds in one read transaction and
// installs the graph, one build at a time (a build that finds a current
// graph installed while it waited returns it).
func (a *App) buildGraph(ctx context.Context) (*indexedGraph, error) {
	ix := a.index()
	ix.building.Lock()
	defer ix.building.Unlock()
	if ig := ix.current.Load(); ig != nil && ig.version >= ix.polled.Load() {
		return ig, nil
	}
	var ig *indexedGraph
	err := a.store.Read(ctx, func(tx Tx) error {
		v, err := tx.GraphVersion(ctx)
		if err != nil {
			return err
		}
		in := orggraph.Input{Version: uint64(v), Users: map[reportline.UserID]bool{}}
		if err := tx.EachUserStatus(ctx, func(id reportline.UserID, active bool) error {
			in.Users[id] = active
			return nil
		}); err != nil {
			return err
		}
		if n, err := tx.CountLinks(ctx); err == nil {
			in.Links = make([]reportline.Link, 0, n)
		}
		if err := a.eachEffectiveLink(ctx, tx, func(l reportline.Link) error {
			l.Comment, l.CreatedAt, l.CreatedBy = "", time.Time{}, 0
			in.Links = append(in.Links, l)
			return nil
		}); err != nil {
			return err
		}
		if in.Matrix, err = loadMatrix(ctx, tx); err != nil {
			return err
		}
		if in.Mode, err = assignMode(ctx, tx); err != nil {
			return err
		}
		ig = &indexedGraph{g: orggraph.Build(in), version: v, links: len(in.Links)}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("build the reporting graph: %w", err)
	}
	ix.current.Store(ig)
	ix.saw(ig.version)
	return ig, nil
}
