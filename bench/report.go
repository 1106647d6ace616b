package bench

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Result lines of `go test -bench` output, e.g.
//
//	BenchmarkQ1/sqlite/c=1/http-2   1000   392800 ns/op   385.6 p50-us   2566 req/s
var (
	benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+(\d+)\s+(.*)$`)
	procs     = regexp.MustCompile(`-\d+$`)
)

// Measurement is one result line: a benchmark's name (without the
// GOMAXPROCS suffix) and its values by unit (ns/op, p50-us, …).
type Measurement struct {
	Name   string
	Values map[string]float64
}

// ParseBenchmarks reads `go test -bench` output and returns its result
// lines, ignoring everything else (logs, PASS, ok …).
func ParseBenchmarks(r io.Reader) ([]Measurement, error) {
	var out []Measurement
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(strings.TrimSpace(sc.Text()))
		if m == nil {
			continue
		}
		fields := strings.Fields(m[3])
		if len(fields)%2 != 0 {
			continue
		}
		meas := Measurement{Name: procs.ReplaceAllString(m[1], ""), Values: map[string]float64{}}
		for i := 0; i < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				return nil, fmt.Errorf("bench: %q: %w", sc.Text(), err)
			}
			meas.Values[fields[i+1]] = v
		}
		out = append(out, meas)
	}
	return out, sc.Err()
}

// floorRules map a product benchmark to the floor measured next to it:
// the first rule whose old string the name contains applies.
var floorRules = []struct{ old, new string }{
	{"BenchmarkAddManager/", "BenchmarkFloorAddRemoveLink/"},
	{"BenchmarkReplaceManagers/", "BenchmarkFloorAddRemoveLink/"},
	{"BenchmarkCycleCheck/", "BenchmarkFloorTransitiveCheck/"},
	{"/http", "/floor"},
	{"/app", "/floor"},
}

// FloorOf returns the name of the floor benchmark of a product benchmark,
// "" when it has none (a floor itself, or an unpaired benchmark).
func FloorOf(name string) string {
	for _, r := range floorRules {
		if strings.Contains(name, r.old) {
			return strings.Replace(name, r.old, r.new, 1)
		}
	}
	return ""
}

// Stat is the median of one unit of one benchmark over every run, with the
// median of its floor in the same unit and their ratio.
type Stat struct {
	Runs     int
	Median   float64
	Min, Max float64
	Floor    float64 // 0 when the benchmark has no floor
	Ratio    float64 // Median / Floor; 0 when no floor
}

// Row is the summary of one benchmark.
type Row struct {
	Name  string
	Stats map[string]Stat // by unit: ns/op, p50-us, p99-us, req/s
}

// units lists the units summarised, in display order.
var units = []string{"ns/op", "p50-us", "p99-us", "req/s"}

// Summarize returns the median of every benchmark and unit over all the
// runs given (rounds, -count), in order of first appearance, with the ratio
// to the floor's median where the benchmark has a floor. Throughput gets no
// ratio: its floor is the other way up.
func Summarize(ms []Measurement) []Row {
	var names []string
	values := map[string]map[string][]float64{}
	for _, m := range ms {
		if values[m.Name] == nil {
			values[m.Name] = map[string][]float64{}
			names = append(names, m.Name)
		}
		for u, v := range m.Values {
			values[m.Name][u] = append(values[m.Name][u], v)
		}
	}
	rows := make([]Row, 0, len(names))
	for _, name := range names {
		row := Row{Name: name, Stats: map[string]Stat{}}
		floor := FloorOf(name)
		for _, u := range units {
			vs := values[name][u]
			if len(vs) == 0 {
				continue
			}
			st := Stat{Runs: len(vs), Median: Median(vs), Min: slices.Min(vs), Max: slices.Max(vs)}
			if fv := values[floor][u]; len(fv) > 0 && u != "req/s" {
				st.Floor = Median(fv)
				if st.Floor > 0 {
					st.Ratio = st.Median / st.Floor
				}
			}
			row.Stats[u] = st
		}
		rows = append(rows, row)
	}
	return rows
}

// Median returns the median of vs (the mean of the middle two for an even
// count), 0 for none.
func Median(vs []float64) float64 {
	s := slices.Sorted(slices.Values(vs))
	n := len(s)
	switch {
	case n == 0:
		return 0
	case n%2 == 1:
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// WriteMarkdown writes rows as a Markdown table: per benchmark the number
// of runs, the spread of time/op over the runs ((max − min) / median), then
// each unit's median followed by its ratio to the floor.
func WriteMarkdown(w io.Writer, rows []Row) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "| benchmark | runs | spread | time/op | × floor | p50 | × floor | p99 | × floor | req/s |")
	fmt.Fprintln(bw, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range rows {
		runs, spread := 0, ""
		if st, ok := r.Stats["ns/op"]; ok && st.Median > 0 {
			spread = strconv.FormatFloat(100*(st.Max-st.Min)/st.Median, 'f', 0, 64) + " %"
		}
		cells := []string{strings.TrimPrefix(r.Name, "Benchmark"), "", spread}
		for _, u := range units {
			st, ok := r.Stats[u]
			runs = max(runs, st.Runs)
			val, ratio := "", ""
			if ok {
				val = format(st.Median, u)
			}
			if st.Ratio > 0 {
				ratio = strconv.FormatFloat(st.Ratio, 'f', 1, 64) + "×"
			}
			cells = append(cells, val)
			if u != "req/s" {
				cells = append(cells, ratio)
			}
		}
		cells[1] = strconv.Itoa(runs)
		fmt.Fprintf(bw, "| %s |\n", strings.Join(cells, " | "))
	}
	return bw.Flush()
}

// format writes a value readably: durations in µs or ms, rates whole.
func format(v float64, unit string) string {
	switch unit {
	case "ns/op":
		v /= 1e3
		fallthrough
	case "p50-us", "p99-us":
		if v >= 1000 {
			return strconv.FormatFloat(v/1e3, 'f', 2, 64) + " ms"
		}
		return strconv.FormatFloat(v, 'f', 1, 64) + " µs"
	default:
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
}
