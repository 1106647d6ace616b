package api

import (
	"time"

	"reportline"
	"reportline/app"
	"reportline/learning"
)

// LearningBatch is one batch of learning data from the LMS, upserted by LMS
// ids, atomic: one refused item refuses the batch, with one detail per
// refused item naming it (records[3].progress).
type LearningBatch struct {
	Courses  []CourseIn  `json:"courses,omitempty"`
	Sessions []SessionIn `json:"sessions,omitempty"`
	Records  []RecordIn  `json:"records,omitempty"`
}

// CourseIn is a course.
type CourseIn struct {
	ID     string  `json:"id" doc:"the course's id in the LMS"`
	Title  string  `json:"title"`
	Groups []int64 `json:"groups,omitempty" doc:"ids of the groups the course is limited to; none: open to everyone"`
}

// SessionIn is a dated session of a course.
type SessionIn struct {
	ID       string    `json:"id" doc:"the session's id in the LMS"`
	CourseID string    `json:"course_id" doc:"the LMS id of its course, stored or in this batch"`
	Title    string    `json:"title,omitempty"`
	StartsAt time.Time `json:"starts_at"`
	EndsAt   time.Time `json:"ends_at,omitempty,omitzero"`
}

// RecordIn is one user's record on a course or one of its sessions. The
// user is named by exactly one of user_id, user_uid and user_email.
type RecordIn struct {
	ID               string    `json:"id" doc:"the record's id in the LMS"`
	UserID           int64     `json:"user_id,omitempty"`
	UserUID          string    `json:"user_uid,omitempty" doc:"the user's external uid"`
	UserEmail        string    `json:"user_email,omitempty"`
	CourseID         string    `json:"course_id" doc:"the LMS id of the course"`
	SessionID        string    `json:"session_id,omitempty" doc:"the LMS id of the session; none: the record is about the whole course"`
	Status           string    `json:"status" enum:"not_started,in_progress,completed,failed"`
	Progress         int       `json:"progress,omitempty" doc:"percent, 0 to 100"`
	Score            *float64  `json:"score,omitempty"`
	TimeSpentSeconds int64     `json:"time_spent_seconds,omitempty"`
	DueAt            time.Time `json:"due_at,omitempty,omitzero"`
	CompletedAt      time.Time `json:"completed_at,omitempty,omitzero" doc:"required when completed, refused otherwise"`
	LastActivityAt   time.Time `json:"last_activity_at,omitempty,omitzero"`
}

func (b LearningBatch) toApp() learning.Batch {
	var out learning.Batch
	for _, c := range b.Courses {
		in := learning.CourseInput{ID: c.ID, Title: c.Title}
		for _, g := range c.Groups {
			in.Groups = append(in.Groups, reportline.GroupID(g))
		}
		out.Courses = append(out.Courses, in)
	}
	for _, s := range b.Sessions {
		out.Sessions = append(out.Sessions, learning.SessionInput{ID: s.ID, CourseID: s.CourseID, Title: s.Title, Starts: s.StartsAt, Ends: s.EndsAt})
	}
	for _, r := range b.Records {
		out.Records = append(out.Records, learning.RecordInput{ID: r.ID, UserID: reportline.UserID(r.UserID), UserUID: r.UserUID,
			UserEmail: r.UserEmail, CourseID: r.CourseID, SessionID: r.SessionID, Status: r.Status, Progress: r.Progress,
			Score: r.Score, TimeSpent: time.Duration(r.TimeSpentSeconds) * time.Second, Due: r.DueAt, Completed: r.CompletedAt,
			LastActivity: r.LastActivityAt})
	}
	return out
}

// LearningResult says what a batch did, per kind of item.
type LearningResult struct {
	Courses  UpsertCounts `json:"courses"`
	Sessions UpsertCounts `json:"sessions"`
	Records  UpsertCounts `json:"records"`
}

// UpsertCounts counts the items created, updated and left as they were.
type UpsertCounts struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
}

func toLearningResult(r learning.Result) LearningResult {
	c := func(u learning.UpsertCounts) UpsertCounts { return UpsertCounts(u) }
	return LearningResult{Courses: c(r.Courses), Sessions: c(r.Sessions), Records: c(r.Records)}
}

// Statistics is a user's learning statistics as the caller may see them.
type Statistics struct {
	User    UserRef      `json:"user"`
	Scope   string       `json:"scope" enum:"everything,shared_courses,summary" doc:"how much the caller is shown: the statistics scope of the link kind that grants it"`
	Grant   string       `json:"grant" enum:"self,link,chain,platform_admin,group_admin" doc:"what lets the caller see it"`
	Reason  string       `json:"reason"`
	At      time.Time    `json:"at" doc:"lateness is judged at this instant"`
	Summary StatsSummary `json:"summary"`
	Records []StatRecord `json:"records"`
	Hidden  int          `json:"hidden" doc:"records the scope hides"`
}

// StatsSummary counts records.
type StatsSummary struct {
	Records          int   `json:"records"`
	Courses          int   `json:"courses"`
	Completed        int   `json:"completed"`
	InProgress       int   `json:"in_progress"`
	NotStarted       int   `json:"not_started"`
	Failed           int   `json:"failed"`
	Late             int   `json:"late"`
	CompletedLate    int   `json:"completed_late"`
	AverageProgress  int   `json:"average_progress"`
	TimeSpentSeconds int64 `json:"time_spent_seconds"`
}

// StatRecord is one record on a course or session.
type StatRecord struct {
	ID               string    `json:"id" doc:"the record's LMS id"`
	CourseID         string    `json:"course_id" doc:"the course's LMS id"`
	Course           string    `json:"course"`
	Session          string    `json:"session,omitempty"`
	SessionStartsAt  time.Time `json:"session_starts_at,omitempty,omitzero"`
	Status           string    `json:"status" enum:"not_started,in_progress,completed,failed"`
	Progress         int       `json:"progress"`
	Score            *float64  `json:"score,omitempty"`
	TimeSpentSeconds int64     `json:"time_spent_seconds"`
	DueAt            time.Time `json:"due_at,omitempty,omitzero"`
	CompletedAt      time.Time `json:"completed_at,omitempty,omitzero"`
	LastActivityAt   time.Time `json:"last_activity_at,omitempty,omitzero"`
	Late             bool      `json:"late" doc:"overdue now: due date passed, not completed"`
	CompletedLate    bool      `json:"completed_late"`
	DaysLate         int       `json:"days_late,omitempty"`
	ViewerMayOpen    *bool     `json:"viewer_may_open,omitempty" doc:"whether the caller may open the course themself (statistics page only)"`
}

func toStatsSummary(s app.StatsSummary) StatsSummary {
	return StatsSummary{Records: s.Records, Courses: s.Courses, Completed: s.Completed, InProgress: s.InProgress,
		NotStarted: s.NotStarted, Failed: s.Failed, Late: s.Late, CompletedLate: s.CompletedLate,
		AverageProgress: s.AverageProgress, TimeSpentSeconds: int64(s.TimeSpent / time.Second)}
}

func toStatRecord(r app.RecordView) StatRecord {
	return StatRecord{ID: r.LMSID, CourseID: r.CourseLMSID, Course: r.Course, Session: r.Session, SessionStartsAt: r.SessionStarts,
		Status: string(r.Status), Progress: r.Progress, Score: r.Score, TimeSpentSeconds: int64(r.TimeSpent / time.Second),
		DueAt: r.Due, CompletedAt: r.Completed, LastActivityAt: r.LastActivity, Late: r.Late, CompletedLate: r.CompletedLate,
		DaysLate: r.DaysLate}
}

func toStatistics(st app.UserStatistics) Statistics {
	out := Statistics{User: toUserRef(st.User), Scope: string(st.Scope), Grant: string(st.Grant.By), Reason: st.Reason, At: st.At,
		Summary: toStatsSummary(st.Summary), Records: []StatRecord{}, Hidden: st.Hidden}
	if out.Grant == "" {
		out.Grant = string(app.GrantSelf)
	}
	for _, r := range st.Records {
		sr := toStatRecord(r.RecordView)
		open := r.ViewerMayOpen
		sr.ViewerMayOpen = &open
		out.Records = append(out.Records, sr)
	}
	return out
}

// Team is the caller's team (My team).
type Team struct {
	Scope     string         `json:"scope" enum:"direct,all"`
	At        time.Time      `json:"at"`
	Direct    int            `json:"direct" doc:"how many members are direct reports"`
	Reporting int            `json:"reporting" doc:"how many people report to the caller in the scope; more than the members listed when the team is cut to the 2,000 nearest"`
	Totals    StatsSummary   `json:"totals"`
	Members   []TeamMember   `json:"members"`
	Birthdays []TeamBirthday `json:"birthdays_today"`
}

// TeamMember is one member of the team, with their contacts and counts.
type TeamMember struct {
	User         UserRef      `json:"user"`
	Direct       bool         `json:"direct"`
	Kind         string       `json:"kind" enum:"line,functional"`
	Depth        int          `json:"depth" doc:"1 for direct reports, 2 for theirs…"`
	Manager      *UserRef     `json:"manager,omitempty" doc:"for an indirect member, the manager through whom they report"`
	StatsVisible bool         `json:"stats_visible"`
	Scope        string       `json:"scope" enum:"everything,shared_courses,summary"`
	Summary      StatsSummary `json:"summary"`
	Late         []StatRecord `json:"late"`
}

// TeamBirthday is an entry of the "Today's birthday" widget.
type TeamBirthday struct {
	User    UserRef `json:"user"`
	Age     int     `json:"age,omitempty" doc:"absent when the year of birth is unknown"`
	OnFeb28 bool    `json:"on_feb_28,omitempty" doc:"born on 29 February, celebrated on 28 February this common year"`
}

func toTeam(tv app.TeamView) Team {
	out := Team{Scope: string(tv.Scope), At: tv.At, Direct: tv.Direct, Reporting: tv.Reporting, Totals: toStatsSummary(tv.Totals),
		Members: []TeamMember{}, Birthdays: []TeamBirthday{}}
	for _, m := range tv.Members {
		tm := TeamMember{User: toUserRef(m.User), Direct: m.Direct, Kind: string(m.Kind), Depth: m.Depth,
			StatsVisible: m.StatsVisible, Scope: string(m.Scope), Summary: toStatsSummary(m.Summary), Late: []StatRecord{}}
		if !m.Direct && m.Manager.ID != 0 {
			ref := toUserRef(m.Manager)
			tm.Manager = &ref
		}
		for _, r := range m.Late {
			tm.Late = append(tm.Late, toStatRecord(r))
		}
		out.Members = append(out.Members, tm)
	}
	for _, b := range tv.Birthdays {
		out.Birthdays = append(out.Birthdays, TeamBirthday{User: toUserRef(b.User), Age: b.Age, OnFeb28: b.OnFeb28})
	}
	return out
}

// StatisticsScopes is what a manager sees of a managee's statistics, per
// link kind.
type StatisticsScopes struct {
	Line       string `json:"line,omitempty" enum:"everything,shared_courses,summary"`
	Functional string `json:"functional,omitempty" enum:"everything,shared_courses,summary"`
}

// StatisticsViewList is the log of looks at users' statistics, newest
// first.
type StatisticsViewList struct {
	Views []StatisticsViewEntry `json:"views"`
}

// StatisticsViewEntry is one look at a user's statistics.
type StatisticsViewEntry struct {
	ID       int64     `json:"id"`
	At       time.Time `json:"at"`
	ViewerID int64     `json:"viewer_id"`
	UserID   int64     `json:"user_id"`
	Grant    string    `json:"grant" enum:"link,chain,platform_admin,group_admin"`
	Scope    string    `json:"scope" enum:"everything,shared_courses,summary"`
	Source   string    `json:"source"`
	Page     string    `json:"page" enum:"statistics,team"`
}
