package store_test

import (
	"context"
	"testing"

	"reportline"
	"reportline/internal/testapp"
	"reportline/store"
)

// TestGraphVersionsAcrossTenants: the one cross-tenant read gives each
// tenant named its own graph version, the one its transactions read, and
// nothing for a tenant not named or that does not exist.
func TestGraphVersionsAcrossTenants(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		db := testapp.OpenDB(t, engine)
		ctx := context.Background()
		var ids []store.TenantID
		for _, slug := range []string{"versions-a", "versions-b", "versions-c"} {
			id, err := db.CreateTenant(ctx, slug)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		// Tenant b's graph moves; a and c stay.
		if err := db.Tenant(ids[1]).Write(ctx, func(tx *store.Tx) error {
			return tx.CreateUser(ctx, &reportline.User{Email: "x@example.com", FirstName: "X", Status: reportline.StatusActive})
		}); err != nil {
			t.Fatal(err)
		}
		want := map[store.TenantID]int64{}
		for _, id := range ids[:2] {
			if err := db.Tenant(id).Read(ctx, func(tx *store.Tx) error {
				var err error
				want[id], err = tx.GraphVersion(ctx)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		if want[ids[0]] == want[ids[1]] {
			t.Fatalf("tenants a and b have the same version %d: the test cannot tell them apart", want[ids[0]])
		}
		missing := ids[2] + 1_000_000
		got, err := db.GraphVersions(ctx, []store.TenantID{ids[0], ids[1], missing})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[ids[0]] != want[ids[0]] || got[ids[1]] != want[ids[1]] {
			t.Errorf("GraphVersions = %v, want %v (tenant c not named, %d absent)", got, want, missing)
		}
		if got, err := db.GraphVersions(ctx, nil); err != nil || len(got) != 0 {
			t.Errorf("GraphVersions of no tenant = %v, %v", got, err)
		}
	})
}
