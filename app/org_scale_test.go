package app

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"testing"

	"reportline"
	"reportline/internal/pgtest"
	"reportline/refdata"
	"reportline/store"
)

// BenchmarkOrgDerivation measures the positions mode on the seeded reference
// organisation (REPORTLINE_BENCH_USERS users, 10,000 by default; 500,000 is
// the reference size) turned into an org structure: every user of the seven
// upper levels holds the manager position "Head" of a unit of their own,
// whose parent is their line manager's unit, and the bottom level works in
// their line manager's unit. The derived links are then exactly the
// generated line links (~94,000 units, one line manager per user).
//
//	REPORTLINE_BENCH_USERS=500000 go test -run '^$' -bench OrgDerivation -benchtime 20x ./app/
//
// Each figure has its import-mode counterpart (stored links) beside it.
func BenchmarkOrgDerivation(b *testing.B) {
	n := 10_000
	if s := os.Getenv("REPORTLINE_BENCH_USERS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatalf("REPORTLINE_BENCH_USERS: %v", err)
		}
	}
	org, err := refdata.Generate(refdata.Config{Users: n, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	for _, engine := range []store.Engine{store.SQLite, store.Postgres} {
		b.Run(string(engine), func(b *testing.B) {
			a := orgScaleApp(b, engine, org)
			ctx := context.Background()
			staff := org.Sample(1, 1000, refdata.Levels-1)
			heads := org.Sample(2, 1000, refdata.Levels-2)
			top := org.Level(1)
			page := org.Sample(3, 25)
			for _, mode := range []reportline.AssignMode{reportline.AssignByPositions, reportline.AssignByImport} {
				if err := a.SetAssignMode(ctx, SystemActor(reportline.SourceCLI), mode); err != nil {
					b.Fatal(err)
				}
				one := func(name string, ids []reportline.UserID, fn func(tx Tx, id reportline.UserID) error) {
					b.Run(string(mode)+"/"+name, func(b *testing.B) {
						i := 0
						for b.Loop() {
							id := ids[i%len(ids)]
							i++
							if err := a.store.Read(ctx, func(tx Tx) error { return fn(tx, id) }); err != nil {
								b.Fatal(err)
							}
						}
					})
				}
				one("managers-of-staff", staff, func(tx Tx, id reportline.UserID) error {
					_, err := a.managersOf(ctx, tx, id)
					return err
				})
				one("managers-of-head", heads, func(tx Tx, id reportline.UserID) error {
					_, err := a.managersOf(ctx, tx, id)
					return err
				})
				one("managees-of-head", heads, func(tx Tx, id reportline.UserID) error {
					_, err := a.manageesOf(ctx, tx, id)
					return err
				})
				one("managees-of-level-1", top, func(tx Tx, id reportline.UserID) error {
					_, err := a.manageesOf(ctx, tx, id)
					return err
				})
				b.Run(string(mode)+"/stars-page-of-25", func(b *testing.B) {
					for b.Loop() {
						if _, err := a.ManagerStars(ctx, page); err != nil {
							b.Fatal(err)
						}
					}
				})
				b.Run(string(mode)+"/org-structure-page", func(b *testing.B) {
					// What Settings → Org structure reads: the top of
					// the tree with counts and managers, and the
					// positions users hold.
					admin := SystemActor(reportline.SourceUI)
					for b.Loop() {
						tree, err := a.OrgStructure(ctx, admin, 0, 4)
						if err != nil {
							b.Fatal(err)
						}
						if _, err := a.HeldPositions(ctx, admin, 25); err != nil {
							b.Fatal(err)
						}
						b.ReportMetric(float64(tree.Units), "units")
					}
				})
				b.Run(string(mode)+"/every-link", func(b *testing.B) {
					for b.Loop() {
						links := 0
						err := a.store.Read(ctx, func(tx Tx) error {
							return a.eachEffectiveLink(ctx, tx, func(reportline.Link) error { links++; return nil })
						})
						if err != nil {
							b.Fatal(err)
						}
						b.ReportMetric(float64(links), "links")
					}
				})
			}
		})
	}
}

// orgScaleApp loads org into a fresh database and gives it the org
// structure BenchmarkOrgDerivation describes.
func orgScaleApp(b *testing.B, engine store.Engine, org *refdata.Org) *App {
	b.Helper()
	ctx := context.Background()
	url, dir := "", b.TempDir()
	if engine == store.Postgres {
		url = pgtest.New(b)
	}
	db, err := store.Open(ctx, url, dir)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	raw, err := refdata.OpenDB(ctx, url, dir)
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	if err := refdata.Load(ctx, raw, org, refdata.LoadOptions{}); err != nil {
		b.Fatal(err)
	}
	if err := orgScaleStructure(ctx, raw, engine, org); err != nil {
		b.Fatal(err)
	}
	return New(Adapt(db.Read, db.Write, db.Ping), Config{Logger: slog.New(slog.DiscardHandler)})
}

// orgScaleStructure writes the units, the users' units and positions, the
// positions mapping, and refreshes the planner's statistics.
func orgScaleStructure(ctx context.Context, raw *sql.DB, engine store.Engine, org *refdata.Org) error {
	tx, err := raw.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	ph := func(i int) string {
		if engine == store.Postgres {
			return "$" + strconv.Itoa(i)
		}
		return "?" + strconv.Itoa(i)
	}
	// A unit per manager, with the manager's id; the levels top down, so
	// that every parent exists first. Written raw into the implicit tenant
	// (id 1), where db.Read and db.Write run.
	ins, err := tx.PrepareContext(ctx, fmt.Sprintf(`INSERT INTO org_units (tenant_id, id, parent_id, name, name_key) VALUES (1, %s, %s, %s, %s)`, ph(1), ph(2), ph(3), ph(4)))
	if err != nil {
		return err
	}
	for l := 0; l < refdata.Levels-1; l++ {
		for _, m := range org.Level(l) {
			name := fmt.Sprintf("U%d", m)
			if _, err := ins.ExecContext(ctx, m, sql.NullInt64{Int64: int64(org.LineManager(m)), Valid: l > 0}, name, strings.ToLower(name)); err != nil {
				return err
			}
		}
	}
	const batch = 1000
	var vals []string
	var args []any
	flush := func() error {
		if len(vals) == 0 {
			return nil
		}
		q := `WITH v (id, unit, pos) AS (VALUES ` + strings.Join(vals, ",") + `)
			UPDATE users SET org_unit = v.unit, position = v.pos FROM v WHERE users.id = v.id`
		_, err := tx.ExecContext(ctx, q, args...)
		vals, args = vals[:0], args[:0]
		return err
	}
	for id := reportline.UserID(1); int(id) <= org.Size(); id++ {
		unit, pos := org.LineManager(id), "Staff"
		if org.LevelOf(id) < refdata.Levels-1 {
			unit, pos = id, "Head"
		}
		k := len(args)
		cast := ""
		if engine == store.Postgres {
			cast = "::bigint"
		}
		vals = append(vals, fmt.Sprintf("(%s%s, %s, %s)", ph(k+1), cast, ph(k+2), ph(k+3)))
		args = append(args, int64(id), fmt.Sprintf("U%d", unit), pos)
		if len(vals) == batch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO manager_positions (tenant_id, title_key, title) VALUES (1, 'head', 'Head')`); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	_, err = raw.ExecContext(ctx, map[store.Engine]string{store.Postgres: "VACUUM ANALYZE", store.SQLite: "ANALYZE"}[engine])
	return err
}
