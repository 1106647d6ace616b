package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"reportline"
	"reportline/store"
)

// testScheduledRuns checks the contract of scheduled runs: one holder at a
// time, a takeover only once the lease ran out, progress refused to a
// holder that lost the run, nothing once the run finished; one send per
// manager and period; opt-outs; birthdays found by month-day.
func testScheduledRuns(t *testing.T, db DB) {
	ctx := context.Background()
	us := mkUsers(t, db, "m1", "m2", "m3")
	const kind, period = reportline.NotifyWeeklyDigest, "2026-W48"
	t0 := time.Date(2026, 11, 23, 13, 0, 0, 0, time.UTC)
	lease := 2 * time.Minute
	claim := func(owner string, at time.Time) (reportline.ScheduledRun, bool) {
		t.Helper()
		var r reportline.ScheduledRun
		var ok bool
		write(t, db, func(tx *store.Tx) error {
			var err error
			r, ok, err = tx.ClaimRun(ctx, kind, period, owner, at, lease)
			return err
		})
		return r, ok
	}

	a, ok := claim("a", t0)
	if !ok || a.Owner != "a" || !a.StartedAt.Equal(t0) || !a.ClaimedAt.Equal(t0) || a.DoneThrough != 0 {
		t.Fatalf("first claim = %+v, %v", a, ok)
	}
	if _, ok := claim("b", t0.Add(time.Minute)); ok {
		t.Fatal("b claimed a run a holds under lease")
	}
	// The lease is reckoned by the database's clock, not by the clock of
	// the replica that asks: b's clock running an hour ahead takes nothing.
	if _, ok := claim("b", t0.Add(time.Hour)); ok {
		t.Fatal("b, whose clock runs an hour ahead, took a run a holds under lease")
	}
	// a renews: its claim time stays.
	if r, ok := claim("a", t0.Add(time.Minute)); !ok || !r.ClaimedAt.Equal(t0) {
		t.Fatalf("renewal = %+v, %v; want claimed at %s", r, ok, t0)
	}
	a.DoneThrough, a.Sent = us[0].ID, 1
	write(t, db, func(tx *store.Tx) error { return tx.AdvanceRun(ctx, a, lease) })
	read(t, db, func(tx *store.Tx) error {
		r, err := tx.ScheduledRun(ctx, kind, period)
		if err != nil || !r.Held || r.Owner != "a" {
			t.Errorf("run held by a = %+v, %v", r, err)
		}
		return err
	})

	// The lease runs out: b takes over, where a stopped.
	ageLeases(t, db, "scheduled_runs", lease+time.Second)
	b, ok := claim("b", t0.Add(lease+time.Second))
	if !ok || b.Owner != "b" || b.DoneThrough != us[0].ID || b.Sent != 1 || !b.ClaimedAt.Equal(t0.Add(lease+time.Second)) || !b.StartedAt.Equal(t0) {
		t.Fatalf("takeover = %+v, %v", b, ok)
	}
	// a's progress is refused now.
	err := db.Write(ctx, func(tx *store.Tx) error { return tx.AdvanceRun(ctx, a, lease) })
	wantCode(t, err, reportline.Conflict)

	b.DoneThrough, b.Sent, b.FinishedAt = us[2].ID, 3, t0.Add(3*time.Minute)
	write(t, db, func(tx *store.Tx) error { return tx.AdvanceRun(ctx, b, lease) })
	if _, ok := claim("b", t0.Add(4*time.Minute)); ok {
		t.Fatal("a finished run was claimed again")
	}
	if _, ok := claim("c", t0.Add(time.Hour)); ok {
		t.Fatal("a finished run was claimed by another replica")
	}
	read(t, db, func(tx *store.Tx) error {
		r, err := tx.ScheduledRun(ctx, kind, period)
		if err != nil || r.Sent != 3 || r.FinishedAt.IsZero() {
			t.Errorf("stored run = %+v, %v", r, err)
		}
		_, err = tx.ScheduledRun(ctx, kind, "2026-W47")
		wantCode(t, err, reportline.NotFound)
		runs, err := tx.ScheduledRuns(ctx, kind, 10)
		if err != nil || len(runs) != 1 {
			t.Errorf("runs = %+v, %v", runs, err)
		}
		return nil
	})

	// One send per manager and period.
	send := reportline.ScheduledSend{Kind: kind, Period: period, ManagerID: us[1].ID, Outcome: reportline.SendSent, Late: true, At: t0}
	write(t, db, func(tx *store.Tx) error {
		if fresh, err := tx.InsertScheduledSend(ctx, send); err != nil || !fresh {
			t.Errorf("first send = %v, %v", fresh, err)
		}
		again := send
		again.Outcome = reportline.SendOptedOut
		if fresh, err := tx.InsertScheduledSend(ctx, again); err != nil || fresh {
			t.Errorf("second send = %v, %v; want false", fresh, err)
		}
		other := send
		other.Period = "2026-W49"
		if fresh, err := tx.InsertScheduledSend(ctx, other); err != nil || !fresh {
			t.Errorf("next week's send = %v, %v", fresh, err)
		}
		return nil
	})
	read(t, db, func(tx *store.Tx) error {
		got, err := tx.ScheduledSends(ctx, kind, period, []reportline.UserID{us[0].ID, us[1].ID})
		if err != nil || len(got) != 1 || got[us[1].ID].Outcome != reportline.SendSent || !got[us[1].ID].Late {
			t.Errorf("sends = %+v, %v", got, err)
		}
		return nil
	})

	// Opt-outs, idempotent both ways.
	write(t, db, func(tx *store.Tx) error {
		for range 2 {
			if err := tx.SetNotificationOptOut(ctx, us[0].ID, kind, true, t0); err != nil {
				return err
			}
		}
		return tx.SetNotificationOptOut(ctx, us[1].ID, kind, false, t0)
	})
	read(t, db, func(tx *store.Tx) error {
		got, err := tx.NotificationOptOuts(ctx, kind, []reportline.UserID{us[0].ID, us[1].ID})
		if err != nil || len(got) != 1 || !got[us[0].ID] {
			t.Errorf("opt-outs = %v, %v", got, err)
		}
		got, err = tx.NotificationOptOuts(ctx, reportline.NotifyBirthday, []reportline.UserID{us[0].ID})
		if err != nil || len(got) != 0 {
			t.Errorf("birthday opt-outs = %v, %v", got, err)
		}
		return nil
	})

	// Birthdays by month-day, with and without a year; inactive users not.
	write(t, db, func(tx *store.Tx) error {
		for i, b := range []string{"1980-11-23", "--11-23", "--02-29"} {
			u := us[i]
			u.Birthday, _ = reportline.ParseBirthday(b)
			if i == 1 {
				u.Status = reportline.StatusInactive
			}
			if err := tx.UpdateUser(ctx, &u); err != nil {
				return err
			}
		}
		return nil
	})
	read(t, db, func(tx *store.Tx) error {
		got, err := tx.ActiveUsersWithBirthday(ctx, []string{"11-23"})
		if err != nil || len(got) != 1 || got[0].ID != us[0].ID {
			t.Errorf("birthdays on 11-23 = %v, %v; want m1 only (m2 is inactive)", got, err)
		}
		got, err = tx.ActiveUsersWithBirthday(ctx, []string{"02-28", "02-29"})
		if err != nil || len(got) != 1 || got[0].ID != us[2].ID {
			t.Errorf("birthdays on 02-28/29 = %v, %v; want m3", got, err)
		}
		ids, err := tx.ActiveUserIDs(ctx)
		if err != nil || !ids[us[0].ID] || ids[us[1].ID] {
			t.Errorf("active ids = %v, %v", ids, err)
		}
		return nil
	})
}

// ageLeases moves every lease of table (outbox or scheduled_runs) d into
// the past: what the database's clock would show d later. Leases follow
// the database's clock, which a test cannot set.
func ageLeases(t *testing.T, db DB, table string, d time.Duration) {
	t.Helper()
	write(t, db, func(tx *store.Tx) error {
		return tx.ExecRaw(context.Background(), fmt.Sprintf("UPDATE %s SET lease_until = lease_until - %d WHERE tenant_id = $T AND lease_until IS NOT NULL", table, d.Microseconds()))
	})
}

// testHandBack checks that what a stopping replica hands back is free at
// once: its outbox messages are pending and due, its runs claimable.
func testHandBack(t *testing.T, db DB) {
	ctx := context.Background()
	day := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
	write(t, db, func(tx *store.Tx) error {
		_, err := tx.EnqueueMessages(ctx, []reportline.OutboxMessage{outboxMsg("h1", "x@example.com", day), outboxMsg("h2", "y@example.com", day)})
		return err
	})
	claim := func(owner string) int {
		var got []reportline.OutboxMessage
		write(t, db, func(tx *store.Tx) error {
			var err error
			got, err = tx.ClaimMessages(ctx, reportline.OutboxClaim{Owner: owner, Now: day, Lease: 5 * time.Minute, Limit: 10})
			return err
		})
		return len(got)
	}
	if n := claim("stopping"); n != 2 {
		t.Fatalf("claimed %d, want 2", n)
	}
	if n := claim("other"); n != 0 {
		t.Fatalf("another replica claimed %d leased messages", n)
	}
	write(t, db, func(tx *store.Tx) error {
		n, err := tx.ReleaseMessages(ctx, "stopping")
		if n != 2 {
			t.Errorf("released %d messages, want 2", n)
		}
		return err
	})
	if n := claim("other"); n != 2 {
		t.Errorf("after the hand-back another replica claimed %d, want 2 at once", n)
	}

	const kind, period = reportline.NotifyBirthday, "2026-11-23"
	run := func(owner string) bool {
		var ok bool
		write(t, db, func(tx *store.Tx) error {
			var err error
			_, ok, err = tx.ClaimRun(ctx, kind, period, owner, day, 2*time.Minute)
			return err
		})
		return ok
	}
	if !run("stopping") || run("other") {
		t.Fatal("the first claim must win and hold")
	}
	write(t, db, func(tx *store.Tx) error {
		n, err := tx.ReleaseRuns(ctx, "stopping")
		if n != 1 {
			t.Errorf("released %d runs, want 1", n)
		}
		return err
	})
	if !run("other") {
		t.Error("after the hand-back another replica could not take the run at once")
	}
}
