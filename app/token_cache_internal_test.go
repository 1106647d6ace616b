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
	_, genA, _ := c.get(a, []byte("ta"), now, 0)
	_, genB, _ := c.get(b, []byte("tb"), now, 0)
	c.put(a, []byte("ta"), genA, cachedToken{read: now})
	c.put(b, []byte("tb"), genB, cachedToken{read: now})

	_, late, _ := c.get(a, []byte("tc"), now, 0) // a read that began before the write
	c.clear(a)
	if _, _, ok := c.get(a, []byte("ta"), now, 0); ok {
		t.Error("tenant A's token is still cached after a write in A")
	}
	if _, _, ok := c.get(b, []byte("tb"), now, 0); !ok {
		t.Error("a write in tenant A emptied tenant B's cached token")
	}
	c.put(a, []byte("tc"), late, cachedToken{read: now})
	if _, _, ok := c.get(a, []byte("tc"), now, 0); ok {
		t.Error("a read begun before the write was kept")
	}
	if _, _, ok := c.get(b, []byte("tb"), now.Add(tokenTTL), 0); ok {
		t.Error("an entry is trusted past tokenTTL without a confirmed version")
	}
}

// TestTokenCacheTrustsTheConfirmedVersion: past tokenTTL, an entry is
// trusted only while the tenant's index is confirmed at the graph version
// the token was read at (a revocation, a deactivation or a role change
// moves it), and never once the token has expired.
func TestTokenCacheTrustsTheConfirmedVersion(t *testing.T) {
	var c tokenCache
	now := time.Now()
	tenant := reportline.TenantID(1)
	later := now.Add(10 * tokenTTL)
	_, gen, _ := c.get(tenant, []byte("t"), now, 0)
	c.put(tenant, []byte("t"), gen, cachedToken{read: now, version: 7})
	for _, tc := range []struct {
		name      string
		confirmed int64
		want      bool
	}{
		{"confirmed at the version read", 7, true},
		{"the version moved (a revocation, a deactivation)", 8, false},
		{"no confirmed index", 0, false},
	} {
		if _, _, ok := c.get(tenant, []byte("t"), later, tc.confirmed); ok != tc.want {
			t.Errorf("%s: trusted %v, want %v", tc.name, ok, tc.want)
		}
	}
	expires := now.Add(tokenTTL)
	_, gen, _ = c.get(tenant, []byte("x"), now, 0)
	c.put(tenant, []byte("x"), gen, cachedToken{read: now, version: 7, token: reportline.APIToken{ExpiresAt: expires}})
	if _, _, ok := c.get(tenant, []byte("x"), later, 7); ok {
		t.Error("an expired token is trusted")
	}
}
