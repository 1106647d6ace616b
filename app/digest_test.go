package app_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/learning"
	"reportline/store"
)

// digestOrg is newOrg with the teams the digest tests need:
//
//	mgr → x, y   x completed a course in the week
//	ua  → w      nothing happened: an empty digest
//	mem → off    off is inactive: no digest
type digestOrg struct{ *org }

func newDigestOrg(t *testing.T, engine store.Engine) digestOrg {
	t.Helper()
	o := digestOrg{newOrg(t, engine)}
	o.link(t, o.mgr, o.y, reportline.Line)
	o.link(t, o.ua, o.w, reportline.Line)
	rec := learning.RecordInput{ID: "r1", UserID: o.x.ID, CourseID: "C1", Status: "completed", Progress: 100,
		Completed: time.Date(2026, 11, 18, 10, 0, 0, 0, time.UTC)}
	if _, err := o.env.App.ApplyLearning(context.Background(), sys, learning.Batch{
		Courses: []learning.CourseInput{{ID: "C1", Title: "Safety <first> & foremost"}},
		Records: []learning.RecordInput{rec},
	}); err != nil {
		t.Fatal(err)
	}
	return o
}

// paris is a wall-clock time in Paris.
func paris(t *testing.T, y int, m time.Month, d, hh, mm int) time.Time {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	return time.Date(y, m, d, hh, mm, 0, 0, loc)
}

// queued returns the outbox's messages of a type, oldest first.
func queued(t *testing.T, env *testapp.Env, typ reportline.NotificationType) []reportline.OutboxMessage {
	t.Helper()
	var out []reportline.OutboxMessage
	err := env.DB.Read(context.Background(), func(tx *store.Tx) error {
		var err error
		out, err = tx.OutboxMessages(context.Background(), reportline.DeliveryFilter{Type: typ, Limit: 500})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(out)
	return out
}

// recipients returns the sorted addresses of msgs.
func recipients(msgs []reportline.OutboxMessage) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, m.To)
	}
	slices.Sort(out)
	return out
}

// digestRun ticks the scheduler at instant at and returns the digest run's
// report, if one ran.
func digestRun(t *testing.T, env *testapp.Env, s *app.Scheduler, at time.Time) (app.RunReport, bool) {
	t.Helper()
	env.Now.Set(at)
	reps, err := s.Tick(context.Background())
	if err != nil {
		t.Fatalf("tick at %s: %v", at, err)
	}
	for _, r := range reps {
		if r.Kind == reportline.NotifyWeeklyDigest {
			return r, true
		}
	}
	return app.RunReport{}, false
}

func TestDigestSchedule(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		o := newDigestOrg(t, engine)
		s := o.env.App.NewScheduler(app.SchedulerConfig{})

		if rep, ran := digestRun(t, o.env, s, paris(t, 2026, 11, 23, 13, 59)); ran {
			t.Fatalf("Monday 13:59: a digest run happened: %+v", rep)
		}
		if got := queued(t, o.env, reportline.NotifyWeeklyDigest); len(got) != 0 {
			t.Fatalf("Monday 13:59: %d digests in the outbox, want none", len(got))
		}

		rep, ran := digestRun(t, o.env, s, paris(t, 2026, 11, 23, 14, 0))
		if !ran || !rep.Finished || rep.Late || rep.Sent != 2 {
			t.Fatalf("Monday 14:00: report %+v, want a finished, on-time run that sent 2", rep)
		}
		msgs := queued(t, o.env, reportline.NotifyWeeklyDigest)
		if got, want := recipients(msgs), []string{"mgr@example.com", "ua@example.com"}; !slices.Equal(got, want) {
			t.Fatalf("digests to %v, want %v (not mem, whose only managee is inactive)", got, want)
		}
		for _, m := range msgs {
			if m.Late || strings.Contains(m.Text, "late") && strings.Contains(m.Text, "This digest is late") {
				t.Errorf("%s: on-time digest marked late", m.To)
			}
			if !strings.HasPrefix(m.Key, "weekly_digest:2026-W48:") || m.MessageID != reportline.MessageIDFor(m.Key) {
				t.Errorf("%s: key %q, Message-ID %q", m.To, m.Key, m.MessageID)
			}
			if !strings.Contains(m.Subject, "week of 16–23 Nov") || m.HTML == "" {
				t.Errorf("%s: subject %q, HTML %d bytes", m.To, m.Subject, len(m.HTML))
			}
		}
		mgrMsg := msgs[slices.IndexFunc(msgs, func(m reportline.OutboxMessage) bool { return m.To == "mgr@example.com" })]
		if !strings.Contains(mgrMsg.Text, "Safety <first> & foremost") || !strings.Contains(mgrMsg.HTML, "Safety &lt;first&gt; &amp; foremost") {
			t.Errorf("the course title is not shown as itself in text and escaped in HTML:\n%s\n%s", mgrMsg.Text, mgrMsg.HTML)
		}

		// Later the same Monday, and on the next ticks: nothing more.
		for _, at := range []time.Time{paris(t, 2026, 11, 23, 14, 1), paris(t, 2026, 11, 23, 14, 25), paris(t, 2026, 11, 23, 18, 0)} {
			if rep, ran := digestRun(t, o.env, s, at); ran {
				t.Errorf("%s: a second run of the week: %+v", at, rep)
			}
		}
		// Another replica neither.
		other := o.env.App.NewScheduler(app.SchedulerConfig{Owner: "other"})
		if rep, ran := digestRun(t, o.env, other, paris(t, 2026, 11, 23, 15, 0)); ran {
			t.Errorf("another replica ran the finished week: %+v", rep)
		}
		if got := len(queued(t, o.env, reportline.NotifyWeeklyDigest)); got != 2 {
			t.Errorf("%d digests after the second runs, want 2", got)
		}
		// Tuesday: no digest at all.
		if rep, ran := digestRun(t, o.env, s, paris(t, 2026, 11, 24, 14, 0)); ran {
			t.Errorf("Tuesday: a digest run: %+v", rep)
		}
		// The next Monday: the next week's digests.
		rep, ran = digestRun(t, o.env, s, paris(t, 2026, 11, 30, 14, 0))
		if !ran || rep.Period != "2026-W49" || rep.Sent != 2 {
			t.Errorf("next Monday: %+v, want 2026-W49 with 2 sent", rep)
		}
	})
}

func TestDigestAfterDaylightSavingChanges(t *testing.T) {
	tests := []struct {
		name      string
		before    time.Time // UTC, just before 14:00 Paris
		at        time.Time // UTC, 14:00 Paris
		week      string
		fromHours float64 // length of the summarised week
	}{
		// Summer time began on Sunday 29 March 2026: 14:00 CEST is 12:00 UTC.
		{"March", time.Date(2026, 3, 30, 11, 59, 0, 0, time.UTC), time.Date(2026, 3, 30, 12, 0, 0, 0, time.UTC), "2026-W14", 167},
		// Winter time came back on Sunday 25 October 2026: 14:00 CET is 13:00 UTC.
		{"October", time.Date(2026, 10, 26, 12, 59, 0, 0, time.UTC), time.Date(2026, 10, 26, 13, 0, 0, 0, time.UTC), "2026-W44", 169},
	}
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		o := newDigestOrg(t, engine)
		s := o.env.App.NewScheduler(app.SchedulerConfig{})
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				if rep, ran := digestRun(t, o.env, s, tc.before); ran {
					t.Fatalf("a minute before 14:00 Paris: %+v", rep)
				}
				rep, ran := digestRun(t, o.env, s, tc.at)
				if !ran || rep.Period != tc.week || rep.Sent != 2 || rep.Late {
					t.Fatalf("14:00 Paris: %+v, want week %s, 2 sent on time", rep, tc.week)
				}
				slot := reportline.DigestSlotOf(reportline.ISOWeek{Year: 2026, Week: mustWeek(t, tc.week)}, paris(t, 2026, 1, 1, 0, 0).Location())
				if got := slot.To.Sub(slot.From).Hours(); got != tc.fromHours {
					t.Errorf("summarised %v hours, want %v", got, tc.fromHours)
				}
			})
		}
	})
}

func mustWeek(t *testing.T, s string) int {
	t.Helper()
	w, err := reportline.ParseISOWeek(s)
	if err != nil {
		t.Fatal(err)
	}
	return w.Week
}

func TestDigestStartedLateIsMarkedLate(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		o := newDigestOrg(t, engine)
		s := o.env.App.NewScheduler(app.SchedulerConfig{})
		// The server was down at 14:00 and starts at 14:20.
		rep, ran := digestRun(t, o.env, s, paris(t, 2026, 11, 23, 14, 20))
		if !ran || !rep.Late || rep.Sent != 2 {
			t.Fatalf("start at 14:20: %+v, want 2 late digests", rep)
		}
		for _, m := range queued(t, o.env, reportline.NotifyWeeklyDigest) {
			if !m.Late || !strings.Contains(m.Subject, "sent late") || !strings.Contains(m.Text, "This digest is late") ||
				!strings.Contains(m.HTML, "This digest is late") {
				t.Errorf("%s: late %v, subject %q; the message must say it is late", m.To, m.Late, m.Subject)
			}
		}
		if rep, ran := digestRun(t, o.env, s, paris(t, 2026, 11, 23, 14, 21)); ran {
			t.Errorf("second tick: %+v", rep)
		}
	})
}

func TestDigestOptOutAndSkipEmpty(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newDigestOrg(t, engine)
		a := o.env.App
		// Only the user themself (or a platform admin) may turn it off.
		if err := a.SetNotificationPreference(ctx, ui(o.ga), o.mgr.ID, reportline.NotifyWeeklyDigest, false); !reportline.IsCode(err, reportline.Forbidden) {
			t.Fatalf("a group admin turned off someone's digest: %v", err)
		}
		if err := a.SetNotificationPreference(ctx, ui(o.mgr), o.mgr.ID, reportline.NotifyWeeklyDigest, false); err != nil {
			t.Fatal(err)
		}
		prefs, err := a.NotificationPreferences(ctx, ui(o.mgr), o.mgr.ID)
		if err != nil || len(prefs) != 6 || prefs[0].Receive || !prefs[1].Receive {
			t.Fatalf("preferences = %+v, %v; want the digest off, birthdays on", prefs, err)
		}
		if _, err := a.SetDigestSettings(ctx, ui(o.ga), app.DigestSettings{SkipEmpty: true}); !reportline.IsCode(err, reportline.Forbidden) {
			t.Fatalf("a group admin changed the digest settings: %v", err)
		}
		if _, err := a.SetDigestSettings(ctx, ui(o.pa), app.DigestSettings{SkipEmpty: true}); err != nil {
			t.Fatal(err)
		}
		s := a.NewScheduler(app.SchedulerConfig{})
		rep, ran := digestRun(t, o.env, s, paris(t, 2026, 11, 23, 14, 0))
		if !ran || rep.Sent != 0 || rep.OptedOut != 1 || rep.SkippedEmpty != 1 {
			t.Fatalf("report %+v, want mgr opted out and ua's empty digest skipped", rep)
		}
		if got := queued(t, o.env, reportline.NotifyWeeklyDigest); len(got) != 0 {
			t.Fatalf("%d digests sent, want none", len(got))
		}

		// Without the setting, the next week's empty digest goes out, and
		// says there was nothing.
		if _, err := a.SetDigestSettings(ctx, ui(o.pa), app.DigestSettings{SkipEmpty: false}); err != nil {
			t.Fatal(err)
		}
		rep, ran = digestRun(t, o.env, s, paris(t, 2026, 11, 30, 14, 0))
		if !ran || rep.Sent != 1 || rep.OptedOut != 1 {
			t.Fatalf("next week: %+v, want ua's digest sent and mgr opted out", rep)
		}
		msgs := queued(t, o.env, reportline.NotifyWeeklyDigest)
		if len(msgs) != 1 || msgs[0].To != "ua@example.com" || !strings.Contains(msgs[0].Text, "Nothing is overdue or due in the coming week.") {
			t.Fatalf("next week's digests: %v", recipients(msgs))
		}
	})
}

// TestDigestResumesAfterCrash stops a run between two chunks, as a crash
// would, and lets another replica finish it once the lease ran out: every
// manager gets exactly one digest.
func TestDigestResumesAfterCrash(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		o := newDigestOrg(t, engine)
		a := o.env.App
		o.link(t, o.mem, o.z, reportline.Functional) // a third manager
		ctx, crash := context.WithCancel(context.Background())
		first := a.NewScheduler(app.SchedulerConfig{Owner: "first", Chunk: 1,
			AfterChunk: func(reportline.NotificationType, string, reportline.UserID) { crash() }})
		start := paris(t, 2026, 11, 23, 14, 0)
		o.env.Now.Set(start)
		if _, err := first.RunDigest(ctx, reportline.DigestSlotOf(reportline.ISOWeek{Year: 2026, Week: 48}, start.Location())); err == nil {
			t.Fatal("the crashed run reported no error")
		}
		if got := len(queued(t, o.env, reportline.NotifyWeeklyDigest)); got != 1 {
			t.Fatalf("%d digests after the first chunk, want 1", got)
		}
		second := a.NewScheduler(app.SchedulerConfig{Owner: "second", Chunk: 1})
		if rep, ran := digestRun(t, o.env, second, start.Add(time.Minute)); ran {
			t.Fatalf("the second replica took the run while the lease held: %+v", rep)
		}
		// The second replica's clock running ahead ends no lease: the
		// database's clock does.
		if rep, ran := digestRun(t, o.env, second, start.Add(time.Hour)); ran {
			t.Fatalf("the second replica, its clock an hour ahead, took the run while the lease held: %+v", rep)
		}
		ageLeases(t, o.env.DB, "scheduled_runs", 3*time.Minute)
		rep, ran := digestRun(t, o.env, second, start.Add(3*time.Minute))
		if !ran || rep.Sent != 2 || rep.Late || !rep.Finished {
			t.Fatalf("takeover: %+v, want the 2 remaining digests sent, on time", rep)
		}
		msgs := queued(t, o.env, reportline.NotifyWeeklyDigest)
		if got, want := recipients(msgs), []string{"mem@example.com", "mgr@example.com", "ua@example.com"}; !slices.Equal(got, want) {
			t.Fatalf("digests to %v, want one each to %v", got, want)
		}
	})
}

// TestDigestHandBack: a replica that stops between two chunks hands the
// run back, and another replica finishes it at its next tick instead of
// after the lease.
func TestDigestHandBack(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		o := newDigestOrg(t, engine)
		a := o.env.App
		ctx, stop := context.WithCancel(context.Background())
		first := a.NewScheduler(app.SchedulerConfig{Owner: "first", Chunk: 1,
			AfterChunk: func(reportline.NotificationType, string, reportline.UserID) { stop() }})
		start := paris(t, 2026, 11, 23, 14, 0)
		o.env.Now.Set(start)
		if _, err := first.RunDigest(ctx, reportline.DigestSlotOf(reportline.ISOWeek{Year: 2026, Week: 48}, start.Location())); err == nil {
			t.Fatal("the stopped run reported no error")
		}
		if n, err := first.HandBack(context.Background()); n != 1 || err != nil {
			t.Fatalf("hand back = %d, %v; want the week's run", n, err)
		}
		second := a.NewScheduler(app.SchedulerConfig{Owner: "second", Chunk: 1})
		rep, ran := digestRun(t, o.env, second, start.Add(time.Minute))
		if !ran || !rep.Finished || rep.Sent != 1 {
			t.Fatalf("the next tick of another replica: %+v, %v; want the rest sent at once", rep, ran)
		}
		if got := len(queued(t, o.env, reportline.NotifyWeeklyDigest)); got != 2 {
			t.Errorf("%d digests, want one per manager (2)", got)
		}
	})
}

func TestBirthdayNotifications(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newDigestOrg(t, engine)
		a := o.env.App
		set := func(u reportline.User, b string) {
			t.Helper()
			if _, err := a.UpdateUser(ctx, sys, u.ID, app.UserPatch{Birthday: &b}); err != nil {
				t.Fatal(err)
			}
		}
		set(o.x, "--02-28")
		set(o.y, "1992-02-29")
		set(o.w, "--03-01")
		s := a.NewScheduler(app.SchedulerConfig{})
		tick := func(at time.Time) []app.RunReport {
			t.Helper()
			o.env.Now.Set(at)
			reps, err := s.Tick(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return reps
		}
		if reps := tick(paris(t, 2026, 2, 28, 7, 59)); len(reps) != 0 {
			t.Fatalf("before 08:00: %+v", reps)
		}
		reps := tick(paris(t, 2026, 2, 28, 8, 0))
		if len(reps) != 1 || reps[0].Kind != reportline.NotifyBirthday || reps[0].Sent != 1 {
			t.Fatalf("28 February 2026 08:00: %+v, want one birthday notification", reps)
		}
		msgs := queued(t, o.env, reportline.NotifyBirthday)
		if len(msgs) != 1 || msgs[0].To != "mgr@example.com" || msgs[0].Key != "birthday:2026-02-28:"+idString(o.mgr.ID) {
			t.Fatalf("birthday messages: %+v", msgs)
		}
		// x and y (29 February, a common year) in one message.
		if !strings.Contains(msgs[0].Text, "x <x@example.com>") || !strings.Contains(msgs[0].Text, "y <y@example.com>") {
			t.Errorf("the message does not list x and y:\n%s", msgs[0].Text)
		}
		if reps := tick(paris(t, 2026, 2, 28, 9, 0)); len(reps) != 0 {
			t.Errorf("second tick the same day: %+v", reps)
		}
		// ua opted out of birthdays: w's birthday the next day sends nothing.
		if err := a.SetNotificationPreference(ctx, ui(o.ua), o.ua.ID, reportline.NotifyBirthday, false); err != nil {
			t.Fatal(err)
		}
		reps = tick(paris(t, 2026, 3, 1, 8, 30))
		if len(reps) != 1 || reps[0].Sent != 0 || reps[0].OptedOut != 1 {
			t.Errorf("1 March: %+v, want ua opted out", reps)
		}
		if got := len(queued(t, o.env, reportline.NotifyBirthday)); got != 1 {
			t.Errorf("%d birthday messages, want 1", got)
		}
	})
}

func idString(id reportline.UserID) string { return strconv.FormatInt(int64(id), 10) }
