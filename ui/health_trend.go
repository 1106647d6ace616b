package ui

import (
	"fmt"
	"strings"

	"reportline/app"
)

// The health centre's counts over time (app.HierarchyHealthTrend): one row
// a problem, drawn as a small SVG line on the server (no script, styled by
// class) beside its first and last counts, and the same counts in a table
// of weeks, which is what a screen reader reads (the drawings are
// aria-hidden summaries of the row).

// healthTrend is the section's view.
type healthTrend struct {
	Trend app.HealthTrend
	Weeks []healthWeek
	Rows  []healthTrendRow
}

// healthWeek is one column: the end of a week.
type healthWeek struct {
	Label string
	Known bool
}

// healthTrendRow is one problem over the weeks.
type healthTrendRow struct {
	Problem  string // the catalogue's health.trend.<problem>
	Counts   []healthTrendCell
	First    int // the first known count
	Last     int
	Points   string // the polyline, in the drawing's viewBox
	Dots     []healthDot
	Rising   bool
	HasTrend bool // at least one known week
}

// healthTrendCell is one problem's count in one week.
type healthTrendCell struct {
	Count int
	Known bool
}

// healthDot is the last point of a line, marked.
type healthDot struct{ X, Y string }

// The drawing's viewBox: 120 × 32, a margin of 3.
const (
	trendW, trendH, trendPad = 120.0, 32.0, 3.0
)

// newHealthTrend lays out the trend for the page.
func newHealthTrend(t app.HealthTrend, date func(p app.HealthPoint) string) healthTrend {
	v := healthTrend{Trend: t}
	for _, p := range t.Points {
		v.Weeks = append(v.Weeks, healthWeek{Label: date(p), Known: p.Known})
	}
	for _, prob := range t.Problems {
		row := healthTrendRow{Problem: string(prob)}
		peak := 1
		for _, p := range t.Points {
			row.Counts = append(row.Counts, healthTrendCell{Count: p.Counts[prob], Known: p.Known})
			if p.Known && p.Counts[prob] > peak {
				peak = p.Counts[prob]
			}
		}
		var pts []string
		n := len(t.Points)
		for i, c := range row.Counts {
			if !c.Known {
				continue
			}
			x := trendPad
			if n > 1 {
				x += float64(i) * (trendW - 2*trendPad) / float64(n-1)
			}
			y := trendH - trendPad - float64(c.Count)*(trendH-2*trendPad)/float64(peak)
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y))
			if !row.HasTrend {
				row.First, row.HasTrend = c.Count, true
			}
			row.Last = c.Count
			row.Dots = []healthDot{{X: fmt.Sprintf("%.1f", x), Y: fmt.Sprintf("%.1f", y)}}
		}
		row.Points = strings.Join(pts, " ")
		row.Rising = row.Last > row.First
		v.Rows = append(v.Rows, row)
	}
	return v
}
