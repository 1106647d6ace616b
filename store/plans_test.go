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
	"reportline/internal/pgtest"
	"reportline/refdata"
)

// TestHotReadPlans checks the query plans of the hot read statements on a
// loaded organisation (refdata, a few thousand users and links). SQLite's
// are checked with no statistics (as the store runs: it never runs
// ANALYZE) and after ANALYZE (a deployment whose operator ran it);
// PostgreSQL's after VACUUM ANALYZE (what autovacuum reaches), as generic
// plans (what a prepared statement ends up with). Since migration 0018
// every key leads with tenant_id, and a planner may pick an index by that
// prefix alone: a lookup that reads a whole tenant's rows. The test runs
// the store's own methods, collects the statements they sent (the bind
// cache, emptied first: the test is not parallel, so nothing else binds
// meanwhile), and fails when a plan scans a big table or searches one by
// tenant alone.
func TestHotReadPlans(t *testing.T) {
	for _, engine := range []Engine{SQLite, Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			ctx := context.Background()
			url, dir := "", t.TempDir()
			if engine == Postgres {
				url = pgtest.New(t)
			}
			db, err := Open(ctx, url, dir)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			raw, err := refdata.OpenDB(ctx, url, dir)
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
			cache, explain := &bindCache[0], badPostgresSteps
			if engine == SQLite {
				cache, explain = &bindCache[1], badSQLiteSteps
			}
			check := func(t *testing.T) {
				cache.Clear()
				hotReads(t, db, o)
				var stmts []string
				cache.Range(func(_, v any) bool {
					stmts = append(stmts, v.(boundQuery).q)
					return true
				})
				slices.Sort(stmts)
				if len(stmts) < 15 {
					t.Fatalf("%d statements collected, want the hot reads'", len(stmts))
				}
				for _, q := range stmts {
					if engine == Postgres && strings.HasPrefix(q, "WITH RECURSIVE sub(") {
						// LineSubtree: PostgreSQL hashes the whole links
						// and users tables at each level of the walk down.
						// Measured at 10,000 users (BenchmarkHotReads), that
						// is faster (9–12 ms for a mid-level manager) than
						// index lookups forced by a LATERAL subquery with
						// OFFSET 0 (17–23 ms): a subtree reaches many rows.
						continue
					}
					for _, bad := range explain(t, raw, q) {
						t.Errorf("plan step %q of\n%s", bad, q)
					}
				}
			}
			if engine == Postgres {
				check(t)
				return
			}
			t.Run("no statistics", check)
			if _, err := raw.ExecContext(ctx, "ANALYZE"); err != nil {
				t.Fatal(err)
			}
			t.Run("analyzed", check)
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
	placeholderRE = regexp.MustCompile(`[?$](\d+)`)
	aliasRE       = regexp.MustCompile(`(?i)\b(?:FROM|JOIN)\s+(\w+)(?:\s+(?:AS\s+)?(\w+))?`)
	stepRE        = regexp.MustCompile(`^(SCAN|SEARCH) (\w+)(.*)$`)
)

// params is how many parameters q has ($N or ?N).
func params(q string) int {
	n := 0
	for _, m := range placeholderRE.FindAllStringSubmatch(q, -1) {
		k, _ := strconv.Atoi(m[1])
		n = max(n, k)
	}
	return n
}

// badPostgresSteps returns the nodes of q's generic PostgreSQL plan that
// scan a big table sequentially or search one by tenant_id alone.
func badPostgresSteps(t *testing.T, raw *sql.DB, q string) []string {
	t.Helper()
	ctx := context.Background()
	conn, err := raw.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	explained++
	name := fmt.Sprintf("hot%d", explained) // its own: pgx caches the EXPLAIN EXECUTE
	defer conn.ExecContext(ctx, "DEALLOCATE "+name)
	for _, s := range []string{"SET plan_cache_mode = force_generic_plan", "PREPARE " + name + " AS " + q} {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	nulls := strings.TrimSuffix(strings.Repeat("NULL, ", params(q)), ", ")
	rows, err := conn.QueryContext(ctx, "EXPLAIN EXECUTE "+name+"("+nulls+")")
	if err != nil {
		t.Fatalf("explain %s: %v", q, err)
	}
	defer rows.Close()
	var bad []string
	big := false // the node above the line reads a big table
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		line = strings.TrimLeft(strings.TrimSpace(line), "-> ")
		if m := pgScanRE.FindStringSubmatch(line); m != nil {
			big = slices.Contains(bigTables, m[2])
			if big && m[1] == "Seq Scan" {
				bad = append(bad, line)
			}
			continue
		}
		if big && pgTenantOnlyRE.MatchString(line) {
			bad = append(bad, line)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return bad
}

// explained counts the statements badPostgresSteps prepared.
var explained int

var (
	pgScanRE       = regexp.MustCompile(`^(Seq Scan|Index Scan|Index Only Scan|Bitmap Heap Scan|Bitmap Index Scan)(?: Backward)?(?: using \w+)? on (\w+)`)
	pgTenantOnlyRE = regexp.MustCompile(`^(Index Cond|Recheck Cond): \((?:\w+\.)?tenant_id = \$1\)$`)
)

// badSQLiteSteps returns the steps of q's SQLite plan that scan a big table
// or search one by tenant_id alone.
func badSQLiteSteps(t *testing.T, raw *sql.DB, q string) []string {
	t.Helper()
	args := make([]any, params(q))
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
	return bad
}

// BenchmarkHotReads times the hot reads whose plans TestHotReadPlans
// checks, on SQLite with no statistics (as the store runs) and on
// PostgreSQL after VACUUM ANALYZE, on a refdata organisation of
// REPORTLINE_BENCH_USERS users (10,000 when unset), each call for a
// different mid-level user.
func BenchmarkHotReads(b *testing.B) {
	for _, engine := range []Engine{SQLite, Postgres} {
		b.Run(string(engine), func(b *testing.B) { benchHotReads(b, engine) })
	}
}

func benchHotReads(b *testing.B, engine Engine) {
	ctx := context.Background()
	users := 10_000
	if v, err := strconv.Atoi(os.Getenv("REPORTLINE_BENCH_USERS")); err == nil && v > 0 {
		users = v
	}
	url, dir := "", b.TempDir()
	if engine == Postgres {
		url = pgtest.New(b)
	}
	db, err := Open(ctx, url, dir)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	raw, err := refdata.OpenDB(ctx, url, dir)
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
		{"LineSubtree", func(tx *Tx, u reportline.UserID) error {
			_, _, err := tx.LineSubtree(ctx, u)
			return err
		}},
		{"LineAncestry", func(tx *Tx, u reportline.UserID) error {
			_, _, err := tx.LineAncestry(ctx, u)
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
