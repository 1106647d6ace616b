package app

import (
	"context"
	"slices"
	"strings"
	"time"

	"reportline"
	"reportline/usecase"
)

// As-of reads (issue 19, docs/orgchart.md): a person's managers, a
// manager's team (direct or whole subtree) and the org chart as they were
// at an instant, read from the link history (store/history.go).
//
// Authorization is today's, through the same policy rows as today's reads
// (links.read / user.read, mayView): whoever may see a person's managers
// and team today may see them as of any date; a date gives no right the
// viewer does not have today, and takes none away. A team's subtree is the
// direct team of each member in turn, each opened only when the viewer may
// see that member today; a manager's own subtree is open to them whole, as
// My team's "all" scope is.

// orgChartMaxReports bounds the reports an org chart draws at once; the
// rest are counted, behind "expand".
const orgChartMaxReports = 300

// ListLinksAsOf returns one side of a user's links as they were at the
// instant at, with the rules of ListLinks. Nothing is removable: the past
// is not edited.
func (a *App) ListLinksAsOf(ctx context.Context, actor Actor, user reportline.UserID, dir reportline.Direction, at time.Time) (UserLinks, error) {
	if !dir.Valid() {
		return UserLinks{}, reportline.FieldError("direction", string(dir), "direction must be managers or managees")
	}
	var out UserLinks
	err := a.asOfStore().Read(ctx, func(tx asOfTx) error {
		ac, err := usecase.LoadAuthority(ctx, tx, actor)
		if err != nil {
			return err
		}
		if ok, err := a.mayView(ctx, tx, ac, user); err != nil {
			return err
		} else if !ok {
			return usecase.NotVisible()
		}
		if out.User, err = tx.User(ctx, user); err != nil {
			return err
		}
		side, err := linkedAsOf(ctx, tx, dir, user, at)
		if err != nil {
			return err
		}
		if dir == reportline.Managers {
			out.Managers = side
		} else {
			out.Managees = side
		}
		return nil
	})
	return out, err
}

// linkedAsOf reads one side of a user's links at an instant with the
// users on the far side, sorted by name.
func linkedAsOf(ctx context.Context, tx asOfTx, dir reportline.Direction, user reportline.UserID, at time.Time) ([]LinkedUser, error) {
	ps, err := tx.LinksAsOf(ctx, dir, []reportline.UserID{user}, at)
	if err != nil {
		return nil, err
	}
	ids := make([]reportline.UserID, len(ps))
	for i, p := range ps {
		ids[i] = far(p.Link, dir)
	}
	users, err := tx.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]LinkedUser, 0, len(ps))
	for _, p := range ps {
		if u, ok := users[far(p.Link, dir)]; ok {
			out = append(out, LinkedUser{Link: p.Link, User: u})
		}
	}
	sortLinked(out)
	return out, nil
}

func sortLinked(out []LinkedUser) {
	slices.SortFunc(out, func(x, y LinkedUser) int {
		if c := strings.Compare(strings.ToLower(x.User.Name()), strings.ToLower(y.User.Name())); c != 0 {
			return c
		}
		return int(x.User.ID - y.User.ID)
	})
}

// TeamAsOf is a manager's team as it was at an instant.
type TeamAsOf struct {
	Manager reportline.User
	At      time.Time
	Scope   TeamScope
	Members []TeamAsOfMember // breadth first, by name within a level
	// Cut says the team was cut to teamMaxMembers.
	Cut bool
}

// TeamAsOfMember is one member of a team as of a date.
type TeamAsOfMember struct {
	User    reportline.User
	Link    reportline.Link // the link that made them a member then
	Depth   int             // 1 for direct reports
	Manager reportline.UserID
}

// ListTeamAsOf returns a manager's team at the instant at (zero: now): the direct
// reports (line and functional), or with scope "all" everybody below them
// through line links, each person once. See the rules above.
func (a *App) ListTeamAsOf(ctx context.Context, actor Actor, manager reportline.UserID, scope TeamScope, at time.Time) (TeamAsOf, error) {
	if at.IsZero() {
		at = a.now()
	}
	tv := TeamAsOf{At: at, Scope: scope}
	if scope != TeamDirect && scope != TeamAll {
		return tv, reportline.FieldError("scope", string(scope), "scope must be %q or %q", TeamDirect, TeamAll)
	}
	err := a.asOfStore().Read(ctx, func(tx asOfTx) error {
		ac, err := usecase.LoadAuthority(ctx, tx, actor)
		if err != nil {
			return err
		}
		if ok, err := a.mayView(ctx, tx, ac, manager); err != nil {
			return err
		} else if !ok {
			return usecase.NotVisible()
		}
		if tv.Manager, err = tx.User(ctx, manager); err != nil {
			return err
		}
		own := !actor.System && actor.User.ID == manager
		seen := map[reportline.UserID]bool{manager: true}
		level := []reportline.UserID{manager}
		for depth := 1; len(level) > 0; depth++ {
			ps, err := tx.LinksAsOf(ctx, reportline.Managees, level, at)
			if err != nil {
				return err
			}
			var next []reportline.UserID
			var found []TeamAsOfMember
			for _, p := range ps {
				if seen[p.ManageeID] || (depth > 1 && p.Kind != reportline.Line) {
					continue
				}
				seen[p.ManageeID] = true
				found = append(found, TeamAsOfMember{Link: p.Link, Depth: depth, Manager: p.ManagerID})
			}
			ids := make([]reportline.UserID, len(found))
			for i, m := range found {
				ids[i] = m.Link.ManageeID
			}
			users, err := tx.UsersByIDs(ctx, ids)
			if err != nil {
				return err
			}
			for i := range found {
				found[i].User = users[found[i].Link.ManageeID]
			}
			slices.SortFunc(found, func(x, y TeamAsOfMember) int {
				return strings.Compare(strings.ToLower(x.User.Name()), strings.ToLower(y.User.Name()))
			})
			for _, m := range found {
				if len(tv.Members) == teamMaxMembers {
					tv.Cut = true
					return nil
				}
				tv.Members = append(tv.Members, m)
				if scope != TeamAll || m.Link.Kind != reportline.Line {
					continue
				}
				open := own
				if !open {
					if open, err = a.mayView(ctx, tx, ac, m.User.ID); err != nil {
						return err
					}
				}
				if open {
					next = append(next, m.User.ID)
				}
			}
			level = next
		}
		return nil
	})
	return tv, err
}

// OrgChart is the org chart focused on one person at an instant.
type OrgChart struct {
	Focus reportline.User
	At    time.Time
	// Managers are the focus's managers, line and functional; Reports their
	// direct reports (at most orgChartMaxReports, by name), More how many
	// more there are.
	Managers []ChartNode
	Reports  []ChartNode
	More     int
	// HistoryStart is when the history of links the audit log never
	// recorded starts; zero when it is complete. A chart before it may
	// miss links.
	HistoryStart time.Time
}

// ChartNode is one person on the chart and their link to the focus.
type ChartNode struct {
	User reportline.User
	Link reportline.Link
	// Reports is how many direct reports they had at the instant (reports
	// only).
	Reports int
	// Focusable says whether the viewer may refocus the chart on them
	// (they may see them today).
	Focusable bool
	// Openable says whether the viewer may expand their reports on the
	// chart (GetOrgChartTree): they may see them, or they are in the
	// viewer's own line subtree.
	Openable bool
}

// Temporary says the link has dates of its own.
func (n ChartNode) Temporary() bool { return !n.Link.ValidFrom.IsZero() || !n.Link.ValidUntil.IsZero() }

// GetOrgChart returns the org chart focused on a person at the instant at
// (zero: now).
// The viewer must be allowed to see the person today (mayView, the rule of
// their managers and managees lists); nodes they may not see are shown, as
// the lists show them, but cannot be refocused on.
func (a *App) GetOrgChart(ctx context.Context, actor Actor, focus reportline.UserID, at time.Time) (OrgChart, error) {
	if at.IsZero() {
		at = a.now()
	}
	oc := OrgChart{At: at}
	err := a.asOfStore().Read(ctx, func(tx asOfTx) error {
		ac, err := usecase.LoadAuthority(ctx, tx, actor)
		if err != nil {
			return err
		}
		if ok, err := a.mayView(ctx, tx, ac, focus); err != nil {
			return err
		} else if !ok {
			return usecase.NotVisible()
		}
		if oc.Focus, err = tx.User(ctx, focus); err != nil {
			return err
		}
		if oc.HistoryStart, err = tx.HistoryStart(ctx); err != nil {
			return err
		}
		managers, err := linkedAsOf(ctx, tx, reportline.Managers, focus, at)
		if err != nil {
			return err
		}
		reports, err := linkedAsOf(ctx, tx, reportline.Managees, focus, at)
		if err != nil {
			return err
		}
		if len(reports) > orgChartMaxReports {
			oc.More = len(reports) - orgChartMaxReports
			reports = reports[:orgChartMaxReports]
		}
		ids := make([]reportline.UserID, len(reports))
		for i, r := range reports {
			ids[i] = r.User.ID
		}
		below, err := tx.LinksAsOf(ctx, reportline.Managees, ids, at)
		if err != nil {
			return err
		}
		count := map[reportline.UserID]int{}
		for _, p := range below {
			count[p.ManagerID]++
		}
		node := func(lu LinkedUser) (ChartNode, error) {
			ok, err := a.mayView(ctx, tx, ac, lu.User.ID)
			return ChartNode{User: lu.User, Link: lu.Link, Reports: count[lu.User.ID], Focusable: ok}, err
		}
		for _, m := range managers {
			n, err := node(m)
			if err != nil {
				return err
			}
			oc.Managers = append(oc.Managers, n)
		}
		for _, r := range reports {
			n, err := node(r)
			if err != nil {
				return err
			}
			oc.Reports = append(oc.Reports, n)
		}
		return nil
	})
	return oc, err
}

// ParseAsOf reads an "as of" value: a date (YYYY-MM-DD) means the end of
// that day in UTC (its last microsecond: a change made or dated that day
// counts, a temporary link ending at its midnight does not); an RFC 3339
// time means that instant. ok is false for "": today's answer.
func ParseAsOf(s string) (at time.Time, ok bool, err error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false, nil
	}
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		return d.AddDate(0, 0, 1).Add(-time.Microsecond), true, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), true, nil
	}
	return time.Time{}, false, reportline.FieldError("as_of", s, "as_of must be a date (YYYY-MM-DD) or an RFC 3339 time")
}
