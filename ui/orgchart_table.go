package ui

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"reportline"
	"reportline/app"
	"reportline/i18n"
)

// The org chart's table view (/users/{id}/orgchart?view=table; issue 19):
// the same people as the drawing — the same focus, expansions, as-of date
// and comparison — as two tables a screen reader and a keyboard read in
// order: who is above the focus and whom they manage, then everyone below,
// in outline order (each person under the one they report to), with their
// manager, the kind of link, a temporary link's dates, their status, their
// number of reports and, comparing, what changed. It is the accessible
// alternative to the SVG; each page links to the other, keeping every
// parameter.

// chartTablePage is the table view.
type chartTablePage struct {
	orgChartPage
	Above    []chartTableRow
	Below    []chartTableRow
	ChartURL string // the same chart, drawn
}

// chartTableRow is one person in the table.
type chartTableRow struct {
	ID       string // the row's id, the anchor expansions return to
	Name     string
	URL      string // their chart (as a table), "" when the viewer may not refocus on them
	Meta     string // position or unit
	Level    int    // 1 for the focus's reports, 2 for theirs…
	Relation string // "reports to X" / "manager of X"
	Kind     string
	Dates    string // a temporary link's dates, "" for a permanent one
	Inactive bool
	Reports  int
	More     int // a "+N more" row: how many are not listed
	// ToggleURL shows or hides their reports; ToggleLabel says which.
	ToggleURL, ToggleLabel string
	Change                 string // added, removed, changed, ""
	ChangeLabel            string
	ChangeFlag             string // the flag's class
	Comparing, Below       bool   // the table has the Change column; the Reports one
}

// tableURL is a chart URL in the table view.
func tableURL(u string) string {
	frag := ""
	if i := strings.IndexByte(u, '#'); i >= 0 {
		u, frag = u[:i], u[i:]
	}
	if strings.Contains(u, "?") {
		return u + "&view=table" + frag
	}
	return u + "?view=table" + frag
}

// renderChartTable renders the table view of the chart p describes.
func (u *UI) renderChartTable(w http.ResponseWriter, r *http.Request, p orgChartPage, st chartState,
	people map[reportline.UserID][]chartPerson, above [][]chartPerson) {
	l := u.loc(r)
	names := map[reportline.UserID]string{p.Chart.Focus.ID: p.Chart.Focus.Name()}
	for _, row := range above {
		for _, c := range row {
			names[c.User.ID] = c.User.Name()
		}
	}
	for _, ps := range people {
		for _, c := range ps {
			if c.More == 0 {
				names[c.User.ID] = c.User.Name()
			}
		}
	}
	p.View = "table"
	tp := chartTablePage{orgChartPage: p, ChartURL: st.url(st.Focus, st.Expand, st.All, "")}
	tp.AllURL = tableURL(p.AllURL)
	if p.CollapseURL != "" {
		tp.CollapseURL = tableURL(p.CollapseURL)
	}
	tp.Found = nil
	for _, f := range p.Found {
		f.URL = tableURL(f.URL)
		tp.Found = append(tp.Found, f)
	}
	for _, row := range above {
		for _, c := range row {
			tr := chartRow(l, st, p.Chart, c, 0)
			tr.Relation = l.T("orgchart.table.manager_of", map[string]any{"Name": names[c.Link.ManageeID]})
			tr.Comparing = st.Compare != ""
			tp.Above = append(tp.Above, tr)
		}
	}
	var walk func(m reportline.UserID, level int)
	walk = func(m reportline.UserID, level int) {
		for _, c := range people[m] {
			tr := chartRow(l, st, p.Chart, c, level)
			tr.Relation = l.T("orgchart.table.reports_to", map[string]any{"Name": names[m]})
			tr.Comparing, tr.Below = st.Compare != "", true
			tp.Below = append(tp.Below, tr)
			if c.More == 0 && c.Change != "removed" && p.Chart.Expanded[c.User.ID] {
				walk(c.User.ID, level+1)
			}
		}
	}
	walk(p.Chart.Focus.ID, 1)
	u.render(w, r, http.StatusOK, "orgchart_table", tp)
}

// chartRow describes one person (or a "+N more") as a row.
func chartRow(l *i18n.Localizer, st chartState, ct app.ChartTree, c chartPerson, level int) chartTableRow {
	if c.More > 0 {
		row := chartTableRow{ID: fmt.Sprintf("oc-row-more-%d", c.Parent), Level: level, More: c.More,
			Name: l.N("orgchart.more.card", c.More, nil)}
		if c.Focusable {
			row.URL = tableURL(st.url(c.Parent, nil, false, ""))
		}
		return row
	}
	row := chartTableRow{ID: fmt.Sprintf("oc-row-%d", c.User.ID), Name: c.User.Name(), Meta: firstOf(c.User.Position, c.User.OrgUnit),
		Level: level, Kind: l.T("kind."+string(c.Link.Kind), nil), Inactive: !c.User.Active(), Reports: c.Reports, Change: c.Change}
	if c.Temporary() {
		row.Dates = dates(l, c.Link)
	}
	if c.Change != "" {
		row.ChangeLabel = l.T("orgchart.change."+c.Change, nil)
		row.ChangeFlag = map[string]string{"added": "flag-ok", "changed": "flag-info", "removed": "flag-bad"}[c.Change]
	}
	if c.Focusable && c.Change != "removed" {
		row.URL = tableURL(st.url(c.User.ID, nil, false, ""))
	}
	if c.Tier == "report" && c.Reports > 0 && c.Change != "removed" {
		switch {
		case ct.Expanded[c.User.ID]:
			row.ToggleURL = tableURL(st.url(st.Focus, slices.DeleteFunc(slices.Clone(st.Expand), func(id reportline.UserID) bool { return id == c.User.ID }), false, row.ID))
			row.ToggleLabel = l.T("orgchart.collapse.one", map[string]any{"Name": c.User.Name()})
		case c.Openable:
			row.ToggleURL = tableURL(st.url(st.Focus, append(slices.Clone(st.Expand), c.User.ID), st.All, row.ID))
			row.ToggleLabel = l.N("orgchart.expand.one", c.Reports, map[string]any{"Name": c.User.Name()})
		}
	}
	return row
}
