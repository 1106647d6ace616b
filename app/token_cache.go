package app

import (
	"sync"
	"time"

	"reportline"
)

// tokenTTL is how long (by the App's clock) an authenticated API token is
// trusted without reading the database again. A deactivation or any other
// write through this App empties the cache at once (indexedStore); one made
// through another replica is seen there within tokenTTL.
const tokenTTL = time.Second

// tokenCacheMax bounds the cache; past it, it starts again empty.
const tokenCacheMax = 10_000

type tokenCache struct {
	mu      sync.Mutex
	entries map[reportline.TenantID]map[string]cachedToken // tenant → token hash → entry
	size    int
	// gens are bumped by clear, per tenant: a read begun before is not
	// kept.
	gens map[reportline.TenantID]uint64
}

// The entries are kept by tenant and token hash: a token is trusted only
// in the tenant it was read in, so a request resolved to another tenant
// reads that tenant's database (where the token is unknown).

type cachedToken struct {
	token reportline.APIToken
	user  reportline.User
	read  time.Time
	// version is the tenant's graph version the token was read at: every
	// change that must stop a token at once bumps it (a deactivation or a
	// role change by the triggers, a revocation by the store), so while
	// the tenant's index is confirmed at this version (graph_index.go) the
	// entry is trusted past tokenTTL.
	version int64
}

// get returns a fresh entry, else the generation a read must start from.
// An entry is fresh for tokenTTL after its read, and after that while
// confirmed is its version (the tenant's index confirmed at it, within the
// index's staleness bound; 0: none), as long as the token has not expired.
func (c *tokenCache) get(tenant reportline.TenantID, hash []byte, now time.Time, confirmed int64) (cachedToken, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[tenant][string(hash)]
	fresh := ok && !now.Before(e.read) && (now.Sub(e.read) < tokenTTL || (e.version != 0 && e.version == confirmed))
	if !fresh || e.token.Status(now) != reportline.TokenActive {
		return cachedToken{}, c.gens[tenant], false
	}
	return e, c.gens[tenant], true
}

// put keeps an entry of the tenant read from generation gen, unless the
// tenant's entries were cleared since.
func (c *tokenCache) put(tenant reportline.TenantID, hash []byte, gen uint64, e cachedToken) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gens[tenant] {
		return
	}
	if c.entries == nil || c.size >= tokenCacheMax {
		c.entries, c.size = map[reportline.TenantID]map[string]cachedToken{}, 0
	}
	m := c.entries[tenant]
	if m == nil {
		m = map[string]cachedToken{}
		c.entries[tenant] = m
	}
	if _, had := m[string(hash)]; !had {
		c.size++
	}
	m[string(hash)] = e
}

// clear empties the tenant's entries. The App's store calls it after every
// write transaction in the tenant (a deactivation, a role change, a token
// revoked), so that the change applies to the tenant's next request on this
// replica at once; other tenants' entries stay (a write in one tenant
// cannot change who another's tokens belong to).
func (c *tokenCache) clear(tenant reportline.TenantID) {
	c.mu.Lock()
	c.size -= len(c.entries[tenant])
	delete(c.entries, tenant)
	if c.gens == nil {
		c.gens = map[reportline.TenantID]uint64{}
	}
	c.gens[tenant]++
	c.mu.Unlock()
}
