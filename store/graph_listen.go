package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// GraphChannel is the channel on which PostgreSQL announces each new
// graph version, as "tenant_id version": every transaction that bumps a
// tenant's graph_version notifies it (on plain PostgreSQL the trigger of
// migration 0039 on graph_version; on Citus, which refuses triggers, the
// store at commit: bumpVersion). NOTIFY is transactional: the
// notification is delivered when, and only if, the transaction commits.
const GraphChannel = "reportline_graph"

// GraphListener is one dedicated connection LISTENing on GraphChannel
// (PostgreSQL only): the decision index's follower learns of every tenant's
// new graph version from it without reading graph_version
// (app/graph_listen.go). It is not safe for concurrent use: one follower
// owns it.
type GraphListener struct {
	conn    *pgx.Conn
	done    context.Context // the DB's: its Close ends a round trip
	changes map[TenantID]int64
}

// Listens returns ListenGraph where the engine announces new graph
// versions (PostgreSQL, Citus included), nil where it does not (SQLite:
// its followers read versions): what app.Config.ListenGraph takes, through
// app.ListenWith.
func (db *DB) Listens() func(context.Context) (*GraphListener, error) {
	if db.engine != Postgres {
		return nil
	}
	return db.ListenGraph
}

// ListenGraph opens a connection of its own (outside the pool) and
// LISTENs on GraphChannel. LISTEN takes effect when it returns: every
// transaction committing after that is announced on it, never one before
// (the caller reads the versions once to start from).
func (db *DB) ListenGraph(ctx context.Context) (*GraphListener, error) {
	if db.engine != Postgres {
		return nil, errors.New("graph notifications: PostgreSQL only")
	}
	if err := db.done.Err(); err != nil {
		return nil, fmt.Errorf("graph notifications: the database is closed")
	}
	cfg, err := pgx.ParseConfig(db.url)
	if err != nil {
		return nil, fmt.Errorf("graph notifications: %w", err)
	}
	l := &GraphListener{done: db.done, changes: map[TenantID]int64{}}
	// Called by the goroutine that reads the connection: Sync's.
	cfg.OnNotification = func(_ *pgconn.PgConn, n *pgconn.Notification) { l.note(n.Payload) }
	if l.conn, err = pgx.ConnectConfig(ctx, cfg); err != nil {
		return nil, fmt.Errorf("graph notifications: connect to %s: %w", redact(db.url), err)
	}
	if _, err := l.conn.Exec(ctx, "LISTEN "+GraphChannel); err != nil {
		l.conn.Close(ctx)
		return nil, fmt.Errorf("graph notifications: listen: %w", err)
	}
	return l, nil
}

// note records one notification's payload, "tenant_id version".
func (l *GraphListener) note(payload string) {
	t, v, ok := strings.Cut(payload, " ")
	id, err1 := strconv.ParseInt(t, 10, 64)
	version, err2 := strconv.ParseInt(v, 10, 64)
	if !ok || err1 != nil || err2 != nil {
		return // not ours: the channel is a name anyone may NOTIFY on
	}
	l.changes[TenantID(id)] = max(l.changes[TenantID(id)], version)
}

// Sync makes one round trip on the listening connection and returns the
// highest version announced for each tenant since the last Sync. Every
// transaction whose commit was acknowledged before Sync was called is
// among them:
//
//   - the committing backend queues its notifications before it commits
//     and signals every listening backend once it has committed, before it
//     answers its client (PostgreSQL's src/backend/commands/async.c, the
//     model at its top, points 4 and 5; committers serialise on one lock,
//     so the queue is in commit order);
//   - a listening backend signalled while idle sends the notifications at
//     once; otherwise "just before we next go idle" (async.c, point 5):
//     PostgresMain processes a pending notify interrupt before it sends
//     ReadyForQuery (src/backend/tcop/postgres.c; the protocol's
//     "Asynchronous Operations": a NotificationResponse "might occur just
//     before ReadyForQuery");
//   - so the notifications precede the answer to this round trip on the
//     connection, and pgx hands them to OnNotification while it reads it.
//
// An error means the connection is unusable: the caller closes it.
func (l *GraphListener) Sync(ctx context.Context) (map[TenantID]int64, error) {
	if l.done.Err() != nil {
		return nil, errors.New("graph notifications: the database is closed")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(l.done, cancel)()
	if _, err := l.conn.Exec(ctx, "SELECT 1"); err != nil {
		return nil, fmt.Errorf("graph notifications: %w", err)
	}
	out := l.changes
	l.changes = map[TenantID]int64{}
	return out, nil
}

// Close closes the listening connection.
func (l *GraphListener) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	return l.conn.Close(ctx)
}

// bumpVersion bumps the tenant's graph version in the transaction. Where
// the engine has no triggers (Citus) it also announces the new version on
// GraphChannel; on plain PostgreSQL the trigger on graph_version does
// (migration 0039), on SQLite nobody listens.
func (tx *Tx) bumpVersion(ctx context.Context) error {
	if !tx.noTriggers {
		if _, err := tx.exec(ctx, `UPDATE graph_version SET version = version + 1 WHERE tenant_id = $T`); err != nil {
			return fmt.Errorf("bump the graph version: %w", err)
		}
		return nil
	}
	var v int64
	err := tx.queryRow(ctx, `UPDATE graph_version SET version = version + 1 WHERE tenant_id = $T RETURNING version`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // the tenant is being deleted
	}
	if err != nil {
		return fmt.Errorf("bump the graph version: %w", translate(err))
	}
	if tx.engine != Postgres {
		return nil // SQLite without its triggers (a test of the Citus path): no NOTIFY, the follower reads versions
	}
	// A statement of its own, naming no table: Citus runs it on the
	// coordinator, in the coordinator's transaction, whose commit delivers
	// it (folded into the UPDATE, it would run on the worker).
	if _, err := tx.exec(ctx, `SELECT pg_notify($1, $2)`, GraphChannel, fmt.Sprintf("%d %d", tx.tenant, v)); err != nil {
		return fmt.Errorf("announce the graph version: %w", err)
	}
	return nil
}

// PID is the server process of the listening connection (what
// pg_stat_activity and pg_terminate_backend name).
func (l *GraphListener) PID() uint32 { return l.conn.PgConn().PID() }
