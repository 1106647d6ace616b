package reportline

import (
	"testing"
	"time"
)

// TestRecordLateAt: one record judged at several instants, as the
// statistics page judges it now and the digest at its week's end. A
// completion counts from its instant on; a failed record past its due date
// is late.
func TestRecordLateAt(t *testing.T) {
	t.Parallel()
	due := time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)
	done := time.Date(2026, 11, 12, 9, 0, 0, 0, time.UTC)
	completed := LearningRecord{Status: Completed, Due: due, Completed: done}
	failed := LearningRecord{Status: Failed, Due: due}
	open := LearningRecord{Status: InProgress}
	for _, tc := range []struct {
		name          string
		r             LearningRecord
		at            time.Time
		late, doneBy  bool
		daysLate      int
		completedLate bool
	}{
		{"failed, at its due date", failed, due, false, false, 0, false},
		{"failed, just after", failed, due.Add(time.Nanosecond), true, false, 0, false},
		{"failed, 3 days after", failed, due.Add(3 * 24 * time.Hour), true, false, 3, false},
		{"completed late, before its completion", completed, done, true, false, 2, true},
		{"completed late, just after", completed, done.Add(time.Nanosecond), false, true, 2, true},
		{"no due date", open, due.AddDate(1, 0, 0), false, false, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.r.Late(tc.at); got != tc.late {
				t.Errorf("Late = %v, want %v", got, tc.late)
			}
			if got := tc.r.CompletedBy(tc.at); got != tc.doneBy {
				t.Errorf("CompletedBy = %v, want %v", got, tc.doneBy)
			}
			if got := tc.r.DaysLate(tc.at); got != tc.daysLate {
				t.Errorf("DaysLate = %d, want %d", got, tc.daysLate)
			}
			if got := tc.r.CompletedLate(); got != tc.completedLate {
				t.Errorf("CompletedLate = %v, want %v", got, tc.completedLate)
			}
		})
	}
}
