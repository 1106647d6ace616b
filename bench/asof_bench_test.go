package bench_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/bench"
	"reportline/refdata"
	"reportline/store"
)

// The reads of issue 19 over the link history (docs/orgchart.md): the org
// chart's data for a subtree of about 2,000 people, and a manager's team as
// of a date. Each has its floor, the raw query of the same answer on the
// same database in the same run, and the product's answer is checked.

// subtreeAsOfSQL is the floor of a whole subtree as of an instant: one
// recursive query over the history's periods in effect then ($2, in
// microseconds); it counts the people.
const subtreeAsOfSQL = `WITH RECURSIVE down(id) AS (
	SELECT managee_id FROM link_history INDEXED BY link_history_manager
	WHERE tenant_id = 1 AND manager_id = $1 AND effective_from <= $2 AND (effective_to IS NULL OR effective_to > $2)
	UNION
	SELECT h.managee_id FROM down CROSS JOIN link_history h INDEXED BY link_history_manager
	WHERE h.tenant_id = 1 AND h.manager_id = down.id AND h.effective_from <= $2 AND (h.effective_to IS NULL OR h.effective_to > $2)
)
SELECT count(*) FROM down`

// teamAsOfSQL is the floor of a direct team as of an instant: the
// history's periods of the manager in effect then.
const teamAsOfSQL = `SELECT managee_id FROM link_history INDEXED BY link_history_manager
	WHERE tenant_id = 1 AND manager_id = $1 AND effective_from <= $2 AND (effective_to IS NULL OR effective_to > $2)`

// manageesIndex lists each manager's managees, built in one pass
// (refdata.Org.Managees scans every user per call: not for a loop, nor
// inside a timed operation).
func manageesIndex(o *refdata.Org) map[reportline.UserID][]reportline.UserID {
	idx := map[reportline.UserID][]reportline.UserID{}
	for e := 1; e <= o.Size(); e++ {
		for _, m := range o.Managers(reportline.UserID(e)) {
			idx[m] = append(idx[m], reportline.UserID(e))
		}
	}
	return idx
}

// subtreeSize counts the people below m through every link of the org (all
// are line links), each once.
func subtreeSize(idx map[reportline.UserID][]reportline.UserID, m reportline.UserID) int {
	seen := map[reportline.UserID]bool{}
	frontier := []reportline.UserID{m}
	for len(frontier) > 0 {
		var next []reportline.UserID
		for _, u := range frontier {
			for _, e := range idx[u] {
				if !seen[e] && e != m {
					seen[e] = true
					next = append(next, e)
				}
			}
		}
		frontier = next
	}
	return len(seen)
}

// nearSubtree returns the manager whose subtree is closest to n people,
// among the first levels' managers, and its size.
func nearSubtree(o *refdata.Org, n int) (reportline.UserID, int) {
	idx := manageesIndex(o)
	var best reportline.UserID
	bestSize := -1
	for level := 1; level <= 4 && level < refdata.Levels; level++ {
		for i, m := range o.Level(level) {
			if i >= 64 {
				break
			}
			s := subtreeSize(idx, m)
			if bestSize < 0 || abs(s-n) < abs(bestSize-n) {
				best, bestSize = m, s
			}
		}
	}
	return best, bestSize
}

// BenchmarkOrgChartData reads the org chart's data for the manager whose
// subtree is closest to 2,000 people, as of a date after the org's epoch
// (from the link history). Four ways, one sequential client each:
//
//   - floor-subtree: the whole subtree as of then, one recursive query over
//     link_history (ids only: no users, no statuses, no policy);
//   - subtree: app.ListTeamAsOf with scope "all" — the whole subtree (at
//     most 2,000, My team's bound), breadth first, with the users;
//   - chart: app.GetOrgChartTree with every level expanded — what the chart
//     page reads: the focus, its managers and line chain, and breadth first
//     the first 300 people below with their report counts and what the
//     viewer may open (the layout is benchmarked apart, in orgchart/);
//   - chart-today: the same without a date (today's links).
//
// people is the subtree's size (the floor's answer, checked against the
// generator's), drawn how many people the chart drew.
func BenchmarkOrgChartData(b *testing.B) {
	engines(b, func(b *testing.B, engine store.Engine) {
		ctx := context.Background()
		f := newFixture(b, engine, benchConfig(b))
		focus, size := nearSubtree(f.org, 2000)
		at := f.org.Config().Epoch
		if at.IsZero() {
			at = refdata.DefaultEpoch
		}
		at = at.Add(24 * time.Hour)
		stmt, err := f.raw.PrepareContext(ctx, rebind(engine, subtreeAsOfSQL))
		if err != nil {
			b.Fatal(err)
		}
		defer stmt.Close()
		want := min(size, 2000)
		var drawn int
		ops := []struct {
			name string
			op   bench.Op
		}{
			{"floor-subtree", func(ctx context.Context, _ int) error {
				var n int
				if err := stmt.QueryRowContext(ctx, int64(focus), at.UnixMicro()).Scan(&n); err != nil {
					return err
				}
				if n != size {
					return fmt.Errorf("subtree of %d as of %s: %d people, the generator says %d", focus, at, n, size)
				}
				return nil
			}},
			{"subtree", func(ctx context.Context, _ int) error {
				tv, err := f.app.ListTeamAsOf(ctx, pdp, focus, app.TeamAll, at)
				if err != nil {
					return err
				}
				if len(tv.Members) != want {
					return fmt.Errorf("team of %d as of %s: %d people, want %d", focus, at, len(tv.Members), want)
				}
				return nil
			}},
			{"chart", func(ctx context.Context, _ int) error {
				ct, err := f.app.GetOrgChartTree(ctx, pdp, app.ChartRequest{Focus: focus, At: at, All: true})
				if err != nil {
					return err
				}
				if ct.Drawn == 0 || ct.Drawn > 300 || ct.Drawn > size {
					return fmt.Errorf("chart of %d as of %s drew %d people of %d", focus, at, ct.Drawn, size)
				}
				drawn = ct.Drawn
				return nil
			}},
			{"chart-today", func(ctx context.Context, _ int) error {
				ct, err := f.app.GetOrgChartTree(ctx, pdp, app.ChartRequest{Focus: focus, All: true})
				if err != nil {
					return err
				}
				if ct.Drawn == 0 || ct.Drawn > 300 {
					return fmt.Errorf("chart of %d today drew %d people", focus, ct.Drawn)
				}
				drawn = ct.Drawn
				return nil
			}},
		}
		for r := range rounds(b) {
			for _, o := range ops {
				b.Run(fmt.Sprintf("%s/round%d", o.name, r+1), func(b *testing.B) {
					measureQ3(b, o.op)
					b.ReportMetric(float64(size), "people")
					if o.name == "chart" || o.name == "chart-today" {
						b.ReportMetric(float64(drawn), "drawn")
					}
				})
			}
		}
	})
}

// BenchmarkTeamAsOf reads the direct teams of managers of the level above
// the bottom (the most common managers), as of a date after the org's
// epoch, from the link history, cycling through a sample of 1,024:
//
//   - floor: the raw query of the manager's periods in effect then (ids);
//   - app: app.ListTeamAsOf, scope "direct" (the authorization, the
//     periods, the users, sorted by name), as My team and
//     GET /api/v1/users/{id}/team?as_of= read it.
//
// Both answers are checked against the generator's.
func BenchmarkTeamAsOf(b *testing.B) {
	engines(b, func(b *testing.B, engine store.Engine) {
		ctx := context.Background()
		f := newFixture(b, engine, benchConfig(b))
		managers := f.org.Sample(40, q3Sample, refdata.Levels-2)
		idx := manageesIndex(f.org)
		at := f.org.Config().Epoch
		if at.IsZero() {
			at = refdata.DefaultEpoch
		}
		at = at.Add(24 * time.Hour)
		stmt, err := f.raw.PrepareContext(ctx, rebind(engine, teamAsOfSQL))
		if err != nil {
			b.Fatal(err)
		}
		defer stmt.Close()
		ops := []struct {
			name string
			op   bench.Op
		}{
			{"floor", func(ctx context.Context, i int) error {
				m := managers[i%len(managers)]
				n, err := countRows(ctx, stmt, int64(m), at.UnixMicro())
				if err != nil {
					return err
				}
				if want := len(idx[m]); n != want {
					return fmt.Errorf("team of %d as of %s: %d, want %d", m, at, n, want)
				}
				return nil
			}},
			{"app", func(ctx context.Context, i int) error {
				m := managers[i%len(managers)]
				tv, err := f.app.ListTeamAsOf(ctx, pdp, m, app.TeamDirect, at)
				if err != nil {
					return err
				}
				if want := len(idx[m]); len(tv.Members) != want {
					return fmt.Errorf("team of %d as of %s: %d members, want %d", m, at, len(tv.Members), want)
				}
				return nil
			}},
		}
		for r := range rounds(b) {
			for _, o := range ops {
				b.Run(fmt.Sprintf("%s/round%d", o.name, r+1), func(b *testing.B) { measureQ3(b, o.op) })
			}
		}
	})
}

// rounds is how many interleaved rounds the as-of benchmarks run in one
// process (REPORTLINE_BENCH_ROUNDS, 1 by default): floor and product one
// after the other in each round, on the one set-up (go test's -count
// repeats each sub-benchmark back to back instead).
func rounds(tb testing.TB) int { return max(1, envInt(tb, "REPORTLINE_BENCH_ROUNDS", 1)) }

// countRows counts the rows a prepared query returns.
func countRows(ctx context.Context, stmt *sql.Stmt, args ...any) (int, error) {
	rows, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	return n, rows.Err()
}
