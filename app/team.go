package app

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"reportline"
	"reportline/usecase"
)

// My team (SPEC §3): a manager's team at a glance — each member's
// completion and late items, the team's totals (drawn as a chart by the
// page), the members' contacts, and the "Today's birthday" widget.
//
// Members are, with scope "direct", the manager's direct managees: the
// effective links (effective.go, so the Assign role mode counts) in effect
// now that join two active users, line and functional. With scope "all"
// they are also everybody below them in the reporting line, walked down
// line links in effect through active users, breadth first, each user once
// and never the manager themself, so a cycle in corrupt data cannot loop it
// (access_walk.go). A member's statistics are shown when the access check
// would let the manager see them (view_reports of the link's kind, or of
// line links for an indirect member), within the statistics scope of that
// kind (stats.go); the page then logs one statistics view per member shown.
//
// The birthday widget lists direct members whose link grants the
// Birthdays capability (not transitive: a skip-level manager is not told)
// and whose birthday is today in the manager's time zone (Europe/Paris
// when they have none). A birthday without a year is celebrated all the
// same, without an age; 29 February is celebrated on 28 February in common
// years, as the birthday notification does.

// teamMaxMembers bounds the members My team shows: the nearest first
// (breadth first), so that a manager near the top of a large organisation
// gets a page in bounded time rather than every record of the company.
// TeamView.Reporting still counts everybody.
const teamMaxMembers = 2000

// TeamScope is which members My team lists.
type TeamScope string

// The team scopes.
const (
	TeamDirect TeamScope = "direct" // direct reports only
	TeamAll    TeamScope = "all"    // everybody reporting to the manager
)

// ParseTeamScope reads a team scope; "" is direct.
func ParseTeamScope(s string) (TeamScope, error) {
	switch TeamScope(s) {
	case "", TeamDirect:
		return TeamDirect, nil
	case TeamAll:
		return TeamAll, nil
	}
	return "", reportline.FieldError("scope", s, "scope must be %q (direct reports) or %q (everybody reporting to you)", TeamDirect, TeamAll)
}

// TeamView is My team.
type TeamView struct {
	Manager reportline.User
	Scope   TeamScope
	At      time.Time
	Members []TeamMember // by name
	Direct  int          // how many members are direct reports
	// Reporting is how many people report to the manager in the scope;
	// more than len(Members) when the team was cut to teamMaxMembers.
	Reporting int
	Totals    StatsSummary // over the members whose statistics are shown
	Birthdays []TeamBirthday
}

// TeamMember is one member of My team.
type TeamMember struct {
	User   reportline.User
	Direct bool
	Kind   reportline.Kind // of the manager's link for a direct member; line below
	// Manager is, for an indirect member, the manager through whom the walk
	// reached them.
	Manager reportline.User
	Depth   int // 1 for direct reports, 2 for theirs…
	// StatsVisible says whether the manager may see the member's
	// statistics; Scope says how much of them.
	StatsVisible bool
	Scope        reportline.StatisticsScope
	Summary      StatsSummary
	// Late lists the late records, in the scopes that name courses.
	Late []RecordView
}

// TeamBirthday is one entry of the "Today's birthday" widget.
type TeamBirthday struct {
	User reportline.User
	Age  int // the age reached today; 0 when the year is unknown
	// OnFeb28 says the birthday is 29 February, celebrated today because
	// this year has none.
	OnFeb28 bool
}

// teamTx is the transaction of My team: the access checker's view of it
// (the walk down and what the manager may see) and the team's own (the
// members' rows, and the record of the view).
type teamTx struct {
	check checkTx
	team  interface {
		teamFillTx
		teamViewLogTx
	}
}

func (a *App) teamStore() usecase.Store[teamTx] {
	return narrow(a.store, func(tx Tx) teamTx {
		return teamTx{check: checkTx{links: tx, facts: tx, current: a.currentIn(tx)}, team: tx}
	})
}

// Team returns the actor's team. Anybody signed in may ask: a user who
// manages nobody gets an empty team.
func (a *App) Team(ctx context.Context, actor Actor, scope TeamScope) (TeamView, error) {
	tv := TeamView{Scope: scope, At: a.now(), Manager: actor.User}
	if actor.System || !actor.User.Active() {
		return tv, reportline.Errorf(reportline.Unauthenticated, "sign in to see your team").Say("error.team.sign_in", nil)
	}
	if scope != TeamDirect && scope != TeamAll {
		return tv, reportline.FieldError("scope", string(scope), "scope must be %q or %q", TeamDirect, TeamAll)
	}
	err := a.teamStore().Write(ctx, func(tx teamTx) error {
		ch, err := a.newChecker(ctx, tx.check, actor)
		if err != nil {
			return err
		}
		members, err := teamMembers(ctx, ch, actor.User.ID, scope, tv.At)
		if err != nil {
			return err
		}
		tv.Reporting = len(members)
		if len(members) == 0 {
			return nil
		}
		if len(members) > teamMaxMembers {
			members = members[:teamMaxMembers]
		}
		if err := a.fillTeam(ctx, tx.team, ch, actor, &tv, members); err != nil {
			return err
		}
		return logTeamViews(ctx, tx.team, actor, tv)
	})
	if err != nil {
		return TeamView{}, err
	}
	return tv, nil
}

// teamMember is a member found by the walk, before their data is read.
type teamMember struct {
	id      reportline.UserID
	link    reportline.Link // the link that makes them a member (the last of the chain)
	direct  bool
	depth   int
	manager reportline.UserID
}

// teamMembers finds the members: direct links first, then the subtree.
func teamMembers(ctx context.Context, ch *checker, me reportline.UserID, scope TeamScope, at time.Time) ([]teamMember, error) {
	down, err := ch.manageesOf(ctx, []reportline.UserID{me})
	if err != nil {
		return nil, err
	}
	var out []teamMember
	seen := map[reportline.UserID]bool{me: true}
	var direct []reportline.UserID
	for _, l := range down[me] {
		if l.InEffect(at) && !seen[l.ManageeID] {
			direct = append(direct, l.ManageeID)
			out = append(out, teamMember{id: l.ManageeID, link: l, direct: true, depth: 1, manager: me})
			seen[l.ManageeID] = true
		}
	}
	if err := ch.loadStatuses(ctx, direct); err != nil {
		return nil, err
	}
	out = slices.DeleteFunc(out, func(m teamMember) bool { return !ch.isActive(m.id) })
	if scope != TeamAll {
		return out, nil
	}
	w, err := teamSubtree(ctx, ch, me, at)
	if err != nil {
		return nil, err
	}
	for _, u := range w.order {
		if seen[u] {
			continue
		}
		seen[u] = true
		chain := w.chain(u)
		l := chain[len(chain)-1]
		out = append(out, teamMember{id: u, link: l, depth: len(chain), manager: l.ManagerID})
	}
	return out, nil
}

// teamSubtree walks down from the manager: in the "import" Assign role
// mode, where the effective links are the stored ones, over the rows of
// one recursive query (LineSubtree), applying in Go exactly what the walk
// level by level applies (line links in effect at at, active users, each
// user once, breadth first, ids sorted within a level); in "positions"
// mode, where line managers are derived, level by level (walkDown); from
// the index, when it is current in the transaction, in either mode.
// TestTeamSubtreeAgrees checks that both say the same.
func teamSubtree(ctx context.Context, ch *checker, top reportline.UserID, at time.Time) (*subtree, error) {
	if ch.view.derives() || ch.g != nil { // walkDown reads the index when it is current
		return ch.walkDown(ctx, top, at, ch.view.manageesOfMany)
	}
	links, status, err := ch.tx.LineSubtree(ctx, top)
	if err != nil {
		return nil, err
	}
	down := map[reportline.UserID][]reportline.Link{}
	for _, l := range links {
		down[l.ManagerID] = append(down[l.ManagerID], l)
	}
	for _, ls := range down { // as the walk reads them: by managee
		slices.SortFunc(ls, func(a, b reportline.Link) int { return cmp.Compare(a.ManageeID, b.ManageeID) })
	}
	return walkLinks(top, at, down, func(u reportline.UserID) bool { return status[u] == reportline.StatusActive }), nil
}

// walkLinks is the walk of walkDown over links already read, by manager.
func walkLinks(top reportline.UserID, at time.Time, down map[reportline.UserID][]reportline.Link, active func(reportline.UserID) bool) *subtree {
	w := &subtree{top: top, at: at, via: map[reportline.UserID]reportline.Link{}}
	frontier := []reportline.UserID{top}
	for depth := 0; depth < maxWalkDepth && len(frontier) > 0; depth++ {
		var next []reportline.UserID
		for _, u := range frontier {
			for _, l := range down[u] {
				e := l.ManageeID
				if l.Kind != reportline.Line || !l.InEffect(at) || e == top || !active(e) {
					continue
				}
				if _, seen := w.via[e]; seen {
					continue
				}
				w.via[e] = l
				next = append(next, e)
			}
		}
		slices.Sort(next)
		w.order = append(w.order, next...)
		frontier = next
	}
	return w
}

// fillTeam reads the members, their records (one query per 500 members)
// and what the manager may see of them.
func (a *App) fillTeam(ctx context.Context, tx teamFillTx, ch *checker, actor Actor, tv *TeamView, found []teamMember) error {
	ids := []reportline.UserID{}
	seen := map[reportline.UserID]bool{}
	for _, m := range found {
		for _, id := range []reportline.UserID{m.id, m.manager} {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	users, err := tx.UsersByIDs(ctx, ids)
	if err != nil {
		return fmt.Errorf("my team: %w", err)
	}
	scopes := map[reportline.Kind]reportline.StatisticsScope{}
	for _, k := range reportline.LinkKinds {
		if scopes[k], err = statisticsScope(ctx, tx, k); err != nil {
			return err
		}
	}
	var visible []reportline.UserID
	tv.Members = make([]TeamMember, 0, len(found))
	for _, m := range found {
		u, ok := users[m.id]
		if !ok || !u.Active() {
			continue
		}
		kind := m.link.Kind
		if !m.direct {
			kind = reportline.Line
		}
		tm := TeamMember{User: u, Direct: m.direct, Kind: kind, Depth: m.depth, Scope: scopes[kind],
			StatsVisible: ch.matrix.Allows(kind, reportline.ViewReports)}
		if !m.direct {
			tm.Manager = users[m.manager]
		} else {
			tv.Direct++
		}
		if tm.StatsVisible {
			visible = append(visible, u.ID)
		}
		tv.Members = append(tv.Members, tm)
	}
	slices.SortFunc(tv.Members, func(a, b TeamMember) int { return compareUsers(a.User, b.User) })

	records, err := tx.LearningRecordsOf(ctx, visible)
	if err != nil {
		return fmt.Errorf("my team: %w", err)
	}
	var courses []reportline.CourseID
	seenCourse := map[reportline.CourseID]bool{}
	for _, id := range visible {
		for _, d := range records[id] {
			if !seenCourse[d.Record.CourseID] {
				seenCourse[d.Record.CourseID] = true
				courses = append(courses, d.Record.CourseID)
			}
		}
	}
	opens, err := courseOpener(ctx, tx, actor, courses)
	if err != nil {
		return err
	}
	counted := map[reportline.CourseID]bool{} // the courses the totals count
	for i := range tv.Members {
		m := &tv.Members[i]
		if !m.StatsVisible {
			continue
		}
		var mine []RecordView
		for _, d := range records[m.User.ID] {
			if m.Scope == reportline.ScopeSharedCourses && !opens(d.Record.CourseID) {
				continue
			}
			v := recordView(d, tv.At)
			mine = append(mine, v)
			counted[v.CourseID] = true
			if v.Late && m.Scope != reportline.ScopeSummary {
				m.Late = append(m.Late, v)
			}
		}
		sortRecordViews(m.Late)
		m.Summary = summarise(mine)
		tv.Totals.merge(m.Summary)
	}
	tv.Totals.Courses = len(counted)

	tv.Birthdays = birthdaysToday(tv.Manager, tv.Members, found, ch.matrix, tv.At)
	return nil
}

// logTeamViews records one statistics view per member whose statistics the
// page shows.
func logTeamViews(ctx context.Context, tx teamViewLogTx, actor Actor, tv TeamView) error {
	var views []reportline.StatisticsView
	for _, m := range tv.Members {
		if !m.StatsVisible {
			continue
		}
		g := GrantLink
		if !m.Direct {
			g = GrantChain
		}
		views = append(views, reportline.StatisticsView{At: tv.At, ViewerID: actor.User.ID, UserID: m.User.ID,
			Grant: string(g), Scope: m.Scope, Source: actor.Source, Page: reportline.StatisticsPageTeam})
	}
	return tx.AppendStatisticsViews(ctx, views)
}

// birthdayZone is where a manager's "today" is when they have no time zone:
// where the birthday notifications are sent from.
const birthdayZone = "Europe/Paris"

// birthdaysToday lists the direct members whose link grants Birthdays and
// whose birthday is today in the manager's time zone.
func birthdaysToday(manager reportline.User, members []TeamMember, found []teamMember, m reportline.Matrix, at time.Time) []TeamBirthday {
	loc, err := time.LoadLocation(manager.TimeZone)
	if manager.TimeZone == "" || err != nil {
		if loc, err = time.LoadLocation(birthdayZone); err != nil {
			loc = time.UTC
		}
	}
	today := at.In(loc)
	grants := map[reportline.UserID]bool{}
	for _, f := range found {
		if f.direct && m.Allows(f.link.Kind, reportline.Birthdays) {
			grants[f.id] = true
		}
	}
	var out []TeamBirthday
	for _, tm := range members {
		b := tm.User.Birthday
		if !grants[tm.User.ID] || !b.CelebratedOn(today.Date()) {
			continue
		}
		tb := TeamBirthday{User: tm.User, OnFeb28: b.Month == time.February && b.Day == 29 && today.Day() == 28}
		if b.Year > 0 {
			tb.Age = today.Year() - b.Year
		}
		out = append(out, tb)
	}
	return out
}
