package store_test

import (
	"context"
	"testing"
	"time"

	"reportline"
	"reportline/internal/testapp"
	"reportline/store"
)

// A credential's route names its tenant from the moment it is created to
// the moment it is deleted, in the same transactions; a hash held by two
// tenants names neither.
func TestCredentialRoutes(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := testapp.OpenDB(t, engine)
		b, err := db.CreateTenantAs(ctx, "test", "beta", "Beta.Example")
		if err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		tok, sess, scim, both := []byte("token-of-beta"), []byte("session-of-beta"), []byte("scim-of-beta"), []byte("twice")
		user := func(tx *store.Tx) reportline.UserID {
			u := &reportline.User{Email: "same@example.com", FirstName: "S", LastName: "S", Status: reportline.StatusActive}
			if err := tx.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			return u.ID
		}
		for _, id := range []reportline.TenantID{store.ImplicitTenant, b} {
			err := db.Tenant(id).Write(ctx, func(tx *store.Tx) error {
				uid := user(tx)
				if err := tx.CreateSession(ctx, reportline.Session{Hash: both, UserID: uid, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
					return err
				}
				if id != b {
					return nil
				}
				if err := tx.CreateToken(ctx, &reportline.APIToken{UserID: uid, Name: "t", Hash: tok, CreatedAt: now}); err != nil {
					return err
				}
				if err := tx.CreateSession(ctx, reportline.Session{Hash: sess, UserID: uid, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
					return err
				}
				return tx.CreateProvisioningClient(ctx, &reportline.ProvisioningClient{Name: "entra", Hash: scim, CreatedAt: now})
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		route := func(hash []byte) (reportline.TenantID, bool) {
			t.Helper()
			id, ok, err := db.CredentialTenant(ctx, hash)
			if err != nil {
				t.Fatal(err)
			}
			return id, ok
		}
		for _, h := range [][]byte{tok, sess, scim} {
			if id, ok := route(h); !ok || id != b {
				t.Errorf("route of %s = %d %v, want tenant %d", h, id, ok, b)
			}
		}
		if id, ok := route(both); ok {
			t.Errorf("a hash in two tenants routes to %d, want neither", id)
		}
		if _, ok := route([]byte("nothing")); ok {
			t.Error("an unknown hash has a route")
		}
		err = db.Tenant(b).Write(ctx, func(tx *store.Tx) error {
			if err := tx.DeleteSession(ctx, sess); err != nil {
				return err
			}
			return tx.DeleteProvisioningClient(ctx, "entra")
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := route(sess); ok {
			t.Error("a deleted session still has a route")
		}
		if _, ok := route(scim); ok {
			t.Error("a deleted SCIM client still has a route")
		}
		if err := db.Tenant(b).Write(ctx, func(tx *store.Tx) error { return tx.DeleteExpiredSessions(ctx, now.Add(2*time.Hour)) }); err != nil {
			t.Fatal(err)
		}
		if id, ok := route(both); !ok || id != store.ImplicitTenant {
			t.Errorf("once beta's copy expired, the shared hash routes to %d %v, want the implicit tenant", id, ok)
		}

		ts, err := db.Tenants(ctx)
		if err != nil || len(ts) != 2 || ts[1].Host != "beta.example" || ts[1].Slug != "beta" {
			t.Errorf("tenants = %+v, %v", ts, err)
		}
		if err := db.Tenant(0).Write(ctx, func(tx *store.Tx) error {
			return tx.ExecRaw(ctx, `UPDATE tenants SET host = 'UPPER.example' WHERE slug = 'beta'`)
		}); err == nil {
			t.Error("an upper-case host was stored; hosts are matched lower-case")
		}
	})
}
