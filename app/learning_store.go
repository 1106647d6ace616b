package app

import (
	"context"
	"time"

	"reportline"
	"reportline/learning"
)

// learningTx is the storage learning records (package learning),
// statistics, My team and the weekly digest's summary need (stats.go,
// team.go, team_week.go).
type learningTx interface {
	learning.Tx

	// LearningRecordsOf returns every record of the given users with its
	// course (without groups) and session, in one query per 500 users.
	LearningRecordsOf(ctx context.Context, users []reportline.UserID) (map[reportline.UserID][]reportline.RecordDetail, error)
	// CourseGroups returns the groups of each course that has some.
	CourseGroups(ctx context.Context, courses []reportline.CourseID) (map[reportline.CourseID][]reportline.GroupID, error)
	// SessionsStarting returns the sessions of the courses that start in
	// [from, to), by start time.
	SessionsStarting(ctx context.Context, courses []reportline.CourseID, from, to time.Time) ([]reportline.CourseSession, error)
	// CountLearning returns how many courses, sessions and records are stored.
	CountLearning(ctx context.Context) (courses, sessions, records int, err error)

	// LineSubtree returns every stored line link below manager, whatever
	// the links' dates and the users' statuses, and the status of each
	// managee, in one query: My team's walk in the "import" Assign role
	// mode (team.go).
	LineSubtree(ctx context.Context, manager reportline.UserID) ([]reportline.Link, map[reportline.UserID]reportline.Status, error)

	// AppendStatisticsViews records looks at users' statistics.
	AppendStatisticsViews(ctx context.Context, views []reportline.StatisticsView) error
	// StatisticsViews returns views, newest first.
	StatisticsViews(ctx context.Context, f reportline.StatisticsViewFilter) ([]reportline.StatisticsView, error)
}
