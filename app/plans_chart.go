package app

import (
	"context"
	"slices"
	"strings"

	"reportline"
	"reportline/usecase"
)

// The org chart before / after of a plan not yet applied (docs/plans.md):
// the part of the organisation the plan touches, the teams of the managers
// its changes name, as they are today and as the plan would leave them
// (the changes that pass the check, in order). ui draws each team with
// package orgchart's layout and the org chart's SVG (ui/plans_chart.go).

// The caps of the drawing: the teams drawn, and the reports drawn in each
// (the plan's own changes first); the rest are counted, not named.
const (
	planChartTeams   = 12
	planChartReports = 7
)

// The marks of a report in a plan's chart.
const (
	PlanChartAdded   = "added"   // after: a link the plan adds
	PlanChartRemoved = "removed" // before: a link the plan removes
	PlanChartChanged = "changed" // both: a link whose kind or dates the plan changes
)

// PlanChartReport is one report drawn under a manager.
type PlanChartReport struct {
	User   reportline.User
	Link   reportline.Link
	Change string // PlanChartAdded, PlanChartRemoved, PlanChartChanged; "" unchanged
}

// PlanTeam is one manager and the reports drawn under them.
type PlanTeam struct {
	Manager reportline.User
	Reports []PlanChartReport
	// More is how many of their other reports are not drawn (past the cap,
	// or people the viewer may not see: counted, never named).
	More int
}

// PlanChart is the affected part of the organisation today (Before) and
// as the plan would leave it (After), team by team in the same order.
type PlanChart struct {
	Before, After []PlanTeam
	// MoreTeams is how many more managers the plan touches than are drawn.
	MoreTeams int
}

// planChart computes a plan's chart in the viewer's scope (ac), from its
// items and their verdicts: a refused change is left out of the after.
func (a *App) planChart(ctx context.Context, tx visibilityTx, ac *usecase.Authority, items []reportline.PlanItem, checks []itemCheck) (*PlanChart, error) {
	var managers []reportline.UserID
	for _, it := range items {
		if !slices.Contains(managers, it.ManagerID) {
			managers = append(managers, it.ManagerID)
		}
	}
	ch := &PlanChart{}
	if len(managers) > planChartTeams {
		ch.MoreTeams = len(managers) - planChartTeams
		managers = managers[:planChartTeams]
	}
	now := a.now()
	for _, m := range managers {
		links, err := tx.Links(ctx, reportline.LinkFilter{ManagerID: m})
		if err != nil {
			return nil, err
		}
		before := map[reportline.UserID]reportline.Link{}
		for _, l := range links {
			if l.InEffect(now) || l.ValidFrom.After(now) {
				before[l.ManageeID] = l
			}
		}
		after := map[reportline.UserID]reportline.Link{}
		for e, l := range before {
			after[e] = l
		}
		markBefore, markAfter := map[reportline.UserID]string{}, map[reportline.UserID]string{}
		for i, it := range items {
			if it.ManagerID != m || checks[i].verdict != ItemOK {
				continue
			}
			e := it.ManageeID
			switch it.Op {
			case reportline.PlanAdd:
				after[e] = reportline.Link{ManagerID: m, ManageeID: e, Kind: it.Kind, ValidFrom: it.ValidFrom, ValidUntil: it.ValidUntil}
				markAfter[e] = PlanChartAdded
			case reportline.PlanRemove:
				delete(after, e)
				delete(markAfter, e)
				if _, ok := before[e]; ok {
					markBefore[e] = PlanChartRemoved
				}
			case reportline.PlanKind:
				after[e] = planTerms(checks[i].old, it)
				if markAfter[e] == "" {
					markAfter[e] = PlanChartChanged
				}
				if _, ok := before[e]; ok && markBefore[e] == "" {
					markBefore[e] = PlanChartChanged
				}
			}
		}
		ids := []reportline.UserID{m}
		for e := range before {
			ids = append(ids, e)
		}
		for e := range after {
			ids = append(ids, e)
		}
		slices.Sort(ids)
		users, err := tx.UsersByIDs(ctx, slices.Compact(ids))
		if err != nil {
			return nil, err
		}
		b, err := a.planTeam(ctx, tx, ac, users[m], before, markBefore, users)
		if err != nil {
			return nil, err
		}
		af, err := a.planTeam(ctx, tx, ac, users[m], after, markAfter, users)
		if err != nil {
			return nil, err
		}
		ch.Before, ch.After = append(ch.Before, b), append(ch.After, af)
	}
	return ch, nil
}

// planTeam draws a team: the reports the plan marks first (the plan's
// people: the viewer may see them), then the others by name, those the
// viewer may see, up to the cap; the rest counted.
func (a *App) planTeam(ctx context.Context, tx visibilityTx, ac *usecase.Authority, m reportline.User, links map[reportline.UserID]reportline.Link,
	marks map[reportline.UserID]string, users map[reportline.UserID]reportline.User) (PlanTeam, error) {
	t := PlanTeam{Manager: m}
	var marked, others []PlanChartReport
	for e, l := range links {
		u, ok := users[e]
		if !ok {
			continue
		}
		r := PlanChartReport{User: u, Link: l, Change: marks[e]}
		if r.Change != "" {
			marked = append(marked, r)
		} else if u.Active() {
			others = append(others, r)
		}
	}
	byName := func(x, y PlanChartReport) int {
		if c := strings.Compare(x.User.Name(), y.User.Name()); c != 0 {
			return c
		}
		return int(x.User.ID - y.User.ID)
	}
	slices.SortFunc(marked, byName)
	slices.SortFunc(others, byName)
	for _, r := range marked {
		if len(t.Reports) < planChartReports {
			t.Reports = append(t.Reports, r)
		} else {
			t.More++
		}
	}
	for _, r := range others {
		if len(t.Reports) >= planChartReports {
			t.More++
			continue
		}
		ok, err := a.mayView(ctx, tx, ac, r.User.ID)
		if err != nil {
			return t, err
		}
		if ok {
			t.Reports = append(t.Reports, r)
		} else {
			t.More++
		}
	}
	return t, nil
}
