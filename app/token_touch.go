package app

import (
	"context"
	"sync"
	"time"

	"reportline"
)

// touchDelay is how long a token's use waits before it is written.
const touchDelay = time.Second

// tokenTouches are API token uses waiting to be recorded. Recording use is
// best effort and at most once a minute per token; it is also off the
// request's path, so that a client's first call in a minute (on a quiet
// tenant, nearly every call) does not wait for a write transaction. Uses
// are written within touchDelay, a transaction per tenant, and before
// tokens are listed (ListTokens), so a list never misses a use this
// replica saw. A use not yet written when the process stops is lost, as a
// best-effort record may be.
type tokenTouches struct {
	mu      sync.Mutex
	pending map[reportline.TenantID]map[int64]time.Time // tenant → token id → used at
	armed   bool                                        // a flush is scheduled
}

// touchToken records, within touchDelay, that the token was used at at.
func (a *App) touchToken(tenant reportline.TenantID, id int64, at time.Time) {
	t := &a.touches
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.pending == nil {
		t.pending = map[reportline.TenantID]map[int64]time.Time{}
	}
	if t.pending[tenant] == nil {
		t.pending[tenant] = map[int64]time.Time{}
	}
	t.pending[tenant][id] = at
	if !t.armed {
		t.armed = true
		time.AfterFunc(touchDelay, func() { a.flushTouches(context.Background()) })
	}
}

// flushTouches writes the pending token uses.
func (a *App) flushTouches(ctx context.Context) {
	t := &a.touches
	t.mu.Lock()
	pending := t.pending
	t.pending, t.armed = nil, false
	t.mu.Unlock()
	for tenant, uses := range pending {
		tctx := reportline.WithTenant(ctx, tenant)
		err := a.signInStore().Write(tctx, func(tx signInTx) error {
			for id, at := range uses {
				if err := tx.TouchToken(tctx, id, at); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			a.log.Warn("record token use", "tenant", tenant, "tokens", len(uses), "err", err)
		}
	}
}
