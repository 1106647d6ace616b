package bench_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"reportline"
	"reportline/store"
)

// Each benchmark below runs once per engine (sub-benchmarks sqlite and
// postgres) on a private clone of the loaded reference organisation. Set-up
// and warm-up are untimed; every operation's answer is checked, so a wrong
// answer fails the benchmark rather than producing a fast figure.

// BenchmarkAddManager measures app.AddLinks adding one line manager to a
// mid-level user (authorization, validation, cycle check, insert, audit,
// commit), followed by app.RemoveLink taking it away again, so the data do
// not drift. One op is that add + remove pair; its floor is
// BenchmarkFloorAddRemoveLink.
func BenchmarkAddManager(b *testing.B) {
	engines(b, func(b *testing.B, engine store.Engine) {
		ctx := context.Background()
		f := newFixture(b, engine, benchConfig(b))
		cases := addCases(f.org, caseCount)
		for i := range warmups(b) {
			if err := addRemove(ctx, f.app, cases[i%len(cases)]); err != nil {
				b.Fatal(err)
			}
		}
		i := 0
		for b.Loop() {
			if err := addRemove(ctx, f.app, cases[i%len(cases)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

// BenchmarkReplaceManagers measures app.ReplaceLinks on a mid-level user's
// managers: once with one manager more than they have, once with the set
// they had. One op is the two replaces (one add, one removal).
func BenchmarkReplaceManagers(b *testing.B) {
	engines(b, func(b *testing.B, engine store.Engine) {
		ctx := context.Background()
		f := newFixture(b, engine, benchConfig(b))
		cases := addCases(f.org, caseCount)
		for i := range warmups(b) {
			if err := replaceTwice(ctx, f.app, cases[i%len(cases)]); err != nil {
				b.Fatal(err)
			}
		}
		i := 0
		for b.Loop() {
			if err := replaceTwice(ctx, f.app, cases[i%len(cases)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

// BenchmarkFloorAddRemoveLink is the raw engine's least work for one
// AddManager op: a prepared INSERT of the link in one transaction and a
// prepared DELETE in another, through database/sql.
func BenchmarkFloorAddRemoveLink(b *testing.B) {
	engines(b, func(b *testing.B, engine store.Engine) {
		ctx := context.Background()
		f := newFixture(b, engine, benchConfig(b))
		p, err := prepareFloor(ctx, f)
		if err != nil {
			b.Fatal(err)
		}
		cases := addCases(f.org, caseCount)
		now := time.Now().UnixMicro()
		for i := range warmups(b) {
			if err := floorAddRemove(ctx, f, p, cases[i%len(cases)], now); err != nil {
				b.Fatal(err)
			}
		}
		i := 0
		for b.Loop() {
			if err := floorAddRemove(ctx, f, p, cases[i%len(cases)], now); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

// BenchmarkCycleCheck measures reportline.FindCycle over the store's
// LineManagers inside one read transaction, for bottom-level users: "none"
// walks everything above the user and finds no cycle, "found" is stopped by
// the root at the top. Its floor is BenchmarkFloorTransitiveCheck.
func BenchmarkCycleCheck(b *testing.B) {
	engines(b, func(b *testing.B, engine store.Engine) {
		f := newFixture(b, engine, benchConfig(b))
		for _, found := range []bool{false, true} {
			b.Run(cycleName(found), func(b *testing.B) {
				ctx := context.Background()
				cases := cycleCases(f.org, caseCount, found)
				err := f.db.Read(ctx, func(tx *store.Tx) error {
					for i := range warmups(b) {
						if err := checkCycle(ctx, tx, cases[i%len(cases)]); err != nil {
							return err
						}
					}
					i := 0
					for b.Loop() {
						if err := checkCycle(ctx, tx, cases[i%len(cases)]); err != nil {
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
	})
}

func cycleName(found bool) string {
	if found {
		return "found"
	}
	return "none"
}

// BenchmarkFloorTransitiveCheck is the raw "is M above U" check of
// BENCHMARKS.md: one recursive query over the line links, prepared, inside
// one read transaction, on the same cases as BenchmarkCycleCheck.
func BenchmarkFloorTransitiveCheck(b *testing.B) {
	engines(b, func(b *testing.B, engine store.Engine) {
		f := newFixture(b, engine, benchConfig(b))
		for _, found := range []bool{false, true} {
			b.Run(cycleName(found), func(b *testing.B) {
				ctx := context.Background()
				cases := cycleCases(f.org, caseCount, found)
				tx, err := readTx(ctx, f)
				if err != nil {
					b.Fatal(err)
				}
				defer tx.Rollback()
				stmt, err := tx.PrepareContext(ctx, rebind(engine, aboveSQL))
				if err != nil {
					b.Fatal(err)
				}
				for i := range warmups(b) {
					if err := floorAbove(ctx, stmt, cases[i%len(cases)]); err != nil {
						b.Fatal(err)
					}
				}
				i := 0
				for b.Loop() {
					if err := floorAbove(ctx, stmt, cases[i%len(cases)]); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
		}
	})
}

// BenchmarkFloorDirectReports is the raw lookup of BENCHMARKS.md: a
// prepared SELECT managee_id FROM links WHERE tenant_id = 1 AND manager_id = $1, on its own
// (autocommit), for random managers.
func BenchmarkFloorDirectReports(b *testing.B) {
	engines(b, func(b *testing.B, engine store.Engine) {
		ctx := context.Background()
		f := newFixture(b, engine, benchConfig(b))
		p, err := prepareFloor(ctx, f)
		if err != nil {
			b.Fatal(err)
		}
		managers := f.org.Sample(15, 1024, 0, 1, 2, 3, 4, 5, 6)
		var buf []reportline.UserID
		run := func(i int) error {
			m := managers[i%len(managers)]
			var err error
			if buf, err = lookup(ctx, p.managees, m, buf); err != nil {
				return err
			}
			if len(buf) == 0 { // every user above the bottom level has reports
				return fmt.Errorf("manager %d has no reports", m)
			}
			return nil
		}
		for i := range warmups(b) {
			if err := run(i); err != nil {
				b.Fatal(err)
			}
		}
		i := 0
		for b.Loop() {
			if err := run(i); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}
