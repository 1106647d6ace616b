package app_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// novDay is a date at 09:00 UTC in the test clock's month.
func novDay(d int) time.Time { return time.Date(2026, 11, d, 9, 0, 0, 0, time.UTC) }

// TestTeamWeekDefinitions checks each list of the digest's summary against
// its definition, for the week [Mon 16, Mon 23) November 2026.
func TestTeamWeekDefinitions(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine)
		a := o.env.App
		o.link(t, o.mgr, o.y, reportline.Functional)
		o.link(t, o.mgr, o.w, reportline.Line)
		off := reportline.StatusInactive // w leaves: no member, though linked
		if _, err := a.UpdateUser(ctx, sys, o.w.ID, app.UserPatch{Status: &off}); err != nil {
			t.Fatal(err)
		}
		from, to := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
		rec := func(id string, u reportline.User, status string, progress int) app.RecordInput {
			return app.RecordInput{ID: id, UserID: u.ID, CourseID: "C1", Status: status, Progress: progress}
		}
		completedIn := rec("completed-in", o.x, "completed", 100)
		completedIn.Completed = novDay(18)
		completedBefore := rec("completed-before", o.x, "completed", 100)
		completedBefore.Completed = novDay(10)
		completedBefore.Due = novDay(5) // completed late, long ago: not Late
		progressed := rec("progressed", o.x, "in_progress", 40)
		progressed.LastActivity = novDay(20)
		progressedAtTo := rec("progressed-at-to", o.x, "in_progress", 40)
		progressedAtTo.LastActivity = to // [from, to): excluded
		late := rec("late", o.y, "in_progress", 10)
		late.Due = novDay(22)
		late.LastActivity = novDay(1)
		lateFailed := rec("late-failed", o.y, "failed", 30)
		lateFailed.Due = novDay(2)
		dueSoon := rec("due-soon", o.y, "not_started", 0)
		dueSoon.Due = to // due at To is not late: it is due soon
		dueLater := rec("due-later", o.y, "not_started", 0)
		dueLater.Due = to.Add(7 * 24 * time.Hour) // outside [to, to+7d)
		onSession := rec("on-session", o.x, "not_started", 0)
		onSession.CourseID, onSession.SessionID = "C2", "S-next"
		offRec := rec("inactive", o.w, "in_progress", 50)
		offRec.LastActivity = novDay(20)

		_, err := a.ApplyLearning(ctx, sys, app.LearningBatch{
			Courses: []app.CourseInput{{ID: "C1", Title: "Safety"}, {ID: "C2", Title: "Leadership", Groups: []reportline.GroupID{o.b.ID}}},
			Sessions: []app.SessionInput{
				{ID: "S-next", CourseID: "C2", Title: "Leadership, Lyon", Starts: novDay(25)},
				{ID: "S-c1", CourseID: "C1", Title: "Safety, Paris", Starts: novDay(24)},
				{ID: "S-far", CourseID: "C1", Title: "Safety, later", Starts: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)},
				{ID: "S-past", CourseID: "C1", Title: "Safety, past", Starts: novDay(20)},
			},
			Records: []app.RecordInput{completedIn, completedBefore, progressed, progressedAtTo, late, lateFailed, dueSoon, dueLater, onSession, offRec},
		})
		if err != nil {
			t.Fatal(err)
		}

		w, err := a.TeamWeek(ctx, o.mgr.ID, from, to)
		if err != nil {
			t.Fatal(err)
		}
		if got := memberEmails(w); !slices.Equal(got, []string{"x@example.com", "y@example.com"}) {
			t.Fatalf("members = %v, want x and y (w is inactive)", got)
		}
		x, y := w.Members[0], w.Members[1]
		check := func(name string, got []app.RecordView, want ...string) {
			t.Helper()
			var ids []string
			for _, r := range got {
				ids = append(ids, r.LMSID)
			}
			slices.Sort(ids)
			slices.Sort(want)
			if !slices.Equal(ids, want) {
				t.Errorf("%s = %v, want %v", name, ids, want)
			}
		}
		check("x.Completed", x.Completed, "completed-in")
		check("x.Progressed", x.Progressed, "progressed")
		check("x.Late", x.Late)
		check("x.DueSoon", x.DueSoon)
		check("y.Completed", y.Completed)
		check("y.Progressed", y.Progressed)
		check("y.Late", y.Late, "late", "late-failed")
		check("y.DueSoon", y.DueSoon, "due-soon")

		// Upcoming: S-c1 (x and y have unfinished C1 records) and S-next
		// (x's record on it); not the past nor the far one.
		var up []string
		for _, s := range w.Upcoming {
			var who []string
			for _, u := range s.Members {
				who = append(who, u.FirstName)
			}
			up = append(up, s.Course+"/"+s.Title+":"+joinNames(who))
		}
		want := []string{"Safety/Safety, Paris:x,y", "Leadership/Leadership, Lyon:x"}
		if !slices.Equal(up, want) {
			t.Errorf("upcoming = %v, want %v", up, want)
		}
		if w.Empty() {
			t.Error("Empty() = true for a busy week")
		}

		// A manager whose only managee is inactive has an empty week; so
		// has an inactive manager.
		quiet, err := a.TeamWeek(ctx, o.x.ID, from, to)
		if err != nil {
			t.Fatal(err)
		}
		if !quiet.Empty() || len(quiet.Members) != 0 {
			t.Errorf("x manages nobody: %+v", quiet)
		}

		// ReceiveMessages switched off for functional links: y is no member.
		m, err := a.CapabilityMatrix(ctx, sys)
		if err != nil {
			t.Fatal(err)
		}
		m.Set(reportline.Functional, reportline.ReceiveMessages, false)
		if _, err := a.SetCapabilityMatrix(ctx, sys, m); err != nil {
			t.Fatal(err)
		}
		w, err = a.TeamWeek(ctx, o.mgr.ID, from, to)
		if err != nil {
			t.Fatal(err)
		}
		if got := memberEmails(w); !slices.Equal(got, []string{"x@example.com"}) {
			t.Errorf("members without functional ReceiveMessages = %v, want x only", got)
		}
	})
}

func memberEmails(w app.TeamWeek) []string {
	var out []string
	for _, m := range w.Members {
		out = append(out, m.User.Email)
	}
	return out
}

func joinNames(names []string) string {
	out := ""
	for i, n := range names {
		if i > 0 {
			out += ","
		}
		out += n
	}
	return out
}
