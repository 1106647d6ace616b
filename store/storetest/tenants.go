package storetest

import (
	"context"
	"testing"

	"reportline/store"
)

// RunTwoTenants runs the suite in a second tenant while the implicit
// tenant holds identical data (docs/tenants.md, "Scoped by construction"):
// each test runs first in the implicit tenant, then, on the same database,
// in a new tenant, with the same emails, external uids, group names,
// provisioning clients and keys. Each run checks its own single-tenant
// answers, so the second passes only if nothing of the first tenant shows
// through (a count, a list, a conflict on a unique key, a claimed message
// or run, a cursor). newDB returns a fresh, migrated database.
func RunTwoTenants(t *testing.T, newDB func(t *testing.T) *store.DB) {
	for _, tt := range suite() {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db := newDB(t)
			if !t.Run("implicit tenant", func(t *testing.T) { tt.fn(t, db) }) {
				return
			}
			id, err := db.CreateTenant(context.Background(), "second")
			if err != nil {
				t.Fatal(err)
			}
			t.Run("second tenant", func(t *testing.T) { tt.fn(t, inTenant{db, db.Tenant(id)}) })
		})
	}
}

// inTenant is a database seen through one tenant's handle.
type inTenant struct {
	*store.DB // Migrate, Pending
	tenant    *store.Tenant
}

func (d inTenant) Read(ctx context.Context, fn func(*store.Tx) error) error {
	return d.tenant.Read(ctx, fn)
}

func (d inTenant) Write(ctx context.Context, fn func(*store.Tx) error) error {
	return d.tenant.Write(ctx, fn)
}
