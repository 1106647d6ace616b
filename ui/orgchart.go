package ui

import (
	"net/http"
	"strings"
	"time"

	"reportline"
	"reportline/app"
)

// The org chart (issue 19, docs/orgchart.md): one person in focus, their
// managers and the line chain above, their reports below and the reports
// of whoever is expanded (a link that re-renders the chart with them
// expanded), drawn as SVG on the server (orgchart_svg.go); an "as of" date
// draws it from the link history, a second date compares; a search box
// jumps to someone the viewer may see. No script: the strict CSP holds.

// orgChartPage is the org chart.
type orgChartPage struct {
	page
	Chart app.ChartTree
	// View is "table" for the chart as a table, "" for the drawing: the
	// forms of the page's head (layout/orgchart_head.html) keep it.
	View string
	// AsOf is the date asked (YYYY-MM-DD), "" for today. A date in the
	// future is allowed: dated changes show there.
	AsOf string
	// Partial says the chart is drawn before the history's start: links
	// the audit log never recorded are missing.
	Partial bool
	SVG     chartSVG
	// Compare is the other date asked ("" when none), CompareAt its
	// instant, Changes how many links differ.
	Compare   string
	CompareAt time.Time
	Changes   int
	// Query is the search asked, Found whom it found (links to their
	// charts), Searched whether a search was made.
	Query    string
	Found    []foundPerson
	Searched bool
	// AllURL expands everyone (within the budget); CollapseURL undoes
	// every expansion; MoreHidden how many people are not drawn.
	AllURL      string
	ShowAll     bool // someone drawn has reports not drawn, and not every level is asked for
	CollapseURL string
	MoreHidden  int
	// TableURL is the same chart as a table (orgchart_table.go).
	TableURL string
}

// foundPerson is one search result.
type foundPerson struct {
	Name, Meta, URL string
	Inactive        bool
}

func (u *UI) orgChart(w http.ResponseWriter, r *http.Request, v viewer) error {
	ctx := r.Context()
	id, err := userID(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	at, asOf, err := app.ParseAsOf(q.Get("as_of"))
	if err != nil {
		return err
	}
	expand, err := parseExpand(q.Get("expand"))
	if err != nil {
		return err
	}
	st := chartState{Focus: id, Expand: expand, All: q.Get("all") == "1"}
	req := app.ChartRequest{Focus: id, At: at, Expand: expand, All: st.All}
	ct, err := u.app.GetOrgChartTree(ctx, v.Actor, req)
	if err != nil {
		return err
	}
	p := orgChartPage{Chart: ct}
	if asOf {
		p.AsOf = q.Get("as_of")
		if len(p.AsOf) > len(time.DateOnly) {
			p.AsOf = at.Format(time.DateOnly)
		}
		st.AsOf = p.AsOf
	}
	var old *app.ChartTree
	if other := q.Get("compare"); other != "" {
		then, _, err := app.ParseAsOf(other)
		if err != nil {
			return reportline.FieldError("compare", other, "compare must be a date (YYYY-MM-DD) or an RFC 3339 time")
		}
		req.At = then
		o, err := u.app.GetOrgChartTree(ctx, v.Actor, req)
		if err != nil {
			return err
		}
		old = &o
		p.Compare, p.CompareAt = then.Format(time.DateOnly), then
		st.Compare = p.Compare
	}
	p.Partial = !ct.HistoryStart.IsZero() && ct.At.Before(ct.HistoryStart)
	l := u.loc(r)
	title := l.T("orgchart.title", map[string]any{"Name": ct.Focus.Name()})
	if p.page, err = u.base(ctx, v, title, 0); err != nil {
		return err
	}
	people, above := chartPeople(ct)
	if old != nil {
		above, p.Changes = compareTrees(ct, *old, people, above)
	}
	p.SVG = drawChart(l, st, ct, people, above)
	for _, n := range ct.MoreOf {
		p.MoreHidden += n
	}
	p.AllURL = st.url(id, nil, true, "")
	for _, n := range append(ct.Reports, flatten(ct.Below)...) {
		if n.Reports > 0 && !ct.Expanded[n.User.ID] && n.Openable {
			p.ShowAll = !st.All
		}
	}
	if len(expand) > 0 || st.All {
		p.CollapseURL = st.url(id, nil, false, "")
	}
	if p.Query = strings.TrimSpace(q.Get("q")); p.Query != "" {
		p.Searched = true
		found, err := u.app.SearchChart(ctx, v.Actor, p.Query, 20)
		if err != nil {
			return err
		}
		for _, f := range found {
			p.Found = append(p.Found, foundPerson{Name: f.Name(), Meta: firstOf(f.Position, f.OrgUnit, f.Email),
				URL: st.url(f.ID, nil, false, ""), Inactive: !f.Active()})
		}
	}
	p.TableURL = tableURL(st.url(id, expand, st.All, ""))
	if q.Get("view") == "table" { // the accessible alternative (orgchart_table.go)
		u.renderChartTable(w, r, p, st, people, above)
		return nil
	}
	u.render(w, r, http.StatusOK, "orgchart", p)
	return nil
}

// chartPeople arranges a chart's nodes for drawing: the people under each
// expanded person (with a "+N more" card when the budget ran out), and the
// rows above the focus, nearest first.
func chartPeople(ct app.ChartTree) (map[reportline.UserID][]chartPerson, [][]chartPerson) {
	people := map[reportline.UserID][]chartPerson{}
	put := func(parent reportline.UserID, ns []app.ChartNode) {
		for _, n := range ns {
			people[parent] = append(people[parent], chartPerson{ChartNode: n, Tier: "report", Parent: parent})
		}
	}
	put(ct.Focus.ID, ct.Reports)
	for m, ns := range ct.Below {
		put(m, ns)
	}
	for m, n := range ct.MoreOf {
		focusable := m == ct.Focus.ID
		for _, c := range append(ct.Reports, flatten(ct.Below)...) {
			if c.User.ID == m {
				focusable = c.Focusable
			}
		}
		people[m] = append(people[m], chartPerson{ChartNode: app.ChartNode{Focusable: focusable && m != ct.Focus.ID}, More: n, Parent: m, Tier: "more"})
	}
	var above [][]chartPerson
	if len(ct.Managers) > 0 {
		var row []chartPerson
		for _, n := range ct.Managers {
			row = append(row, chartPerson{ChartNode: n, Tier: "manager"})
		}
		above = append(above, row)
	}
	for _, n := range ct.Chain {
		above = append(above, []chartPerson{{ChartNode: n, Tier: "chain"}})
	}
	return people, above
}

func flatten(m map[reportline.UserID][]app.ChartNode) []app.ChartNode {
	var out []app.ChartNode
	for _, ns := range m {
		out = append(out, ns...)
	}
	return out
}

// compareTrees marks, against the chart of the other date, who is new
// under their manager, whose link changed (kind or dates) and, for the
// people gone since, adds them back as removed under the manager they were
// under (when that manager is expanded now) or in the managers' row. It
// returns how many changed.
func compareTrees(now, then app.ChartTree, people map[reportline.UserID][]chartPerson, above [][]chartPerson) ([][]chartPerson, int) {
	type pair struct{ m, e reportline.UserID }
	before := map[pair]app.ChartNode{}
	thenUnder := map[reportline.UserID][]app.ChartNode{now.Focus.ID: then.Reports}
	for m, ns := range then.Below {
		thenUnder[m] = ns
	}
	for m, ns := range thenUnder {
		for _, n := range ns {
			before[pair{m, n.User.ID}] = n
		}
	}
	changes := 0
	mark := func(p *chartPerson, old app.ChartNode, ok bool) {
		switch {
		case !ok:
			p.Change = "added"
		case old.Link.Kind != p.Link.Kind || !old.Link.ValidFrom.Equal(p.Link.ValidFrom) || !old.Link.ValidUntil.Equal(p.Link.ValidUntil):
			p.Change = "changed"
		default:
			return
		}
		changes++
	}
	for m, ps := range people {
		if !now.Expanded[m] {
			continue
		}
		here := map[reportline.UserID]bool{}
		for i := range ps {
			if ps[i].More > 0 {
				continue
			}
			here[ps[i].User.ID] = true
			old, ok := before[pair{m, ps[i].User.ID}]
			mark(&ps[i], old, ok)
		}
		if !then.Expanded[m] {
			continue
		}
		for _, n := range thenUnder[m] {
			if !here[n.User.ID] {
				people[m] = append(people[m], chartPerson{ChartNode: n, Tier: "report", Change: "removed", Parent: m})
				changes++
			}
		}
	}
	// The managers' row.
	oldManagers := map[reportline.UserID]app.ChartNode{}
	for _, n := range then.Managers {
		oldManagers[n.User.ID] = n
	}
	if len(above) == 0 && len(then.Managers) > 0 {
		above = append(above, nil)
	}
	if len(above) > 0 {
		here := map[reportline.UserID]bool{}
		for i := range above[0] {
			here[above[0][i].User.ID] = true
			old, ok := oldManagers[above[0][i].User.ID]
			mark(&above[0][i], old, ok)
		}
		for _, n := range then.Managers {
			if !here[n.User.ID] {
				above[0] = append(above[0], chartPerson{ChartNode: n, Tier: "manager", Change: "removed"})
				changes++
			}
		}
	}
	return above, changes
}
