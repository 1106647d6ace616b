package bench_test

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"reportline/bench"
)

// TestImportSummary prints the import and export figures against the
// targets of BENCHMARKS.md from saved benchmark output: medians over the
// rounds, the floor of each target, the ratio and the verdict. It reads the
// files REPORTLINE_IMPORT_RESULTS names (a glob); with
// REPORTLINE_IMPORT_RESULTS_2X naming runs at twice the size it adds the
// I6 growth ratio. It measures nothing itself.
//
//	REPORTLINE_IMPORT_RESULTS='bench-import-500k-*.txt' \
//	REPORTLINE_IMPORT_RESULTS_2X='bench-import-1m-*.txt' \
//	  go test -run TestImportSummary -v ./bench/
//
// Without the variable it summarises testdata/import-sample.txt, two rounds
// of made-up figures, and checks the verdicts, so the report cannot rot
// between the hand-made runs.
func TestImportSummary(t *testing.T) {
	pattern := os.Getenv("REPORTLINE_IMPORT_RESULTS")
	if pattern != "" {
		var med2x map[string]map[string][]float64
		if p := os.Getenv("REPORTLINE_IMPORT_RESULTS_2X"); p != "" {
			med2x = mediansOf(t, p)
		}
		fmt.Println(importSummary(mediansOf(t, pattern), med2x))
		return
	}
	got := importSummary(mediansOf(t, filepath.Join("testdata", "import-sample.txt")), nil)
	for _, want := range []string{
		// worst-case dry run: medians 3.0 s and 1.0 s → 3.00×, over 2.0×
		"| I1 dry run, worst-case file | sqlite | 3.00 s | 1.00 s | 3.00× | ≤ 2.0× | **missed** | 2 |",
		// unchanged re-import: 1.2 s against the 1.0 s floor, within 1.5×
		"| I3 unchanged file applied | sqlite | 1.20 s | 1.00 s | 1.20× | ≤ 1.5× | met | 2 |",
		// peak RSS against the fixed 512 MiB
		"| I6 peak RSS apply (MiB, target ≤ 512) | sqlite | 600 MiB | 512 MiB | 1.17× | ≤ 1.0× | **missed** | 1 |",
		"| ImportDryRun/sqlite/worst | ns/op | 3.00 s | 2.00 s | 4.00 s | 2 |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks %q:\n%s", want, got)
		}
	}
}

// importSummary writes the targets table and the table of every figure.
func importSummary(med, med2x map[string]map[string][]float64) string {
	var sb strings.Builder
	sb.WriteString("| target | engine | product | floor | ratio | target | verdict | runs |\n|---|---|---:|---:|---:|---:|---|---:|\n")
	row := func(target, engine string, product, floor float64, runs int, limit float64, unit string) {
		verdict, ratio := "—", ""
		if product > 0 && floor > 0 {
			r := product / floor
			ratio = fmt.Sprintf("%.2f×", r)
			verdict = map[bool]string{true: "met", false: "**missed**"}[r <= limit]
		}
		fmt.Fprintf(&sb, "| %s | %s | %s | %s | %s | ≤ %.1f× | %s | %d |\n", target, engine, show(product, unit), show(floor, unit), ratio, limit, verdict, runs)
	}
	get := func(name, unit string) (float64, int) {
		vs := med["Benchmark"+name][unit]
		if len(vs) == 0 {
			return 0, 0
		}
		return bench.Median(vs), len(vs)
	}
	for _, e := range []string{"sqlite", "postgres"} {
		p, n := get("ImportDryRun/"+e+"/worst", "ns/op")
		f, _ := get("FloorDryRun/"+e+"/worst", "ns/op")
		row("I1 dry run, worst-case file", e, p, f, n, 2.0, "ns")
		p, n = get("ImportDryRun/"+e+"/unchanged", "ns/op")
		f, _ = get("FloorDryRun/"+e+"/unchanged", "ns/op")
		row("I1 dry run, unchanged file", e, p, f, n, 2.0, "ns")
		p, n = get("ImportWorstCase/"+e, "ns/op")
		f, _ = get("FloorReplace/"+e+"/worst", "ns/op")
		row("I2 worst case applied", e, p, f, n, 2.0, "ns")
		p, n = get("ImportUnchanged/"+e, "ns/op")
		f, _ = get("FloorDryRun/"+e+"/unchanged", "ns/op")
		row("I3 unchanged file applied", e, p, f, n, 1.5, "ns")
		p, n = get("ImportTenPercent/"+e, "ns/op")
		fd, _ := get("FloorDryRun/"+e+"/tenpercent", "ns/op")
		fr, _ := get("FloorReplace/"+e+"/worst", "ns/op")
		f = 0
		if fd > 0 && fr > 0 {
			f = fd + 0.1*fr
		}
		row("I4 10 % changed (floor: dry run + 0.1 × replace)", e, p, f, n, 1.5, "ns")
		// The same in the test process's CPU time, where the runs report
		// it (steadier on a loaded machine; without PostgreSQL's own CPU).
		for _, c := range []struct {
			target, product, floor string
			limit                  float64
		}{
			{"I1 dry run, worst-case file (CPU)", "ImportDryRun/" + e + "/worst", "FloorDryRun/" + e + "/worst", 2.0},
			{"I1 dry run, unchanged file (CPU)", "ImportDryRun/" + e + "/unchanged", "FloorDryRun/" + e + "/unchanged", 2.0},
			{"I2 worst case applied (CPU)", "ImportWorstCase/" + e, "FloorReplace/" + e + "/worst", 2.0},
			{"I3 unchanged file applied (CPU)", "ImportUnchanged/" + e, "FloorDryRun/" + e + "/unchanged", 1.5},
		} {
			p, n := get(c.product, "cpu-ns/op")
			f, _ := get(c.floor, "cpu-ns/op")
			if n > 0 {
				row(c.target, e, p, f, n, c.limit, "ns")
			}
		}
		if p, n := get("ImportTenPercent/"+e, "cpu-ns/op"); n > 0 {
			fd, _ := get("FloorDryRun/"+e+"/tenpercent", "cpu-ns/op")
			fr, _ := get("FloorReplace/"+e+"/worst", "cpu-ns/op")
			row("I4 10 % changed (CPU)", e, p, fd+0.1*fr, n, 1.5, "ns")
		}
		// The export floor is the faster of the two floor queries (with
		// and without the product's ORDER BY) in the same rounds.
		p, n = get("Export/"+e, "ns/op")
		fu, _ := get("FloorExport/"+e+"/unordered", "ns/op")
		fo, _ := get("FloorExport/"+e+"/ordered", "ns/op")
		row("E1 export (floor: the faster floor query)", e, p, minPositive(fu, fo), n, 1.5, "ns")
		row("E1 export vs the ordered floor", e, p, fo, n, 1.5, "ns")
		p, n = get("Export/"+e, "ttfb-ms")
		row("E1 first byte (ms, target < 1000)", e, p, 1000, n, 1, "ms")
		for _, step := range []string{"dryrun", "apply", "export"} {
			p, n = get("ImportRSS/"+e+"/"+step, "maxrss-MiB")
			row("I6 peak RSS "+step+" (MiB, target ≤ 512)", e, p, 512, n, 1, "MiB")
			if med2x != nil {
				if vs := med2x["BenchmarkImportRSS/"+e+"/"+step]["maxrss-MiB"]; len(vs) > 0 {
					row("I6 peak RSS "+step+" at 2× the lines", e, bench.Median(vs), p, len(vs), 1.6, "MiB")
				}
			}
		}
	}
	p, n := get("DecodeLayer", "ns/op")
	f, _ := get("FloorCSV", "ns/op")
	row("I5 decoding layer", "—", p, f, n, 3.0, "ns")

	sb.WriteString("\n| benchmark | unit | median | min | max | runs |\n|---|---|---:|---:|---:|---:|\n")
	for _, name := range slices.Sorted(maps.Keys(med)) {
		for _, unit := range slices.Sorted(maps.Keys(med[name])) {
			vs := med[name][unit]
			fmt.Fprintf(&sb, "| %s | %s | %s | %s | %s | %d |\n", strings.TrimPrefix(name, "Benchmark"), unit,
				show(bench.Median(vs), unit), show(slices.Min(vs), unit), show(slices.Max(vs), unit), len(vs))
		}
	}
	return sb.String()
}

// mediansOf reads benchmark output files and returns every value of the
// import and export benchmarks by name and unit.
func mediansOf(t *testing.T, pattern string) map[string]map[string][]float64 {
	t.Helper()
	names, err := filepath.Glob(pattern)
	if err != nil || len(names) == 0 {
		t.Fatalf("%s: no files (%v)", pattern, err)
	}
	out := map[string]map[string][]float64{}
	for _, name := range names {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		ms, err := bench.ParseBenchmarks(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if !importBenchmark(m.Name) {
				continue
			}
			if out[m.Name] == nil {
				out[m.Name] = map[string][]float64{}
			}
			for u, v := range m.Values {
				if u == "MB/s" {
					continue
				}
				out[m.Name][u] = append(out[m.Name][u], v)
			}
		}
	}
	return out
}

func importBenchmark(name string) bool {
	for _, p := range []string{"ImportDryRun/", "FloorDryRun/", "ImportUnchanged/", "ImportWorstCase/", "FloorReplace/",
		"ImportTenPercent/", "DecodeLayer", "FloorCSV", "Export/", "FloorExport/", "ImportRSS/"} {
		if strings.HasPrefix(name, "Benchmark"+p) {
			return true
		}
	}
	return false
}

// minPositive returns the smaller of two figures, ignoring a missing (0) one.
func minPositive(a, b float64) float64 {
	switch {
	case a <= 0:
		return b
	case b <= 0:
		return a
	}
	return min(a, b)
}

// show writes a value in its unit, durations (ns) in s or ms.
func show(v float64, unit string) string {
	switch {
	case v == 0:
		return ""
	case unit == "ns" || unit == "ns/op" || unit == "cpu-ns/op":
		if v >= 1e9 {
			return fmt.Sprintf("%.2f s", v/1e9)
		}
		return fmt.Sprintf("%.1f ms", v/1e6)
	case unit == "ttfb-ms" || unit == "ms":
		return fmt.Sprintf("%.0f ms", v)
	case strings.HasSuffix(unit, "MiB"):
		return fmt.Sprintf("%.0f MiB", v)
	}
	return fmt.Sprintf("%.3g", v)
}
