package reportline

import "context"

// TenantID names a tenant: one customer organisation, its people, groups,
// links, settings and records (docs/tenants.md).
type TenantID int64

// ImplicitTenant is the tenant of an installation that configures none
// (slug "default"): migration 0018 moved every existing row into it.
const ImplicitTenant TenantID = 1

type tenantKey struct{}

// WithTenant returns a context that carries the tenant a request or a job
// acts in. The server sets it once the tenant is resolved (credential, then
// host); background work sets it per tenant it serves.
func WithTenant(ctx context.Context, id TenantID) context.Context {
	return context.WithValue(ctx, tenantKey{}, id)
}

// TenantOf reports the tenant ctx carries, if any.
func TenantOf(ctx context.Context) (TenantID, bool) {
	id, ok := ctx.Value(tenantKey{}).(TenantID)
	return id, ok
}
