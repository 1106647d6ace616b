package app

import (
	"testing"
	"time"

	"reportline"
)

// TestTokenCacheClearsOneTenant: a write in one tenant empties that
// tenant's cached tokens only (a revocation applies to its next request at
// once), and a read begun before the write is not kept; another tenant's
// tokens stay cached, so one tenant's writes do not send every tenant's
// requests to the database.
func TestTokenCacheClearsOneTenant(t *testing.T) {
	var c tokenCache
	now := time.Now()
	a, b := reportline.TenantID(1), reportline.TenantID(2)
	_, genA, _ := c.get(a, []byte("ta"), now)
	_, genB, _ := c.get(b, []byte("tb"), now)
	c.put(a, []byte("ta"), genA, cachedToken{read: now})
	c.put(b, []byte("tb"), genB, cachedToken{read: now})

	_, late, _ := c.get(a, []byte("tc"), now) // a read that began before the write
	c.clear(a)
	if _, _, ok := c.get(a, []byte("ta"), now); ok {
		t.Error("tenant A's token is still cached after a write in A")
	}
	if _, _, ok := c.get(b, []byte("tb"), now); !ok {
		t.Error("a write in tenant A emptied tenant B's cached token")
	}
	c.put(a, []byte("tc"), late, cachedToken{read: now})
	if _, _, ok := c.get(a, []byte("tc"), now); ok {
		t.Error("a read begun before the write was kept")
	}
	if _, _, ok := c.get(b, []byte("tb"), now.Add(tokenTTL)); ok {
		t.Error("an entry is trusted past tokenTTL")
	}
}
