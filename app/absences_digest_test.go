package app_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// TestAbsenceDigestGoesToTheDelegate: while a manager is away and the
// tenant sends covered managers' notifications to the delegate instead
// (cover.notify = instead), the manager's weekly digest goes to the
// delegate; in the default mode (with) it stays the manager's.
func TestAbsenceDigestGoesToTheDelegate(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine)
		a := o.env.App
		if _, err := a.SetAbsence(ctx, ui(o.ga), app.AbsenceRequest{Manager: o.mgr.ID, Delegate: "w@example.com",
			From: "2026-11-23", To: "2026-12-04"}); err != nil {
			t.Fatal(err)
		}
		paris, _ := time.LoadLocation("Europe/Paris")
		sched := a.NewScheduler(app.SchedulerConfig{})
		digestOf := func(week int) string {
			t.Helper()
			slot := reportline.DigestSlotOf(reportline.ISOWeek{Year: 2026, Week: week}, paris)
			o.env.Now.Set(slot.Due.Add(time.Minute))
			if _, err := sched.RunDigest(ctx, slot); err != nil {
				t.Fatal(err)
			}
			key := fmt.Sprintf("weekly_digest:%s:%d", slot.Week, o.mgr.ID)
			var to string
			err := o.env.DB.Read(ctx, func(tx *store.Tx) error {
				ms, err := tx.OutboxMessages(ctx, reportline.DeliveryFilter{Type: reportline.NotifyWeeklyDigest, Limit: 1000})
				for _, m := range ms {
					if m.Key == key {
						to = m.To
					}
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return to
		}
		if got := digestOf(48); got != o.mgr.Email {
			t.Errorf("cover.notify with: the away manager's digest went to %q, want %q", got, o.mgr.Email)
		}
		if err := a.SetCoverNotify(ctx, ui(o.pa), reportline.CoverNotifyInstead); err != nil {
			t.Fatal(err)
		}
		if got := digestOf(49); got != o.w.Email {
			t.Errorf("cover.notify instead: the away manager's digest went to %q, want the delegate %q", got, o.w.Email)
		}
	})
}
