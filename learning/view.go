package learning

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"reportline"
)

// RecordView is one learning record as people read it: the statistics
// page, My team and the weekly digest judge a record the same way.
type RecordView struct {
	LMSID         string
	CourseID      reportline.CourseID
	CourseLMSID   string
	Course        string // the course's title
	Session       string // the session's title, "" for a record about the whole course
	SessionStarts time.Time
	Status        reportline.LearningStatus
	Progress      int      // percent
	Score         *float64 // nil when not scored
	TimeSpent     time.Duration
	Due           time.Time // zero: no due date
	Completed     time.Time // zero: not completed
	LastActivity  time.Time // zero: never active
	// Late is whether the record is overdue at the time it was read;
	// DaysLate how many whole days past its due date it is, or was when
	// completed late.
	Late          bool
	CompletedLate bool
	DaysLate      int
}

// View turns a stored record into its view at instant at.
func View(d reportline.RecordDetail, at time.Time) RecordView {
	r := d.Record
	title := d.Session.Title
	if title == "" && d.Session.LMSID != "" {
		title = d.Session.LMSID
	}
	return RecordView{LMSID: r.LMSID, CourseID: r.CourseID, CourseLMSID: d.Course.LMSID, Course: d.Course.Title,
		Session: title, SessionStarts: d.Session.Starts, Status: r.Status, Progress: r.Progress, Score: r.Score,
		TimeSpent: r.TimeSpent, Due: r.Due, Completed: r.Completed, LastActivity: r.LastActivity,
		Late: r.Late(at), CompletedLate: r.CompletedLate(), DaysLate: r.DaysLate(at)}
}

// SortViews orders records by course title, then the course's own record
// before its sessions', sessions by start.
func SortViews(rs []RecordView) {
	slices.SortStableFunc(rs, func(a, b RecordView) int {
		return cmp.Or(strings.Compare(strings.ToLower(a.Course), strings.ToLower(b.Course)),
			cmp.Compare(a.CourseID, b.CourseID),
			cmp.Compare(boolInt(a.Session != ""), boolInt(b.Session != "")),
			a.SessionStarts.Compare(b.SessionStarts),
			strings.Compare(a.LMSID, b.LMSID))
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
