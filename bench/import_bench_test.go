package bench_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"reportline/refdata"
	"reportline/store"
)

// The bulk import and export benchmarks of BENCHMARKS.md (I1–I6, E1), on
// both engines, each next to its floor; docs/benchmarks.md has the commands
// and the figures. One operation is one whole file (a million lines at the
// reference size), so run them with -benchtime 1x at the large sizes. Every
// answer is checked outside the timed region: counts against the file, and
// the links and audit log in the database before and after.
//
// They are declared product, then floor, so that one process (a round)
// measures each pair a few minutes apart at most.

// importWarmups is how many untimed operations the read-only import
// benchmarks run first: one at most, since one operation reads everything.
func importWarmups(b *testing.B) int { return min(warmups(b), 1) }

// BenchmarkImportDryRun is I1: app.ImportManagers with DryRun of the
// worst-case file (every link that may change changes, so the preview
// computes a million changes) and of the unchanged file, against the loaded
// organisation. Checked: the counts, and that no link and no audit entry
// was written. Floor: BenchmarkFloorDryRun.
func BenchmarkImportDryRun(b *testing.B) {
	engines(b, func(b *testing.B, engine store.Engine) {
		for _, file := range []string{"worst", "unchanged"} {
			b.Run(file, func(b *testing.B) {
				ctx := context.Background()
				f := newFixture(b, engine, benchConfig(b))
				files := importFilesFor(b, f.org)
				data, add, rm := files.worst, files.worstAdd, files.worstRm
				if file == "unchanged" {
					data, add, rm = files.unchanged, 0, 0
				}
				a, steps := loggedApp(f)
				before, err := stateOf(ctx, f)
				if err != nil {
					b.Fatal(err)
				}
				op := func() error {
					res, err := importBytes(ctx, a, file+".csv", data, true)
					if err != nil {
						return err
					}
					return checkCounts(res, files.lines, add, rm)
				}
				timeOps(b, op, func() { steps.take() })
				b.Logf("steps: %s", steps.take())
				if err := checkUnwritten(ctx, f, before); err != nil {
					b.Fatal(err)
				}
			})
		}
	})
}

// BenchmarkFloorDryRun is the Go dry-run floor (floorDryRun) on the three
// files: users and links read through the raw pool, the file parsed with
// encoding/csv, resolved with a map and diffed. Its counts are checked.
func BenchmarkFloorDryRun(b *testing.B) {
	engines(b, func(b *testing.B, engine store.Engine) {
		ctx := context.Background()
		f := newFixture(b, engine, benchConfig(b))
		files := importFilesFor(b, f.org)
		for _, c := range []struct {
			name    string
			data    []byte
			add, rm int
		}{
			{"worst", files.worst, files.worstAdd, files.worstRm},
			{"unchanged", files.unchanged, 0, 0},
			{"tenpercent", files.ten, files.tenAdd, files.tenRm},
		} {
			b.Run(c.name, func(b *testing.B) {
				op := func() error {
					got, err := floorDryRun(ctx, f, c.data)
					if err != nil {
						return err
					}
					if want := (dryCounts{files.lines, c.add, c.rm}); got != want {
						return fmt.Errorf("floor dry run of %s: %+v, want %+v", c.name, got, want)
					}
					return nil
				}
				timeOps(b, op, nil)
			})
		}
	})
}

// BenchmarkImportUnchanged is I3: applying the unchanged file (the
// organisation's own file re-imported). Checked: every line unchanged, and
// no link and no audit entry written. Floor: BenchmarkFloorDryRun/unchanged.
func BenchmarkImportUnchanged(b *testing.B) {
	engines(b, func(b *testing.B, engine store.Engine) {
		ctx := context.Background()
		f := newFixture(b, engine, benchConfig(b))
		files := importFilesFor(b, f.org)
		a, steps := loggedApp(f)
		before, err := stateOf(ctx, f)
		if err != nil {
			b.Fatal(err)
		}
		op := func() error {
			res, err := importBytes(ctx, a, "unchanged.csv", files.unchanged, false)
			if err != nil {
				return err
			}
			return checkCounts(res, files.lines, 0, 0)
		}
		timeOps(b, op, func() { steps.take() })
		b.Logf("steps: %s", steps.take())
		if err := checkUnwritten(ctx, f, before); err != nil {
			b.Fatal(err)
		}
	})
}

// applyBench measures an import that changes links, each operation on a
// fresh clone of the loaded organisation (made untimed). Checked after each
// operation: the counts, the links exactly as the file lists them, and one
// audit entry per change.
func applyBench(b *testing.B, engine store.Engine, name string, pick func(*importFiles) ([]byte, []uint64, int, int)) {
	ctx := context.Background()
	cfg := benchConfig(b)
	files := importFilesFor(b, orgFor(b, cfg))
	data, want, add, rm := pick(files)
	var logged string
	var cpu cpuClock
	for b.Loop() {
		b.StopTimer()
		f := newFixture(b, engine, cfg)
		a, steps := loggedApp(f)
		before, err := stateOf(ctx, f)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		cpu.begin()
		res, err := importBytes(ctx, a, name, data, false)
		cpu.end()
		b.StopTimer()
		logged = steps.take()
		if err != nil {
			b.Fatal(err)
		}
		if err := checkCounts(res, files.lines, add, rm); err != nil {
			b.Fatal(err)
		}
		if err := checkLinks(ctx, f.raw, want); err != nil {
			b.Fatal(err)
		}
		after, err := stateOf(ctx, f)
		if err != nil {
			b.Fatal(err)
		}
		if after.audit != before.audit+add+rm || after.fresh != add {
			b.Fatalf("after %s: %+v, want %d audit entries and %d new links", name, after, before.audit+add+rm, add)
		}
		b.StartTimer()
	}
	cpu.report(b)
	b.Logf("steps: %s", logged)
}

// BenchmarkImportWorstCase is I2: applying the worst-case file end to end
// (spool, parse, resolve, authorize, diff, cycle check, write, audit,
// commit). Floor: BenchmarkFloorReplace/worst.
func BenchmarkImportWorstCase(b *testing.B) {
	engines(b, func(b *testing.B, engine store.Engine) {
		applyBench(b, engine, "worst.csv", func(f *importFiles) ([]byte, []uint64, int, int) {
			return f.worst, f.worstKeys, f.worstAdd, f.worstRm
		})
	})
}

// BenchmarkFloorReplace is the SQL replace floor (floorReplace) of the
// worst-case file and of the 10 % file, each operation on a fresh clone.
// Checked: the rows it added and removed, and the links after.
func BenchmarkFloorReplace(b *testing.B) {
	engines(b, func(b *testing.B, engine store.Engine) {
		ctx := context.Background()
		cfg := benchConfig(b)
		files := importFilesFor(b, orgFor(b, cfg))
		for _, c := range []struct {
			name    string
			data    []byte
			want    []uint64
			add, rm int
		}{
			{"worst", files.worst, files.worstKeys, files.worstAdd, files.worstRm},
			{"tenpercent", files.ten, files.tenKeys, files.tenAdd, files.tenRm},
		} {
			b.Run(c.name, func(b *testing.B) {
				var cpu cpuClock
				defer cpu.report(b)
				for b.Loop() {
					b.StopTimer()
					f := newFixture(b, engine, cfg)
					b.StartTimer()
					cpu.begin()
					add, rm, err := floorReplace(ctx, f, c.data)
					cpu.end()
					b.StopTimer()
					if err != nil {
						b.Fatal(err)
					}
					if add != int64(c.add) || rm != int64(c.rm) {
						b.Fatalf("floor replace of %s: %d added, %d removed; want %d and %d", c.name, add, rm, c.add, c.rm)
					}
					if err := checkLinks(ctx, f.raw, c.want); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
			})
		}
	})
}

// BenchmarkImportTenPercent is I4: applying the file that changes the
// managers of 10 % of the managees. Floor: BenchmarkFloorDryRun/tenpercent
// + 0.1 × BenchmarkFloorReplace/worst.
func BenchmarkImportTenPercent(b *testing.B) {
	engines(b, func(b *testing.B, engine store.Engine) {
		applyBench(b, engine, "tenpercent.csv", func(f *importFiles) ([]byte, []uint64, int, int) {
			return f.ten, f.tenKeys, f.tenAdd, f.tenRm
		})
	})
}

// BenchmarkDecodeLayer is I5: the unchanged file read through
// csvio.NewPairReader, the import's decoding layer (encoding and separator
// detection, header matching by name, line ends, trimming). No database.
// Floor: BenchmarkFloorCSV.
func BenchmarkDecodeLayer(b *testing.B) {
	files := importFilesFor(b, orgFor(b, benchConfig(b)))
	b.SetBytes(int64(len(files.unchanged)))
	for b.Loop() {
		n, err := decodeLayer(files.unchanged)
		if err != nil {
			b.Fatal(err)
		}
		if n != files.lines {
			b.Fatalf("decoded %d lines, want %d", n, files.lines)
		}
	}
}

// BenchmarkFloorCSV is raw encoding/csv with ReuseRecord over the same bytes.
func BenchmarkFloorCSV(b *testing.B) {
	files := importFilesFor(b, orgFor(b, benchConfig(b)))
	b.SetBytes(int64(len(files.unchanged)))
	for b.Loop() {
		n, err := floorCSV(files.unchanged)
		if err != nil {
			b.Fatal(err)
		}
		if n != files.lines {
			b.Fatalf("read %d lines, want %d", n, files.lines)
		}
	}
}

// exportBench measures one way of exporting every link to a sink that
// discards the bytes, and reports the time to the first byte (the largest
// over the operations), and the heap: the peak above the live heap before
// the operation (sampled every 5 ms, garbage included) and what is still
// live after it.
func exportBench(b *testing.B, f *fixture, export func(w *exportSink) (int, error)) {
	links := len(f.org.Pairs())
	op := func(w *exportSink) error {
		n, err := export(w)
		if err != nil {
			return err
		}
		return checkExport(w, n, links)
	}
	for range importWarmups(b) {
		if err := op(&exportSink{start: time.Now()}); err != nil {
			b.Fatal(err)
		}
	}
	var ttfb time.Duration
	var peak, retained float64
	for b.Loop() {
		b.StopTimer()
		base := heapBytes()
		stop := sampleHeap()
		b.StartTimer()
		w := &exportSink{start: time.Now()}
		err := op(w)
		b.StopTimer()
		top := stop()
		if err != nil {
			b.Fatal(err)
		}
		ttfb = max(ttfb, w.first)
		peak = max(peak, float64(int64(top)-int64(base))/(1<<20))
		retained = max(retained, float64(int64(heapBytes())-int64(base))/(1<<20))
		b.StartTimer()
	}
	b.ReportMetric(float64(ttfb)/1e6, "ttfb-ms")
	b.ReportMetric(peak, "heap-peak-MiB")
	b.ReportMetric(retained, "heap-retained-MiB")
}

// sampleHeap samples the heap's object bytes until the returned function
// is called, which returns the highest.
func sampleHeap() func() uint64 {
	var top atomic.Uint64
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > top.Load() {
				top.Store(v)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		<-finished
		return top.Load()
	}
}

// BenchmarkExport is E1: app.ExportManagers of every link (all the
// actor may see: the operator sees all) as CSV to a sink that discards it.
// Checked: one line per link. Floor: BenchmarkFloorExport/unordered.
func BenchmarkExport(b *testing.B) {
	engines(b, func(b *testing.B, engine store.Engine) {
		ctx := context.Background()
		f := newFixture(b, engine, benchConfig(b))
		exportBench(b, f, func(w *exportSink) (int, error) { return exportProduct(ctx, f, w) })
	})
}

// BenchmarkFloorExport is the export floor (floorExport): one SELECT of the
// links with both addresses, written with encoding/csv; "ordered" adds the
// ORDER BY managee, manager that the product's export has.
func BenchmarkFloorExport(b *testing.B) {
	engines(b, func(b *testing.B, engine store.Engine) {
		ctx := context.Background()
		f := newFixture(b, engine, benchConfig(b))
		for _, ordered := range []bool{false, true} {
			name := "unordered"
			if ordered {
				name = "ordered"
			}
			b.Run(name, func(b *testing.B) {
				exportBench(b, f, func(w *exportSink) (int, error) { return floorExport(ctx, f, w, ordered) })
			})
		}
	})
}

// BenchmarkImportRSS is I6 (and E1's "flat memory"): the reportline
// command run as a child process on a clone of the loaded organisation,
// `managers import worst.csv --dry-run`, `managers import worst.csv` (a
// fresh clone per operation) and `managers export`, reporting the child's
// peak resident set in MiB (GNU time's %M). The command sets its
// own soft memory limit for imports; GOMEMLIMIT and GOGC are removed from
// its environment. Run it at 500k users (~1M lines) and 1M users (~2M
// lines) for the 2M ≤ 1.6 × 1M target. The import's step times (its debug
// log) are logged. REPORTLINE_BENCH_CHILD_GOMEMLIMIT (e.g. "off") replaces
// the command's soft limit, to see what the limit costs in time.
func BenchmarkImportRSS(b *testing.B) {
	bin := buildReportline(b)
	engines(b, func(b *testing.B, engine store.Engine) {
		ctx := context.Background()
		cfg := benchConfig(b)
		o := orgFor(b, cfg)
		files := importFilesFor(b, o)
		file := filepath.Join(b.TempDir(), "worst.csv")
		if err := os.WriteFile(file, files.worst, 0o600); err != nil {
			b.Fatal(err)
		}
		// Every user below the top level is a managee (the top level has
		// one user at the reference size, more in larger organisations).
		managees := o.Size() - len(o.Level(0))
		counts := fmt.Sprintf("%d lines, %d managees: %d to add, 0 to update, %d to remove", files.lines, managees, files.worstAdd, files.worstRm)
		for _, c := range []struct {
			name  string
			args  []string
			fresh bool // a fresh clone per operation
		}{
			{"dryrun", []string{"managers", "import", file, "--dry-run"}, false},
			{"apply", []string{"managers", "import", file}, true},
			{"export", []string{"managers", "export"}, false},
		} {
			b.Run(c.name, func(b *testing.B) {
				var url, dir string
				if !c.fresh {
					url, dir = cloneDatabase(b, engine, o)
				}
				var rss int64
				var steps string
				for b.Loop() {
					b.StopTimer()
					if c.fresh {
						url, dir = cloneDatabase(b, engine, o)
					}
					sink := &exportSink{start: time.Now()}
					var out io.Writer
					if c.name == "export" {
						out = sink
					}
					b.StartTimer()
					run, err := runReportline(ctx, bin, out, url, dir, c.args...)
					b.StopTimer()
					if err != nil {
						b.Fatal(err)
					}
					switch c.name {
					case "export":
						if sink.lines != files.lines+1 {
							b.Fatalf("export: %d lines, want %d and a header", sink.lines, files.lines)
						}
					default:
						// A dry run counts what it would do, an import what it did.
						want := counts
						if c.name == "apply" {
							want = fmt.Sprintf("%d lines, %d managees: %d added, 0 updated, %d removed", files.lines, managees, files.worstAdd, files.worstRm)
						}
						if !strings.Contains(run.stdout, want) || !strings.Contains(run.stdout, ", 0 rejected") {
							b.Fatalf("import: %.300q, want %q and nothing rejected", run.stdout, want)
						}
					}
					if c.name == "apply" {
						raw, err := refdata.OpenDB(ctx, url, dir)
						if err != nil {
							b.Fatal(err)
						}
						err = checkLinks(ctx, raw, files.worstKeys)
						raw.Close()
						if err != nil {
							b.Fatal(err)
						}
					}
					rss = max(rss, run.maxRSS)
					steps = importSteps(run.stderr)
					b.StartTimer()
				}
				b.ReportMetric(float64(rss)/(1<<20), "maxrss-MiB")
				if steps != "" {
					b.Logf("%s steps: %s", c.name, steps)
				}
			})
		}
	})
}
