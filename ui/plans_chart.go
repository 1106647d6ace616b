package ui

import (
	"fmt"
	"strings"

	"reportline/app"
	"reportline/i18n"
	"reportline/orgchart"
)

// A plan's org chart before / after (docs/plans.md): each team the plan
// touches (app.PlanChart) is laid out by package orgchart and drawn with
// the org chart's cards (card, orgchart_svg.go), today and as the plan
// would leave it. A team's reports are always stacked in one column (at
// most 8 cards, the cap app sets), so a team is 232 px wide whatever its
// size: readable on a phone without scaling, side by side on a laptop.

var planChartOptions = func() orgchart.Options {
	o := chartOptions
	o.StackAt, o.StackRows = 1, 8
	return o
}()

// planChartView is the two sides, team by team.
type planChartView struct {
	Before, After []planTeamSVG
	MoreTeams     int
	Changes       int // the links marked on either side
}

// planTeamSVG is one team's drawing.
type planTeamSVG struct {
	chartSVG
	ID    string // the svg's element id: plan-before-1…
	Label string // the svg's accessible name
	Empty bool   // nobody under the manager on this side
}

func drawPlanChart(l *i18n.Localizer, ch *app.PlanChart) *planChartView {
	if ch == nil {
		return nil
	}
	v := &planChartView{MoreTeams: ch.MoreTeams}
	for i, t := range ch.Before {
		v.Before = append(v.Before, drawPlanTeam(l, "before", i, t, &v.Changes))
	}
	for i, t := range ch.After {
		v.After = append(v.After, drawPlanTeam(l, "after", i, t, &v.Changes))
	}
	return v
}

func drawPlanTeam(l *i18n.Localizer, side string, i int, t app.PlanTeam, changes *int) planTeamSVG {
	persons := []chartPerson{{ChartNode: app.ChartNode{User: t.Manager}, Tier: "focus"}}
	root := &orgchart.Node{ID: 0}
	for _, r := range t.Reports {
		persons = append(persons, chartPerson{ChartNode: app.ChartNode{User: r.User, Link: r.Link}, Tier: "report", Change: r.Change, Parent: t.Manager.ID})
		root.Children = append(root.Children, &orgchart.Node{ID: int64(len(persons) - 1)})
		if r.Change != "" {
			*changes++
		}
	}
	if t.More > 0 {
		persons = append(persons, chartPerson{More: t.More, Parent: t.Manager.ID, Tier: "more"})
		root.Children = append(root.Children, &orgchart.Node{ID: int64(len(persons) - 1)})
	}
	res := orgchart.Layout(orgchart.Input{Root: root}, planChartOptions)
	prefix := fmt.Sprintf("plan-%s-%d-", side, i+1)
	out := planTeamSVG{chartSVG: chartSVG{Width: res.Width, Height: res.Height}, ID: fmt.Sprintf("plan-%s-%d", side, i+1),
		Label: l.T("plans.chart.team", map[string]any{"Name": t.Manager.Name()}), Empty: len(t.Reports) == 0 && t.More == 0}
	for _, c := range res.Cards {
		p := persons[c.ID]
		sc := card(l, chartState{}, app.ChartTree{}, p, c.X, c.Y)
		sc.ID = prefix + sc.ID
		if p.Change == app.PlanChartRemoved {
			// Today's link the plan removes: it reads "leaves", not "gone".
			sc.Note = l.T("plans.chart.leaves", nil)
		}
		out.Cards = append(out.Cards, sc)
	}
	for _, ln := range res.Lines {
		lower := persons[res.Cards[ln.To].ID]
		pts := make([]string, len(ln.Points))
		for k, pt := range ln.Points {
			pts[k] = fmt.Sprintf("%d,%d", pt[0], pt[1])
		}
		cls := "oc-edge oc-edge-" + string(lower.Link.Kind)
		switch {
		case lower.More > 0:
			cls = "oc-edge oc-edge-more"
		case lower.Change == app.PlanChartRemoved:
			cls += " oc-edge-removed"
		case lower.Change != "":
			cls += " oc-edge-" + lower.Change
		case lower.Temporary():
			cls += " oc-edge-temporary"
		}
		out.Lines = append(out.Lines, svgLine{Points: strings.Join(pts, " "), Class: cls})
	}
	return out
}
