package refdata_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"reportline"
	"reportline/internal/pgtest"
	"reportline/internal/testapp"
	"reportline/refdata"
	"reportline/store"
)

func TestMain(m *testing.M) { testapp.Main(m) }

// migrated returns a migrated, empty database on the engine, as the store
// and as a raw pool.
func migrated(t *testing.T, engine store.Engine) (*store.DB, *sql.DB) {
	t.Helper()
	ctx := context.Background()
	url, dir := "", t.TempDir()
	if engine == store.Postgres {
		url = pgtest.New(t)
	}
	db, err := store.Open(ctx, url, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	raw, err := refdata.OpenDB(ctx, url, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return db, raw
}

func TestLoad(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		t.Parallel() // each engine has its own database; they share nothing
		ctx := context.Background()
		db, raw := migrated(t, engine)
		o := generate(t, 2000, 5)
		var progress []string
		err := refdata.Load(ctx, raw, o, refdata.LoadOptions{Progress: func(table string, done, total int) {
			if done == total {
				progress = append(progress, table)
			}
		}})
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"users", "links"}; !slices.Equal(progress, want) {
			t.Errorf("progress ended tables %v, want %v", progress, want)
		}

		err = db.Read(ctx, func(tx *store.Tx) error {
			_, total, err := tx.FindUsers(ctx, reportline.UserFilter{})
			if err != nil {
				return err
			}
			if total != o.Size() {
				t.Errorf("%d users stored, want %d", total, o.Size())
			}
			links, err := tx.Links(ctx, reportline.LinkFilter{})
			if err != nil {
				return err
			}
			if len(links) != len(o.Pairs()) {
				t.Errorf("%d links stored, want %d", len(links), len(o.Pairs()))
			}
			for _, l := range links[:10] {
				if l.Kind != reportline.Line || l.Source != reportline.SourceCSV || !l.CreatedAt.Equal(refdata.DefaultEpoch) {
					t.Errorf("link %+v: want kind line, source csv, created at %v", l, refdata.DefaultEpoch)
				}
			}
			deep := o.Level(refdata.Levels - 1)[3]
			u, err := tx.User(ctx, deep)
			if err != nil {
				return err
			}
			if want := o.User(deep); u.Email != want.Email || u.ExternalUID != want.ExternalUID || u.Status != want.Status || u.LastName != want.LastName {
				t.Errorf("user %d = %+v, want %+v", deep, u, want)
			}
			// The link history starts at the load: as of then the deep
			// user has their generated managers, before it nobody.
			for _, tc := range []struct {
				at   time.Time
				want int
			}{{refdata.DefaultEpoch, len(o.Managers(deep))}, {refdata.DefaultEpoch.Add(-time.Second), 0}} {
				ps, err := tx.LinksAsOf(ctx, reportline.Managers, []reportline.UserID{deep}, tc.at)
				if err != nil {
					return err
				}
				if len(ps) != tc.want {
					t.Errorf("user %d's managers as of %v = %d, want %d", deep, tc.at, len(ps), tc.want)
				}
			}
			// The loaded graph is the generated one: the root is above every
			// bottom user, so linking it below one closes a cycle.
			cycle, err := reportline.FindCycle(ctx, deep, o.Root(), tx.LineManagers)
			if err != nil {
				return err
			}
			if len(cycle) < 3 || cycle[0] != o.Root() || cycle[len(cycle)-1] != o.Root() || cycle[len(cycle)-2] != deep {
				t.Fatalf("FindCycle(%d → root) = %v, want root → … → %d → root", deep, cycle, deep)
			}
			for i := 0; i+2 < len(cycle); i++ {
				if !slices.Contains(o.Managers(cycle[i+1]), cycle[i]) {
					t.Errorf("cycle %v: %d does not manage %d", cycle, cycle[i], cycle[i+1])
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}

		// Ids were given explicitly; the next user must still get a free one.
		err = db.Write(ctx, func(tx *store.Tx) error {
			u := reportline.User{Email: "after.load@example.com", Status: reportline.StatusActive}
			if err := tx.CreateUser(ctx, &u); err != nil {
				return err
			}
			if int(u.ID) <= o.Size() {
				t.Errorf("new user got id %d, inside the loaded range 1..%d", u.ID, o.Size())
			}
			return nil
		})
		if err != nil {
			t.Fatalf("create a user after the load: %v", err)
		}

		err = refdata.Load(ctx, raw, o, refdata.LoadOptions{})
		if err == nil || !strings.Contains(err.Error(), "already has users") {
			t.Errorf("second load: %v, want a refusal", err)
		}
	})
}

// TestLoadCopies loads one org into three tenants in one pass: each tenant
// holds the whole org under its own ids, and a user created afterwards
// gets an id past every copy.
func TestLoadCopies(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		t.Parallel()
		ctx := context.Background()
		db, raw := migrated(t, engine)
		o := generate(t, 300, 7)
		copies := []refdata.Copy{{Tenant: 0, IDBase: 0}}
		for k, slug := range []string{"second", "third"} {
			id, err := db.CreateTenant(ctx, slug)
			if err != nil {
				t.Fatal(err)
			}
			copies = append(copies, refdata.Copy{Tenant: int64(id), IDBase: int64(k+1) * 1000})
		}
		if err := refdata.LoadCopies(ctx, raw, o, copies, refdata.LoadOptions{Quick: true}); err != nil {
			t.Fatal(err)
		}
		for _, c := range copies {
			tenant := c.Tenant
			if tenant == 0 {
				tenant = int64(reportline.ImplicitTenant)
			}
			for _, tc := range []struct {
				table string
				want  int
			}{{"users", o.Size()}, {"links", len(o.Pairs())}, {"link_history", len(o.Pairs())}} {
				var n int
				if err := raw.QueryRowContext(ctx, "SELECT count(*) FROM "+tc.table+" WHERE tenant_id = "+fmt.Sprint(tenant)).Scan(&n); err != nil {
					t.Fatal(err)
				}
				if n != tc.want {
					t.Errorf("tenant %d: %d rows in %s, want %d", tenant, n, tc.table, tc.want)
				}
			}
			// The copy's user n is IDBase+n, with the generated email.
			deep := o.Level(refdata.Levels - 1)[2]
			var email string
			if err := raw.QueryRowContext(ctx, rebind(engine, "SELECT email FROM users WHERE tenant_id = $1 AND id = $2"), tenant, c.IDBase+int64(deep)).Scan(&email); err != nil {
				t.Fatalf("tenant %d, user %d: %v", tenant, c.IDBase+int64(deep), err)
			}
			if want := o.User(deep).Email; email != want {
				t.Errorf("tenant %d, user %d: email %q, want %q", tenant, c.IDBase+int64(deep), email, want)
			}
		}
		err := db.Write(ctx, func(tx *store.Tx) error {
			u := reportline.User{Email: "after.copies@example.com", Status: reportline.StatusActive}
			if err := tx.CreateUser(ctx, &u); err != nil {
				return err
			}
			if last := copies[len(copies)-1].IDBase + int64(o.Size()); int64(u.ID) <= last {
				t.Errorf("new user got id %d, inside the loaded ids (up to %d)", u.ID, last)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("create a user after the load: %v", err)
		}
		if err := refdata.LoadCopies(ctx, raw, o, copies[1:2], refdata.LoadOptions{}); err == nil || !strings.Contains(err.Error(), "already has users") {
			t.Errorf("second load into a loaded tenant: %v, want a refusal", err)
		}
	})
}

// rebind writes PostgreSQL's $n placeholders as SQLite's ?.
func rebind(engine store.Engine, q string) string {
	if engine == store.SQLite {
		return strings.ReplaceAll(q, "$", "?")
	}
	return q
}
