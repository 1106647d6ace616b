package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/outbox"
	"reportline/store"
)

// TestBounceStopsWeeklySends runs the digest through a real SMTP relay (an
// smtpsink process) that refuses one manager's address with a 550 during
// the session: the address is marked, next week's digest to it is not
// sent (the delivery log says why) and the other manager's still is.
func TestBounceStopsWeeklySends(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		o := newOrg(t, engine)
		ctx := context.Background()
		a := o.env.App
		dead, err := a.CreateUser(ctx, sys, app.UserInput{Email: "reject-dead@example.com", FirstName: "Dead", GroupID: o.a.ID})
		if err != nil {
			t.Fatal(err)
		}
		o.link(t, dead, o.y, reportline.Line)
		srv, sender := smtpSender(t)
		worker := a.NewOutboxWorker(sender, outbox.Options{})
		sched := a.NewScheduler(app.SchedulerConfig{})
		paris, _ := time.LoadLocation("Europe/Paris")
		digestTo := func(week int) map[string]reportline.OutboxMessage {
			t.Helper()
			slot := reportline.DigestSlotOf(reportline.ISOWeek{Year: 2026, Week: week}, paris)
			o.env.Now.Set(slot.Due.Add(time.Minute))
			if _, err := sched.RunDigest(ctx, slot); err != nil {
				t.Fatal(err)
			}
			if _, err := worker.DeliverDue(ctx); err != nil {
				t.Fatal(err)
			}
			page, err := a.DeliveryLog(ctx, ui(o.pa), reportline.DeliveryFilter{Type: reportline.NotifyWeeklyDigest})
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]reportline.OutboxMessage{}
			for _, m := range page.Messages {
				if strings.Contains(m.Key, slot.Week.String()) {
					out[m.To] = m
				}
			}
			return out
		}
		w1 := digestTo(48)
		if m := w1["reject-dead@example.com"]; m.Status != reportline.DeliveryFailed || !strings.Contains(m.LastError, "550") {
			t.Fatalf("week 48 to the dead address: %s %q, want failed with the relay's 550", m.Status, m.LastError)
		}
		if m := w1["mgr@example.com"]; m.Status != reportline.DeliverySent {
			t.Fatalf("week 48 to mgr: %s %q", m.Status, m.LastError)
		}
		w2 := digestTo(49)
		m := w2["reject-dead@example.com"]
		if m.Status != reportline.DeliveryFailed || !strings.Contains(m.LastError, "bounce") || m.Attempts != 1 {
			t.Errorf("week 49 to the dead address: %s after %d attempts, %q; want failed at once as a bounce", m.Status, m.Attempts, m.LastError)
		}
		if m := w2["mgr@example.com"]; m.Status != reportline.DeliverySent {
			t.Errorf("week 49 to mgr: %s %q, want sent", m.Status, m.LastError)
		}
		got := 0
		for _, e := range srv.Messages(t) {
			for _, to := range e.To {
				if to == "mgr@example.com" {
					got++
				}
			}
		}
		if got != 2 {
			t.Errorf("the relay received %d digests for mgr, want 2", got)
		}
	})
}
