package app

import (
	"context"
	"slices"
	"strings"
	"time"

	"reportline"
	"reportline/policy"
	"reportline/usecase"
)

// The org chart of several levels (issue 19, second round; docs/orgchart.md):
// the focus, their managers and the line chain above the first of them,
// their reports, and the reports of whoever the viewer expanded, as of an
// instant, at most orgChartMaxReports people below the focus.
//
// Who is drawn and who is opened is today's authorization, as in asof.go:
// the focus must be visible to the viewer (user.read); a person's reports
// are read when the viewer may see that person, or when the person is in
// the viewer's own line subtree as of the chart's instant (the chart
// focused on the viewer, or on anyone below them by line links, opens the
// rest of that subtree, as My team's "all" does). People drawn but not
// opened show how many reports they have and no expand link.

// orgChartChain bounds the line chain drawn above the first line manager.
const orgChartChain = 3

// orgChartMaxExpand bounds how many people one request may expand.
const orgChartMaxExpand = 64

// ChartRequest asks for an org chart.
type ChartRequest struct {
	Focus reportline.UserID
	At    time.Time // zero: now
	// Expand are the people below the focus whose reports are drawn too
	// (at most orgChartMaxExpand); All expands everyone, breadth first,
	// until orgChartMaxReports people are drawn.
	Expand []reportline.UserID
	All    bool
}

// ChartTree is an org chart of several levels.
type ChartTree struct {
	OrgChart
	// Chain is the line chain above the focus's first line manager,
	// nearest first.
	Chain []ChartNode
	// Below are the drawn reports of each expanded person (the focus's
	// are OrgChart.Reports), by name; MoreOf how many of someone's
	// reports are not drawn (the budget ran out).
	Below  map[reportline.UserID][]ChartNode
	MoreOf map[reportline.UserID]int
	// Expanded are the people whose reports are drawn, focus included.
	Expanded map[reportline.UserID]bool
	// Drawn is how many people are drawn below the focus.
	Drawn int
}

// GetOrgChartTree returns the org chart of a request; see the rules above.
func (a *App) GetOrgChartTree(ctx context.Context, actor Actor, req ChartRequest) (ChartTree, error) {
	if req.At.IsZero() {
		req.At = a.now()
	}
	at := req.At
	ct := ChartTree{OrgChart: OrgChart{At: at}, Below: map[reportline.UserID][]ChartNode{}, MoreOf: map[reportline.UserID]int{},
		Expanded: map[reportline.UserID]bool{}}
	if len(req.Expand) > orgChartMaxExpand {
		return ct, reportline.FieldError("expand", "", "at most %d people may be expanded at once", orgChartMaxExpand)
	}
	expand := make(map[reportline.UserID]bool, len(req.Expand))
	for _, id := range req.Expand {
		expand[id] = true
	}
	err := a.asOfStore().Read(ctx, func(tx asOfTx) error {
		ac, err := usecase.LoadAuthority(ctx, tx, actor)
		if err != nil {
			return err
		}
		focus := req.Focus
		if ok, err := a.mayView(ctx, tx, ac, focus); err != nil {
			return err
		} else if !ok {
			return usecase.NotVisible()
		}
		if ct.Focus, err = tx.User(ctx, focus); err != nil {
			return err
		}
		if ct.HistoryStart, err = tx.HistoryStart(ctx); err != nil {
			return err
		}
		visible := map[reportline.UserID]bool{}
		mayView := func(id reportline.UserID) (bool, error) {
			if v, ok := visible[id]; ok {
				return v, nil
			}
			v, err := a.mayView(ctx, tx, ac, id)
			visible[id] = v
			return v, err
		}
		node := func(lu LinkedUser) (ChartNode, error) {
			ok, err := mayView(lu.User.ID)
			return ChartNode{User: lu.User, Link: lu.Link, Focusable: ok}, err
		}

		// Above: the managers, line first, then the chain.
		managers, err := linkedAsOf(ctx, tx, reportline.Managers, focus, at)
		if err != nil {
			return err
		}
		slices.SortStableFunc(managers, func(x, y LinkedUser) int { return kindRank(x.Link.Kind) - kindRank(y.Link.Kind) })
		seen := map[reportline.UserID]bool{focus: true}
		for _, m := range managers {
			n, err := node(m)
			if err != nil {
				return err
			}
			seen[m.User.ID] = true
			ct.Managers = append(ct.Managers, n)
		}
		if len(managers) > 0 && managers[0].Link.Kind == reportline.Line {
			cur := managers[0].User.ID
			for range orgChartChain {
				up, err := linkedAsOf(ctx, tx, reportline.Managers, cur, at)
				if err != nil {
					return err
				}
				i := slices.IndexFunc(up, func(lu LinkedUser) bool { return lu.Link.Kind == reportline.Line && !seen[lu.User.ID] })
				if i < 0 {
					break
				}
				n, err := node(up[i])
				if err != nil {
					return err
				}
				seen[n.User.ID] = true
				ct.Chain = append(ct.Chain, n)
				cur = n.User.ID
			}
		}

		// Below, breadth first, within the budget.
		own := map[reportline.UserID]bool{}
		// Whoever sees everyone (the system, platform admins) opens
		// everyone: no need to walk up the line.
		if !actor.System && !ac.Scope.All {
			if own[focus], err = inLineSubtree(ctx, tx, actor.User.ID, focus, at); err != nil {
				return err
			}
		}
		budget := orgChartMaxReports
		level := []reportline.UserID{focus}
		var drawn []reportline.UserID
		for len(level) > 0 {
			var open []reportline.UserID
			for _, id := range level {
				if id != focus && !req.All && !expand[id] {
					continue
				}
				ok := own[id]
				if !ok {
					if ok, err = mayView(id); err != nil {
						return err
					}
				}
				if ok {
					open = append(open, id)
				}
			}
			if len(open) == 0 {
				break
			}
			byManager, err := reportsAsOf(ctx, tx, open, at)
			if err != nil {
				return err
			}
			var next []reportline.UserID
			for _, m := range open {
				ct.Expanded[m] = true
				for _, r := range byManager[m] {
					if seen[r.User.ID] {
						continue
					}
					if budget == 0 {
						ct.MoreOf[m]++
						continue
					}
					seen[r.User.ID] = true
					budget--
					n, err := node(r)
					if err != nil {
						return err
					}
					if own[m] && r.Link.Kind == reportline.Line {
						own[r.User.ID] = true
					}
					n.Openable = n.Focusable || own[r.User.ID]
					if m == focus {
						ct.Reports = append(ct.Reports, n)
					} else {
						ct.Below[m] = append(ct.Below[m], n)
					}
					next = append(next, r.User.ID)
					drawn = append(drawn, r.User.ID)
				}
			}
			level = next
		}
		ct.More = ct.MoreOf[focus]
		ct.Drawn = len(drawn)

		// How many reports everyone drawn below has, for their expand link.
		below, err := tx.LinksAsOf(ctx, reportline.Managees, drawn, at)
		if err != nil {
			return err
		}
		count := map[reportline.UserID]int{}
		for _, p := range below {
			count[p.ManagerID]++
		}
		for i := range ct.Reports {
			ct.Reports[i].Reports = count[ct.Reports[i].User.ID]
		}
		for _, ns := range ct.Below {
			for i := range ns {
				ns[i].Reports = count[ns[i].User.ID]
			}
		}
		return nil
	})
	return ct, err
}

// lineSubtreeDepth bounds the walk up a reporting line (the reference
// organisation has 8 levels; a cycle is refused when written).
const lineSubtreeDepth = 64

// inLineSubtree reports whether user is viewer or hangs below viewer by
// line links at the instant at: the line managers above user, level by
// level, one read per level.
func inLineSubtree(ctx context.Context, tx linkHistoryTx, viewer, user reportline.UserID, at time.Time) (bool, error) {
	seen := map[reportline.UserID]bool{user: true}
	level := []reportline.UserID{user}
	for range lineSubtreeDepth {
		if slices.Contains(level, viewer) {
			return true, nil
		}
		if len(level) == 0 {
			return false, nil
		}
		ps, err := tx.LinksAsOf(ctx, reportline.Managers, level, at)
		if err != nil {
			return false, err
		}
		level = level[:0]
		for _, p := range ps {
			if p.Kind == reportline.Line && !seen[p.ManagerID] {
				seen[p.ManagerID] = true
				level = append(level, p.ManagerID)
			}
		}
	}
	return false, nil
}

func kindRank(k reportline.Kind) int {
	if k == reportline.Line {
		return 0
	}
	return 1
}

// reportsAsOf reads the direct reports of many managers at an instant,
// with their users, each manager's by name.
func reportsAsOf(ctx context.Context, tx asOfTx, managers []reportline.UserID, at time.Time) (map[reportline.UserID][]LinkedUser, error) {
	ps, err := tx.LinksAsOf(ctx, reportline.Managees, managers, at)
	if err != nil {
		return nil, err
	}
	ids := make([]reportline.UserID, len(ps))
	for i, p := range ps {
		ids[i] = p.ManageeID
	}
	users, err := tx.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := map[reportline.UserID][]LinkedUser{}
	for _, p := range ps {
		if u, ok := users[p.ManageeID]; ok {
			out[p.ManagerID] = append(out[p.ManagerID], LinkedUser{Link: p.Link, User: u})
		}
	}
	for _, ls := range out {
		sortLinked(ls)
	}
	return out, nil
}

// SearchChart finds, for the org chart's search box, at most limit people
// whose name, email, position or unit matches q and whom the viewer may
// open a chart of: everyone a platform admin lists, the members of the
// groups a group or user admin administrates (user.list), else the viewer
// and the people they may see among their direct reports (user.read).
func (a *App) SearchChart(ctx context.Context, actor Actor, q string, limit int) ([]reportline.User, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, nil
	}
	limit = min(max(limit, 1), 50)
	var out []reportline.User
	err := a.asOfStore().Read(ctx, func(tx asOfTx) error {
		ac, err := usecase.LoadAuthority(ctx, tx, actor)
		if err != nil {
			return err
		}
		f := reportline.UserFilter{Query: q, Limit: limit}
		if ac.Authorize(policy.ListUsers, policy.Target{}) == nil {
			groups, err := visibleGroups(ctx, tx, ac, 0)
			if err != nil {
				return err
			}
			if groups != nil && len(groups) == 0 {
				f.IDs = []reportline.UserID{actor.User.ID}
			} else {
				f.Groups = groups
			}
		} else {
			// Whom user.read lets a manager see: themself and their
			// direct reports (a link in effect).
			f.IDs = []reportline.UserID{actor.User.ID}
			links, err := a.manageesOf(ctx, tx, actor.User.ID)
			if err != nil {
				return err
			}
			for _, l := range links {
				f.IDs = append(f.IDs, l.ManageeID)
			}
		}
		users, _, err := tx.FindUsers(ctx, f)
		if err != nil {
			return err
		}
		for _, u := range users {
			ok, err := a.mayView(ctx, tx, ac, u.ID)
			if err != nil {
				return err
			}
			if ok {
				out = append(out, u)
			}
		}
		return nil
	})
	return out, err
}
