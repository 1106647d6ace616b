package reportline

import "time"

// Cover during absences (issue 20, docs/absences.md): a manager away names
// a delegate, who holds the manager's links to their team, on the
// manager's behalf, for the dates of the absence.

// AbsenceID identifies an absence.
type AbsenceID int64

// DelegateFrom says how an absence's delegate was chosen.
type DelegateFrom string

// How a delegate is chosen: named by whoever set the absence, or by the
// fallback chain (docs/absences.md, "No delegate named").
const (
	DelegateNamed          DelegateFrom = "named"
	DelegateSecondManager  DelegateFrom = "second_manager"
	DelegateManagerManager DelegateFrom = "manager_manager"
)

// Absence is a manager away from Starts to Ends, covered by a delegate.
type Absence struct {
	ID           AbsenceID
	ManagerID    UserID
	DelegateID   UserID
	DelegateFrom DelegateFrom
	// Starts and Ends bound the absence: it is in effect from Starts
	// until, not including, Ends.
	Starts, Ends time.Time
	// EndedAt is set when someone ended the absence before its planned
	// end (Ends then moved to that instant) or cancelled it before it
	// started (Ends equals Starts).
	EndedAt   time.Time
	CreatedBy UserID
	CreatedAt time.Time
	// Managees are the people the delegate covers: each has a temporary
	// link from the delegate made for the absence.
	Managees []UserID
}

// InEffect reports whether the absence is on at t.
func (a Absence) InEffect(t time.Time) bool { return !t.Before(a.Starts) && t.Before(a.Ends) }

// Overlaps reports whether two absences share an instant.
func (a Absence) Overlaps(b Absence) bool {
	return a.Starts.Before(b.Ends) && b.Starts.Before(a.Ends) && a.Starts.Before(a.Ends) && b.Starts.Before(b.Ends)
}

// AbsenceFilter selects absences: of a manager, of a delegate, or covering
// a managee; those that end after After (zero: any).
type AbsenceFilter struct {
	ManagerID  UserID
	DelegateID UserID
	ManageeID  UserID
	After      time.Time
}

// CoverNotify says who gets a covered manager's digest and notifications
// during an absence (the setting "cover.notify").
type CoverNotify string

// The choices: the delegate with the manager (the default), or the
// delegate instead of the manager.
const (
	CoverNotifyWith    CoverNotify = "with"
	CoverNotifyInstead CoverNotify = "instead"
)

// Valid reports whether c is a known choice.
func (c CoverNotify) Valid() bool { return c == CoverNotifyWith || c == CoverNotifyInstead }

// LeaverChoice says what happens to a deactivated manager's reports.
type LeaverChoice string

// The choices (docs/absences.md, "Movers and leavers").
const (
	// LeaverToManager moves them to the leaver's own line manager.
	LeaverToManager LeaverChoice = "manager"
	// LeaverToSuccessor moves them to a named successor.
	LeaverToSuccessor LeaverChoice = "successor"
	// LeaverFlag ends their links to the leaver and flags them
	// (leaver_flags), for the health centre to list.
	LeaverFlag LeaverChoice = "flag"
)

// Valid reports whether c is a known choice.
func (c LeaverChoice) Valid() bool {
	return c == LeaverToManager || c == LeaverToSuccessor || c == LeaverFlag
}

// LeaverFlagRow is a report left without a manager when their manager was
// deactivated.
type LeaverFlagRow struct {
	ManageeID UserID
	LeaverID  UserID
	FlaggedAt time.Time
}
