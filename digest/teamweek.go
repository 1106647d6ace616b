package digest

import (
	"context"
	"fmt"
	"slices"
	"time"

	"reportline"
	"reportline/learning"
)

// RecordView is one learning record as people read it (package learning).
type RecordView = learning.RecordView

// TeamWeek is what one manager's weekly digest summarises. Every record is
// judged as it stood at To, the digest's Monday 14:00 in the tenant's zone, never at
// the instant the digest is read (docs/digest.md has the definitions).
type TeamWeek struct {
	Manager  reportline.User
	From, To time.Time         // the week summarised: [From, To)
	Ahead    time.Time         // the end of the coming week: To plus seven days on the tenant's wall clock
	Members  []MemberWeek      // active managees whose link grants ReceiveMessages, by name
	Upcoming []UpcomingSession // sessions of the members' courses starting in [To, Ahead)
}

// MemberWeek is one managee's week. Each record is in at most one list,
// chosen in this order of precedence: Late, then DueSoon, then Completed,
// then Progressed. Each list is ordered by course, then session.
type MemberWeek struct {
	User reportline.User
	// Late: due before To and not completed by To (the statistics page's
	// "late", asked at To).
	Late []RecordView
	// DueSoon: due in [To, Ahead) and not completed by To.
	DueSoon []RecordView
	// Completed: completed in [From, To).
	Completed []RecordView
	// Progressed: not completed by To, last activity in [From, To), and
	// neither late nor due soon. Its status may be failed: the status shown
	// is the statistics page's.
	Progressed []RecordView
	// Sessions: the upcoming sessions (of Upcoming) that concern the member.
	Sessions []UpcomingSession
}

// Empty reports whether the member has nothing to report.
func (m MemberWeek) Empty() bool {
	return len(m.Completed) == 0 && len(m.Progressed) == 0 && len(m.Late) == 0 && len(m.DueSoon) == 0 &&
		len(m.Sessions) == 0
}

// UpcomingSession is a session starting in the week after the one
// summarised, with the members concerned: those with a record on that
// session, or an unfinished record on its course as a whole. In a
// MemberWeek's Sessions, Members is nil.
type UpcomingSession struct {
	Course, Title string
	Starts        time.Time
	Members       []reportline.User // by name
}

// Empty reports whether no member has anything in any list and no session
// is upcoming: a digest admins may choose to skip.
func (w TeamWeek) Empty() bool {
	if len(w.Upcoming) > 0 {
		return false
	}
	for _, m := range w.Members {
		if !m.Empty() {
			return false
		}
	}
	return true
}

// comingWeekEnd is the end of the week after one ending at to: seven days
// later on the wall clock of zone (the tenant's), so that it is the next digest's Monday
// 14:00 whether or not daylight saving time changes in between (then the
// coming week lasts 167 or 169 hours). What this digest calls due soon is
// exactly what the next one calls late, if still not completed.
func comingWeekEnd(to time.Time, zone *time.Location) time.Time {
	return to.In(zone).AddDate(0, 0, 7)
}

// TeamWeek summarises the week [from, to) for one manager, the coming week
// reckoned in the tenant's zone; it reads in one read transaction. It is
// teamWeeks for a team of one manager, so the preview and the digest sent
// agree.
func (n *Notifier) TeamWeek(ctx context.Context, manager reportline.UserID, from, to time.Time) (TeamWeek, error) {
	zone, err := n.Zone(ctx)
	if err != nil {
		return TeamWeek{From: from, To: to}, err
	}
	return n.teamWeek(ctx, manager, from, to, zone)
}

// TeamWeeks is TeamWeek for several managers at once, as a run reads a
// chunk's.
func (n *Notifier) TeamWeeks(ctx context.Context, managers []reportline.UserID, from, to time.Time) (map[reportline.UserID]TeamWeek, error) {
	zone, err := n.Zone(ctx)
	if err != nil {
		return nil, err
	}
	var out map[reportline.UserID]TeamWeek
	err = n.store.Read(ctx, func(tx Tx) error {
		var err error
		out, err = n.teamWeeks(ctx, tx, managers, from, to, zone)
		return err
	})
	return out, err
}

func (n *Notifier) teamWeek(ctx context.Context, manager reportline.UserID, from, to time.Time, zone *time.Location) (TeamWeek, error) {
	if !from.Before(to) {
		return TeamWeek{From: from, To: to}, weekError(from, to)
	}
	var w TeamWeek
	err := n.store.Read(ctx, func(tx Tx) error {
		weeks, err := n.teamWeeks(ctx, tx, []reportline.UserID{manager}, from, to, zone)
		w = weeks[manager]
		return err
	})
	if err != nil {
		return TeamWeek{From: from, To: to}, err
	}
	return w, nil
}

func weekError(from, to time.Time) error {
	return reportline.FieldError("from", from.Format(time.RFC3339), "the week must start before it ends (%s)", to.Format(time.RFC3339))
}

// teamWeeks summarises the week [from, to) for each of managers, read in
// tx. A manager who is not a user is an error (not_found).
//
// The members of a manager are their direct managees (effective links, so
// the Assign role mode counts) whose link is in effect now, grants
// ReceiveMessages in the capability matrix, and joins two active users:
// an inactive manager's TeamWeek has no members. "Now" is the App's clock
// rather than To, so that a temporary delegate whose link has ended gets
// no digest for the week they covered.
//
// It costs a fixed number of queries whatever the number of managers and
// the teams' sizes (the managers, their links, the members, every member's
// records, the upcoming sessions; each in chunks of the store's IN-list
// size): the digest calls it once per chunk of managers, so a chunk is one
// read transaction rather than one per manager. A member shared by several
// managers is read once.
func (n *Notifier) teamWeeks(ctx context.Context, tx Tx, managers []reportline.UserID, from, to time.Time, zone *time.Location) (map[reportline.UserID]TeamWeek, error) {
	if !from.Before(to) {
		return nil, weekError(from, to)
	}
	now, ahead := n.now(), comingWeekEnd(to, zone)
	mgrs, err := tx.UsersByIDs(ctx, managers)
	if err != nil {
		return nil, fmt.Errorf("team weeks: %w", err)
	}
	out := make(map[reportline.UserID]TeamWeek, len(managers))
	var active []reportline.UserID
	for _, id := range managers {
		m, ok := mgrs[id]
		if !ok {
			return nil, fmt.Errorf("team week of %d: %w", id, reportline.Errorf(reportline.NotFound, "user %d not found", id).
				Say("error.not_found.user", map[string]any{"Key": fmt.Sprint(id)}))
		}
		out[id] = TeamWeek{Manager: m, From: from, To: to, Ahead: ahead}
		if m.Active() {
			active = append(active, id)
		}
	}
	if len(active) == 0 {
		return out, nil
	}
	matrix, err := tx.CapabilityMatrix(ctx)
	if err != nil {
		return nil, err
	}
	links, err := tx.EffectiveManagees(ctx, active)
	if err != nil {
		return nil, fmt.Errorf("team weeks: %w", err)
	}
	// Each active manager's granted managees, and all of them at once.
	granted := make(map[reportline.UserID][]reportline.UserID, len(active))
	var all []reportline.UserID
	seen := map[reportline.UserID]bool{}
	for _, m := range active {
		for _, l := range links[m] {
			if l.InEffect(now) && matrix.Allows(l.Kind, reportline.ReceiveMessages) && !slices.Contains(granted[m], l.ManageeID) {
				granted[m] = append(granted[m], l.ManageeID)
				if !seen[l.ManageeID] {
					seen[l.ManageeID] = true
					all = append(all, l.ManageeID)
				}
			}
		}
	}
	if len(all) == 0 {
		return out, nil
	}
	users, err := tx.UsersByIDs(ctx, all)
	if err != nil {
		return nil, fmt.Errorf("team weeks: %w", err)
	}
	all = all[:0]
	for id, u := range users {
		if u.Active() {
			all = append(all, id)
		}
	}
	slices.Sort(all) // a stable order of queries, whatever the map's
	records, err := tx.LearningRecordsOf(ctx, all)
	if err != nil {
		return nil, fmt.Errorf("team weeks: %w", err)
	}
	// The sessions of every member's courses, read once, then each
	// manager's upcoming ones picked from them.
	sessions, err := sessionsOfRecords(ctx, tx, records, to, ahead)
	if err != nil {
		return nil, err
	}
	for _, m := range active {
		var members []reportline.User
		for _, id := range granted[m] {
			if u, ok := users[id]; ok && u.Active() {
				members = append(members, u)
			}
		}
		if len(members) == 0 {
			continue
		}
		slices.SortFunc(members, reportline.CompareByName)
		w := out[m]
		w.Members = make([]MemberWeek, len(members))
		for i, u := range members {
			w.Members[i] = memberWeek(u, records[u.ID], from, to, ahead)
		}
		w.Upcoming = upcomingSessions(members, records, sessions)
		w.Members = withSessions(w.Members, w.Upcoming)
		out[m] = w
	}
	return out, nil
}

// memberWeek sorts one member's records into the digest's lists, each
// record judged at to (recordView, as the statistics page judges it at the
// present) and put in one list at most: late, else due soon, else
// completed, else progressed.
func memberWeek(u reportline.User, records []reportline.RecordDetail, from, to, ahead time.Time) MemberWeek {
	mw := MemberWeek{User: u}
	in := func(t, start, end time.Time) bool { return !t.IsZero() && !t.Before(start) && t.Before(end) }
	for _, d := range records {
		r := d.Record
		v := learning.View(d, to)
		switch {
		case v.Late:
			mw.Late = append(mw.Late, v)
		case !r.CompletedBy(to) && in(r.Due, to, ahead):
			mw.DueSoon = append(mw.DueSoon, v)
		case r.Done() && in(r.Completed, from, to):
			mw.Completed = append(mw.Completed, v)
		case !r.CompletedBy(to) && in(r.LastActivity, from, to):
			mw.Progressed = append(mw.Progressed, v)
		}
	}
	for _, l := range [][]RecordView{mw.Late, mw.DueSoon, mw.Completed, mw.Progressed} {
		learning.SortViews(l)
	}
	return mw
}

// withSessions gives each member the upcoming sessions that concern them,
// in the order of upcoming (by start).
func withSessions(members []MemberWeek, upcoming []UpcomingSession) []MemberWeek {
	for _, s := range upcoming {
		for _, u := range s.Members {
			for i := range members {
				if members[i].User.ID == u.ID {
					members[i].Sessions = append(members[i].Sessions, UpcomingSession{Course: s.Course, Title: s.Title, Starts: s.Starts})
				}
			}
		}
	}
	return members
}

// sessionsOfRecords reads the sessions of the records' courses that start
// in [to, ahead), ordered by start.
func sessionsOfRecords(ctx context.Context, tx Tx, records map[reportline.UserID][]reportline.RecordDetail, to, ahead time.Time) ([]reportline.CourseSession, error) {
	seen := map[reportline.CourseID]bool{}
	var courses []reportline.CourseID
	for _, rs := range records {
		for _, d := range rs {
			if !seen[d.Record.CourseID] {
				seen[d.Record.CourseID] = true
				courses = append(courses, d.Record.CourseID)
			}
		}
	}
	if len(courses) == 0 {
		return nil, nil
	}
	slices.Sort(courses)
	sessions, err := tx.SessionsStarting(ctx, courses, to, ahead)
	if err != nil {
		return nil, fmt.Errorf("upcoming sessions: %w", err)
	}
	return sessions, nil
}

// upcomingSessions picks, from sessions (ordered by start), those of the
// members' courses, with the members each concerns.
func upcomingSessions(members []reportline.User, records map[reportline.UserID][]reportline.RecordDetail,
	sessions []reportline.CourseSession) []UpcomingSession {
	if len(sessions) == 0 {
		return nil
	}
	titles := map[reportline.CourseID]string{}
	for _, u := range members {
		for _, d := range records[u.ID] {
			titles[d.Record.CourseID] = d.Course.Title
		}
	}
	var out []UpcomingSession
	for _, s := range sessions {
		title, ok := titles[s.CourseID]
		if !ok {
			continue
		}
		up := UpcomingSession{Course: title, Title: s.Title, Starts: s.Starts}
		if up.Title == "" {
			up.Title = s.LMSID
		}
		for _, u := range members { // already by name
			for _, d := range records[u.ID] {
				r := d.Record
				if r.SessionID == s.ID || r.SessionID == 0 && r.CourseID == s.CourseID && !r.Done() {
					up.Members = append(up.Members, u)
					break
				}
			}
		}
		if len(up.Members) > 0 {
			out = append(out, up)
		}
	}
	return out
}
