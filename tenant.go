package reportline

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

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

// Tenant is a tenant as the operator sees it: no people, only its name,
// its host and whether it is served.
type Tenant struct {
	ID   TenantID
	Slug string
	// Host is the host name the tenant answers on (lower-case, no port),
	// "" when it has none.
	Host        string
	Suspended   bool
	SuspendedAt time.Time // zero unless Suspended
	CreatedAt   time.Time
}

// NormalizeHost returns the host a tenant is found by: lower-cased, without
// a port, brackets or a trailing dot ("Acme.Example:8080" → "acme.example").
func NormalizeHost(h string) string {
	h = strings.TrimSpace(h)
	if host, _, err := net.SplitHostPort(h); err == nil {
		h = host
	}
	h = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSuffix(h, "]"), "["), ".")
	return strings.ToLower(h)
}

// TenantLister lists the tenants background work serves: all false, the
// active ones (not suspended) in the order of this round; all true, every
// tenant (to hand back what a stopping replica holds).
type TenantLister func(ctx context.Context, all bool) ([]TenantID, error)

// EachTenant runs fn in the context of each tenant list returns (see
// TenantLister), or once in ctx as it is when list is nil (the context's
// tenant alone). A tenant's failure does not stop the others: the errors
// are joined, each naming its tenant. It stops early once ctx is done.
func EachTenant(ctx context.Context, list TenantLister, all bool, fn func(ctx context.Context) error) error {
	if list == nil {
		return fn(ctx)
	}
	ids, err := list(ctx, all)
	if err != nil {
		return err
	}
	var errs []error
	for _, id := range ids {
		if ctx.Err() != nil {
			break
		}
		if err := fn(WithTenant(ctx, id)); err != nil {
			errs = append(errs, fmt.Errorf("tenant %d: %w", id, err))
		}
	}
	return errors.Join(errs...)
}

// Operator is a person who signs in to the operator page (docs/tenants.md):
// above tenants, with no account in any of them.
type Operator struct {
	ID        int64
	Email     string
	CreatedAt time.Time
}
