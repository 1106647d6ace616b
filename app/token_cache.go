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
	entries map[string]cachedToken // by the token's hash
	gen     uint64                 // bumped by clear: a read begun before is not kept
}

type cachedToken struct {
	token reportline.APIToken
	user  reportline.User
	read  time.Time
}

// get returns a fresh entry, else the generation a read must start from.
func (c *tokenCache) get(hash []byte, now time.Time) (cachedToken, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[string(hash)]
	if !ok || now.Sub(e.read) >= tokenTTL || now.Before(e.read) {
		return cachedToken{}, c.gen, false
	}
	return e, c.gen, true
}

// put keeps an entry read from generation gen, unless the cache was
// cleared since.
func (c *tokenCache) put(hash []byte, gen uint64, e cachedToken) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.entries == nil || len(c.entries) >= tokenCacheMax {
		c.entries = map[string]cachedToken{}
	}
	c.entries[string(hash)] = e
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
