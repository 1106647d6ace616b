package store

import (
	"context"
	"database/sql/driver"
	"sync"

	"modernc.org/sqlite"
)

// The SQLite driver compiles every query it is given (parsing and planning
// were about a third of a Q1 request's CPU time), and database/sql cannot
// keep a prepared statement for the single writer connection: preparing one
// on the pool needs a free connection, which a running write transaction
// holds. So each SQLite connection keeps its own statements, keyed by their
// text, below database/sql: a query whose text the connection has compiled
// before runs its compiled statement again.
//
// The wrapped connection deliberately does not offer QueryerContext or
// ExecerContext, so database/sql prepares every query, runs it, and closes
// the statement when the rows are closed; that close hands the statement
// back to the cache instead of finalising it. A statement still in use (an
// open Rows, a statement prepared for a loop) is not handed out twice: the
// same text then gets a fresh, uncached statement.

// maxCachedStmts bounds the statements one connection keeps. Queries are
// constants, but lists of placeholders (IN ($1, $2, …)) vary in length; when
// the cache is full an idle statement makes room.
const maxCachedStmts = 256

// stmtCacheConnector opens SQLite connections that keep their statements.
type stmtCacheConnector struct {
	dsn string
	drv *sqlite.Driver
}

func newStmtCacheConnector(dsn string) driver.Connector {
	return stmtCacheConnector{dsn: dsn, drv: &sqlite.Driver{}}
}

func (c stmtCacheConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return &cachingConn{conn: conn, stmts: map[string]*cachedStmt{}}, nil
}

func (c stmtCacheConnector) Driver() driver.Driver { return c.drv }

// cachingConn is a driver connection with a statement cache.
type cachingConn struct {
	conn  driver.Conn
	mu    sync.Mutex
	stmts map[string]*cachedStmt
}

// cachedStmt is a statement of the cache. Close returns it to the cache.
type cachedStmt struct {
	driver.Stmt
	conn *cachingConn
	busy bool
}

func (s *cachedStmt) Close() error {
	s.conn.mu.Lock()
	s.busy = false
	s.conn.mu.Unlock()
	return nil
}

func (s *cachedStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return s.Stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (s *cachedStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	return s.Stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
}

func (c *cachingConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *cachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	c.mu.Lock()
	if s, ok := c.stmts[query]; ok {
		if !s.busy {
			s.busy = true
			c.mu.Unlock()
			return s, nil
		}
		// In use: this caller gets a statement of its own.
		c.mu.Unlock()
		return c.conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
	}
	c.mu.Unlock()
	st, err := c.conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	_, execs := st.(driver.StmtExecContext)
	_, queries := st.(driver.StmtQueryContext)
	if !execs || !queries {
		return st, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.stmts) >= maxCachedStmts && !c.evictLocked() {
		return st, nil
	}
	s := &cachedStmt{Stmt: st, conn: c, busy: true}
	c.stmts[query] = s
	return s, nil
}

// evictLocked finalises one idle statement; false when all are in use.
func (c *cachingConn) evictLocked() bool {
	for q, s := range c.stmts {
		if !s.busy {
			s.Stmt.Close()
			delete(c.stmts, q)
			return true
		}
	}
	return false
}

func (c *cachingConn) Close() error {
	c.mu.Lock()
	for q, s := range c.stmts {
		s.Stmt.Close()
		delete(c.stmts, q)
	}
	c.mu.Unlock()
	return c.conn.Close()
}

func (c *cachingConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (c *cachingConn) Ping(ctx context.Context) error {
	if p, ok := c.conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (c *cachingConn) ResetSession(ctx context.Context) error {
	if r, ok := c.conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *cachingConn) IsValid() bool {
	if v, ok := c.conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}
