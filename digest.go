package reportline

import (
	"fmt"
	"time"
)

// The weekly digest goes out every Monday from 14:00 to 14:30 Europe/Paris
// (SPEC §3), whatever the offset of the day: the slot is computed in the
// Paris zone, so it is 13:00 UTC in winter and 12:00 UTC in summer.
const (
	DigestHour   = 14               // the digest's local hour, Europe/Paris
	DigestWindow = 30 * time.Minute // the digests are due within this long after DigestHour
)

// ISOWeek names an ISO 8601 week, e.g. 2026-W47. A week belongs to the
// year of its Thursday, so 2026-12-28 is in 2026-W53 and 2027-01-01 in it
// too.
type ISOWeek struct {
	Year, Week int
}

// ISOWeekOf returns the ISO week of t's calendar date in t's location.
func ISOWeekOf(t time.Time) ISOWeek {
	y, w := t.ISOWeek()
	return ISOWeek{y, w}
}

// String formats the week as YYYY-Www.
func (w ISOWeek) String() string { return fmt.Sprintf("%04d-W%02d", w.Year, w.Week) }

// IsZero reports whether w names no week.
func (w ISOWeek) IsZero() bool { return w == ISOWeek{} }

// ParseISOWeek reads YYYY-Www (the week number may have one or two digits)
// and checks that the year has that week.
func ParseISOWeek(s string) (ISOWeek, error) {
	var w ISOWeek
	bad := FieldError("week", s, "week %q is not an ISO week such as 2026-W47", s)
	if _, err := fmt.Sscanf(s, "%4d-W%d", &w.Year, &w.Week); err != nil || len(s) < 7 || len(s) > 8 {
		return ISOWeek{}, bad
	}
	if w.Year < 1 || w.Week < 1 || ISOWeekOf(w.Monday(time.UTC)) != w {
		return ISOWeek{}, FieldError("week", s, "year %d has no week %d", w.Year, w.Week)
	}
	return w, nil
}

// Monday returns midnight of the week's Monday in loc.
func (w ISOWeek) Monday(loc *time.Location) time.Time {
	// 4 January is always in week 1.
	jan4 := time.Date(w.Year, time.January, 4, 0, 0, 0, 0, loc)
	back := (int(jan4.Weekday()) + 6) % 7 // days since Monday
	return jan4.AddDate(0, 0, (w.Week-1)*7-back)
}

// DigestSlot is one week's digest run: when it is due and which learning
// activity it summarises.
type DigestSlot struct {
	Week ISOWeek
	// Due is Monday 14:00 Europe/Paris of Week.
	Due time.Time
	// From and To bound the activity summarised: [previous Monday 14:00,
	// this Monday 14:00), Paris time. Consecutive digests thus cover time
	// without gap or overlap; a week spanning a change of daylight saving
	// time lasts 167 or 169 hours.
	From, To time.Time
}

// DigestSlotOf returns the slot of the week w in the Paris zone.
func DigestSlotOf(w ISOWeek, paris *time.Location) DigestSlot {
	m := w.Monday(paris)
	due := time.Date(m.Year(), m.Month(), m.Day(), DigestHour, 0, 0, 0, paris)
	prev := time.Date(m.Year(), m.Month(), m.Day()-7, DigestHour, 0, 0, 0, paris)
	return DigestSlot{Week: w, Due: due, From: prev, To: due}
}

// DigestSlotAt returns the slot that may run at instant t: the one of t's
// week when t is a Monday (Paris time) at or after 14:00, and ok false
// otherwise. A slot may run until the end of its Monday, so a server that
// was down at 14:00 still sends that week's digests when it comes back the
// same day (they are then marked late); on Tuesday the week is missed.
func DigestSlotAt(t time.Time, paris *time.Location) (slot DigestSlot, ok bool) {
	local := t.In(paris)
	if local.Weekday() != time.Monday || local.Hour() < DigestHour {
		return DigestSlot{}, false
	}
	return DigestSlotOf(ISOWeekOf(local), paris), true
}

// LateAt reports whether a digest run that began (or took over) at t is
// late: it began after the slot's first minutes, as when the server was
// down at 14:00. A run that began on time stays on time however long it
// takes; the slot's window is the target for finishing, not a deadline
// for each message.
func (s DigestSlot) LateAt(t time.Time) bool { return !t.Before(s.Due.Add(DigestLateAfter)) }

// DigestLateAfter is how long after 14:00 a run may begin and still be on
// time: the scheduler ticks every minute, so a healthy server begins
// within the first minute; five leave room for a slow start or a lease
// handed over from a replica that died.
const DigestLateAfter = 5 * time.Minute

// BirthdayHour is the local hour (Europe/Paris) from which the day's
// birthday notifications go out: a morning hour, so a manager learns of it
// at the start of the day.
const BirthdayHour = 8

// ScheduledRun is one run of a scheduled notification: the weekly digest of
// an ISO week, or the birthday notifications of a day. Replicas share it
// through the database: one holds it at a time, under a lease it renews
// after each chunk of managers, and a replica that finds the lease run out
// takes over where the last chunk ended.
type ScheduledRun struct {
	Kind                               NotificationType // NotifyWeeklyDigest or NotifyBirthday
	Period                             string           // the ISO week (2026-W48) or the date (2026-11-23)
	StartedAt                          time.Time        // when the first replica began it
	Owner                              string           // the replica holding it
	ClaimedAt                          time.Time        // when Owner took it: decides whether what it sends is late
	LeaseUntil                         time.Time        // Owner holds it until then unless it renews (the database's clock)
	Held                               bool             // the lease has not run out, by the database's clock, when read
	DoneThrough                        UserID           // managers are processed in id order; those up to this one are done
	FinishedAt                         time.Time        // zero while running
	Sent, Late, OptedOut, SkippedEmpty int              // counts so far; Late counts late messages among Sent
}

// SendOutcome is what became of one manager's scheduled notification.
type SendOutcome string

// The outcomes. Each is recorded once per manager and period, so that a
// run resumed after a crash neither sends twice nor reconsiders.
const (
	SendSent         SendOutcome = "sent"          // the message is in the outbox
	SendOptedOut     SendOutcome = "opted_out"     // the manager does not want it
	SendSkippedEmpty SendOutcome = "skipped_empty" // nothing to say, and admins skip empty digests
)

// ScheduledSend records one manager's notification of one period.
type ScheduledSend struct {
	Kind      NotificationType
	Period    string
	ManagerID UserID
	Outcome   SendOutcome
	Late      bool
	At        time.Time
}
