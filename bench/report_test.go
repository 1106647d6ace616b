package bench_test

import (
	"strings"
	"testing"

	"reportline/bench"
)

const sampleOutput = `goos: linux
pkg: reportline/bench
BenchmarkCycleCheck/sqlite/none-2            	    1000	    300000 ns/op
BenchmarkFloorTransitiveCheck/sqlite/none-2  	    1000	    100000 ns/op
bench: loaded 100000 users (untimed set-up)
BenchmarkCycleCheck/sqlite/none-2            	    1000	    500000 ns/op
BenchmarkCycleCheck/sqlite/none-2            	    1000	    200000 ns/op
BenchmarkQ1/postgres/c=16/floor-2   	     100	    250000 ns/op	   200.0 p50-us	  900.0 p99-us	  4000 req/s
BenchmarkQ1/postgres/c=16/http-2    	     100	   1250000 ns/op	  1000 p50-us	  4500 p99-us	   800.0 req/s
PASS
ok  	reportline/bench	3.061s
`

func TestSummarize(t *testing.T) {
	ms, err := bench.ParseBenchmarks(strings.NewReader(sampleOutput))
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 6 {
		t.Fatalf("%d measurements, want 6", len(ms))
	}
	rows := bench.Summarize(ms)
	byName := map[string]bench.Row{}
	for _, r := range rows {
		byName[r.Name] = r
	}
	cycle := byName["BenchmarkCycleCheck/sqlite/none"].Stats["ns/op"]
	if cycle.Runs != 3 || cycle.Median != 300000 || cycle.Min != 200000 || cycle.Max != 500000 || cycle.Floor != 100000 || cycle.Ratio != 3 {
		t.Errorf("cycle check: %+v, want 3 runs, median 300000 (200000 to 500000), floor 100000, ratio 3", cycle)
	}
	p99 := byName["BenchmarkQ1/postgres/c=16/http"].Stats["p99-us"]
	if p99.Median != 4500 || p99.Ratio != 5 {
		t.Errorf("Q1 p99: %+v, want median 4500, ratio 5", p99)
	}
	if rps := byName["BenchmarkQ1/postgres/c=16/http"].Stats["req/s"]; rps.Median != 800 || rps.Ratio != 0 {
		t.Errorf("Q1 req/s: %+v, want median 800 and no ratio", rps)
	}
	if floor := byName["BenchmarkFloorTransitiveCheck/sqlite/none"].Stats["ns/op"]; floor.Ratio != 0 {
		t.Errorf("a floor has a ratio: %+v", floor)
	}

	var out strings.Builder
	if err := bench.WriteMarkdown(&out, rows); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| CycleCheck/sqlite/none | 3 | 100 % | 300.0 µs | 3.0× |",
		"| Q1/postgres/c=16/http | 1 | 0 % | 1.25 ms | 5.0× | 1.00 ms | 5.0× | 4.50 ms | 5.0× | 800 |",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
}

func TestFloorOf(t *testing.T) {
	for name, want := range map[string]string{
		"BenchmarkAddManager/sqlite":           "BenchmarkFloorAddRemoveLink/sqlite",
		"BenchmarkReplaceManagers/postgres":    "BenchmarkFloorAddRemoveLink/postgres",
		"BenchmarkCycleCheck/sqlite/found":     "BenchmarkFloorTransitiveCheck/sqlite/found",
		"BenchmarkQ1/sqlite/c=1/http":          "BenchmarkQ1/sqlite/c=1/floor",
		"BenchmarkQ1/sqlite/c=1/app":           "BenchmarkQ1/sqlite/c=1/floor",
		"BenchmarkQ1/sqlite/c=1/floor":         "",
		"BenchmarkFloorDirectReports/postgres": "",
	} {
		if got := bench.FloorOf(name); got != want {
			t.Errorf("FloorOf(%s) = %q, want %q", name, got, want)
		}
	}
}
