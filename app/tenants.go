package app

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"reportline"
	"reportline/i18n"
)

// Background work for every tenant (docs/tenants.md, "Built: step 3,
// part 1"). The outbox worker, the scheduler and the timed effects start
// from a context without a tenant; they list the installation's tenants
// and act in each active one in turn, in its own reportline.WithTenant
// context, starting from a different tenant at each tick (round-robin) so
// that no tenant is always served last.

// tenantList is the installation's tenants, read at most once per
// TenantsTTL. It is the process's one copy of the list: the public URL of
// each message, every tick of background work and, through serve's wiring,
// the server's resolution of every request's tenant read it.
type tenantList struct {
	list func(context.Context) ([]reportline.Tenant, error) // Config.Tenants; nil: the implicit tenant alone
	mu   sync.Mutex
	at   time.Time // when ts was read, with its monotonic reading
	now  time.Time // when ts was read, by Config.Now
	ts   []reportline.Tenant
	rr   atomic.Uint64 // where the next round of background work starts
}

// TenantsTTL is how stale the list of tenants may be: a tenant created,
// suspended or resumed (by the operator's command, or on another replica)
// is seen by every process within it. The list is read again when either
// clock has moved on by it: the monotonic clock (a test's frozen
// Config.Now must not freeze the list a server resolves requests with) or
// Config.Now (a test that moves its clock on sees what changed, as a
// process that has run that long would).
const TenantsTTL = time.Second

// Tenants returns the installation's tenants (the implicit one alone when
// the App was given no list), suspended ones included, at most TenantsTTL
// old. The slice is shared by every caller until the next read: callers
// must not modify it.
func (a *App) Tenants(ctx context.Context) ([]reportline.Tenant, error) {
	t := a.tenants
	if t == nil || t.list == nil {
		return []reportline.Tenant{{ID: reportline.ImplicitTenant, Slug: "default"}}, nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if age := a.now().Sub(t.now); t.ts != nil && time.Since(t.at) < TenantsTTL && age >= 0 && age < TenantsTTL {
		return t.ts, nil
	}
	ts, err := t.list(context.WithoutCancel(ctx))
	if err != nil {
		return nil, fmt.Errorf("list the tenants: %w", err)
	}
	t.ts, t.at, t.now = ts, time.Now(), a.now()
	return ts, nil
}

// ActiveTenants returns the tenants whose background work runs (not
// suspended), rotated by one more place at each call: the order in which
// a tick serves them.
func (a *App) ActiveTenants(ctx context.Context) ([]reportline.TenantID, error) {
	ts, err := a.Tenants(ctx)
	if err != nil {
		return nil, err
	}
	var ids []reportline.TenantID
	for _, t := range ts {
		if !t.Suspended {
			ids = append(ids, t.ID)
		}
	}
	if len(ids) > 1 && a.tenants != nil {
		k := int(a.tenants.rr.Add(1) % uint64(len(ids)))
		ids = append(ids[k:], ids[:k]...)
	}
	return ids, nil
}

// tenantIDs lists the tenants background work serves: the active ones
// in this round's order, or every one (all), to hand back what a stopping
// replica holds.
func (a *App) tenantIDs(ctx context.Context, all bool) ([]reportline.TenantID, error) {
	if !all {
		return a.ActiveTenants(ctx)
	}
	ts, err := a.Tenants(ctx)
	ids := make([]reportline.TenantID, len(ts))
	for i, t := range ts {
		ids[i] = t.ID
	}
	return ids, err
}

// publicURL is the address the context's tenant is reached at, without a
// trailing slash: https://HOST for a tenant with a host, the configured
// public URL for the implicit tenant (and for a tenant without a host,
// which has no address of its own). "" when there is none: mail then
// carries no links.
func (a *App) publicURL(ctx context.Context) string {
	id, ok := reportline.TenantOf(ctx)
	if !ok || id == reportline.ImplicitTenant {
		return a.public
	}
	ts, err := a.Tenants(ctx)
	if err != nil {
		a.log.Warn("public URL of the tenant", "tenant", id, "err", err)
		return ""
	}
	for _, t := range ts {
		if t.ID == id {
			if t.Host == "" {
				return ""
			}
			return "https://" + t.Host
		}
	}
	return ""
}

// noticeAt starts a notice to u under the branding br of u's tenant
// (branding), in u's language else br's, whose button leads to base, the
// public URL of u's tenant (publicURL): none when base is "".
func noticeAt(u reportline.User, base string, br reportline.Branding) (notice, *i18n.Localizer) {
	n, l := newNoticeFor(u, MailBrandOf(br), "", br.Locale)
	if base != "" {
		n.Button, n.URL = l.T("mail.open", map[string]any{"Brand": n.BrandName}), base+"/team"
	}
	return n, l
}

// tenantZone is the time zone of the context's tenant (digest.Notifier.Zone:
// the digest_time_zone setting, Europe/Paris when unset).
func (a *App) tenantZone(ctx context.Context) (*time.Location, error) { return a.digests.Zone(ctx) }

// PublicURL is the address the context's tenant is reached at, without a
// trailing slash ("" when it has none): the redirect URL its identity
// provider is given is under it.
func (a *App) PublicURL(ctx context.Context) string { return a.publicURL(ctx) }
