package digest

import (
	"testing"
	"time"

	"reportline"
	"reportline/i18n"
)

// weekList names the list of a MemberWeek a record is in, "" for none.
func weekList(mw MemberWeek, lmsID string) []string {
	var in []string
	for name, l := range map[string][]RecordView{"late": mw.Late, "due_soon": mw.DueSoon, "completed": mw.Completed, "progressed": mw.Progressed} {
		for _, r := range l {
			if r.LMSID == lmsID {
				in = append(in, name)
			}
		}
	}
	return in
}

// TestDigestWeekEdges checks the definitions of docs/digest.md at the
// edges of digest weeks, two of which change daylight saving time: the
// week ending Monday 26 October 2026 lasts 169 hours (CEST → CET on the
// 25th) and the one ending Monday 29 March 2027 lasts 167 (CET → CEST on
// the 28th). Each record is judged at the week's end (Monday 14:00 Paris),
// whatever the instant the digest is read.
func TestDigestWeekEdges(t *testing.T) {
	const ns = time.Nanosecond
	for _, tc := range []struct {
		week  reportline.ISOWeek
		hours float64 // the week's length
	}{
		{reportline.ISOWeek{Year: 2026, Week: 43}, 168}, // ends 19 Oct 2026; its coming week has 169 hours
		{reportline.ISOWeek{Year: 2026, Week: 44}, 169}, // ends Monday 26 Oct 2026
		{reportline.ISOWeek{Year: 2027, Week: 12}, 168}, // ends 22 Mar 2027; its coming week has 167 hours
		{reportline.ISOWeek{Year: 2027, Week: 13}, 167}, // ends Monday 29 Mar 2027
		{reportline.ISOWeek{Year: 2026, Week: 48}, 168}, // an ordinary week
	} {
		t.Run(tc.week.String(), func(t *testing.T) {
			slot := reportline.DigestSlotOf(tc.week, Paris)
			from, to := slot.From, slot.To
			ahead := comingWeekEnd(to, Paris)
			next := reportline.DigestSlotOf(reportline.ISOWeekOf(ahead.In(Paris)), Paris)
			if got := to.Sub(from).Hours(); got != tc.hours {
				t.Fatalf("the week lasts %v hours, want %v", got, tc.hours)
			}
			if !ahead.Equal(next.Due) || !next.From.Equal(to) {
				t.Fatalf("the coming week ends %s, want the next digest's Monday 14:00 %s", ahead, next.Due)
			}
			if h := to.In(Paris).Hour(); h != 14 || to.In(Paris).Weekday() != time.Monday {
				t.Fatalf("the week ends %s, want a Monday 14:00 Paris", to.In(Paris))
			}
			rec := func(id string, status reportline.LearningStatus, set func(*reportline.LearningRecord)) reportline.RecordDetail {
				r := reportline.LearningRecord{LMSID: id, Status: status, CourseID: 1}
				set(&r)
				return reportline.RecordDetail{Record: r, Course: reportline.Course{ID: 1, Title: id}}
			}
			done := func(at time.Time) func(*reportline.LearningRecord) {
				return func(r *reportline.LearningRecord) { r.Completed, r.Progress = at, 100 }
			}
			due := func(at time.Time) func(*reportline.LearningRecord) {
				return func(r *reportline.LearningRecord) { r.Due = at }
			}
			active := func(at time.Time) func(*reportline.LearningRecord) {
				return func(r *reportline.LearningRecord) { r.LastActivity = at }
			}
			both := func(fs ...func(*reportline.LearningRecord)) func(*reportline.LearningRecord) {
				return func(r *reportline.LearningRecord) {
					for _, f := range fs {
						f(r)
					}
				}
			}
			cases := []struct {
				r    reportline.RecordDetail
				want string // "" for none
			}{
				// Late: due before To, not completed by To.
				{rec("due-just-before-to", reportline.InProgress, due(to.Add(-ns))), "late"},
				{rec("due-at-to", reportline.NotStarted, due(to)), "due_soon"},
				{rec("failed-past-due", reportline.Failed, due(from)), "late"},
				{rec("done-after-to-past-due", reportline.Completed, both(due(from), done(to))), "late"},
				{rec("done-before-to-late", reportline.Completed, both(due(from.Add(-time.Hour)), done(to.Add(-ns)))), "completed"},
				// Due soon: due in [To, the next Monday 14:00).
				{rec("due-just-before-ahead", reportline.NotStarted, due(ahead.Add(-ns))), "due_soon"},
				{rec("due-at-ahead", reportline.NotStarted, due(ahead)), ""},
				{rec("due-soon-done-before-to", reportline.Completed, both(due(to.Add(time.Hour)), done(from.Add(time.Hour)))), "completed"},
				// Completed: completed in [From, To).
				{rec("done-at-from", reportline.Completed, done(from)), "completed"},
				{rec("done-just-before-from", reportline.Completed, done(from.Add(-ns))), ""},
				{rec("done-just-before-to", reportline.Completed, done(to.Add(-ns))), "completed"},
				{rec("done-at-to", reportline.Completed, done(to)), ""},
				// Worked on: activity in [From, To), not completed by To,
				// neither late nor due soon.
				{rec("active-at-from", reportline.InProgress, active(from)), "progressed"},
				{rec("active-just-before-from", reportline.InProgress, active(from.Add(-ns))), ""},
				{rec("active-at-to", reportline.InProgress, active(to)), ""},
				{rec("active-and-late", reportline.InProgress, both(active(from.Add(time.Hour)), due(from))), "late"},
				{rec("active-and-due-soon", reportline.InProgress, both(active(from.Add(time.Hour)), due(to.Add(time.Hour)))), "due_soon"},
				{rec("failed-active", reportline.Failed, active(to.Add(-time.Hour))), "progressed"},
			}
			var records []reportline.RecordDetail
			for _, c := range cases {
				records = append(records, c.r)
			}
			mw := memberWeek(reportline.User{ID: 1}, records, from, to, ahead)
			for _, c := range cases {
				got := weekList(mw, c.r.Record.LMSID)
				switch {
				case c.want == "" && len(got) != 0, c.want != "" && (len(got) != 1 || got[0] != c.want):
					t.Errorf("%s: in %v, want %q", c.r.Record.LMSID, got, c.want)
				}
			}
			// Judged at To: the late record is late by whole days counted
			// to To, not to the day the digest is read.
			for _, r := range mw.Late {
				if r.LMSID == "failed-past-due" && r.DaysLate != int(to.Sub(from)/(24*time.Hour)) {
					t.Errorf("failed-past-due: %d days late, want %d (counted to the week's end)", r.DaysLate, int(to.Sub(from)/(24*time.Hour)))
				}
			}
		})
	}
}

// TestDigestHandsOverAcrossDST: what one digest calls due in the coming
// week, the next calls overdue, even when the hour changes between them —
// with the coming week as 7 × 24 hours, an item due in the last hour before
// the Monday after the autumn change would be announced by neither.
func TestDigestHandsOverAcrossDST(t *testing.T) {
	this := reportline.DigestSlotOf(reportline.ISOWeek{Year: 2026, Week: 43}, Paris)
	next := reportline.DigestSlotOf(reportline.ISOWeek{Year: 2026, Week: 44}, Paris)
	dueAt := next.Due.Add(-30 * time.Minute) // Monday 26 October 13:30 CET
	r := reportline.RecordDetail{Record: reportline.LearningRecord{LMSID: "r", Status: reportline.NotStarted, Due: dueAt},
		Course: reportline.Course{Title: "GDPR"}}
	u := reportline.User{ID: 1}
	if got := weekList(memberWeek(u, []reportline.RecordDetail{r}, this.From, this.To, comingWeekEnd(this.To, Paris)), "r"); len(got) != 1 || got[0] != "due_soon" {
		t.Errorf("week 43: in %v, want due_soon", got)
	}
	if got := weekList(memberWeek(u, []reportline.RecordDetail{r}, next.From, next.To, comingWeekEnd(next.To, Paris)), "r"); len(got) != 1 || got[0] != "late" {
		t.Errorf("week 44: in %v, want late", got)
	}
}

// TestDigestSummary: the sentence at the top counts people, not items, and
// reads as English for one person, two, all of them and some.
func TestDigestSummary(t *testing.T) {
	team := func(n int) []MemberWeek {
		out := make([]MemberWeek, n)
		for i := range out {
			out[i].User = reportline.User{ID: reportline.UserID(i + 1), FirstName: "Ada", LastName: "Lovelace"}
		}
		return out
	}
	for _, tc := range []struct {
		size               int
		overdue, due, done int
		want               string
	}{
		{12, 3, 0, 5, "3 of your 12 people have overdue training."},
		{12, 1, 2, 0, "1 of your 12 people has overdue training, and 2 have training due in the coming week."},
		{2, 2, 0, 0, "Both your people have overdue training."},
		{5, 5, 1, 0, "All 5 of your people have overdue training, and 1 has training due in the coming week."},
		{1, 1, 0, 0, "Ada Lovelace has overdue training."},
		{1, 1, 1, 0, "Ada Lovelace has overdue training, and more due in the coming week."},
		{4, 0, 4, 0, "Nothing is overdue; all 4 of your people have training due in the coming week."},
		{1, 0, 0, 1, "Nothing is overdue or due in the coming week, and Ada Lovelace completed training this week."},
		{3, 0, 0, 0, "Nothing is overdue or due in the coming week."},
		{0, 0, 0, 0, "You have nobody to report on this week."},
	} {
		people := map[string]int{sectionOverdue: tc.overdue, sectionDueSoon: tc.due, sectionCompleted: tc.done}
		if got := digestSummary(i18n.For("en"), team(tc.size), people); got != tc.want {
			t.Errorf("%d people, %d/%d/%d: %q, want %q", tc.size, tc.overdue, tc.due, tc.done, got, tc.want)
		}
	}
}
