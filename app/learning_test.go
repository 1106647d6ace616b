package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"reportline"
	"reportline/internal/testapp"
	"reportline/learning"
	"reportline/store"
)

// counts reads how many learning items are stored.
func counts(t *testing.T, o *org) [3]int {
	t.Helper()
	var c [3]int
	err := o.env.DB.Read(context.Background(), func(tx *store.Tx) error {
		var err error
		c[0], c[1], c[2], err = tx.CountLearning(context.Background())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestLearningBatchIsIdempotent(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine)
		a := o.env.App
		batch := learning.Batch{
			Courses:  []learning.CourseInput{{ID: "c1", Title: "Safety", Groups: []reportline.GroupID{o.a.ID, o.a.ID}}},
			Sessions: []learning.SessionInput{{ID: "s1", CourseID: "c1", Title: "Paris", Starts: novDay(30).Add(123 * time.Nanosecond)}},
			Records: []learning.RecordInput{
				{ID: "r1", UserID: o.x.ID, CourseID: "c1", Status: "In progress", Progress: 40, Due: novDay(28)},
				{ID: "r2", UserEmail: " Y@Example.com ", CourseID: "c1", SessionID: "s1", Status: "not_started"},
			},
		}
		res, err := a.ApplyLearning(ctx, sys, batch)
		if err != nil {
			t.Fatal(err)
		}
		if res.Courses.Created != 1 || res.Sessions.Created != 1 || res.Records.Created != 2 {
			t.Fatalf("first batch: %+v", res)
		}
		// The same batch again changes nothing (times are kept to the
		// microsecond, so a nanosecond does not make it new).
		res, err = a.ApplyLearning(ctx, sys, batch)
		if err != nil {
			t.Fatal(err)
		}
		if res != (learning.Result{Courses: learning.UpsertCounts{Unchanged: 1}, Sessions: learning.UpsertCounts{Unchanged: 1}, Records: learning.UpsertCounts{Unchanged: 2}}) {
			t.Fatalf("same batch again: %+v", res)
		}
		// One record moves on: one update, by its LMS id, not a new row.
		batch.Records[0].Status, batch.Records[0].Progress, batch.Records[0].Completed = "completed", 100, novDay(24)
		res, err = a.ApplyLearning(ctx, sys, learning.Batch{Records: batch.Records})
		if err != nil {
			t.Fatal(err)
		}
		if res.Records != (learning.UpsertCounts{Updated: 1, Unchanged: 1}) {
			t.Fatalf("one change: %+v", res.Records)
		}
		if c := counts(t, o); c != [3]int{1, 1, 2} {
			t.Fatalf("stored = %v, want 1 course, 1 session, 2 records", c)
		}
	})
}

func TestLearningBatchRefusals(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine)
		a := o.env.App
		if _, err := a.ApplyLearning(ctx, sys, learning.Batch{Courses: []learning.CourseInput{{ID: "kept", Title: "Kept"}}}); err != nil {
			t.Fatal(err)
		}
		before := counts(t, o)
		_, err := a.ApplyLearning(ctx, sys, learning.Batch{
			Courses: []learning.CourseInput{
				{ID: "c1", Title: "Fine"},
				{ID: "c2", Title: ""},
				{ID: "c3", Title: "Ghost group", Groups: []reportline.GroupID{999}},
				{ID: "c1", Title: "Twice"},
			},
			Sessions: []learning.SessionInput{
				{ID: "s1", CourseID: "nowhere", Starts: novDay(1)},
				{ID: "s2", CourseID: "c1", Starts: novDay(2), Ends: novDay(1)},
				{ID: "s3", CourseID: "kept", Starts: novDay(2)},
			},
			Records: []learning.RecordInput{
				{ID: "ok", UserID: o.x.ID, CourseID: "c1", Status: "in_progress", Progress: 10},
				{ID: "r1", UserID: o.x.ID, CourseID: "c1", Status: "in_progress", Progress: 150},
				{ID: "r2", UserUID: "nobody", CourseID: "c1", Status: "completed", Completed: novDay(1)},
				{ID: "r3", UserID: o.x.ID, CourseID: "c1", Status: "done"},
				{ID: "r4", UserID: o.x.ID, UserEmail: "x@example.com", CourseID: "c1", Status: "completed", Completed: novDay(1)},
				{ID: "r5", UserID: o.x.ID, CourseID: "c1", SessionID: "s3", Status: "not_started"},
				{ID: "r6", UserID: o.x.ID, CourseID: "c1", Status: "completed"},
				{ID: "ok", UserID: o.y.ID, CourseID: "c1", Status: "in_progress"},
			},
		})
		e, ok := err.(*reportline.Error)
		if !ok || e.Code != reportline.Invalid {
			t.Fatalf("err = %v, want invalid", err)
		}
		want := map[string]string{
			"courses[1].title":        "",
			"courses[2].groups":       "999",
			"courses[3].id":           "c1",
			"sessions[0].course_id":   "nowhere",
			"sessions[1].ends_at":     "",
			"records[1].progress":     "150",
			"records[2].user_uid":     "nobody",
			"records[3].status":       "done",
			"records[4].user":         "",
			"records[5].session_id":   "s3",
			"records[6].completed_at": "",
			"records[7].id":           "ok",
		}
		got := map[string]string{}
		for _, d := range e.Details {
			got[d.Field] = d.Value
			if d.Message == "" || d.Reason == "" {
				t.Errorf("detail %+v lacks a reason or message", d)
			}
		}
		for f, v := range want {
			gv, ok := got[f]
			if !ok {
				t.Errorf("no detail for %s (got %v)", f, got)
				continue
			}
			if v != "" && gv != v {
				t.Errorf("%s value = %q, want %q", f, gv, v)
			}
		}
		if len(e.Details) != len(want) {
			t.Errorf("%d details, want %d: %+v", len(e.Details), len(want), e.Details)
		}
		if !strings.Contains(e.Message, "nothing was written") {
			t.Errorf("message %q", e.Message)
		}
		if after := counts(t, o); after != before {
			t.Errorf("stored %v after a refused batch, want %v", after, before)
		}

		// Only platform admins send learning data.
		if _, err := a.ApplyLearning(ctx, ui(o.ga), learning.Batch{Courses: []learning.CourseInput{{ID: "c9", Title: "T"}}}); !reportline.IsCode(err, reportline.Forbidden) {
			t.Errorf("group admin: %v, want forbidden", err)
		}
		if _, err := a.ApplyLearning(ctx, ui(o.pa), learning.Batch{Courses: []learning.CourseInput{{ID: "c9", Title: "T"}}}); err != nil {
			t.Errorf("platform admin: %v", err)
		}
	})
}

func TestLearningCSV(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine)
		a := o.env.App
		if _, err := a.ApplyLearning(ctx, sys, learning.Batch{
			Courses:  []learning.CourseInput{{ID: "c1", Title: "Safety"}},
			Sessions: []learning.SessionInput{{ID: "s1", CourseID: "c1", Starts: novDay(30)}},
		}); err != nil {
			t.Fatal(err)
		}
		// A spreadsheet's file: BOM, semicolons, CRLF, headers in its own
		// words and order, a blank line.
		good := "\ufeffCourse ID;Record ID;E-mail;Status;Progress %;Score;Time spent;Due date;Completed at;Session\r\n" +
			"c1;r1;x@example.com;Completed;100%;8,5;1:30:00;2026-11-20;2026-11-19T10:00:00Z;\r\n" +
			"\r\n" +
			"c1;r2;Y@example.com;in progress;40;;600;2026-12-01;;s1\r\n"
		res, err := a.ImportLearningCSV(ctx, ui(o.pa), strings.NewReader(good))
		if err != nil {
			t.Fatal(err)
		}
		if res.Records.Created != 2 {
			t.Fatalf("records = %+v", res.Records)
		}
		st, err := a.Statistics(ctx, sys, o.x.ID)
		if err != nil {
			t.Fatal(err)
		}
		r := st.Records[0]
		if r.Score == nil || *r.Score != 8.5 || r.TimeSpent != 90*time.Minute || r.Status != reportline.Completed ||
			!r.Due.Equal(time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)) || r.DaysLate != 0 {
			t.Errorf("record read from CSV = %+v", r)
		}
		// The same file again: nothing changes.
		if res, err = a.ImportLearningCSV(ctx, ui(o.pa), strings.NewReader(good)); err != nil || res.Records.Unchanged != 2 {
			t.Fatalf("again: %+v, %v", res, err)
		}

		bad := "record id,user email,course id,status,progress,due date\n" +
			"r3,x@example.com,c1,completed,100,\n" + // completed without a completion time
			"r4,nobody@example.com,c1,in_progress,10,\n" +
			"r5,x@example.com,c1,in_progress,ten,\n" +
			"r6,x@example.com,c1,in_progress,10,next week\n" +
			"r7,x@example.com,c1,in_progress,10,2026-12-01\n"
		before := counts(t, o)
		_, err = a.ImportLearningCSV(ctx, ui(o.pa), strings.NewReader(bad))
		e, ok := err.(*reportline.Error)
		if !ok || e.Code != reportline.Invalid {
			t.Fatalf("err = %v, want invalid", err)
		}
		want := []reportline.Detail{{Line: 2, Field: "completed at"}, {Line: 3, Field: "user email"}, {Line: 4, Field: "progress"}, {Line: 5, Field: "due date"}}
		var got []reportline.Detail
		for _, d := range e.Details {
			got = append(got, reportline.Detail{Line: d.Line, Field: d.Field})
		}
		if len(got) != len(want) {
			t.Fatalf("details = %+v, want lines 2–5", e.Details)
		}
		for i := range want {
			if got[i].Line != want[i].Line || got[i].Field != want[i].Field {
				t.Errorf("detail %d = %+v, want %+v", i, got[i], want[i])
			}
		}
		if after := counts(t, o); after != before {
			t.Errorf("a refused file wrote something: %v → %v", before, after)
		}
		// A file without the required columns is refused as a whole.
		if _, err := a.ImportLearningCSV(ctx, ui(o.pa), strings.NewReader("email,status\nx@example.com,completed\n")); !reportline.IsCode(err, reportline.Invalid) {
			t.Errorf("missing columns: %v", err)
		}
		if _, err := a.ImportLearningCSV(ctx, ui(o.mgr), strings.NewReader(good)); !reportline.IsCode(err, reportline.Forbidden) {
			t.Errorf("a manager imported: %v", err)
		}
	})
}
