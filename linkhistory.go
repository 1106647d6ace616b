package reportline

import "time"

// HistoryOrigin says where a period of a link's history comes from.
type HistoryOrigin string

// The origins of link periods.
const (
	// OriginChange: written with the change itself (and its audit entry).
	OriginChange HistoryOrigin = "change"
	// OriginAudit: back-filled from the audit log (migration 0020).
	OriginAudit HistoryOrigin = "audit"
	// OriginMigration: a link the audit log never recorded, whose history
	// starts at the migration: before it, the history does not know it.
	OriginMigration HistoryOrigin = "migration"
)

// LinkPeriod is one period of a link's history (issue 19, docs/orgchart.md):
// when the link took effect and ended (effective time: a temporary link's
// own dates, else the time the change was recorded) and when each was
// recorded. Link holds the terms of the period (kind, source, the link's
// own dates); its CreatedAt is RecordedAt.
type LinkPeriod struct {
	Link
	From time.Time // effective from
	To   time.Time // effective until (exclusive); zero: open-ended
	// RecordedAt is when the period was recorded; EndedAt when its end was
	// (zero while the link exists with these terms).
	RecordedAt time.Time
	EndedAt    time.Time
	Origin     HistoryOrigin
}

// At says whether the period covers the instant t.
func (p LinkPeriod) At(t time.Time) bool {
	return !t.Before(p.From) && (p.To.IsZero() || t.Before(p.To))
}
