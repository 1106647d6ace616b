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

// The reporting graph in memory (package orggraph), one index per tenant
// (the tenant ctx carries, reportline.TenantOf; the implicit tenant when
// none), so that no decision can read another tenant's graph.
//
// Every change to what the graph holds bumps the tenant's graph_version
// row in its own transaction (triggers, migrations 0015, 0018 and 0021;
// on Citus the store),
// whichever way it is made: the API, the UI, the CLI, a directory sync, a
// statement typed by hand, another replica.
//
// The decision point (Evaluate) answers from the index alone, reading no
// database, when the index is current enough:
//
//   - the index follows the database: while decisions come in a tenant
//     (one in the last followIdleShared, 10 min, with the one follower
//     per App; followIdle, 30 s, with one per tenant), the tenant is followed: its
//     graph_version is read every followEvery (100 ms) and, when it moved,
//     the index is rebuilt (in the background when large: a decision
//     meanwhile reads the database, exactly); each read that finds the
//     index's version confirms the index. One follower per App does it for
//     every followed tenant at once, in one statement (Config.GraphVersions,
//     the store's one cross-tenant read), and stops when no tenant is
//     followed; a tenant without decisions is not read. On PostgreSQL
//     (Config.ListenGraph) it listens rather than reads: the database
//     announces every new version, and one round trip on the listening
//     connection confirms every followed tenant (graph_listen.go); it reads
//     versions only to start, after a reconnection and while that
//     connection is down. Without that read
//     configured, each followed tenant has a follower of its own reading its
//     version alone (one statement every followEvery per tenant: at 1,000
//     tenants ~10,000 reads a second, docs/benchmarks.md);
//   - bounded staleness: the index is used only when a read begun at most
//     staleAfter (500 ms) ago found the database at its version. A change
//     committed on another replica is therefore seen by every decision
//     begun staleAfter later (usually within one poll, ~100 ms); when the
//     follower falls behind (a slow or unreachable database) decisions read
//     the database rather than use an older index;
//   - read-your-writes: a write through this App records the version it
//     committed (indexedStore) before it returns, and an index older than a
//     version seen is never used (the next decision rebuilds it inline when
//     it is small, or reads the database while it is rebuilt);
//   - consistency tokens: a client passing a write's version
//     (Reportline-Consistency, WithAtLeast) gets a decision no older than
//     that write: the decision waits up to tokenWait for the follower
//     (kicking it, so that it reads at once rather than at its next tick),
//     then reads the database.
//
// The other access checks (CheckAccess, statistics, contacts, searches:
// callers inside a transaction of their own) use the index only when it is
// exactly at the version their transaction reads: no staleness at all.
//
// Both ways answer the same (the property tests in graph_index_test.go
// and orggraph), so a stale index costs time, never a wrong answer.
type graphIndex struct {
	tenants  sync.Map    // reportline.TenantID → *tenantIndex
	disabled atomic.Bool // tests: always walk the database

	// versions reads many tenants' graph versions in one statement
	// (Config.GraphVersions); nil: one follower per tenant.
	versions func(context.Context, []reportline.TenantID) (map[reportline.TenantID]int64, error)
	// listen opens the connection announcing new versions
	// (Config.ListenGraph); nil: the one follower reads versions alone.
	listen func(context.Context) (GraphListener, error)
	// tenant is the index of a context that names no tenant (Config.Tenant).
	tenant  reportline.TenantID
	running atomic.Bool   // the App's one follower runs (followAll)
	kick    chan struct{} // wakes it before its next tick
}

// tenantIndex is one tenant's index and its follower.
type tenantIndex struct {
	tenant    reportline.TenantID
	current   atomic.Pointer[indexedGraph]
	polled    atomic.Int64 // the highest graph_version seen: by a decision, a write, a poll or a build
	building  sync.Mutex
	pending   atomic.Bool   // a background build is running
	following atomic.Bool   // the tenant is followed (its own follower runs, or the App's reads it)
	used      atomic.Int64  // monotonic ns of the last decision (the tenant stops being followed when idle)
	kick      chan struct{} // wakes the tenant's own follower before its next tick
}

// indexedGraph is a graph with what it was built from.
type indexedGraph struct {
	g       *orggraph.Graph
	version int64 // graph_version it was read at
	links   int
	// confirmed is the monotonic time (mono) at which the last read that
	// found the database at version began.
	confirmed atomic.Int64
}

const (
	// followEvery is how often the follower reads graph_version.
	followEvery = 100 * time.Millisecond
	// staleAfter bounds the staleness of a decision read from the index:
	// see above and docs/architecture.md.
	staleAfter = 500 * time.Millisecond
	// followIdle: a tenant's own follower stops after this long without a
	// decision (the next decision starts it again).
	followIdle = 30 * time.Second
	// followIdleShared is followIdle for the App's one follower: reading one
	// more tenant's version costs an id in one statement, not a statement,
	// so a tenant with sparse decisions stays followed longer and its next
	// decision is still answered from memory (a tenant no longer followed
	// pays one read of its version: freshOrConfirmed).
	followIdleShared = 10 * time.Minute
	// tokenWait is how long a decision given a consistency token newer
	// than the index waits for the follower before reading the database.
	tokenWait = 100 * time.Millisecond
)

// epoch anchors mono: time.Since reads the monotonic clock, which no
// change of the wall clock moves.
var epoch = time.Now()

func mono() int64 { return int64(time.Since(epoch)) }

// confirm records that a read begun at start found the database at the
// graph's version.
func (ig *indexedGraph) confirm(start int64) {
	for {
		c := ig.confirmed.Load()
		if start <= c || ig.confirmed.CompareAndSwap(c, start) {
			return
		}
	}
}

// GraphIndexVersion is the graph version of the implicit tenant's index in
// memory, 0 when there is none.
func (a *App) GraphIndexVersion() int64 {
	return a.GraphIndexVersionOf(context.Background())
}

// GraphIndexVersionOf is the graph version of the index in memory of the
// tenant ctx carries, 0 when there is none.
func (a *App) GraphIndexVersionOf(ctx context.Context) int64 {
	if ig := a.index(ctx).current.Load(); ig != nil {
		return ig.version
	}
	return 0
}

// graphSyncLinks: graphs smaller than this are rebuilt inline.
const graphSyncLinks = 20_000

// ctxTenant is the tenant ctx carries, else the one the store acts in for
// a context that names none (Config.Tenant; the implicit tenant).
func (a *App) ctxTenant(ctx context.Context) reportline.TenantID {
	if t, ok := reportline.TenantOf(ctx); ok {
		return t
	}
	if a.ix.tenant != 0 {
		return a.ix.tenant
	}
	return reportline.ImplicitTenant
}

// index returns the index of the tenant ctx carries.
func (a *App) index(ctx context.Context) *tenantIndex {
	t := a.ctxTenant(ctx)
	if ti, ok := a.ix.tenants.Load(t); ok {
		return ti.(*tenantIndex)
	}
	ti, _ := a.ix.tenants.LoadOrStore(t, &tenantIndex{tenant: t, kick: make(chan struct{}, 1)})
	return ti.(*tenantIndex)
}

// indexedStore reads graph_version at the end of every write transaction
// and, once it has committed, records it: the App's own writes are then
// read back at once, and the version is the write's consistency token.
type indexedStore struct {
	Store
	app    *App
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
	ix := s.app.index(ctx)
	s.tokens.clear(ix.tenant) // the tenant's cached tokens: see tokenCache.clear
	if err != nil {
		return err
	}
	ix.saw(v)
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
func (a *App) UseGraphIndex(on bool) { a.ix.disabled.Store(!on) }

// WarmGraphIndex builds the index of the tenant ctx carries now (at
// start, so the first decisions need not wait) and starts its follower,
// returning how many links it holds.
func (a *App) WarmGraphIndex(ctx context.Context) (int, error) {
	ix := a.index(ctx)
	ix.pending.Store(true) // meanwhile decisions walk the database rather than wait
	defer ix.pending.Store(false)
	ig, err := a.buildGraph(ctx, ix)
	if err != nil {
		return 0, err
	}
	ix.used.Store(mono())
	a.follow(ix)
	return ig.links, nil
}

// GraphVersion is the version of the reporting graph as stored: the
// consistency token of a write (Reportline-Consistency).
func (a *App) GraphVersion(ctx context.Context) (int64, error) {
	var v int64
	err := a.graphVersionStore().Read(ctx, func(tx graphVersionTx) error {
		var err error
		v, err = tx.GraphVersion(ctx)
		return err
	})
	return v, err
}

// saw records a graph version seen.
func (ix *tenantIndex) saw(v int64) {
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
	if a.ix.disabled.Load() {
		return nil
	}
	ix := a.index(ctx)
	atLeast, _ := ctx.Value(atLeastKey{}).(int64)
	ig := ix.current.Load()
	if ig == nil || ig.version < ix.polled.Load() {
		a.rebuild(ctx, ix, ig)
		ig = ix.current.Load()
	}
	if ig == nil || ig.version < atLeast || ig.version < ix.polled.Load() {
		return nil
	}
	return ig
}

// fresh returns the index of the tenant ctx carries when a decision may
// read it alone (see the top of this file): built at the newest version
// this App has seen (its own writes included) and at the caller's
// consistency token or later, and found current by a read begun at most
// staleAfter ago. Else nil: the decision reads the database.
func (a *App) fresh(ctx context.Context) *indexedGraph {
	if a.ix.disabled.Load() {
		return nil
	}
	ix := a.index(ctx)
	now := mono()
	if now-ix.used.Load() > int64(time.Second) {
		ix.used.Store(now)
	}
	if !ix.following.Load() {
		a.follow(ix)
	}
	ig := ix.current.Load()
	if ig == nil || ig.version < ix.polled.Load() {
		a.rebuild(ctx, ix, ig)
		ig = ix.current.Load()
	}
	if atLeast, _ := ctx.Value(atLeastKey{}).(int64); ig != nil && ig.version < atLeast {
		// A write on another replica: wait a little for the follower.
		// (The token is not recorded as seen: a client could send any
		// number.)
		deadline := now + int64(tokenWait)
		for ig == nil || ig.version < atLeast {
			if mono() > deadline || ctx.Err() != nil {
				return nil
			}
			a.wake(ix)
			time.Sleep(2 * time.Millisecond)
			ig = ix.current.Load()
		}
	}
	return ix.confirmedGraph()
}

// confirmedGraph is the tenant's index when a decision may use it: at the
// newest version seen and confirmed by a read begun at most staleAfter
// ago; else nil.
func (ix *tenantIndex) confirmedGraph() *indexedGraph {
	ig := ix.current.Load()
	if ig == nil || ig.version < ix.polled.Load() || mono()-ig.confirmed.Load() > int64(staleAfter) {
		return nil
	}
	return ig
}

// confirmedVersion is the version of the tenant's index when it is
// current as a decision would use it (at the newest version seen, confirmed
// by a read begun at most staleAfter ago), else 0. It reads nothing and
// starts no follower: the API token cache trusts an entry read at this
// version (token_cache.go).
func (a *App) confirmedVersion(ctx context.Context) int64 {
	if a.ix.disabled.Load() {
		return 0
	}
	if ig := a.index(ctx).confirmedGraph(); ig != nil {
		return ig.version
	}
	return 0
}

// freshOrConfirmed is fresh, except that an index whose only fault is
// that it was not confirmed lately (its tenant was idle, so the follower
// had stopped, or the follower is late) is confirmed, or rebuilt, by one
// read of the version, the follower's own, rather than sending the
// decision to the database: a tenant with sparse decisions pays one
// statement, not the checker's reads.
func (a *App) freshOrConfirmed(ctx context.Context) *indexedGraph {
	if ig := a.fresh(ctx); ig != nil || a.ix.disabled.Load() {
		return ig
	}
	ix := a.index(ctx)
	ig := ix.current.Load()
	atLeast, _ := ctx.Value(atLeastKey{}).(int64)
	if ig == nil || ig.version < ix.polled.Load() || ig.version < atLeast {
		return nil
	}
	a.poll(ctx, ix)
	return a.fresh(ctx)
}

// follow marks the tenant followed and makes sure a follower runs: the
// App's one follower (followAll) when the store reads many tenants'
// versions at once (Config.GraphVersions), else one for the tenant alone
// (followOne). Until followIdleShared (followIdle with its own follower)
// without a decision in the tenant, its
// graph_version is read every followEvery (or sooner when kicked); the
// index is confirmed when the version is its, rebuilt when not.
func (a *App) follow(ix *tenantIndex) {
	if !ix.following.CompareAndSwap(false, true) {
		return
	}
	if a.ix.versions == nil {
		a.followOne(ix)
		return
	}
	a.followAll()
}

// wake makes the tenant's follower read now rather than at its next tick.
func (a *App) wake(ix *tenantIndex) {
	kick := ix.kick
	if a.ix.versions != nil {
		kick = a.ix.kick
	}
	select {
	case kick <- struct{}{}:
	default:
	}
}

// idle reports whether no decision came in the tenant for d.
func (ix *tenantIndex) idle(d time.Duration) bool { return mono()-ix.used.Load() >= int64(d) }

// followOne is the tenant's own follower, when the store cannot read many
// tenants at once.
func (a *App) followOne(ix *tenantIndex) {
	go func() {
		defer ix.following.Store(false)
		ctx := reportline.WithTenant(context.Background(), ix.tenant)
		tick := time.NewTicker(followEvery)
		defer tick.Stop()
		for !ix.idle(followIdle) {
			a.poll(ctx, ix)
			select {
			case <-tick.C:
			case <-ix.kick:
			}
		}
	}()
}

// followAll starts the App's one follower unless it runs. Every
// followEvery (or when kicked) it confirms or rebuilds every followed
// tenant's index (pollAll): from one round trip on its listening
// connection when it has one (graph_listen.go), else by reading their
// versions in one statement. It stops when no tenant is followed (closing
// its connection), and the next decision starts it again.
func (a *App) followAll() {
	if !a.ix.running.CompareAndSwap(false, true) {
		return
	}
	go func() {
		ctx := context.Background()
		tick := time.NewTicker(followEvery)
		defer tick.Stop()
		l := &listening{open: a.ix.listen}
		defer l.close()
		for {
			if !a.pollAll(ctx, l) {
				a.ix.running.Store(false)
				// A tenant followed after pollAll looked, whose follow
				// found this loop still running, is followed here.
				if !a.anyFollowed() || !a.ix.running.CompareAndSwap(false, true) {
					return
				}
				continue
			}
			select {
			case <-tick.C:
			case <-a.ix.kick:
			}
		}
	}()
}

// anyFollowed reports whether a tenant is followed.
func (a *App) anyFollowed() bool {
	found := false
	a.ix.tenants.Range(func(_, v any) bool {
		found = v.(*tenantIndex).following.Load()
		return !found
	})
	return found
}

// pollAll confirms or rebuilds the index of every followed tenant, from
// the announcements of l when it is listening (graph_listen.go), else by
// reading their graph versions in one statement (readVersions); a tenant
// idle for followIdleShared stops being followed (and is not read). It
// reports whether any tenant is still followed.
func (a *App) pollAll(ctx context.Context, l *listening) bool {
	var followed []*tenantIndex
	a.ix.tenants.Range(func(_, v any) bool {
		ix := v.(*tenantIndex)
		if !ix.following.Load() {
			return true
		}
		if ix.idle(followIdleShared) {
			ix.following.Store(false)
			// A decision that came meanwhile found it still followed.
			if ix.idle(followIdleShared) || !ix.following.CompareAndSwap(false, true) {
				return true
			}
		}
		followed = append(followed, ix)
		return true
	})
	if len(followed) == 0 {
		return false
	}
	if !a.listenRound(ctx, l, followed) {
		a.readVersions(ctx, followed)
	}
	return true
}

// readVersions reads the graph versions of the tenants in one statement,
// and confirms or rebuilds each tenant's index as poll does.
func (a *App) readVersions(ctx context.Context, followed []*tenantIndex) {
	ids := make([]reportline.TenantID, len(followed))
	for i, ix := range followed {
		ids[i] = ix.tenant
	}
	start := mono()
	vs, err := a.ix.versions(ctx, ids)
	if err != nil {
		a.log.Debug("reporting graph index: poll failed; decisions read the database", "tenants", len(ids), "err", err)
		return
	}
	// Every current index is confirmed before any is rebuilt, so that the
	// rebuilds (one after another) do not age the others' confirmation.
	var stale []*tenantIndex
	for _, ix := range followed {
		v, ok := vs[ix.tenant]
		if !ok {
			continue // no such tenant (deleted): its decisions read the database
		}
		if !ix.observe(v, start) {
			stale = append(stale, ix)
		}
	}
	a.rebuildAll(ctx, stale)
}

// rebuildAll rebuilds the indexes found stale, one after another.
func (a *App) rebuildAll(ctx context.Context, stale []*tenantIndex) {
	for _, ix := range stale {
		a.rebuild(reportline.WithTenant(ctx, ix.tenant), ix, ix.current.Load())
	}
}

// observe records version v, read by a statement begun at start: it
// confirms the index when v is its version and reports whether it did
// (when not, the caller rebuilds it).
func (ix *tenantIndex) observe(v, start int64) bool {
	ix.saw(v)
	if ig := ix.current.Load(); ig != nil && ig.version == v {
		ig.confirm(start)
		return true
	}
	return false
}

// poll reads the tenant's graph_version once (one statement, no
// transaction) and confirms or rebuilds the index.
func (a *App) poll(ctx context.Context, ix *tenantIndex) {
	start := mono()
	v, err := a.graphVersionOnce(ctx)
	if err != nil {
		a.log.Debug("reporting graph index: poll failed; decisions read the database", "tenant", ix.tenant, "err", err)
		return
	}
	if !ix.observe(v, start) {
		a.rebuild(ctx, ix, ix.current.Load())
	}
}

// graphVersionOnce reads the graph version of the tenant ctx carries in
// one statement, without a transaction when the store can.
func (a *App) graphVersionOnce(ctx context.Context) (int64, error) {
	var v int64
	err := a.graphVersionStore().ReadOnce(ctx, func(tx graphVersionTx) error {
		var err error
		v, err = tx.GraphVersion(ctx)
		return err
	})
	return v, err
}

// current reads graph_version in tx and returns ig's graph when ig was
// built at that version, else nil (and the version is recorded, so that the
// next request rebuilds).
func (a *App) current(ctx context.Context, tx graphVersionTx, ig *indexedGraph) (*orggraph.Graph, error) {
	if ig == nil {
		return nil, nil
	}
	v, err := tx.GraphVersion(ctx)
	if err != nil {
		return nil, err
	}
	if v != ig.version {
		a.index(ctx).saw(v)
		return nil, nil
	}
	return ig.g, nil
}

// afterDecision rebuilds the index when the decision found it stale.
func (a *App) afterDecision(ctx context.Context, ig *indexedGraph) {
	if ix := a.index(ctx); ig != nil && ig.version < ix.polled.Load() {
		a.rebuild(ctx, ix, ig)
	}
}

// rebuild builds a new graph: inline when the last one was small (or there
// was none), in the background otherwise, one background build at a time.
func (a *App) rebuild(ctx context.Context, ix *tenantIndex, last *indexedGraph) {
	if ix.pending.Load() {
		return // a build is under way: the database answers meanwhile
	}
	if last == nil || last.links < graphSyncLinks {
		if _, err := a.buildGraph(ctx, ix); err != nil {
			a.log.Warn("reporting graph index: build failed; decisions read the database", "tenant", ix.tenant, "err", err)
		}
		return
	}
	if !ix.pending.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer ix.pending.Store(false)
		if _, err := a.buildGraph(context.WithoutCancel(ctx), ix); err != nil {
			a.log.Warn("reporting graph index: build failed; decisions read the database", "tenant", ix.tenant, "err", err)
		}
	}()
}

// buildGraph reads everything the graph holds in one read transaction and
// installs the graph, one build at a time (a build that finds a current
// graph installed while it waited returns it).
func (a *App) buildGraph(ctx context.Context, ix *tenantIndex) (*indexedGraph, error) {
	ix.building.Lock()
	defer ix.building.Unlock()
	if ig := ix.current.Load(); ig != nil && ig.version >= ix.polled.Load() {
		return ig, nil
	}
	// The tenant's reads: ctx may carry none (the implicit tenant).
	ctx = reportline.WithTenant(ctx, ix.tenant)
	start := mono()
	var ig *indexedGraph
	err := a.graphBuildStore().Read(ctx, func(tx graphBuildTx) error {
		v, err := tx.GraphVersion(ctx)
		if err != nil {
			return err
		}
		in := orggraph.Input{Version: uint64(v), Users: map[reportline.UserID]bool{}, Emails: map[reportline.UserID]string{},
			PlatformAdmins: map[reportline.UserID]bool{}, GroupAdmins: map[reportline.UserID]bool{}}
		if err := tx.EachGraphUser(ctx, func(u reportline.User) error {
			in.Users[u.ID], in.Emails[u.ID] = u.Active(), u.Email
			if u.PlatformRole == reportline.PlatformAdminRole {
				in.PlatformAdmins[u.ID] = true
			}
			return nil
		}); err != nil {
			return err
		}
		if err := tx.EachGroupAdmin(ctx, func(id reportline.UserID) error {
			in.GroupAdmins[id] = true
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
	ig.confirm(start)
	ix.current.Store(ig)
	ix.saw(ig.version)
	return ig, nil
}
