package ui

import (
	"fmt"
	"net/http"
	"net/url"
	"time"

	"reportline"
	"reportline/app"
)

// The org chart (issue 19, docs/orgchart.md): one person in focus, their
// managers above (line and functional, temporary links with their dates),
// their direct reports below, each report's own team behind a link that
// refocuses the chart; an "as of" date (a GET form) draws it from the link
// history. Plain HTML and CSS: no script, so the strict CSP holds.

// orgChartPage is the org chart.
type orgChartPage struct {
	page
	Chart app.OrgChart
	// AsOf is the date asked (YYYY-MM-DD), "" for today; Today is today's
	// date, the date field's bound.
	AsOf, Today string
	// Partial says the chart is drawn before the history's start: links
	// the audit log never recorded are missing.
	Partial  bool
	Managers []chartCard
	Reports  []chartCard
}

// chartCard is one person on the chart.
type chartCard struct {
	app.ChartNode
	URL   string // refocus the chart on them; "" when the viewer may not
	Class string // oc-line or oc-functional, plus oc-temporary
}

func (u *UI) orgChart(w http.ResponseWriter, r *http.Request, v viewer) error {
	ctx := r.Context()
	id, err := userID(r)
	if err != nil {
		return err
	}
	at, asOf, err := app.ParseAsOf(r.URL.Query().Get("as_of"))
	if err != nil {
		return err
	}
	oc, err := u.app.GetOrgChart(ctx, v.Actor, id, at)
	if err != nil {
		return err
	}
	p := orgChartPage{Chart: oc, Today: time.Now().UTC().Format(time.DateOnly)}
	if asOf {
		p.AsOf = r.URL.Query().Get("as_of")
		if len(p.AsOf) > len(time.DateOnly) {
			p.AsOf = at.Format(time.DateOnly)
		}
	}
	p.Partial = !oc.HistoryStart.IsZero() && oc.At.Before(oc.HistoryStart)
	title := u.loc(r).T("orgchart.title", map[string]any{"Name": oc.Focus.Name()})
	if p.page, err = u.base(ctx, v, title, 0); err != nil {
		return err
	}
	card := func(n app.ChartNode) chartCard {
		c := chartCard{ChartNode: n, Class: "oc-" + string(n.Link.Kind)}
		if n.Temporary() {
			c.Class += " oc-temporary"
		}
		if n.Focusable {
			c.URL = orgChartURL(n.User.ID, p.AsOf)
		}
		return c
	}
	for _, n := range oc.Managers {
		p.Managers = append(p.Managers, card(n))
	}
	for _, n := range oc.Reports {
		p.Reports = append(p.Reports, card(n))
	}
	u.render(w, r, http.StatusOK, "orgchart", p)
	return nil
}

// orgChartURL is the chart focused on a user, as of a date ("" today).
func orgChartURL(id reportline.UserID, asOf string) string {
	s := fmt.Sprintf("/users/%d/orgchart", id)
	if asOf != "" {
		s += "?as_of=" + url.QueryEscape(asOf)
	}
	return s
}
