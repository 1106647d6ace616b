package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"reportline"
	"reportline/internal/testapp"
	"reportline/store"
)

// TestListenGraph: on PostgreSQL (plain, and Citus where the store
// notifies rather than a trigger) every committed bump of a tenant's graph
// version is announced with the new version, and the round trip after the
// commit returns it (store.GraphListener.Sync); a rolled back one is not
// announced; a revocation (the store's own bump) is.
func TestListenGraph(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		db := testapp.OpenDB(t, engine)
		ctx := context.Background()
		if engine != store.Postgres {
			if _, err := db.ListenGraph(ctx); err == nil {
				t.Fatal("ListenGraph on SQLite, which has no NOTIFY: no error")
			}
			return
		}
		id, err := db.CreateTenant(ctx, "listen-a")
		if err != nil {
			t.Fatal(err)
		}
		l, err := db.ListenGraph(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		tenant := db.Tenant(id)
		version := func() int64 {
			t.Helper()
			var v int64
			if err := tenant.Read(ctx, func(tx *store.Tx) error { v, err = tx.GraphVersion(ctx); return err }); err != nil {
				t.Fatal(err)
			}
			return v
		}
		sync := func() map[store.TenantID]int64 {
			t.Helper()
			got, err := l.Sync(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		sync() // whatever came before

		var u reportline.User
		if err := tenant.Write(ctx, func(tx *store.Tx) error {
			u = reportline.User{Email: "x@example.com", FirstName: "X", Status: reportline.StatusActive}
			return tx.CreateUser(ctx, &u)
		}); err != nil {
			t.Fatal(err)
		}
		if got, want := sync()[id], version(); got != want {
			t.Errorf("after a committed change: announced %d, version %d", got, want)
		}

		rollback := errors.New("rolled back")
		if err := tenant.Write(ctx, func(tx *store.Tx) error {
			if err := tx.CreateUser(ctx, &reportline.User{Email: "y@example.com", FirstName: "Y", Status: reportline.StatusActive}); err != nil {
				return err
			}
			return rollback
		}); !errors.Is(err, rollback) {
			t.Fatal(err)
		}
		if got := sync(); len(got) != 0 {
			t.Errorf("a rolled back change is announced: %v", got)
		}

		tok := reportline.APIToken{UserID: u.ID, Name: "t", Hash: []byte("listen-h1"), CreatedAt: time.Now()}
		if err := tenant.Write(ctx, func(tx *store.Tx) error { return tx.CreateToken(ctx, &tok) }); err != nil {
			t.Fatal(err)
		}
		sync()
		if err := tenant.Write(ctx, func(tx *store.Tx) error { return tx.RevokeToken(ctx, tok.ID, time.Now()) }); err != nil {
			t.Fatal(err)
		}
		if got, want := sync()[id], version(); got != want {
			t.Errorf("after a revocation: announced %d, version %d", got, want)
		}
	})
}
