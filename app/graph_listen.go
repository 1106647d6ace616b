package app

import (
	"context"
	"time"

	"reportline"
)

// The App's one follower listening (Config.ListenGraph, PostgreSQL): the
// database announces every tenant's new graph version on one connection
// (store.GraphListener), so that the follower need not read graph_version
// for every followed tenant every followEvery, a read of every shard on
// Citus (docs/benchmarks.md, "Tenants on Citus").
//
// The follower's states, all in listenRound:
//
//   - down (no connection: at start, after a failure): each round reads
//     the followed tenants' versions in one statement (readVersions), as
//     without listening, and tries to listen again (at once after a
//     break, then every listenRetry);
//   - listening since s (mono when LISTEN took effect): each round is one
//     round trip on the connection begun at t. Every version announced
//     before it is recorded as seen (a tenant announced above its index is
//     rebuilt), and every other followed tenant whose index was found
//     current by a read begun after s is confirmed as of t: a change
//     committed after that read is announced, and every change committed
//     before t has been announced by the time the round trip is answered
//     (store.GraphListener.Sync says why). An index last confirmed before s
//     (built before, or in a gap when announcements were lost) is read
//     once (readVersions) and confirmed from then on.
type listening struct {
	open  func(context.Context) (GraphListener, error) // nil: the follower never listens
	conn  GraphListener                                // nil: down
	since int64                                        // mono when conn's LISTEN had taken effect
	retry int64                                        // mono before which no connection is tried
	// failing: the last attempt to listen failed (the next failures are
	// logged at debug level, not every second).
	failing bool
}

// GraphListener is the store's connection announcing new graph versions
// (store.GraphListener).
type GraphListener interface {
	// Sync makes one round trip and returns the highest version announced
	// for each tenant since the last Sync: every change committed before
	// it was called is among them. An error: the connection is unusable.
	Sync(context.Context) (map[reportline.TenantID]int64, error)
	Close() error
}

// ListenWith makes the store's ListenGraph a Config.ListenGraph; nil (an
// engine that announces nothing) stays nil.
func ListenWith[L GraphListener](open func(context.Context) (L, error)) func(context.Context) (GraphListener, error) {
	if open == nil {
		return nil
	}
	return func(ctx context.Context) (GraphListener, error) {
		l, err := open(ctx)
		if err != nil {
			return nil, err // not a GraphListener holding a nil L
		}
		return l, nil
	}
}

const (
	// listenRetry is how long the follower reads versions after a failed
	// attempt to listen before it tries again.
	listenRetry = time.Second
	// listenWait bounds a connection attempt and a round trip: a
	// connection that hangs is given up (and the follower reads versions).
	listenWait = 2 * time.Second
)

func (l *listening) close() {
	if l.conn != nil {
		l.conn.Close()
		l.conn = nil
	}
}

// listenRound is one round of the follower for the followed tenants when
// it listens (see listening); it reports false when it does not (down, or
// never), and the caller reads the versions instead.
func (a *App) listenRound(ctx context.Context, l *listening, followed []*tenantIndex) bool {
	if l.open == nil {
		return false
	}
	if l.conn == nil {
		if mono() < l.retry {
			return false
		}
		octx, cancel := context.WithTimeout(ctx, listenWait)
		conn, err := l.open(octx)
		cancel()
		if err != nil {
			l.retry = mono() + int64(listenRetry)
			log := a.log.Warn
			if l.failing {
				log = a.log.Debug
			}
			log("reporting graph index: cannot listen for graph versions; the follower reads them meanwhile", "err", err)
			l.failing = true
			return false
		}
		l.conn, l.since, l.failing = conn, mono(), false
	}
	start := mono()
	sctx, cancel := context.WithTimeout(ctx, listenWait)
	changes, err := l.conn.Sync(sctx)
	cancel()
	if err != nil {
		// Announcements until the next LISTEN are lost: every index is
		// read once then (its confirmation is older than since).
		a.log.Warn("reporting graph index: the listening connection broke; the follower reads the versions until it listens again", "err", err)
		l.close()
		return false
	}
	for t, v := range changes {
		if ix, ok := a.ix.tenants.Load(t); ok {
			ix.(*tenantIndex).saw(v)
		}
	}
	// Every index confirmed before any is rebuilt (as readVersions does).
	var stale, unread []*tenantIndex
	for _, ix := range followed {
		ig := ix.current.Load()
		switch {
		case ig == nil || ig.version < ix.polled.Load():
			stale = append(stale, ix)
		case ig.confirmed.Load() >= l.since:
			ig.confirm(start)
		default:
			unread = append(unread, ix)
		}
	}
	if len(unread) > 0 {
		a.readVersions(ctx, unread)
	}
	a.rebuildAll(ctx, stale)
	return true
}
