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
	entries map[tokenCacheKey]cachedToken
	gen     uint64 // bumped by clear: a read begun before is not kept
}

// tokenCacheKey is a token's tenant and hash: a token is trusted only in
// the tenant it was read in, so a request resolved to another tenant reads
// that tenant's database (where the token is unknown).
type tokenCacheKey struct {
	tenant reportline.TenantID
	hash   string
}

type cachedToken struct {
	token reportline.APIToken
	user  reportline.User
	read  time.Time
}

// get returns a fresh entry, else the generation a read must start from.
func (c *tokenCache) get(tenant reportline.TenantID, hash []byte, now time.Time) (cachedToken, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[tokenCacheKey{tenant, string(hash)}]
	if !ok || now.Sub(e.read) >= tokenTTL || now.Before(e.read) {
		return cachedToken{}, c.gen, false
	}
	return e, c.gen, true
}

// put keeps an entry of the tenant read from generation gen, unless the cache was
// cleared since.
func (c *tokenCache) put(tenant reportline.TenantID, hash []byte, gen uint64, e cachedToken) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.entries == nil || len(c.entries) >= tokenCacheMax {
		c.entries = map[tokenCacheKey]cachedToken{}
	}
	c.entries[tokenCacheKey{tenant, string(hash)}] = e
}

// clear empties the cache. The App's store calls it after every write
// transaction (a deactivation, a role change, a token revoked), so that the
// change applies to the next request on this replica at once.
func (c *tokenCache) clear() {
	c.mu.Lock()
	c.entries = nil
	c.gen++
	c.mu.Unlock()
}
