package app

import (
	"context"
	"runtime"
	"sync"
	"time"
	"weak"

	"reportline"
)

// matrixTTL is how long an access check trusts the capability matrix it
// read. A change made through this process applies at once; one made
// through another replica sharing the database, within matrixTTL.
const matrixTTL = 2 * time.Second

// matrixCaches holds each App's cached matrix. It belongs in App (app.go);
// until it moves there, it is keyed by a weak pointer to the App, and an
// entry goes when its App does.
var matrixCaches sync.Map // weak.Pointer[App] → *matrixCache

type matrixCache struct {
	mu     sync.Mutex
	matrix reportline.Matrix // complete; never modified once stored
	read   time.Time         // when it was read; zero: not read

	// The Assign role mode, read by every access check (see assignMode).
	mode     reportline.AssignMode // "" when not read
	modeRead time.Time
	modeGen  uint64 // bumped by forgetAssignMode; a read started before a bump is not kept
}

// cache returns the App's matrix cache.
func (a *App) cache() *matrixCache {
	key := weak.Make(a)
	if c, ok := matrixCaches.Load(key); ok {
		return c.(*matrixCache)
	}
	c, loaded := matrixCaches.LoadOrStore(key, &matrixCache{})
	if !loaded {
		runtime.AddCleanup(a, func(k weak.Pointer[App]) { matrixCaches.Delete(k) }, key)
	}
	return c.(*matrixCache)
}

// matrix returns the capability matrix, reading it in tx when the cached
// one is older than matrixTTL. Callers must not modify it.
func (a *App) matrix(ctx context.Context, tx matrixTx) (reportline.Matrix, error) {
	c := a.cache()
	c.mu.Lock()
	m, read := c.matrix, c.read
	c.mu.Unlock()
	if m != nil && time.Since(read) < matrixTTL {
		return m, nil
	}
	start := time.Now()
	m, err := loadMatrix(ctx, tx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.read.Before(start) {
		c.matrix, c.read = m, start
	}
	c.mu.Unlock()
	return m, nil
}

// forgetMatrix drops the cached matrix, after a change.
func (a *App) forgetMatrix() {
	c := a.cache()
	c.mu.Lock()
	c.matrix, c.read = nil, time.Time{}
	c.mu.Unlock()
}

// modeTTL is how long (by the App's clock) the Assign role mode read by one
// request is trusted by the next ones. A switch made through this process applies at once
// (SetAssignMode forgets the cached mode); one made through another replica
// sharing the database applies there within modeTTL. A version column would
// make every replica exact but costs the very round trip the cache saves,
// and a mode switch is a rare administrative act, so a short TTL is the
// better trade.
const modeTTL = time.Second

// assignMode returns the Assign role mode, read in tx when the cached one is
// older than modeTTL.
func (a *App) assignMode(ctx context.Context, tx settingReadTx) (reportline.AssignMode, error) {
	c := a.cache()
	c.mu.Lock()
	m, read, gen := c.mode, c.modeRead, c.modeGen
	c.mu.Unlock()
	if m != "" && a.now().Sub(read) < modeTTL {
		return m, nil
	}
	start := a.now()
	m, err := assignMode(ctx, tx)
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	// A read that raced with a switch (gen moved) may have seen the old
	// mode: it is used by its own request but not kept for others.
	if c.modeGen == gen && c.modeRead.Before(start) {
		c.mode, c.modeRead = m, start
	}
	c.mu.Unlock()
	return m, nil
}

// forgetAssignMode drops the cached Assign role mode, after a switch.
func (a *App) forgetAssignMode() {
	c := a.cache()
	c.mu.Lock()
	c.mode, c.modeRead = "", time.Time{}
	c.modeGen++
	c.mu.Unlock()
}
