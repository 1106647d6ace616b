package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"reportline"
	"reportline/refdata"
)

// TestHotReadPlans checks SQLite's query plans of the hot read statements
// on a loaded organisation (refdata, a few thousand users and links), with
// no statistics (as the store runs: it never runs ANALYZE) and after
// ANALYZE (a deployment whose operator ran it). Since migration 0018 every
// key leads with tenant_id, and SQLite's planner may pick an index by that
// prefix alone: a lookup that reads a whole tenant's rows. The test runs the
// store's own methods, collects the statements they sent (the bind cache,
// emptied first: the test is not parallel, so nothing else binds meanwhile),
// and fails when a plan scans a table or searches an index by tenant alone.
func TestHotReadPlans(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	raw, err := refdata.OpenDB(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	o, err := refdata.Generate(refdata.Config{Users: 3000, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if err := refdata.Load(ctx, raw, o, refdata.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, stats := range []bool{false, true} {
		if stats {
			if _, err := raw.ExecContext(ctx, "ANALYZE"); err != nil {
				t.Fatal(err)
			}
		}
		t.Run(map[bool]string{false: "no statistics", true: "analyzed"}[stats], func(t *testing.T) {
			bindCache[1].Clear()
			hotReads(t, db, o)
			var stmts []string
			bindCache[1].Range(func(_, v any) bool {
				stmts = append(stmts, v.(boundQuery).q)
				return true
			})
			slices.Sort(stmts)
			if len(stmts) < 15 {
				t.Fatalf("%d statements collected, want the hot reads'", len(stmts))
			}
			for _, q := range stmts {
				for _, bad := range badPlanSteps(t, raw, q) {
					t.Errorf("plan step %q of\n%s", bad, q)
				}
			}
		})
	}
}

// hotReads calls the store's hot read methods on users of o.
func hotReads(t *testing.T, db *DB, o *refdata.Org) {
	ctx := context.Background()
	mid := o.Sample(3, 3, 3)
	leaf := o.Sample(4, 1, refdata.Levels-1)[0]
	u := mid[0]
	err := db.Read(ctx, func(tx *Tx) error {
		var errs []error
		add := func(err error) { errs = append(errs, err) }
		_, err := tx.LinksOfManagees(ctx, mid[:1])
		add(err)
		_, err = tx.LinksOfManagees(ctx, mid)
		add(err)
		_, err = tx.LinksOfManagers(ctx, mid[:1])
		add(err)
		_, err = tx.LinksOfManagers(ctx, mid)
		add(err)
		_, err = tx.LineManagers(ctx, mid)
		add(err)
		_, err = tx.Links(ctx, reportline.LinkFilter{ManagerID: u})
		add(err)
		_, err = tx.Links(ctx, reportline.LinkFilter{ManageeID: u})
		add(err)
		_, err = tx.Links(ctx, reportline.LinkFilter{ManageeID: u, Kind: reportline.Line})
		add(err)
		if _, err = tx.Link(ctx, reportline.Pair{ManagerID: o.LineManager(u), ManageeID: u}); err != nil {
			add(err)
		}
		_, err = tx.LinkedUsers(ctx, u, reportline.Managers)
		add(err)
		_, err = tx.LinkedUsers(ctx, u, reportline.Managees)
		add(err)
		_, _, err = tx.LineAncestry(ctx, leaf)
		add(err)
		_, _, _, err = tx.AccessFacts(ctx, [2]reportline.UserID{u, leaf}, leaf)
		add(err)
		_, _, err = tx.LineSubtree(ctx, u)
		add(err)
		user, err := tx.User(ctx, u)
		add(err)
		_, err = tx.UserByEmail(ctx, user.Email)
		add(err)
		_, err = tx.UsersByIDs(ctx, mid)
		add(err)
		_, err = tx.UserStatuses(ctx, mid)
		add(err)
		_, err = tx.Memberships(ctx, reportline.MembershipFilter{UserIDs: mid[:1]})
		add(err)
		_, err = tx.Memberships(ctx, reportline.MembershipFilter{GroupIDs: []reportline.GroupID{1}})
		add(err)
		_, err = tx.GroupAdmins(ctx, []reportline.GroupID{1, 2})
		add(err)
		if _, err = tx.TokenByHash(ctx, []byte("no such token")); !reportline.IsCode(err, reportline.NotFound) {
			add(err)
		}
		if _, _, err = tx.TokenUser(ctx, []byte("no such token")); !reportline.IsCode(err, reportline.NotFound) {
			add(err)
		}
		if _, err = tx.SessionByHash(ctx, []byte("no such session")); !reportline.IsCode(err, reportline.NotFound) {
			add(err)
		}
		_, err = tx.GraphVersion(ctx)
		add(err)
		_, err = tx.LearningRecordsOf(ctx, mid)
		add(err)
		_, err = tx.StatisticsViews(ctx, reportline.StatisticsViewFilter{UserID: u, Limit: 20})
		add(err)
		_, err = tx.StatisticsViews(ctx, reportline.StatisticsViewFilter{ViewerID: u, Limit: 20})
		add(err)
		_, err = tx.LinksAsOf(ctx, reportline.Managers, mid, time.Now())
		add(err)
		_, err = tx.LinksAsOf(ctx, reportline.Managees, mid, time.Now())
		add(err)
		_, err = tx.ManagersWithLineManagees(ctx, mid, time.Now())
		add(err)
		for _, e := range errs {
			if e != nil && !reportline.IsCode(e, reportline.NotFound) {
				return e
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// bigTables are the tables that grow with the organisation: a plan may
// not scan them, nor search them by tenant alone.
var bigTables = []string{"users", "links", "link_history", "memberships", "learning_records", "audit_log",
	"statistics_views", "api_tokens", "sessions", "change_log", "directory_identities"}

var (
	placeholderRE = regexp.MustCompile(`\?(\d+)`)
	aliasRE       = regexp.MustCompile(`(?i)\b(?:FROM|JOIN)\s+(\w+)(?:\s+(?:AS\s+)?(\w+))?`)
	stepRE        = regexp.MustCompile(`^(SCAN|SEARCH) (\w+)(.*)$`)
)

// badPlanSteps returns the steps of q's SQLite plan that scan a big table
// or search one by tenant_id alone.
func badPlanSteps(t *testing.T, raw *sql.DB, q string) []string {
	t.Helper()
	n := 0
	for _, m := range placeholderRE.FindAllStringSubmatch(q, -1) {
		k, _ := strconv.Atoi(m[1])
		n = max(n, k)
	}
	args := make([]any, n)
	for i := range args {
		args[i] = int64(1)
	}
	// The names the statement gives the big tables.
	names := map[string]string{}
	for _, m := range aliasRE.FindAllStringSubmatch(q, -1) {
		if !slices.Contains(bigTables, m[1]) {
			continue
		}
		names[m[1]] = m[1]
		if a := m[2]; a != "" && !slices.Contains([]string{"WHERE", "ON", "JOIN", "CROSS", "INDEXED", "LEFT", "ORDER", "GROUP", "USING"}, strings.ToUpper(a)) {
			names[a] = m[1]
		}
	}
	rows, err := raw.Query("EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatalf("explain %s: %v", q, err)
	}
	defer rows.Close()
	var bad []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		m := stepRE.FindStringSubmatch(detail)
		if m == nil {
			continue
		}
		if _, big := names[m[2]]; !big {
			continue // a CTE, a subquery, a small table
		}
		if m[1] == "SCAN" || strings.HasSuffix(m[3], "(tenant_id=?)") {
			bad = append(bad, detail)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if testing.Verbose() {
		t.Log(fmt.Sprintf("%d bad steps: %s", len(bad), strings.Join(strings.Fields(q), " ")))
	}
	return bad
}

// BenchmarkHotReads times, on SQLite with no statistics (as the store
// runs), the hot reads whose plans TestHotReadPlans checks, on a refdata
// organisation of REPORTLINE_BENCH_USERS users (10,000 when unset), each
// call for a different mid-level user.
func BenchmarkHotReads(b *testing.B) {
	ctx := context.Background()
	users := 10_000
	if v, err := strconv.Atoi(os.Getenv("REPORTLINE_BENCH_USERS")); err == nil && v > 0 {
		users = v
	}
	dir := b.TempDir()
	db, err := Open(ctx, "", dir)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	raw, err := refdata.OpenDB(ctx, "", dir)
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	o, err := refdata.Generate(refdata.Config{Users: users, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	if err := refdata.Load(ctx, raw, o, refdata.LoadOptions{}); err != nil {
		b.Fatal(err)
	}
	ids := o.Sample(5, 256, 3, 4, 5)
	now := time.Now()
	for _, c := range []struct {
		name string
		read func(tx *Tx, u reportline.UserID) error
	}{
		{"LinksOfManagees", func(tx *Tx, u reportline.UserID) error {
			_, err := tx.LinksOfManagees(ctx, []reportline.UserID{u})
			return err
		}},
		{"LinksOfManagers", func(tx *Tx, u reportline.UserID) error {
			_, err := tx.LinksOfManagers(ctx, []reportline.UserID{u})
			return err
		}},
		{"LineManagers", func(tx *Tx, u reportline.UserID) error {
			_, err := tx.LineManagers(ctx, []reportline.UserID{u, u + 1, u + 2})
			return err
		}},
		{"LinkedUsersManagers", func(tx *Tx, u reportline.UserID) error {
			_, err := tx.LinkedUsers(ctx, u, reportline.Managers)
			return err
		}},
		{"LinksByManagee", func(tx *Tx, u reportline.UserID) error {
			_, err := tx.Links(ctx, reportline.LinkFilter{ManageeID: u})
			return err
		}},
		{"UserStatuses", func(tx *Tx, u reportline.UserID) error {
			_, err := tx.UserStatuses(ctx, []reportline.UserID{u, u + 1, u + 2})
			return err
		}},
		{"ManagersWithLineManagees", func(tx *Tx, u reportline.UserID) error {
			_, err := tx.ManagersWithLineManagees(ctx, []reportline.UserID{u, u + 1, u + 2}, now)
			return err
		}},
		{"LinksAsOfManagers", func(tx *Tx, u reportline.UserID) error {
			_, err := tx.LinksAsOf(ctx, reportline.Managers, []reportline.UserID{u}, now)
			return err
		}},
		{"MembershipsOfUser", func(tx *Tx, u reportline.UserID) error {
			_, err := tx.Memberships(ctx, reportline.MembershipFilter{UserIDs: []reportline.UserID{u}})
			return err
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			err := db.Read(ctx, func(tx *Tx) error {
				i := 0
				for b.Loop() {
					if err := c.read(tx, ids[i%len(ids)]); err != nil {
						return err
					}
					i++
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		})
	}
}
