package app

import (
	"context"
	"fmt"
	"slices"
	"time"

	"reportline"
)

// TeamWeek is what one manager's weekly digest summarises.
type TeamWeek struct {
	Manager  reportline.User
	From, To time.Time         // the week summarised: [From, To)
	Members  []MemberWeek      // active managees whose link grants ReceiveMessages, by name
	Upcoming []UpcomingSession // sessions of the members' courses starting in [To, To+7 days)
}

// MemberWeek is one managee's week. Each list is ordered by course, then
// session.
type MemberWeek struct {
	User reportline.User
	// Completed: completed in [From, To).
	Completed []RecordView
	// Progressed: last activity in [From, To) and not completed.
	Progressed []RecordView
	// Late: due before To and not completed.
	Late []RecordView
	// DueSoon: due in [To, To+7 days) and not completed.
	DueSoon []RecordView
}

// Empty reports whether the member has nothing to report.
func (m MemberWeek) Empty() bool {
	return len(m.Completed) == 0 && len(m.Progressed) == 0 && len(m.Late) == 0 && len(m.DueSoon) == 0
}

// UpcomingSession is a session starting in the week after the one
// summarised, with the members concerned: those with a record on that
// session, or an unfinished record on its course as a whole.
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

// weekAhead is how far ahead DueSoon and Upcoming look.
const weekAhead = 7 * 24 * time.Hour

// TeamWeek summarises the week [from, to) for one manager; it reads in one
// read transaction.
//
// The members are the manager's direct managees (effective links, so the
// Assign role mode counts) whose link is in effect now, grants
// ReceiveMessages in the capability matrix, and joins two active users:
// an inactive manager's TeamWeek has no members. "Now" is the App's clock
// rather than To, so that a temporary delegate whose link has ended gets
// no digest for the week they covered.
//
// It costs a fixed number of queries whatever the team's size (the mode,
// the manager, their links, the members, every member's records at once,
// the upcoming sessions): the digest calls it for every manager in turn.
func (a *App) TeamWeek(ctx context.Context, manager reportline.UserID, from, to time.Time) (TeamWeek, error) {
	w := TeamWeek{From: from, To: to}
	if !from.Before(to) {
		return w, reportline.FieldError("from", from.Format(time.RFC3339), "the week must start before it ends (%s)", to.Format(time.RFC3339))
	}
	now := a.now()
	err := a.store.Read(ctx, func(tx Tx) error {
		m, err := tx.User(ctx, manager)
		if err != nil {
			return fmt.Errorf("team week of %d: %w", manager, err)
		}
		w.Manager = m
		if !m.Active() {
			return nil
		}
		matrix, err := a.matrix(ctx, tx)
		if err != nil {
			return err
		}
		links, err := a.manageesOf(ctx, tx, manager)
		if err != nil {
			return fmt.Errorf("team week of %d: %w", manager, err)
		}
		var ids []reportline.UserID
		for _, l := range links {
			if l.InEffect(now) && matrix.Allows(l.Kind, reportline.ReceiveMessages) && !slices.Contains(ids, l.ManageeID) {
				ids = append(ids, l.ManageeID)
			}
		}
		if len(ids) == 0 {
			return nil
		}
		users, err := tx.UsersByIDs(ctx, ids)
		if err != nil {
			return fmt.Errorf("team week of %d: %w", manager, err)
		}
		var members []reportline.User
		for _, id := range ids {
			if u, ok := users[id]; ok && u.Active() {
				members = append(members, u)
			}
		}
		sortUsersByName(members)
		ids = ids[:0]
		for _, u := range members {
			ids = append(ids, u.ID)
		}
		records, err := tx.LearningRecordsOf(ctx, ids)
		if err != nil {
			return fmt.Errorf("team week of %d: %w", manager, err)
		}
		w.Members = make([]MemberWeek, len(members))
		for i, u := range members {
			w.Members[i] = memberWeek(u, records[u.ID], from, to, now)
		}
		w.Upcoming, err = upcomingSessions(ctx, tx, members, records, to)
		return err
	})
	return w, err
}

// memberWeek sorts one member's records into the digest's lists.
func memberWeek(u reportline.User, records []reportline.RecordDetail, from, to, now time.Time) MemberWeek {
	mw := MemberWeek{User: u}
	in := func(t, start, end time.Time) bool { return !t.IsZero() && !t.Before(start) && t.Before(end) }
	for _, d := range records {
		r := d.Record
		v := recordView(d, now)
		switch {
		case r.Done():
			if in(r.Completed, from, to) {
				mw.Completed = append(mw.Completed, v)
			}
			continue
		case in(r.LastActivity, from, to):
			mw.Progressed = append(mw.Progressed, v)
		}
		switch {
		case !r.Due.IsZero() && r.Due.Before(to):
			mw.Late = append(mw.Late, v)
		case in(r.Due, to, to.Add(weekAhead)):
			mw.DueSoon = append(mw.DueSoon, v)
		}
	}
	for _, l := range [][]RecordView{mw.Completed, mw.Progressed, mw.Late, mw.DueSoon} {
		sortRecordViews(l)
	}
	return mw
}

// upcomingSessions finds the sessions of the members' courses that start
// in [to, to+7 days), and which members each concerns.
func upcomingSessions(ctx context.Context, tx Tx, members []reportline.User,
	records map[reportline.UserID][]reportline.RecordDetail, to time.Time) ([]UpcomingSession, error) {
	titles := map[reportline.CourseID]string{}
	var courses []reportline.CourseID
	for _, u := range members {
		for _, d := range records[u.ID] {
			if _, ok := titles[d.Record.CourseID]; !ok {
				courses = append(courses, d.Record.CourseID)
			}
			titles[d.Record.CourseID] = d.Course.Title
		}
	}
	if len(courses) == 0 {
		return nil, nil
	}
	sessions, err := tx.SessionsStarting(ctx, courses, to, to.Add(weekAhead))
	if err != nil {
		return nil, fmt.Errorf("upcoming sessions: %w", err)
	}
	var out []UpcomingSession
	for _, s := range sessions {
		up := UpcomingSession{Course: titles[s.CourseID], Title: s.Title, Starts: s.Starts}
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
	return out, nil
}
