package reportline

import (
	"fmt"
	"strings"
	"time"
)

// Learning records arrive from the LMS (SPEC §3, "Statistics"): courses,
// their dated sessions, and one record per user and course (or session)
// saying how far the user got. Every item carries the LMS's own id
// (LMSID), unique per kind, so that sending the same item again updates
// it instead of duplicating it.

// CourseID is the internal id of a course.
type CourseID int64

// Course is a course of the LMS. Its access is limited to the members of
// Groups (and of their descendant groups); a course without groups is open
// to everyone. A manager sees their managees' records on every course,
// whatever its groups: the groups matter only to the shared_courses
// statistics scope.
type Course struct {
	ID        CourseID
	LMSID     string
	Title     string
	Groups    []GroupID // sorted; empty: open to everyone
	UpdatedAt time.Time
}

// CourseSessionID is the internal id of a course session.
type CourseSessionID int64

// CourseSession is one dated run of a course (a class, a webinar). It is
// not a login Session.
type CourseSession struct {
	ID        CourseSessionID
	LMSID     string
	CourseID  CourseID
	Title     string
	Starts    time.Time
	Ends      time.Time // zero when open-ended
	UpdatedAt time.Time
}

// LearningStatus is where a user stands on a course or session.
type LearningStatus string

// The learning statuses.
const (
	NotStarted LearningStatus = "not_started"
	InProgress LearningStatus = "in_progress"
	Completed  LearningStatus = "completed"
	Failed     LearningStatus = "failed"
)

// LearningStatuses lists the statuses in display order.
var LearningStatuses = []LearningStatus{NotStarted, InProgress, Completed, Failed}

// Valid reports whether s is a known status.
func (s LearningStatus) Valid() bool {
	return s == NotStarted || s == InProgress || s == Completed || s == Failed
}

// ParseLearningStatus reads a status, accepting any case and spaces or
// hyphens for underscores ("In progress", "not-started").
func ParseLearningStatus(s string) (LearningStatus, error) {
	v := LearningStatus(strings.NewReplacer(" ", "_", "-", "_").Replace(strings.ToLower(strings.TrimSpace(s))))
	if !v.Valid() {
		return "", FieldError("status", s, "status %q is not one of %s", s, joinStatuses())
	}
	return v, nil
}

func joinStatuses() string {
	parts := make([]string, len(LearningStatuses))
	for i, s := range LearningStatuses {
		parts[i] = string(s)
	}
	return strings.Join(parts, ", ")
}

// Label is the status for people.
func (s LearningStatus) Label() string {
	switch s {
	case NotStarted:
		return "Not started"
	case InProgress:
		return "In progress"
	case Completed:
		return "Completed"
	case Failed:
		return "Failed"
	}
	return string(s)
}

// LearningRecord is how far one user got on one course, or on one session
// of it when SessionID is set.
type LearningRecord struct {
	ID           int64
	LMSID        string
	UserID       UserID
	CourseID     CourseID
	SessionID    CourseSessionID // 0: the record is about the course as a whole
	Status       LearningStatus
	Progress     int      // percent, 0–100
	Score        *float64 // nil when the course is not scored
	TimeSpent    time.Duration
	Due          time.Time // zero: no due date
	Completed    time.Time // zero: not completed
	LastActivity time.Time // zero: never active
	UpdatedAt    time.Time
}

// Done reports whether the record is completed.
func (r LearningRecord) Done() bool { return r.Status == Completed }

// CompletedBy reports whether the record had been completed before instant
// at: it is completed and its completion time is before at (a completed
// record without a time counts as completed whenever asked). The weekly
// digest judges a week at its end with it, so that a course completed after
// the digest's Monday 14:00 belongs to the next digest; the statistics page
// asks it at the present instant.
func (r LearningRecord) CompletedBy(at time.Time) bool {
	return r.Done() && (r.Completed.IsZero() || r.Completed.Before(at))
}

// Late reports whether, at instant at, the record is overdue: it has a due
// date before at and had not been completed by at. A failed record past its
// due date is late: the learner still has to pass. The statistics page, My
// team and the weekly digest all ask this one question, the digest at its
// week's end.
func (r LearningRecord) Late(at time.Time) bool {
	return !r.Due.IsZero() && r.Due.Before(at) && !r.CompletedBy(at)
}

// CompletedLate reports whether the record was completed after its due date.
func (r LearningRecord) CompletedLate() bool {
	return r.Done() && !r.Due.IsZero() && !r.Completed.IsZero() && r.Completed.After(r.Due)
}

// DaysLate is how many whole days past its due date the record is at
// instant at (when late) or was completed (when completed late by at); 0
// otherwise.
func (r LearningRecord) DaysLate(at time.Time) int {
	var end time.Time
	switch {
	case r.Late(at):
		end = at
	case r.CompletedLate() && r.CompletedBy(at):
		end = r.Completed
	default:
		return 0
	}
	return int(end.Sub(r.Due) / (24 * time.Hour))
}

// Validate checks the record's own fields (not the references, which need
// storage). Fields are named as an integrator sends them.
func (r LearningRecord) Validate() error {
	switch {
	case strings.TrimSpace(r.LMSID) == "":
		return FieldError("id", r.LMSID, "the record's LMS id is required")
	case !r.Status.Valid():
		return FieldError("status", string(r.Status), "status %q is not one of %s", r.Status, joinStatuses())
	case r.Progress < 0 || r.Progress > 100:
		return FieldError("progress", fmt.Sprint(r.Progress), "progress must be a percentage from 0 to 100, not %d", r.Progress)
	case r.TimeSpent < 0:
		return FieldError("time_spent_seconds", fmt.Sprint(int64(r.TimeSpent/time.Second)), "time spent cannot be negative")
	case r.Status == Completed && r.Completed.IsZero():
		return FieldError("completed_at", "", "a completed record needs its completion time")
	case r.Status != Completed && !r.Completed.IsZero():
		return FieldError("completed_at", r.Completed.Format(time.RFC3339), "only a completed record has a completion time (status is %s)", r.Status)
	}
	return CheckField("id", r.LMSID, MaxUIDLength)
}

// Validate checks a course's own fields.
func (c Course) Validate() error {
	switch {
	case strings.TrimSpace(c.LMSID) == "":
		return FieldError("id", c.LMSID, "the course's LMS id is required")
	case strings.TrimSpace(c.Title) == "":
		return FieldError("title", c.Title, "the course's title is required")
	}
	return checkFields(textField{"id", c.LMSID, MaxUIDLength}, textField{"title", c.Title, MaxNameLength})
}

// Validate checks a session's own fields.
func (s CourseSession) Validate() error {
	switch {
	case strings.TrimSpace(s.LMSID) == "":
		return FieldError("id", s.LMSID, "the session's LMS id is required")
	case s.Starts.IsZero():
		return FieldError("starts_at", "", "the session's start time is required")
	case !s.Ends.IsZero() && s.Ends.Before(s.Starts):
		return FieldError("ends_at", s.Ends.Format(time.RFC3339), "the session ends before it starts (%s)", s.Starts.Format(time.RFC3339))
	}
	return checkFields(textField{"id", s.LMSID, MaxUIDLength}, textField{"title", s.Title, MaxNameLength})
}

// RecordDetail is a learning record with what it is about, as the
// statistics, the team page and the digest show it.
type RecordDetail struct {
	Record  LearningRecord
	Course  Course        // without its Groups (see CourseGroups)
	Session CourseSession // zero when the record is about the whole course
}

// StatisticsScope is how much of a managee's statistics a link kind lets
// their manager see (SPEC §3: "the visibility scope is configurable per
// link kind").
type StatisticsScope string

// The statistics scopes.
const (
	// ScopeEverything: every course and session, including those the
	// manager cannot access themself. The default.
	ScopeEverything StatisticsScope = "everything"
	// ScopeSharedCourses: only the courses the manager may access
	// themself (courses without groups, or of a group the manager belongs
	// to).
	ScopeSharedCourses StatisticsScope = "shared_courses"
	// ScopeSummary: counts only (courses completed, in progress, late…),
	// no course names.
	ScopeSummary StatisticsScope = "summary"
)

// StatisticsScopes lists the scopes, widest first.
var StatisticsScopes = []StatisticsScope{ScopeEverything, ScopeSharedCourses, ScopeSummary}

// Valid reports whether s is a known scope.
func (s StatisticsScope) Valid() bool {
	return s == ScopeEverything || s == ScopeSharedCourses || s == ScopeSummary
}

// ParseStatisticsScope checks a scope name.
func ParseStatisticsScope(s string) (StatisticsScope, error) {
	v := StatisticsScope(strings.TrimSpace(s))
	if !v.Valid() {
		return "", FieldError("scope", s, "statistics scope %q is not one of everything, shared_courses, summary", s)
	}
	return v, nil
}

// Label is the scope for people.
func (s StatisticsScope) Label() string {
	switch s {
	case ScopeEverything:
		return "Everything, including courses the manager cannot open"
	case ScopeSharedCourses:
		return "Only courses the manager can open"
	case ScopeSummary:
		return "Summary counts only"
	}
	return string(s)
}

// StatisticsView is one look by a user at another user's statistics, kept
// so that admins can see who looked at whom and when.
type StatisticsView struct {
	ID       int64
	At       time.Time
	ViewerID UserID
	UserID   UserID
	Grant    string          // what allowed it: link, chain, platform_admin, group_admin
	Scope    StatisticsScope // what the viewer was shown
	Source   Source          // ui or api
	Page     StatisticsPage  // what was looked at
}

// StatisticsPage says what a statistics view looked at.
type StatisticsPage string

// The pages that show a user's statistics.
const (
	StatisticsPageUser StatisticsPage = "statistics" // the user's statistics page or API
	StatisticsPageTeam StatisticsPage = "team"       // the manager's My team page or API
)

// StatisticsViewFilter selects statistics views, newest first.
type StatisticsViewFilter struct {
	ViewerID UserID // 0: any
	UserID   UserID // 0: any
	BeforeID int64  // keyset: views older than this id; 0: from the newest
	Limit    int
}
