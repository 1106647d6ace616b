package bench_test

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"reportline"
	"reportline/app"
	"reportline/refdata"
	"reportline/store"
)

// sys is the actor of the write benchmarks: the service itself, whose scope
// is everything, so authorization costs one check and no group lookups.
var sys = app.SystemActor(reportline.SourceAPI)

// caseCount is how many different users a benchmark cycles through, so
// that it does not measure one hot row.
const caseCount = 256

// addCase is a mid-level user, their current managers, and a user above
// them who is not one of those managers yet. Every link of the org goes one
// to three levels up, so a manager taken from a higher level never closes a
// cycle.
type addCase struct {
	user, manager reportline.UserID
	current       []reportline.UserID
}

// addCases picks n add cases among active users of levels 4 and 5 whose
// managers are all active (ReplaceLinks relists them, and refuses inactive
// ones), with a new manager from levels 1 to 3.
func addCases(o *refdata.Org, n int) []addCase {
	users := o.Sample(10, 8*n, 4, 5)
	pool := o.Sample(11, 8*n, 1, 2, 3)
	var out []addCase
	next := 0
	for _, u := range users {
		if len(out) == n {
			break
		}
		current := o.Managers(u)
		if !o.Active(u) || slices.ContainsFunc(current, func(m reportline.UserID) bool { return !o.Active(m) }) {
			continue
		}
		for ; next < len(pool); next++ {
			m := pool[next]
			if o.Active(m) && !slices.Contains(current, m) {
				out = append(out, addCase{user: u, manager: m, current: current})
				next++
				break
			}
		}
	}
	return out
}

// addRemove adds the case's manager with AddLinks, then removes it with
// RemoveLink, leaving the data as it was.
func addRemove(ctx context.Context, a *app.App, c addCase) error {
	plan, err := a.AddLinks(ctx, sys, app.LinkRequest{User: c.user, Direction: reportline.Managers, IDs: []reportline.UserID{c.manager}})
	if err != nil {
		return fmt.Errorf("add %d → %d: %w", c.manager, c.user, err)
	}
	if plan.Count(app.VerdictNew) != 1 {
		return fmt.Errorf("add %d → %d: plan %+v, want one new link", c.manager, c.user, plan.Candidates)
	}
	if err := a.RemoveLink(ctx, sys, reportline.Pair{ManagerID: c.manager, ManageeID: c.user}); err != nil {
		return fmt.Errorf("remove %d → %d: %w", c.manager, c.user, err)
	}
	return nil
}

// replaceTwice replaces the user's managers with the current ones plus the
// case's manager, then with the current ones again.
func replaceTwice(ctx context.Context, a *app.App, c addCase) error {
	req := app.LinkRequest{User: c.user, Direction: reportline.Managers, IDs: append(slices.Clone(c.current), c.manager)}
	plan, err := a.ReplaceLinks(ctx, sys, req)
	if err != nil {
		return fmt.Errorf("replace managers of %d: %w", c.user, err)
	}
	if plan.Count(app.VerdictNew) != 1 || len(plan.Removals) != 0 {
		return fmt.Errorf("replace managers of %d: plan %+v, want one new link and no removal", c.user, plan)
	}
	req.IDs = c.current
	if plan, err = a.ReplaceLinks(ctx, sys, req); err != nil {
		return fmt.Errorf("restore managers of %d: %w", c.user, err)
	}
	if len(plan.Removals) != 1 || plan.Count(app.VerdictUnchanged) != len(c.current) {
		return fmt.Errorf("restore managers of %d: plan %+v, want one removal", c.user, plan)
	}
	return nil
}

// cycleCase asks whether linking manager → managee would close a cycle.
type cycleCase struct {
	manager, managee reportline.UserID
	cycle            bool // the right answer
}

// cycleCases returns n checks from bottom-level users (the deepest walk up):
// with cycle false, the would-be managee is another bottom-level user, never
// above, so the walk covers everything above the manager; with cycle true it
// is the root, above everyone, found only at the top.
func cycleCases(o *refdata.Org, n int, cycle bool) []cycleCase {
	deep := o.Sample(12, n, refdata.Levels-1)
	others := o.Sample(13, n, refdata.Levels-1)
	out := make([]cycleCase, 0, n)
	for i, d := range deep {
		c := cycleCase{manager: d, managee: o.Root(), cycle: true}
		if !cycle {
			if others[i] == d {
				continue
			}
			c = cycleCase{manager: d, managee: others[i]}
		}
		out = append(out, c)
	}
	return out
}

// checkCycle runs the product's cycle check (reportline.FindCycle over the
// store's LineManagers) and compares it with the right answer.
func checkCycle(ctx context.Context, tx *store.Tx, c cycleCase) error {
	cycle, err := reportline.FindCycle(ctx, c.manager, c.managee, tx.LineManagers)
	if err != nil {
		return err
	}
	if got := cycle != nil; got != c.cycle {
		return fmt.Errorf("FindCycle(%d → %d) = %v, want a cycle: %v", c.manager, c.managee, cycle, c.cycle)
	}
	if c.cycle && (cycle[0] != c.managee || cycle[len(cycle)-2] != c.manager) {
		return fmt.Errorf("FindCycle(%d → %d) = %v, want %d → … → %d → %d", c.manager, c.managee, cycle, c.managee, c.manager, c.managee)
	}
	return nil
}

// The floors' SQL, written once in PostgreSQL's form, with SQLite's
// INDEXED BY where SQLite needs it (rebind drops it for PostgreSQL). Every
// floor names the tenant of the reference organisation (the implicit one,
// id 1): since migration 0018 every key of links and users leads with
// tenant_id, so a floor without it cannot use the indexes the product uses
// and scans the table instead, which made the floors slower than the
// product's reads and the ratios to them too kind.
const (
	// aboveSQL answers "is $2 above $1?" by walking up the line links.
	// INDEXED BY: kind is outside links_managee, and SQLite's planner (no
	// statistics) otherwise searches the primary key by tenant alone, as
	// the store's ancestry query says.
	aboveSQL = `WITH RECURSIVE up(id) AS (
	SELECT manager_id FROM links INDEXED BY links_managee WHERE tenant_id = 1 AND managee_id = $1 AND kind = 'line'
	UNION
	SELECT l.manager_id FROM up CROSS JOIN links l INDEXED BY links_managee WHERE l.tenant_id = 1 AND l.managee_id = up.id AND l.kind = 'line'
)
SELECT EXISTS (SELECT 1 FROM up WHERE id = $2)`
	managersSQL   = `SELECT manager_id FROM links WHERE tenant_id = 1 AND managee_id = $1`
	manageesSQL   = `SELECT managee_id FROM links WHERE tenant_id = 1 AND manager_id = $1`
	insertLinkSQL = `INSERT INTO links (tenant_id, manager_id, managee_id, kind, source, created_at) VALUES (1, $1, $2, 'line', 'api', $3)` // the implicit tenant's
	deleteLinkSQL = `DELETE FROM links WHERE tenant_id = 1 AND manager_id = $1 AND managee_id = $2`
)

// indexedBy is SQLite's INDEXED BY clause, which PostgreSQL does not have.
var indexedBy = regexp.MustCompile(` INDEXED BY \w+`)

// rebind turns $N placeholders into SQLite's ?N, and drops the INDEXED BY
// clauses for PostgreSQL.
func rebind(engine store.Engine, q string) string {
	if engine == store.SQLite {
		return strings.ReplaceAll(q, "$", "?")
	}
	return indexedBy.ReplaceAllString(q, "")
}

// floorAbove is the raw transitive check: one recursive query.
func floorAbove(ctx context.Context, stmt *sql.Stmt, c cycleCase) error {
	var above bool
	if err := stmt.QueryRowContext(ctx, c.manager, c.managee).Scan(&above); err != nil {
		return err
	}
	if above != c.cycle {
		return fmt.Errorf("is %d above %d: %v, want %v", c.managee, c.manager, above, c.cycle)
	}
	return nil
}

// lookup is the raw one-side lookup of a user's links; ids is reused.
func lookup(ctx context.Context, stmt *sql.Stmt, id reportline.UserID, ids []reportline.UserID) ([]reportline.UserID, error) {
	rows, err := stmt.QueryContext(ctx, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids = ids[:0]
	for rows.Next() {
		var other reportline.UserID
		if err := rows.Scan(&other); err != nil {
			return nil, err
		}
		ids = append(ids, other)
	}
	return ids, rows.Err()
}

// prepared prepares the floor's statements on a raw pool.
type prepared struct {
	managers, managees, insert, delete *sql.Stmt
}

func prepareFloor(ctx context.Context, f *fixture) (*prepared, error) {
	var p prepared
	for _, s := range []struct {
		dst **sql.Stmt
		q   string
	}{{&p.managers, managersSQL}, {&p.managees, manageesSQL}, {&p.insert, insertLinkSQL}, {&p.delete, deleteLinkSQL}} {
		st, err := f.raw.PrepareContext(ctx, rebind(f.engine, s.q))
		if err != nil {
			return nil, err
		}
		*s.dst = st
	}
	return &p, nil
}

// floorAddRemove is the raw minimum of addRemove: insert the link in one
// transaction, delete it in another (two commits, as in the product).
func floorAddRemove(ctx context.Context, f *fixture, p *prepared, c addCase, now int64) error {
	for _, step := range []func(tx *sql.Tx) error{
		func(tx *sql.Tx) error {
			_, err := tx.StmtContext(ctx, p.insert).ExecContext(ctx, c.manager, c.user, now)
			return err
		},
		func(tx *sql.Tx) error {
			res, err := tx.StmtContext(ctx, p.delete).ExecContext(ctx, c.manager, c.user)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return fmt.Errorf("delete %d → %d: %d rows, want 1", c.manager, c.user, n)
			}
			return nil
		},
	} {
		tx, err := f.raw.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if err := step(tx); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}

// readTx opens a raw read transaction the way the store's Read does:
// read-only on PostgreSQL, a deferred transaction on SQLite.
func readTx(ctx context.Context, f *fixture) (*sql.Tx, error) {
	return f.raw.BeginTx(ctx, &sql.TxOptions{ReadOnly: f.engine == store.Postgres})
}
