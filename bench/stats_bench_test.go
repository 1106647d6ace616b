package bench_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/bench"
	"reportline/refdata"
	"reportline/store"
)

// The statistics benchmarks: BENCHMARKS.md Q2 (all indirect reports) and
// the statistics of a manager's team (issue 5: "the statistics page for a
// manager with ~1,000 reports").

// belowSQL is Q2's floor: every user below $1 through line links, by the
// plain recursive query (no dates, statuses or matrix), counted. The
// recursive step joins in a fixed order (CROSS JOIN, which SQLite keeps):
// the row reached, then its links by (tenant, manager). With the tenant
// leading every index, SQLite otherwise chose to scan the tenant's links
// for every row reached, and the root's subtree at 10k ran for minutes.
const belowSQL = `WITH RECURSIVE down(id) AS (
	SELECT managee_id FROM links WHERE tenant_id = 1 AND manager_id = $1 AND kind = 'line'
	UNION
	SELECT l.managee_id FROM down CROSS JOIN links l WHERE l.tenant_id = 1 AND l.manager_id = down.id AND l.kind = 'line'
)
SELECT COUNT(*) FROM down`

// teamRecordsSQL is the team statistics' floor: the same walk, and every
// learning record of the people it reaches (IN, not a join: SQLite would
// otherwise scan every record and probe the walk).
const teamRecordsSQL = `WITH RECURSIVE down(id) AS (
	SELECT managee_id FROM links WHERE tenant_id = 1 AND manager_id = $1 AND kind = 'line'
	UNION
	SELECT l.managee_id FROM down CROSS JOIN links l WHERE l.tenant_id = 1 AND l.manager_id = down.id AND l.kind = 'line'
)
SELECT r.user_id, r.status, r.progress, r.due_at, r.completed_at, r.last_activity_at
FROM learning_records r WHERE r.tenant_id = 1 AND r.user_id IN (SELECT id FROM down)`

// reportsOf is what a walk down from m reaches, over every user (the
// floor's count) and through active users only (the product's).
type reportsOf struct {
	manager     reportline.UserID
	all, active int
}

// childrenOf indexes the organisation's links by manager.
func childrenOf(o *refdata.Org) map[reportline.UserID][]reportline.UserID {
	out := map[reportline.UserID][]reportline.UserID{}
	for id := 1; id <= o.Size(); id++ {
		for _, m := range o.Managers(reportline.UserID(id)) {
			out[m] = append(out[m], reportline.UserID(id))
		}
	}
	return out
}

// countReports walks down from m breadth first, as the product does.
func countReports(o *refdata.Org, children map[reportline.UserID][]reportline.UserID, m reportline.UserID) reportsOf {
	r := reportsOf{manager: m}
	seen := map[reportline.UserID]bool{m: true}
	frontier := []reportline.UserID{m}
	for len(frontier) > 0 {
		var next []reportline.UserID
		for _, u := range frontier {
			for _, c := range children[u] {
				if !seen[c] {
					seen[c] = true
					next = append(next, c)
				}
			}
		}
		frontier = next
	}
	r.all = len(seen) - 1
	// Through active users only: inactive users are not reached, nor is
	// anyone only below them.
	seen = map[reportline.UserID]bool{m: true}
	frontier = []reportline.UserID{m}
	for len(frontier) > 0 {
		var next []reportline.UserID
		for _, u := range frontier {
			for _, c := range children[u] {
				if !seen[c] && o.Active(c) {
					seen[c] = true
					next = append(next, c)
				}
			}
		}
		frontier = next
	}
	r.active = len(seen) - 1
	return r
}

// managerWithAbout returns the active manager whose subtree is closest to
// n people, among the levels whose subtrees are of that order.
func managerWithAbout(o *refdata.Org, children map[reportline.UserID][]reportline.UserID, n int) reportsOf {
	best := reportsOf{}
	for l := 1; l < refdata.Levels-1; l++ {
		for i, m := range o.Level(l) {
			if i == 64 { // a sample of each level is enough
				break
			}
			if !o.Active(m) {
				continue
			}
			r := countReports(o, children, m)
			if best.manager == 0 || abs(r.active-n) < abs(best.active-n) {
				best = r
			}
		}
	}
	return best
}

// activeChild returns an active direct report of m.
func activeChild(o *refdata.Org, children map[reportline.UserID][]reportline.UserID, m reportline.UserID) reportline.UserID {
	for _, c := range children[m] {
		if o.Active(c) {
			return c
		}
	}
	return 0
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// BenchmarkQ2IndirectReports is BENCHMARKS.md Q2: all indirect reports of
// the top manager, and of a manager with about 1,000 reports. Two ways, one
// sequential client each, in the same run:
//
//   - floor: belowSQL, the raw recursive query, counting;
//   - walk: app.SearchResources (view_reports), the access search's listing
//     of everybody below a manager (line links in effect through active
//     users, each user once), first page of 1,000 (500, the most a page
//     holds) with the total: from the index in memory, warmed first as a
//     server does, since it is current in the search's transaction (the
//     database walk, one query per level and per 500 users, when not);
//   - team: app.Team (scope all) for the manager: the same walk (from the
//     index too), the members (the 2,000 nearest at most) and a
//     statistics view logged for each; no learning records here.
//
// Every answer's count is checked against the organisation.
func BenchmarkQ2IndirectReports(b *testing.B) {
	engines(b, func(b *testing.B, engine store.Engine) {
		ctx := context.Background()
		f := newFixture(b, engine, benchConfig(b))
		// As a server does at start (serve.go): the walk and My team read
		// the index when it is current in their transaction.
		start := time.Now()
		links, err := f.app.WarmGraphIndex(ctx)
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("%s: index of %d links built in %v", engine, links, time.Since(start).Round(time.Millisecond))
		children := childrenOf(f.org)
		cases := []struct {
			name string
			r    reportsOf
		}{
			{"top", countReports(f.org, children, f.org.Root())},
			{"about-1000", managerWithAbout(f.org, children, 1000)},
		}
		stmt, err := f.raw.PrepareContext(ctx, rebind(engine, belowSQL))
		if err != nil {
			b.Fatal(err)
		}
		defer stmt.Close()
		for _, c := range cases {
			b.Run(c.name, func(b *testing.B) {
				b.Logf("manager %d: %d reports, %d through active users", c.r.manager, c.r.all, c.r.active)
				ops := []struct {
					name string
					op   bench.Op
				}{
					{"floor", func(ctx context.Context, _ int) error { return floorQ2(ctx, stmt, c.r) }},
					{"walk", func(ctx context.Context, _ int) error { return walkQ2(ctx, f.app, c.r) }},
					{"team", func(ctx context.Context, _ int) error { return teamQ2(ctx, f, c.r) }},
				}
				for _, o := range ops {
					b.Run(o.name, func(b *testing.B) { measureQ3(b, o.op) })
				}
			})
		}
	})
}

func floorQ2(ctx context.Context, stmt *sql.Stmt, r reportsOf) error {
	var n int
	if err := stmt.QueryRowContext(ctx, r.manager).Scan(&n); err != nil {
		return err
	}
	if n != r.all {
		return fmt.Errorf("reports of %d: %d, want %d", r.manager, n, r.all)
	}
	return nil
}

func walkQ2(ctx context.Context, a *app.App, r reportsOf) error {
	res, err := a.SearchResources(ctx, pdp, r.manager, reportline.ViewReports, time.Time{}, app.SearchPage{Limit: 1000})
	if err != nil {
		return err
	}
	// The search counts the manager themself (everyone sees their own).
	if res.Total != r.active+1 {
		return fmt.Errorf("reports of %d: %d, want %d and the manager", r.manager, res.Total, r.active)
	}
	return nil
}

// teamQ2 is My team, scope all, for the manager: one recursive query down
// (teamSubtree in import mode), the members (the 2,000 nearest at most),
// and a statistics view logged for each (this fixture has no records).
func teamQ2(ctx context.Context, f *fixture, r reportsOf) error {
	u := f.org.User(r.manager)
	u.ID = r.manager
	tv, err := f.app.Team(ctx, app.UserActor(u, reportline.SourceAPI), app.TeamAll)
	if err != nil {
		return err
	}
	if tv.Reporting != r.active {
		return fmt.Errorf("team of %d: %d people, want %d", r.manager, tv.Reporting, r.active)
	}
	return nil
}

// statsRecordsPerUser is the reference data set's "~20 learning records per
// user" over "~50 courses".
const (
	statsRecordsPerUser = 20
	statsCourses        = 50
)

// loadTeamRecords gives every user below m statsRecordsPerUser records on
// the statsCourses courses (half of them limited to a group the manager is
// not in), in one transaction of prepared inserts, untimed. It returns how
// many records it wrote.
func loadTeamRecords(ctx context.Context, f *fixture, children map[reportline.UserID][]reportline.UserID, m reportline.UserID) (int, error) {
	var users []reportline.UserID
	seen := map[reportline.UserID]bool{m: true}
	frontier := []reportline.UserID{m}
	for len(frontier) > 0 {
		var next []reportline.UserID
		for _, u := range frontier {
			for _, c := range children[u] {
				if !seen[c] {
					seen[c] = true
					next = append(next, c)
					users = append(users, c)
				}
			}
		}
		frontier = next
	}
	now := time.Now()
	tx, err := f.raw.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	var group int64
	// Written raw, into the implicit tenant (id 1), where the store's
	// db.Read and db.Write run.
	if err := tx.QueryRowContext(ctx, rebind(f.engine, `INSERT INTO groups (tenant_id, name) VALUES (1, 'Bench course group') RETURNING id`)).Scan(&group); err != nil {
		return 0, err
	}
	for c := 1; c <= statsCourses; c++ {
		var id int64
		if err := tx.QueryRowContext(ctx, rebind(f.engine, `INSERT INTO courses (tenant_id, lms_id, title, updated_at) VALUES (1, $1, $2, $3) RETURNING id`),
			fmt.Sprintf("BENCH-%02d", c), fmt.Sprintf("Course %02d", c), now.UnixMicro()).Scan(&id); err != nil {
			return 0, err
		}
		if c%2 == 0 {
			if _, err := tx.ExecContext(ctx, rebind(f.engine, `INSERT INTO course_groups (tenant_id, course_id, group_id) VALUES (1, $1, $2)`), id, group); err != nil {
				return 0, err
			}
		}
	}
	ins, err := tx.PrepareContext(ctx, rebind(f.engine, `INSERT INTO learning_records (tenant_id, lms_id, user_id, course_id, status, progress,
		time_spent_seconds, due_at, completed_at, last_activity_at, updated_at)
		VALUES (1, $1, $2, (SELECT id FROM courses WHERE lms_id = $3), $4, $5, $6, $7, $8, $9, $10)`))
	if err != nil {
		return 0, err
	}
	defer ins.Close()
	statuses := []reportline.LearningStatus{reportline.Completed, reportline.InProgress, reportline.NotStarted, reportline.Failed}
	n := 0
	for _, u := range users {
		for k := range statsRecordsPerUser {
			course := (int(u)*7+k*3)%statsCourses + 1
			st := statuses[(int(u)+k)%len(statuses)]
			progress := (int(u)*13 + k*29) % 101
			due := now.Add(time.Duration((int(u)+k)%60-30) * 24 * time.Hour).UnixMicro()
			var completed sql.NullInt64
			if st == reportline.Completed {
				progress, completed = 100, sql.NullInt64{Int64: now.Add(-time.Duration(k) * 24 * time.Hour).UnixMicro(), Valid: true}
			}
			if _, err := ins.ExecContext(ctx, fmt.Sprintf("B-%d-%d", u, k), u, fmt.Sprintf("BENCH-%02d", course), st, progress,
				k*60, due, completed, now.Add(-time.Duration(k)*time.Hour).UnixMicro(), now.UnixMicro()); err != nil {
				return 0, err
			}
			n++
		}
	}
	return n, tx.Commit()
}

// BenchmarkStatsTeam is the statistics of a manager with about 1,000
// reports (every one of them with 20 records on 50 courses, half of the
// courses closed to the manager): My team, scope "all", the page's data.
// In the same run:
//
//   - floor: teamRecordsSQL, the raw recursive walk joined to the records,
//     every row read;
//   - app: app.Team in-process: the walk (line links in effect, active
//     users), the members, their records, the matrix and scopes, the
//     totals, and one statistics view logged per member (the write
//     transaction that SPEC §3's "every view is logged" costs);
//   - http: GET /api/v1/me/team?scope=all over the real server with the
//     manager's token, JSON encoded;
//   - user: app.Statistics of one of the reports, by the manager (the
//     transitive access check, the records, the view logged).
//
// Every answer is checked for the number of members or records.
func BenchmarkStatsTeam(b *testing.B) {
	engines(b, func(b *testing.B, engine store.Engine) {
		ctx := context.Background()
		f := newFixture(b, engine, benchConfig(b))
		children := childrenOf(f.org)
		r := managerWithAbout(f.org, children, 1000)
		records, err := loadTeamRecords(ctx, f, children, r.manager)
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("manager %d: %d reports (%d active), %d records", r.manager, r.all, r.active, records)
		stmt, err := f.raw.PrepareContext(ctx, rebind(engine, teamRecordsSQL))
		if err != nil {
			b.Fatal(err)
		}
		defer stmt.Close()
		url, _, _ := serve(b, f)
		manager := f.org.User(r.manager)
		manager.ID = r.manager
		if err := f.app.SetPassword(ctx, app.SystemActor(reportline.SourceCLI), r.manager, "bench manager password"); err != nil {
			b.Fatal(err)
		}
		token, err := f.app.CreateToken(ctx, app.SystemActor(reportline.SourceCLI), f.org.Email(r.manager), "bench")
		if err != nil {
			b.Fatal(err)
		}
		actor := app.UserActor(manager, reportline.SourceAPI)
		report := activeChild(f.org, children, r.manager)
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
		defer client.CloseIdleConnections()
		ops := []struct {
			name string
			op   bench.Op
		}{
			{"floor", func(ctx context.Context, _ int) error { return floorTeam(ctx, stmt, r.manager, records) }},
			{"app", func(ctx context.Context, _ int) error { return appTeam(ctx, f.app, actor, r) }},
			{"http", func(ctx context.Context, _ int) error { return httpTeam(ctx, client, url, token, r) }},
			{"user", func(ctx context.Context, _ int) error { return appUserStats(ctx, f.app, actor, report) }},
		}
		for _, o := range ops {
			b.Run(o.name, func(b *testing.B) { measureQ3(b, o.op) })
		}
	})
}

func floorTeam(ctx context.Context, stmt *sql.Stmt, m reportline.UserID, want int) error {
	rows, err := stmt.QueryContext(ctx, m)
	if err != nil {
		return err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var user, progress int64
		var status string
		var due, completed, last sql.NullInt64
		if err := rows.Scan(&user, &status, &progress, &due, &completed, &last); err != nil {
			return err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if n != want {
		return fmt.Errorf("records below %d: %d, want %d", m, n, want)
	}
	return nil
}

func appTeam(ctx context.Context, a *app.App, actor app.Actor, r reportsOf) error {
	tv, err := a.Team(ctx, actor, app.TeamAll)
	if err != nil {
		return err
	}
	if tv.Reporting != r.active || tv.Totals.Records == 0 {
		return fmt.Errorf("team of %d: %d people, %d records; want %d people", r.manager, tv.Reporting, tv.Totals.Records, r.active)
	}
	return nil
}

func httpTeam(ctx context.Context, client *http.Client, url, token string, r reportsOf) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/api/v1/me/team?scope=all", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("my team: %s: %.200s", res.Status, raw)
	}
	var out struct {
		Reporting int `json:"reporting"`
	}
	if err := json.Unmarshal(raw, &out); err != nil || out.Reporting != r.active {
		return fmt.Errorf("my team: %d people (%v), want %d", out.Reporting, err, r.active)
	}
	return nil
}

func appUserStats(ctx context.Context, a *app.App, actor app.Actor, report reportline.UserID) error {
	st, err := a.Statistics(ctx, actor, report)
	if err != nil {
		return err
	}
	if len(st.Records) != statsRecordsPerUser {
		return fmt.Errorf("statistics of %d: %d records, want %d", report, len(st.Records), statsRecordsPerUser)
	}
	return nil
}

// TestStatsBenchmarkCases runs the statistics benchmarks' operations once
// on a small organisation, so that a wrong expectation fails here.
func TestStatsBenchmarkCases(t *testing.T) {
	engines(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		f := newFixture(t, engine, refdata.Config{Users: testUsers, Seed: 1})
		children := childrenOf(f.org)
		r := managerWithAbout(f.org, children, 100)
		top := countReports(f.org, children, f.org.Root())
		stmt, err := f.raw.PrepareContext(ctx, rebind(engine, belowSQL))
		if err != nil {
			t.Fatal(err)
		}
		defer stmt.Close()
		for _, c := range []reportsOf{top, r} {
			if err := floorQ2(ctx, stmt, c); err != nil {
				t.Error(err)
			}
			if err := walkQ2(ctx, f.app, c); err != nil {
				t.Error(err)
			}
			if err := teamQ2(ctx, f, c); err != nil {
				t.Error(err)
			}
		}
		records, err := loadTeamRecords(ctx, f, children, r.manager)
		if err != nil {
			t.Fatal(err)
		}
		team, err := f.raw.PrepareContext(ctx, rebind(engine, teamRecordsSQL))
		if err != nil {
			t.Fatal(err)
		}
		defer team.Close()
		if err := floorTeam(ctx, team, r.manager, records); err != nil {
			t.Error(err)
		}
		manager := f.org.User(r.manager)
		manager.ID = r.manager
		actor := app.UserActor(manager, reportline.SourceAPI)
		if err := appTeam(ctx, f.app, actor, r); err != nil {
			t.Error(err)
		}
		if err := appUserStats(ctx, f.app, actor, activeChild(f.org, children, r.manager)); err != nil {
			t.Error(err)
		}
	})
}
