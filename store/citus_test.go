package store_test

import (
	"context"
	"testing"
	"time"

	"reportline"
	"reportline/internal/testapp"
	"reportline/store"
	"reportline/store/storetest"
)

// TestWithoutTriggers runs, on SQLite and plain PostgreSQL with the graph
// version and append-only triggers dropped, the tests that depend on them:
// the store then bumps the graph version and guards the append-only tables
// itself, as on Citus (store/citus.go), with the same answers.
func TestWithoutTriggers(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		storetest.RunOnly(t, func(t *testing.T) *store.DB {
			db := testapp.OpenDB(t, engine)
			if !db.Citus() {
				if err := db.WithoutTriggers(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			return db
		}, "GraphVersion", "AuditIsAppendOnly", "Links", "GroupsAndMemberships")
	})
}

// TestAppendOnlyGuard checks the guard that stands for the triggers where
// there are none: every append-only table refuses UPDATE, DELETE and
// TRUNCATE with Forbidden, naming the table, before the statement reaches
// the database.
func TestAppendOnlyGuard(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := testapp.OpenDB(t, engine)
		if !db.Citus() {
			if err := db.WithoutTriggers(ctx); err != nil {
				t.Fatal(err)
			}
		}
		for _, table := range []string{"audit_log", "change_log", "statistics_views", "template_sends", "directory_user_changes"} {
			for _, q := range []string{"UPDATE " + table + " SET tenant_id = tenant_id", "DELETE FROM " + table, "WITH x AS (DELETE FROM " + table + " RETURNING 1) SELECT 1", `DELETE FROM "` + table + `"`} {
				err := db.Write(ctx, func(tx *store.Tx) error { return tx.ExecRaw(ctx, q) })
				if !reportline.IsCode(err, reportline.Forbidden) {
					t.Errorf("%s: %v, want Forbidden", q, err)
				}
			}
		}
	})
}

// TestAppendOnlyGuardLetsTheGrantThrough: where there are no triggers, the
// store's guard lets a tenant deletion remove the tenant's audit rows (its
// transaction holds the 'delete' grant, as the triggers require on the
// other engines), and only that transaction.
func TestAppendOnlyGuardLetsTheGrantThrough(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := testapp.OpenDB(t, engine)
		if !db.Citus() {
			if err := db.WithoutTriggers(ctx); err != nil {
				t.Fatal(err)
			}
		}
		id, err := db.CreateTenantAs(ctx, "test", "leaving", "leaving.example")
		if err != nil {
			t.Fatal(err)
		}
		err = db.Tenant(id).Write(ctx, func(tx *store.Tx) error {
			return tx.AppendAudit(ctx, []reportline.AuditEntry{{At: time.Now(), Source: reportline.SourceCLI, Action: reportline.ActionAdd}})
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Tenant(id).Write(ctx, func(tx *store.Tx) error { return tx.ExecRaw(ctx, "DELETE FROM audit_log") }); !reportline.IsCode(err, reportline.Forbidden) {
			t.Fatalf("a delete of audit rows without the grant: %v, want Forbidden", err)
		}
		deleted, err := db.DeleteTenant(ctx, "test", "leaving")
		if err != nil {
			t.Fatalf("delete the tenant without triggers: %v", err)
		}
		if deleted["audit_log"] != 1 {
			t.Errorf("audit rows deleted: %d, want 1", deleted["audit_log"])
		}
	})
}
