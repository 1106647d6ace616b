package storetest

import (
	"context"
	"testing"
	"time"

	"reportline"
	"reportline/store"
)

// testLearning: courses, sessions and records are upserted by LMS id,
// read back field for field (NULLs as zero values), and read per user in
// one call; a course's groups are replaced.
func testLearning(t *testing.T, db DB) {
	ctx := context.Background()
	us := mkUsers(t, db, "a", "b")
	var g1, g2 reportline.Group
	course := reportline.Course{LMSID: "c1", Title: "Safety"}
	session := reportline.CourseSession{LMSID: "s1", Title: "Paris", Starts: day, Ends: day.Add(2 * time.Hour)}
	score := 8.25
	rec := reportline.LearningRecord{LMSID: "r1", UserID: us[0].ID, Status: reportline.Completed, Progress: 100, Score: &score,
		TimeSpent: 90 * time.Minute, Due: day.AddDate(0, 0, -1), Completed: day, LastActivity: day}
	write(t, db, func(tx *store.Tx) error {
		g1, g2 = reportline.Group{Name: "G1"}, reportline.Group{Name: "G2"}
		if err := tx.CreateGroup(ctx, &g1); err != nil {
			return err
		}
		if err := tx.CreateGroup(ctx, &g2); err != nil {
			return err
		}
		course.Groups = []reportline.GroupID{g1.ID, g2.ID}
		if err := tx.PutCourse(ctx, &course); err != nil {
			return err
		}
		session.CourseID = course.ID
		if err := tx.PutCourseSession(ctx, &session); err != nil {
			return err
		}
		rec.CourseID = course.ID
		if err := tx.PutLearningRecord(ctx, &rec); err != nil {
			return err
		}
		bare := reportline.LearningRecord{LMSID: "r2", UserID: us[1].ID, CourseID: course.ID, SessionID: session.ID, Status: reportline.NotStarted}
		return tx.PutLearningRecord(ctx, &bare)
	})
	read(t, db, func(tx *store.Tx) error {
		cs, err := tx.CoursesByLMSIDs(ctx, []string{"c1", "nope"})
		if err != nil {
			return err
		}
		if len(cs) != 1 || cs["c1"].ID != course.ID || len(cs["c1"].Groups) != 2 || cs["c1"].Title != "Safety" {
			t.Errorf("courses = %+v", cs)
		}
		ss, err := tx.SessionsByLMSIDs(ctx, []string{"s1"})
		if err != nil {
			return err
		}
		if s := ss["s1"]; s.CourseID != course.ID || !s.Starts.Equal(day) || !s.Ends.Equal(session.Ends) {
			t.Errorf("session = %+v", s)
		}
		rs, err := tx.RecordsByLMSIDs(ctx, []string{"r1", "r2"})
		if err != nil {
			return err
		}
		r1, r2 := rs["r1"], rs["r2"]
		if r1.Score == nil || *r1.Score != score || r1.TimeSpent != rec.TimeSpent || !r1.Due.Equal(rec.Due) || !r1.Completed.Equal(day) || r1.SessionID != 0 {
			t.Errorf("r1 = %+v", r1)
		}
		if r2.Score != nil || !r2.Due.IsZero() || !r2.Completed.IsZero() || !r2.LastActivity.IsZero() || r2.SessionID != session.ID {
			t.Errorf("r2 (nulls) = %+v", r2)
		}
		by, err := tx.LearningRecordsOf(ctx, []reportline.UserID{us[0].ID, us[1].ID})
		if err != nil {
			return err
		}
		if d := by[us[1].ID]; len(d) != 1 || d[0].Course.Title != "Safety" || d[0].Session.Title != "Paris" || !d[0].Session.Starts.Equal(day) {
			t.Errorf("records of b = %+v", d)
		}
		if d := by[us[0].ID]; len(d) != 1 || d[0].Session.LMSID != "" {
			t.Errorf("records of a = %+v", d)
		}
		up, err := tx.SessionsStarting(ctx, []reportline.CourseID{course.ID}, day, day.Add(time.Hour))
		if err != nil {
			return err
		}
		if len(up) != 1 {
			t.Errorf("sessions starting = %+v", up)
		}
		if up, err = tx.SessionsStarting(ctx, []reportline.CourseID{course.ID}, day.Add(time.Second), day.Add(time.Hour)); err != nil || len(up) != 0 {
			t.Errorf("sessions starting after = %+v, %v", up, err)
		}
		return nil
	})
	// Upserting by LMS id keeps the row and replaces the groups.
	write(t, db, func(tx *store.Tx) error {
		c := reportline.Course{LMSID: "c1", Title: "Safety 2", Groups: []reportline.GroupID{g2.ID}}
		if err := tx.PutCourse(ctx, &c); err != nil {
			return err
		}
		if c.ID != course.ID {
			t.Errorf("upsert made course %d, want %d", c.ID, course.ID)
		}
		r := rec
		r.Status, r.Completed, r.Score = reportline.InProgress, time.Time{}, nil
		if err := tx.PutLearningRecord(ctx, &r); err != nil {
			return err
		}
		if r.ID != rec.ID {
			t.Errorf("upsert made record %d, want %d", r.ID, rec.ID)
		}
		return nil
	})
	read(t, db, func(tx *store.Tx) error {
		groups, err := tx.CourseGroups(ctx, []reportline.CourseID{course.ID})
		if err != nil {
			return err
		}
		if gs := groups[course.ID]; len(gs) != 1 || gs[0] != g2.ID {
			t.Errorf("groups after upsert = %v", gs)
		}
		c, s, r, err := tx.CountLearning(ctx)
		if err != nil {
			return err
		}
		if c != 1 || s != 1 || r != 2 {
			t.Errorf("counts = %d %d %d", c, s, r)
		}
		return nil
	})
	// A record naming a user that does not exist is Invalid.
	err := db.Write(ctx, func(tx *store.Tx) error {
		r := reportline.LearningRecord{LMSID: "r3", UserID: 999999, CourseID: course.ID, Status: reportline.NotStarted}
		return tx.PutLearningRecord(ctx, &r)
	})
	wantCode(t, err, reportline.Invalid)
}

// testStatisticsViews: the log is written in batches, read newest first
// with filters and keyset pages, and refuses edits.
func testStatisticsViews(t *testing.T, db DB) {
	ctx := context.Background()
	us := mkUsers(t, db, "m", "x", "y")
	var views []reportline.StatisticsView
	for i := range 700 { // more than one statement's worth
		views = append(views, reportline.StatisticsView{At: day.Add(time.Duration(i) * time.Second), ViewerID: us[0].ID,
			UserID: us[1+i%2].ID, Grant: "link", Scope: reportline.ScopeEverything, Source: reportline.SourceUI, Page: reportline.StatisticsPageTeam})
	}
	write(t, db, func(tx *store.Tx) error { return tx.AppendStatisticsViews(ctx, views) })
	read(t, db, func(tx *store.Tx) error {
		x, err := tx.StatisticsViews(ctx, reportline.StatisticsViewFilter{UserID: us[1].ID, Limit: 1000})
		if err != nil {
			return err
		}
		if len(x) != 350 || !x[0].At.Equal(day.Add(698*time.Second)) || x[0].Page != reportline.StatisticsPageTeam {
			t.Errorf("views of x: %d, newest %+v", len(x), x[0])
		}
		page, err := tx.StatisticsViews(ctx, reportline.StatisticsViewFilter{ViewerID: us[0].ID, BeforeID: x[0].ID, Limit: 10})
		if err != nil {
			return err
		}
		if len(page) != 10 || page[0].ID >= x[0].ID {
			t.Errorf("keyset page = %d views from %d", len(page), page[0].ID)
		}
		none, err := tx.StatisticsViews(ctx, reportline.StatisticsViewFilter{ViewerID: us[2].ID})
		if err != nil || len(none) != 0 {
			t.Errorf("views by y = %v, %v", none, err)
		}
		return nil
	})
	err := db.Write(ctx, func(tx *store.Tx) error { return tx.ExecRaw(ctx, `DELETE FROM statistics_views`) })
	if err == nil {
		t.Error("deleting statistics views succeeded; the log must be append-only")
	}
}
