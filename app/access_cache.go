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
func (a *App) matrix(ctx context.Context, tx Tx) (reportline.Matrix, error) {
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
