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
	// AsOf is the date asked (YYYY-MM-DD), "" for today. A date in the
	// future is allowed: dated changes show there.
	AsOf string
	// Partial says the chart is drawn before the history's start: links
	// the audit log never recorded are missing.
	Partial  bool
	Managers []chartCard
	Reports  []chartCard
	// Compare is the other date asked ("" when none), CompareAt its
	// instant: cards then say what changed between it and the chart's
	// date, and the people gone since are drawn too.
	Compare   string
	CompareAt time.Time
	Changes   int
}

// chartCard is one person on the chart.
type chartCard struct {
	app.ChartNode
	URL   string // refocus the chart on them; "" when the viewer may not
	Class string // oc-line or oc-functional, plus oc-temporary
	// Change is, in a comparison, "added", "removed" or "changed" (kind
	// or dates) between the other date and the chart's; "" when the same.
	Change string
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
	p := orgChartPage{Chart: oc}
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
	if other := r.URL.Query().Get("compare"); other != "" {
		then, _, err := app.ParseAsOf(other)
		if err != nil {
			return reportline.FieldError("compare", other, "compare must be a date (YYYY-MM-DD) or an RFC 3339 time")
		}
		old, err := u.app.GetOrgChart(ctx, v.Actor, id, then)
		if err != nil {
			return err
		}
		p.Compare, p.CompareAt = then.Format(time.DateOnly), then
		p.Managers, p.Changes = compareCards(p.Managers, old.Managers, card)
		var n int
		p.Reports, n = compareCards(p.Reports, old.Reports, card)
		p.Changes += n
	}
	u.render(w, r, http.StatusOK, "orgchart", p)
	return nil
}

// compareCards marks the cards of the chart's date against the nodes of
// the other date: added, changed (kind or dates), or, for the people no
// longer there, added back as removed. It returns how many changed.
func compareCards(now []chartCard, then []app.ChartNode, card func(app.ChartNode) chartCard) ([]chartCard, int) {
	before := make(map[reportline.UserID]app.ChartNode, len(then))
	for _, n := range then {
		before[n.User.ID] = n
	}
	changes := 0
	seen := make(map[reportline.UserID]bool, len(now))
	for i := range now {
		seen[now[i].User.ID] = true
		old, ok := before[now[i].User.ID]
		switch {
		case !ok:
			now[i].Change = "added"
		case old.Link.Kind != now[i].Link.Kind || !old.Link.ValidFrom.Equal(now[i].Link.ValidFrom) || !old.Link.ValidUntil.Equal(now[i].Link.ValidUntil):
			now[i].Change = "changed"
		default:
			continue
		}
		changes++
	}
	for _, n := range then {
		if !seen[n.User.ID] {
			c := card(n)
			c.Change, c.Class = "removed", c.Class+" oc-removed"
			now = append(now, c)
			changes++
		}
	}
	return now, changes
}

// orgChartURL is the chart focused on a user, as of a date ("" today).
func orgChartURL(id reportline.UserID, asOf string) string {
	s := fmt.Sprintf("/users/%d/orgchart", id)
	if asOf != "" {
		s += "?as_of=" + url.QueryEscape(asOf)
	}
	return s
}
