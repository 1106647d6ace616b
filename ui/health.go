package ui

import (
	"fmt"
	"net/http"
	"strconv"

	"reportline"
	"reportline/app"
)

// The hierarchy health centre (/reports/health; issue 19): the counts of
// app.HierarchyHealth, each with what to do and a link to the page that
// does it, and a few people to start with.

// healthPage is the centre.
type healthPage struct {
	page
	Health  app.Health
	Cards   []healthCard
	Groups  []groupChoice
	GroupID reportline.GroupID
	WideAt  int
	Trend   healthTrend // the counts over time (health_trend.go)
}

// healthCard is one problem.
type healthCard struct {
	Problem  string // the catalogue's health.<problem>.* messages
	Count    int
	FixURL   string // the page that fixes it, "" when the examples are the way
	Examples []healthExampleRow
}

// healthExampleRow is one person (or sync run) of a problem.
type healthExampleRow struct {
	Label, Detail, URL string
	Count              int
}

func (u *UI) health(w http.ResponseWriter, r *http.Request, v viewer) error {
	ctx := r.Context()
	group := contextGroup(r)
	h, err := u.app.HierarchyHealth(ctx, v.Actor, group)
	if err != nil {
		return err
	}
	tr, err := u.app.HierarchyHealthTrend(ctx, v.Actor, group, app.HealthTrendWeeks)
	if err != nil {
		return err
	}
	p := healthPage{Health: h, GroupID: group, WideAt: app.WideSpan,
		Trend: newHealthTrend(tr, func(pt app.HealthPoint) string { return u.loc(r).ShortDate(pt.At) })}
	if p.page, err = u.base(ctx, v, u.loc(r).T("health.title", nil), group); err != nil {
		return err
	}
	p.Here = "orphans"
	var walk func(nodes []*navNode)
	walk = func(nodes []*navNode) {
		for _, n := range nodes {
			if n.Administered {
				label := n.Name
				for range n.Depth {
					label = "· " + label
				}
				p.Groups = append(p.Groups, groupChoice{ID: n.ID, Label: label, Selected: n.ID == group})
			}
			walk(n.Children)
		}
	}
	walk(p.Nav)
	for _, c := range h.Checks {
		card := healthCard{Problem: string(c.Problem), Count: c.Count}
		for _, e := range c.Examples {
			row := healthExampleRow{Label: e.User.Name(), Detail: e.User.Email, Count: e.Count}
			switch c.Problem {
			case app.HealthWideSpan:
				row.URL = fmt.Sprintf("/users/%d/orgchart", e.User.ID)
			case app.HealthDirectory:
				row.Label, row.Detail = sourceLabel(e.Run.Source), u.loc(r).ShortDate(e.Run.Started)
				row.URL = fmt.Sprintf("/directory/sync/runs/%d", e.Run.ID)
			default:
				row.URL = userURL(e.User.ID, "/managers", p.page)
			}
			if row.Detail == row.Label {
				row.Detail = ""
			}
			card.Examples = append(card.Examples, row)
		}
		switch c.Problem {
		case app.HealthNoManager:
			card.FixURL = "/people?nomanager=1"
		case app.HealthOnlyInactive:
			card.FixURL = withQuery("/reports/orphans", "reason", string(app.OrphanInactive), "group", groupParam(group))
		case app.HealthInactiveManager:
			card.FixURL = withQuery("/reports/orphans", "reason", string(app.OrphanInactive), "group", groupParam(group))
		case app.HealthFunctionalOnly, app.HealthWideSpan:
			card.FixURL = "/managers/bulk"
		case app.HealthDirectory:
			card.FixURL = "/directory/sync"
		}
		p.Cards = append(p.Cards, card)
	}
	u.render(w, r, http.StatusOK, "health", p)
	return nil
}

// groupParam is a group id as a query value, "" for none.
func groupParam(g reportline.GroupID) string {
	if g == 0 {
		return ""
	}
	return strconv.FormatInt(int64(g), 10)
}
