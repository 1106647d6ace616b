package store_test

import (
	"context"
	"encoding/hex"
	"testing"

	"reportline"
	"reportline/internal/pgtest"
	"reportline/internal/testapp"
	"reportline/store"
)

// openAt returns a fresh database of engine migrated up to version last.
func openAt(t *testing.T, engine store.Engine, last int) *store.DB {
	t.Helper()
	ctx := context.Background()
	url := ""
	if engine == store.Postgres {
		url = pgtest.New(t)
	}
	db, err := store.Open(ctx, url, t.TempDir())
	if err != nil {
		t.Fatalf("open %s: %v", engine, err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.MigrateTo(ctx, last); err != nil {
		t.Fatalf("migrate %s to %d: %v", engine, last, err)
	}
	return db
}

// before0018 is data as the schema of migration 0017 holds it, written in
// SQL because the store's own writes now name the tenant.
func before0018(engine store.Engine) []string {
	hash := func(s string) string { // a BLOB / BYTEA literal
		if engine == store.Postgres {
			return `'\x` + s + `'::bytea`
		}
		return `X'` + s + `'`
	}
	user := func(email string) string { return `(SELECT id FROM users WHERE email = '` + email + `')` }
	group := func(name string) string { return `(SELECT id FROM groups WHERE name = '` + name + `')` }
	return []string{
		`INSERT INTO users (external_uid, email, first_name, last_name, status, position, org_unit, platform_role, created_at, updated_at) VALUES
			('u-1', 'ann@example.com', 'Ann', 'Ash', 'active', 'Head of sales', 'Sales', 'admin', 1000, 2000),
			(NULL, 'bob@example.com', 'Bob', 'Birch', 'active', '', 'Sales', '', 1000, 1000),
			('u-3', 'cy@example.com', 'Cy', 'Cedar', 'inactive', '', '', '', 1000, 1000)`,
		`INSERT INTO groups (parent_id, name) VALUES (NULL, 'Sales')`,
		`INSERT INTO groups (parent_id, name) VALUES (` + group("Sales") + `, 'Sales EMEA')`,
		`INSERT INTO memberships (group_id, user_id, role) VALUES (` + group("Sales") + `, ` + user("ann@example.com") + `, 'admin'),
			(` + group("Sales EMEA") + `, ` + user("bob@example.com") + `, 'member')`,
		`INSERT INTO links (manager_id, managee_id, kind, source, comment, created_at) VALUES
			(` + user("ann@example.com") + `, ` + user("bob@example.com") + `, 'line', 'ui', 'since March', 3000),
			(` + user("ann@example.com") + `, ` + user("cy@example.com") + `, 'functional', 'csv', '', 3000)`,
		`INSERT INTO audit_log (at, source, action, manager_id, managee_id, after) VALUES
			(3000, 'ui', 'add', ` + user("ann@example.com") + `, ` + user("bob@example.com") + `, '{}')`,
		`INSERT INTO change_log (at, source, action, what) VALUES (3000, 'ui', 'update_settings', 'assign mode')`,
		`INSERT INTO statistics_views (at, viewer_id, user_id, grant_by, scope, source, page) VALUES
			(3000, ` + user("ann@example.com") + `, ` + user("bob@example.com") + `, 'link', 'all', 'ui', 'statistics')`,
		`INSERT INTO template_sends (at, source, group_id, subject, body, recipients) VALUES (3000, 'ui', ` + group("Sales") + `, 'Hi', 'Hello', 1)`,
		`INSERT INTO directory_sync_runs (source, dry_run, full_sync, status, started_at) VALUES ('ldap', FALSE, TRUE, 'done', 3000)`,
		`INSERT INTO directory_user_changes (run_id, at, source, user_id, external_id, action, changes) VALUES
			((SELECT id FROM directory_sync_runs), 3000, 'ldap', ` + user("bob@example.com") + `, 'cn=bob', 'update', '[]')`,
		`INSERT INTO settings (key, value) VALUES ('assign_mode', 'group_admins')`,
		`INSERT INTO org_units (parent_id, name, name_key) VALUES (NULL, 'Sales', 'sales')`,
		`INSERT INTO capability_matrix (kind, capability, allowed, updated_at) VALUES ('functional', 'view_reports', TRUE, 3000)`,
		`INSERT INTO api_tokens (user_id, name, hash, created_at) VALUES (` + user("ann@example.com") + `, 'ci', ` + hash("0a0b") + `, 4000)`,
		`INSERT INTO sessions (hash, user_id, created_at, expires_at) VALUES (` + hash("0c0d") + `, ` + user("bob@example.com") + `, 4000, 99999999999999)`,
	}
}

// TestMigration0018KeepsDataInTheImplicitTenant migrates a database that
// holds data at 0017 and reads it back through the store: everything is
// the implicit tenant's, the triggers still work, and a second tenant may
// reuse the same email.
func TestMigration0018KeepsDataInTheImplicitTenant(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := openAt(t, engine, 17)
		for _, q := range before0018(engine) {
			if err := db.Write(ctx, func(tx *store.Tx) error { return tx.ExecRaw(ctx, q) }); err != nil {
				t.Fatalf("at 0017: %s: %v", q, err)
			}
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("migrate to 0018: %v", err)
		}
		// Migration 0019 routes the credentials that exist to their tenant.
		for _, h := range []string{"0a0b", "0c0d"} {
			raw, _ := hex.DecodeString(h)
			if id, ok, err := db.CredentialTenant(ctx, raw); err != nil || !ok || id != store.ImplicitTenant {
				t.Errorf("route of the credential %s written at 0017: %d %v %v, want the implicit tenant", h, id, ok, err)
			}
		}

		var ann, bob reportline.User
		var version int64
		read(t, db.Tenant(store.ImplicitTenant), func(tx *store.Tx) error {
			var err error
			if ann, err = tx.UserByEmail(ctx, "ann@example.com"); err != nil {
				return err
			}
			if ann.ExternalUID != "u-1" || ann.FirstName != "Ann" || ann.Position != "Head of sales" || ann.PlatformRole != "admin" {
				t.Errorf("ann = %+v, want her fields as written at 0017", ann)
			}
			if bob, err = tx.UserByEmail(ctx, "bob@example.com"); err != nil {
				return err
			}
			if cy, err := tx.UserByExternalUID(ctx, "u-3"); err != nil || cy.Status != reportline.StatusInactive {
				t.Errorf("user u-3 = %+v, %v; want cy, inactive", cy, err)
			}
			groups, err := tx.Groups(ctx)
			if err != nil {
				return err
			}
			if len(groups) != 2 || groups[1].Name != "Sales EMEA" || groups[1].ParentID != groups[0].ID {
				t.Errorf("groups = %+v, want Sales and its child Sales EMEA", groups)
			}
			ms, err := tx.Memberships(ctx, reportline.MembershipFilter{UserIDs: []reportline.UserID{ann.ID, bob.ID}})
			if err != nil {
				return err
			}
			if len(ms) != 2 {
				t.Errorf("memberships = %+v, want 2", ms)
			}
			links, err := tx.Links(ctx, reportline.LinkFilter{ManagerID: ann.ID})
			if err != nil {
				return err
			}
			if len(links) != 2 || links[0].Kind == links[1].Kind {
				t.Errorf("ann's links = %+v, want one line and one functional", links)
			}
			if l, err := tx.Link(ctx, reportline.Pair{ManagerID: ann.ID, ManageeID: bob.ID}); err != nil || l.Comment != "since March" {
				t.Errorf("link ann→bob = %+v, %v", l, err)
			}
			audit, err := tx.Audit(ctx, reportline.AuditFilter{UserID: bob.ID})
			if err != nil {
				return err
			}
			if len(audit) != 1 || audit[0].ManagerID != ann.ID {
				t.Errorf("audit of bob = %+v, want the one entry", audit)
			}
			if changes, err := tx.Changes(ctx, reportline.ChangeFilter{}); err != nil || len(changes) != 1 {
				t.Errorf("change log = %+v, %v; want 1 entry", changes, err)
			}
			if v, err := tx.Setting(ctx, "assign_mode"); err != nil || v != "group_admins" {
				t.Errorf("setting = %q, %v", v, err)
			}
			if u, err := tx.OrgUnitByKey(ctx, "sales"); err != nil || u.Name != "Sales" {
				t.Errorf("org unit = %+v, %v", u, err)
			}
			if m, err := tx.CapabilityMatrix(ctx); err != nil || !m[reportline.Functional][reportline.ViewReports] {
				t.Errorf("capability matrix = %v, %v; want the cell set at 0017", m, err)
			}
			if tok, err := tx.TokenByHash(ctx, []byte{0x0a, 0x0b}); err != nil || tok.UserID != ann.ID {
				t.Errorf("token = %+v, %v", tok, err)
			}
			if s, err := tx.SessionByHash(ctx, []byte{0x0c, 0x0d}); err != nil || s.UserID != bob.ID {
				t.Errorf("session = %+v, %v", s, err)
			}
			if off, err := tx.NotificationRolesOff(ctx); err != nil || len(off) != 4 {
				t.Errorf("notification roles off = %v, %v; want the four of 0017", off, err)
			}
			version, err = tx.GraphVersion(ctx)
			return err
		})

		// The graph_version triggers bump the tenant's row.
		write(t, db.Tenant(store.ImplicitTenant), func(tx *store.Tx) error {
			return tx.DeleteLink(ctx, reportline.Pair{ManagerID: ann.ID, ManageeID: bob.ID})
		})
		read(t, db.Tenant(store.ImplicitTenant), func(tx *store.Tx) error {
			v, err := tx.GraphVersion(ctx)
			if err == nil && v <= version {
				t.Errorf("graph version = %d after deleting a link, want above %d", v, version)
			}
			version = v
			return err
		})
		// The append-only triggers were created again on the rebuilt tables.
		for _, q := range []string{"UPDATE audit_log SET action = 'remove'", "DELETE FROM audit_log", "DELETE FROM change_log",
			"UPDATE statistics_views SET page = 'x'", "DELETE FROM template_sends", "DELETE FROM directory_user_changes"} {
			if err := db.Write(ctx, func(tx *store.Tx) error { return tx.ExecRaw(ctx, q) }); err == nil {
				t.Errorf("%s succeeded after 0018; the table must stay append-only", q)
			}
		}

		// A second tenant holds the same email; ids stay one sequence.
		acme, err := db.CreateTenant(ctx, "acme")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateTenant(ctx, "default"); !reportline.IsCode(err, reportline.Conflict) {
			t.Errorf("creating a second tenant named default: %v, want a conflict", err)
		}
		var ann2 reportline.User
		write(t, db.Tenant(acme), func(tx *store.Tx) error {
			ann2 = reportline.User{Email: "ann@example.com", ExternalUID: "u-1", FirstName: "Other Ann", Status: reportline.StatusActive}
			return tx.CreateUser(ctx, &ann2)
		})
		if ann2.ID == ann.ID || ann2.ID == bob.ID {
			t.Errorf("acme's ann has id %d, an id of the implicit tenant", ann2.ID)
		}
		read(t, db.Tenant(store.ImplicitTenant), func(tx *store.Tx) error {
			got, err := tx.UserByEmail(ctx, "ann@example.com")
			if err == nil && (got.ID != ann.ID || got.FirstName != "Ann") {
				t.Errorf("implicit tenant's ann = %+v, want the one of 0017", got)
			}
			if _, err := tx.User(ctx, ann2.ID); !reportline.IsCode(err, reportline.NotFound) {
				t.Errorf("acme's user read from the implicit tenant: %v, want not found", err)
			}
			v, verr := tx.GraphVersion(ctx)
			if verr == nil && v != version {
				t.Errorf("implicit tenant's graph version = %d after acme's write, want %d unchanged", v, version)
			}
			return err
		})
		read(t, db.Tenant(acme), func(tx *store.Tx) error {
			users, total, err := tx.FindUsers(ctx, reportline.UserFilter{})
			if err == nil && (total != 1 || users[0].ID != ann2.ID) {
				t.Errorf("acme's users = %+v (total %d), want its one user", users, total)
			}
			return err
		})
	})
}

// handle is what the tests need of a tenant handle.
type handle interface {
	Read(ctx context.Context, fn func(*store.Tx) error) error
	Write(ctx context.Context, fn func(*store.Tx) error) error
}

func read(t *testing.T, h handle, fn func(*store.Tx) error) {
	t.Helper()
	if err := h.Read(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func write(t *testing.T, h handle, fn func(*store.Tx) error) {
	t.Helper()
	if err := h.Write(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}
