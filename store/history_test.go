package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"reportline"
	"reportline/internal/testapp"
	"reportline/store"
)

// TestMigration0020BackfillsHistoryFromTheAudit writes, at the schema of
// 0018, links and the audit entries of their changes (a removed link, a
// link re-added, a temporary link) and one link the audit never recorded,
// migrates, and asks the history: audited changes are found at their
// dates, the unaudited link only from the migration on, which HistoryStart
// says.
func TestMigration0020BackfillsHistoryFromTheAudit(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := openAt(t, engine, 18)
		d := func(n int) time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n) }
		us := func(n int) int64 { return d(n).UnixMicro() }
		user := func(email string) string {
			return `(SELECT id FROM users WHERE tenant_id = 1 AND email = '` + email + `')`
		}
		audit := func(at int64, action, m, e, after string) string {
			a := "NULL"
			if after != "" {
				a = "'" + after + "'"
			}
			return fmt.Sprintf(`INSERT INTO audit_log (tenant_id, at, source, action, manager_id, managee_id, after) VALUES (1, %d, 'ui', '%s', %s, %s, %s)`,
				at, action, user(m), user(e), a)
		}
		stmts := []string{
			`INSERT INTO users (tenant_id, email, first_name, last_name, status, created_at, updated_at) VALUES
				(1, 'ann@example.com', 'Ann', '', 'active', 1, 1), (1, 'bob@example.com', 'Bob', '', 'active', 1, 1),
				(1, 'cy@example.com', 'Cy', '', 'active', 1, 1), (1, 'dee@example.com', 'Dee', '', 'active', 1, 1)`,
			// ann managed bob from day 0 to day 10, then again (functional) from day 20.
			audit(us(0), "add", "ann@example.com", "bob@example.com", `{"kind":"line","source":"ui","created_at":"2026-01-01T00:00:00Z"}`),
			audit(us(10), "remove", "ann@example.com", "bob@example.com", ""),
			audit(us(20), "add", "ann@example.com", "bob@example.com", `{"kind":"functional","source":"csv","created_at":"2026-01-21T00:00:00Z"}`),
			// cy covered for bob from day 30 to day 40, recorded on day 25.
			audit(us(25), "add", "cy@example.com", "bob@example.com",
				`{"kind":"functional","source":"ui","valid_from":"2026-01-31T00:00:00Z","valid_until":"2026-02-10T00:00:00+00:00","created_at":"2026-01-26T00:00:00Z"}`),
			fmt.Sprintf(`INSERT INTO links (tenant_id, manager_id, managee_id, kind, source, created_at) VALUES (1, %s, %s, 'functional', 'csv', %d)`,
				user("ann@example.com"), user("bob@example.com"), us(20)),
			fmt.Sprintf(`INSERT INTO links (tenant_id, manager_id, managee_id, kind, source, valid_from, valid_until, created_at) VALUES (1, %s, %s, 'functional', 'ui', %d, %d, %d)`,
				user("cy@example.com"), user("bob@example.com"), us(30), us(40), us(25)),
			// dee manages cy, never audited (a link older than the audit log).
			fmt.Sprintf(`INSERT INTO links (tenant_id, manager_id, managee_id, kind, source, created_at) VALUES (1, %s, %s, 'line', 'csv', %d)`,
				user("dee@example.com"), user("cy@example.com"), us(0)),
		}
		for _, q := range stmts {
			if err := db.Write(ctx, func(tx *store.Tx) error { return tx.ExecRaw(ctx, q) }); err != nil {
				t.Fatalf("at 0018: %s: %v", q, err)
			}
		}
		before := time.Now()
		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("migrate: %v", err)
		}
		read(t, db.Tenant(store.ImplicitTenant), func(tx *store.Tx) error {
			ann, _ := tx.UserByEmail(ctx, "ann@example.com")
			bob, _ := tx.UserByEmail(ctx, "bob@example.com")
			cy, _ := tx.UserByEmail(ctx, "cy@example.com")
			dee, _ := tx.UserByEmail(ctx, "dee@example.com")
			name := map[reportline.UserID]string{ann.ID: "ann", cy.ID: "cy", dee.ID: "dee"}
			managersOf := func(u reportline.User, at time.Time) string {
				ps, err := tx.LinksAsOf(ctx, reportline.Managers, []reportline.UserID{u.ID}, at)
				if err != nil {
					t.Fatal(err)
				}
				s := ""
				for _, p := range ps {
					s += name[p.ManagerID] + ":" + string(p.Kind) + ":" + string(p.Origin) + " "
				}
				return s
			}
			for _, tc := range []struct {
				at   time.Time
				want string
			}{
				{d(-1), ""},
				{d(5), "ann:line:audit "},
				{d(15), ""},
				{d(25), "ann:functional:audit "},
				{d(35), "ann:functional:audit cy:functional:audit "},
				{d(45), "ann:functional:audit "},
			} {
				if got := managersOf(bob, tc.at); got != tc.want {
					t.Errorf("bob's managers on %s = %q, want %q", tc.at.Format(time.DateOnly), got, tc.want)
				}
			}
			if got := managersOf(cy, d(5)); got != "" {
				t.Errorf("cy's managers on day 5 = %q: the history cannot know a link the audit never recorded", got)
			}
			if got := managersOf(cy, time.Now().Add(time.Hour)); got != "dee:line:migration " {
				t.Errorf("cy's managers now = %q, want dee's link, known since the migration", got)
			}
			start, err := tx.HistoryStart(ctx)
			if err != nil {
				return err
			}
			if start.Before(before.Add(-time.Minute)) || start.After(time.Now().Add(time.Minute)) {
				t.Errorf("HistoryStart = %v, want the migration's time (~%v)", start, before)
			}
			return nil
		})
	})
}
