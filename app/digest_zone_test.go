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

// The digest's week, the dates and times in its mail and the birthdays'
// day and 08:00 are the tenant's: the implicit tenant in Paris, beta in
// New York (newTenantsWorld). Monday 23 November 2026 at 16:00 UTC is
// after Paris's 14:00 (13:00 UTC) and before New York's (19:00 UTC), so a
// course completed then is in beta's digest of 2026-W48 and in the
// implicit tenant's of 2026-W49.
func TestDigestInTheTenantsZone(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newTenantsWorld(t, engine)
		tenants := []struct {
			name string
			ctx  context.Context
			id   reportline.TenantID
			// due is how the record due on 25 November at 03:30 UTC reads:
			// Wednesday in Paris, still Tuesday evening in New York.
			due, bounds string
		}{
			{"paris", w.implicitCtx, reportline.ImplicitTenant, "Wed 25 Nov", "Monday 16 November 14:00"},
			{"new york", w.betaCtx, w.beta, "Tue 24 Nov", "Monday 16 November 14:00"},
		}
		boss := map[reportline.TenantID]reportline.UserID{}
		for _, tn := range tenants {
			u, err := w.app.GetUserByEmail(tn.ctx, "boss@example.com")
			if err != nil {
				t.Fatal(err)
			}
			boss[tn.id] = u.ID
			if _, err := w.app.ApplyLearning(tn.ctx, sys, learning.Batch{
				Courses: []learning.CourseInput{{ID: "C1", Title: "Fire safety"}, {ID: "C2", Title: "Data protection"}},
				Records: []learning.RecordInput{
					{ID: "boundary", UserID: w.emp[tn.id], CourseID: "C1", Status: "completed", Progress: 100,
						Completed: time.Date(2026, 11, 23, 16, 0, 0, 0, time.UTC)},
					{ID: "due", UserID: w.emp[tn.id], CourseID: "C2", Status: "in_progress", Progress: 10,
						Due: time.Date(2026, 11, 25, 3, 30, 0, 0, time.UTC)},
				},
			}); err != nil {
				t.Fatal(err)
			}
			b := "1990-11-23"
			if _, err := w.app.UpdateUser(tn.ctx, sys, w.emp[tn.id], app.UserPatch{Birthday: &b}); err != nil {
				t.Fatal(err)
			}
		}
		w.env.Now.Set(time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC))
		w48, w49 := reportline.ISOWeek{Year: 2026, Week: 48}, reportline.ISOWeek{Year: 2026, Week: 49}
		completed := func(p app.DigestPreview) bool { return strings.Contains(p.Mail.Text, "Fire safety") }
		for _, tn := range tenants {
			p48, err := w.app.PreviewDigest(tn.ctx, sys, boss[tn.id], w48)
			if err != nil {
				t.Fatal(err)
			}
			p49, err := w.app.PreviewDigest(tn.ctx, sys, boss[tn.id], w49)
			if err != nil {
				t.Fatal(err)
			}
			// The week ends on Monday 14:00 of the tenant's wall clock.
			wantTo := map[string]time.Time{"paris": time.Date(2026, 11, 23, 13, 0, 0, 0, time.UTC),
				"new york": time.Date(2026, 11, 23, 19, 0, 0, 0, time.UTC)}[tn.name]
			if !p48.Slot.To.Equal(wantTo) || !p48.Slot.From.Equal(wantTo.AddDate(0, 0, -7)) {
				t.Errorf("%s: week 48 is [%s, %s), want it to end at %s", tn.name, p48.Slot.From.UTC(), p48.Slot.To.UTC(), wantTo)
			}
			if got, want := [2]bool{completed(p48), completed(p49)}, map[string][2]bool{"paris": {false, true}, "new york": {true, false}}[tn.name]; got != want {
				t.Errorf("%s: the course completed on Monday 16:00 UTC is in weeks 48, 49: %v, want %v\n%s", tn.name, got, want, p48.Mail.Text)
			}
			if !strings.Contains(p48.Mail.Text, tn.due) || !strings.Contains(p48.Mail.HTML, tn.due) {
				t.Errorf("%s: the due date does not read %q:\n%s", tn.name, tn.due, p48.Mail.Text)
			}
			if !strings.Contains(p48.Mail.Text, tn.bounds) {
				t.Errorf("%s: the week's bounds are not on the tenant's clock (%q):\n%s", tn.name, tn.bounds, p48.Mail.Text)
			}
		}

		// The scheduler sends each tenant's digest of week 48 at its own
		// 14:00, with the same content as the preview.
		sch := w.app.NewScheduler(app.SchedulerConfig{Owner: "one"})
		birthdays := func(id reportline.TenantID) []string {
			var keys []string
			for _, m := range queuedIn(t, w.env.DB, id, reportline.NotifyBirthday) {
				keys = append(keys, m.Key)
			}
			slices.Sort(keys)
			return keys
		}
		want := func(id reportline.TenantID) []string {
			return []string{"birthday:2026-11-23:" + strconv.FormatInt(int64(boss[id]), 10)}
		}
		type step struct {
			at           time.Time
			paris, newYK []string // birthday keys queued by then
		}
		for _, st := range []step{
			// 07:30 UTC: 08:30 in Paris, 02:30 in New York.
			{time.Date(2026, 11, 23, 7, 30, 0, 0, time.UTC), want(reportline.ImplicitTenant), nil},
			// 12:59 UTC: 07:59 in New York, not yet.
			{time.Date(2026, 11, 23, 12, 59, 0, 0, time.UTC), want(reportline.ImplicitTenant), nil},
			// 13:00 UTC: 08:00 in New York.
			{time.Date(2026, 11, 23, 13, 0, 0, 0, time.UTC), want(reportline.ImplicitTenant), want(w.beta)},
			// 02:00 UTC on the 24th: 03:00 in Paris (before 08:00, nothing
			// for the 24th), 21:00 on the 23rd in New York (done already).
			{time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC), want(reportline.ImplicitTenant), want(w.beta)},
		} {
			w.env.Now.Set(st.at)
			if _, err := sch.Tick(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got := birthdays(reportline.ImplicitTenant); !slices.Equal(got, st.paris) {
				t.Errorf("at %s, Paris's birthday mail: %v, want %v", st.at, got, st.paris)
			}
			if got := birthdays(w.beta); !slices.Equal(got, st.newYK) {
				t.Errorf("at %s, New York's birthday mail: %v, want %v", st.at, got, st.newYK)
			}
		}
		for _, tn := range tenants {
			ms := queuedIn(t, w.env.DB, tn.id, reportline.NotifyBirthday)
			if len(ms) != 1 || !strings.Contains(ms[0].Text, "Mon 23 Nov 2026") {
				t.Errorf("%s: birthday mail %+v, want one for Monday 23 November", tn.name, ms)
			}
			digests := queuedIn(t, w.env.DB, tn.id, reportline.NotifyWeeklyDigest)
			if len(digests) != 1 || !strings.HasPrefix(digests[0].Key, "weekly_digest:2026-W48:") {
				t.Fatalf("%s: digests %+v, want week 48's", tn.name, digests)
			}
			if got := strings.Contains(digests[0].Text, "Fire safety"); got != (tn.name == "new york") {
				t.Errorf("%s: the sent digest lists the course completed on Monday 16:00 UTC: %v\n%s", tn.name, got, digests[0].Text)
			}
			if !strings.Contains(digests[0].Text, tn.due) {
				t.Errorf("%s: the sent digest's due date does not read %q:\n%s", tn.name, tn.due, digests[0].Text)
			}
		}
	})
}
