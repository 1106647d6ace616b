package app

import (
	"context"
	"time"

	"reportline"
)

// digestTx is the storage the scheduled notifications need (the weekly
// digest and birthdays; see digest_run.go).
type digestTx interface {
	// ClaimRun begins the run (kind, period) for owner or lets owner go on
	// with it, for lease: when it does not exist, is owner's, or its lease
	// ran out by the database's clock; never once it finished. now is
	// recorded as the claim's time. claimed false: another replica holds
	// it, or it is done.
	ClaimRun(ctx context.Context, kind reportline.NotificationType, period, owner string, now time.Time, lease time.Duration) (run reportline.ScheduledRun, claimed bool, err error)
	// ScheduledRun returns a run; NotFound when it never began.
	ScheduledRun(ctx context.Context, kind reportline.NotificationType, period string) (reportline.ScheduledRun, error)
	// ScheduledRuns returns the latest runs of a kind, newest first.
	ScheduledRuns(ctx context.Context, kind reportline.NotificationType, limit int) ([]reportline.ScheduledRun, error)
	// AdvanceRun records a chunk done by r.Owner and renews its lease;
	// Conflict when r.Owner no longer holds the run.
	AdvanceRun(ctx context.Context, r reportline.ScheduledRun, lease time.Duration) error
	// ReleaseRuns ends the lease of the unfinished runs owner holds.
	ReleaseRuns(ctx context.Context, owner string) (int, error)
	// InsertScheduledSend records one manager's notification of a period;
	// false, changing nothing, when one is recorded already.
	InsertScheduledSend(ctx context.Context, s reportline.ScheduledSend) (bool, error)
	// ScheduledSends returns the recorded notifications of a period for the
	// managers; those with none are absent.
	ScheduledSends(ctx context.Context, kind reportline.NotificationType, period string, managers []reportline.UserID) (map[reportline.UserID]reportline.ScheduledSend, error)

	// NotificationOptOuts returns which of users opted out of type t.
	NotificationOptOuts(ctx context.Context, t reportline.NotificationType, users []reportline.UserID) (map[reportline.UserID]bool, error)
	// SetNotificationOptOut records whether user opted out of type t.
	SetNotificationOptOut(ctx context.Context, user reportline.UserID, t reportline.NotificationType, out bool, at time.Time) error

	// ActiveUserIDs returns the ids of every active user.
	ActiveUserIDs(ctx context.Context) (map[reportline.UserID]bool, error)
	// ActiveUsersWithBirthday returns the active users whose birthday
	// falls on one of the month-days (MM-DD), ordered by id.
	ActiveUsersWithBirthday(ctx context.Context, monthDays []string) ([]reportline.User, error)
}
