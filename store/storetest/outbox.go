package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"reportline"
	"reportline/store"
)

// outboxMsg returns a valid pending message with the given key, due at due.
func outboxMsg(key, to string, due time.Time) reportline.OutboxMessage {
	return reportline.OutboxMessage{Key: key, Type: reportline.NotifyTemplateMessage, To: to, Subject: "Hello " + key,
		Text: "Body of " + key, HTML: "<p>Body of " + key + "</p>", MessageID: reportline.MessageIDFor(key),
		Status: reportline.DeliveryPending, NextAttempt: due, CreatedAt: due}
}

// testOutbox covers the outbox contract: enqueue is idempotent by key,
// claims lease due messages once, an expired lease is claimed again, and
// finishing records the attempt and the message's new state.
func testOutbox(t *testing.T, db DB) {
	ctx := context.Background()
	users := mkUsers(t, db, "ann")
	m1 := outboxMsg("k1", "ann@example.com", day)
	m1.Recipient, m1.Late = users[0].ID, true
	write(t, db, func(tx *store.Tx) error {
		n, err := tx.EnqueueMessages(ctx, []reportline.OutboxMessage{m1, outboxMsg("k2", "bob@example.com", day.Add(time.Hour)), m1})
		if err != nil {
			return err
		}
		if n != 2 {
			t.Errorf("first enqueue inserted %d, want 2 (the repeated key counts once)", n)
		}
		return nil
	})
	write(t, db, func(tx *store.Tx) error {
		again := outboxMsg("k1", "changed@example.com", day)
		n, err := tx.EnqueueMessages(ctx, []reportline.OutboxMessage{again})
		if n != 0 || err != nil {
			t.Errorf("enqueue of an existing key = %d, %v; want 0, nil", n, err)
		}
		return err
	})

	claim := func(owner string, now time.Time) []reportline.OutboxMessage {
		t.Helper()
		var got []reportline.OutboxMessage
		write(t, db, func(tx *store.Tx) error {
			var err error
			got, err = tx.ClaimMessages(ctx, reportline.OutboxClaim{Owner: owner, Now: now, Lease: time.Minute, Limit: 10})
			return err
		})
		return got
	}
	got := claim("a", day)
	if len(got) != 1 || got[0].Key != "k1" {
		t.Fatalf("claim at the first due time = %v, want k1 only (k2 is not due)", got)
	}
	c := got[0]
	if c.To != "ann@example.com" || c.Recipient != users[0].ID || !c.Late || c.Attempts != 1 ||
		c.Status != reportline.DeliverySending || c.MessageID != "<k1@reportline.local>" || c.HTML == "" {
		t.Errorf("claimed message = %+v, want the first enqueue's fields, sending, attempt 1", c)
	}
	if again := claim("b", day.Add(30*time.Second)); len(again) != 0 {
		t.Errorf("claim while leased = %v, want nothing", again)
	}
	// A clock running ahead does not end a lease: the database's does.
	if again := claim("b", day.Add(50*time.Minute)); len(again) != 0 {
		t.Errorf("claim by a worker whose clock runs ahead = %v, want nothing", again)
	}
	// Worker a died: its lease expires, b takes the message over.
	ageLeases(t, db, "outbox", 2*time.Minute)
	taken := claim("b", day.Add(2*time.Minute))
	if len(taken) != 1 || taken[0].ID != c.ID || taken[0].Attempts != 2 {
		t.Fatalf("claim after the lease expired = %+v, want k1 at attempt 2", taken)
	}
	write(t, db, func(tx *store.Tx) error {
		// a comes back and reports: only its attempt is logged.
		n, err := tx.FinishDeliveries(ctx, "a", []reportline.DeliveryAttempt{{MessageID: c.ID, At: day.Add(3 * time.Minute), Attempt: 1,
			Status: reportline.DeliveryPending, Error: "timeout", NextAttempt: day.Add(time.Hour)}})
		if n != 0 || err != nil {
			t.Errorf("finish by the lease's former owner = %d, %v; want 0, nil", n, err)
		}
		n, err = tx.FinishDeliveries(ctx, "b", []reportline.DeliveryAttempt{{MessageID: c.ID, At: day.Add(3 * time.Minute), Attempt: 2,
			Status: reportline.DeliverySent}})
		if n != 1 || err != nil {
			t.Errorf("finish by the owner = %d, %v; want 1, nil", n, err)
		}
		return err
	})
	read(t, db, func(tx *store.Tx) error {
		m, err := tx.OutboxMessage(ctx, c.ID)
		if err != nil {
			return err
		}
		if m.Status != reportline.DeliverySent || !m.SentAt.Equal(day.Add(3*time.Minute)) {
			t.Errorf("after sending: %s at %v, want sent at %v", m.Status, m.SentAt, day.Add(3*time.Minute))
		}
		as, err := tx.DeliveryAttempts(ctx, c.ID)
		if err != nil {
			return err
		}
		if len(as) != 2 || as[0].Error != "timeout" || as[1].Status != reportline.DeliverySent {
			t.Errorf("attempts = %+v, want the failed one then the sent one", as)
		}
		_, err = tx.OutboxMessage(ctx, 999999)
		wantCode(t, err, reportline.NotFound)
		return nil
	})

	// k2 fails: retried at its next attempt, then given up.
	k2 := claim("a", day.Add(time.Hour))
	if len(k2) != 1 || k2[0].Key != "k2" {
		t.Fatalf("claim at k2's time = %v", k2)
	}
	write(t, db, func(tx *store.Tx) error {
		_, err := tx.FinishDeliveries(ctx, "a", []reportline.DeliveryAttempt{{MessageID: k2[0].ID, At: day.Add(time.Hour), Attempt: 1,
			Status: reportline.DeliveryPending, Error: "421 busy", NextAttempt: day.Add(2 * time.Hour)}})
		return err
	})
	if got := claim("a", day.Add(2*time.Hour-time.Second)); len(got) != 0 {
		t.Errorf("claim before the retry time = %v, want nothing", got)
	}
	if got := claim("a", day.Add(2*time.Hour)); len(got) != 1 || got[0].LastError != "421 busy" {
		t.Fatalf("claim at the retry time = %+v, want k2 with its last error", got)
	}
	write(t, db, func(tx *store.Tx) error {
		_, err := tx.FinishDeliveries(ctx, "a", []reportline.DeliveryAttempt{{MessageID: k2[0].ID, At: day.Add(2 * time.Hour), Attempt: 2,
			Status: reportline.DeliveryFailed, Error: "550 no such user"}})
		return err
	})
	if got := claim("a", day.Add(100*time.Hour)); len(got) != 0 {
		t.Errorf("claim after every message ended = %v, want nothing", got)
	}

	tests := []struct {
		name string
		f    reportline.DeliveryFilter
		want []string
	}{
		{"all, newest first", reportline.DeliveryFilter{}, []string{"k2", "k1"}},
		{"recipient, any case", reportline.DeliveryFilter{Recipient: "ANN@"}, []string{"k1"}},
		{"recipient wildcard is literal", reportline.DeliveryFilter{Recipient: "%"}, nil},
		{"status", reportline.DeliveryFilter{Status: reportline.DeliveryFailed}, []string{"k2"}},
		{"type", reportline.DeliveryFilter{Type: reportline.NotifyBirthday}, nil},
		{"since", reportline.DeliveryFilter{Since: day.Add(time.Minute)}, []string{"k2"}},
		{"until", reportline.DeliveryFilter{Until: day.Add(time.Minute)}, []string{"k1"}},
		{"page", reportline.DeliveryFilter{Limit: 1}, []string{"k2"}},
		{"next page", reportline.DeliveryFilter{BeforeID: k2[0].ID}, []string{"k1"}},
	}
	for _, tt := range tests {
		read(t, db, func(tx *store.Tx) error {
			ms, err := tx.OutboxMessages(ctx, tt.f)
			if err != nil {
				return err
			}
			var keys []string
			for _, m := range ms {
				keys = append(keys, m.Key)
			}
			if fmt.Sprint(keys) != fmt.Sprint(tt.want) {
				t.Errorf("%s: got %v, want %v", tt.name, keys, tt.want)
			}
			return nil
		})
	}
}

// testOutboxConcurrentClaims checks that workers claiming at once never
// get the same message (FOR UPDATE SKIP LOCKED on PostgreSQL, the single
// writer on SQLite).
func testOutboxConcurrentClaims(t *testing.T, db DB) {
	ctx := context.Background()
	const n = 200
	write(t, db, func(tx *store.Tx) error {
		var ms []reportline.OutboxMessage
		for i := range n {
			ms = append(ms, outboxMsg(fmt.Sprintf("c%d", i), "x@example.com", day))
		}
		_, err := tx.EnqueueMessages(ctx, ms)
		return err
	})
	results := make(chan []int64, 4)
	for w := range 4 {
		go func() {
			var ids []int64
			for {
				var got []reportline.OutboxMessage
				err := db.Write(ctx, func(tx *store.Tx) error {
					var err error
					got, err = tx.ClaimMessages(ctx, reportline.OutboxClaim{Owner: fmt.Sprint(w), Now: day, Lease: time.Hour, Limit: 7})
					return err
				})
				if err != nil {
					t.Error(err)
				}
				if len(got) == 0 || err != nil {
					results <- ids
					return
				}
				for _, m := range got {
					ids = append(ids, m.ID)
				}
			}
		}()
	}
	seen := map[int64]bool{}
	for range 4 {
		for _, id := range <-results {
			if seen[id] {
				t.Errorf("message %d claimed twice", id)
			}
			seen[id] = true
		}
	}
	if len(seen) != n {
		t.Errorf("claimed %d messages, want %d", len(seen), n)
	}
}

// testTemplateSends checks the record of template messages.
func testTemplateSends(t *testing.T, db DB) {
	ctx := context.Background()
	users := mkUsers(t, db, "admin")
	var g reportline.Group
	write(t, db, func(tx *store.Tx) error {
		g = reportline.Group{Name: "Sales"}
		if err := tx.CreateGroup(ctx, &g); err != nil {
			return err
		}
		s := reportline.TemplateSend{At: day, ActorID: users[0].ID, Source: reportline.SourceUI, GroupID: g.ID,
			Subject: "Hi {{.Manager.FirstName}}", Body: "Body", Recipients: 3}
		if err := tx.AppendTemplateSend(ctx, &s); err != nil {
			return err
		}
		if s.ID == 0 {
			t.Error("AppendTemplateSend left the id unset")
		}
		return nil
	})
	read(t, db, func(tx *store.Tx) error {
		got, err := tx.TemplateSends(ctx, 10)
		if err != nil {
			return err
		}
		if len(got) != 1 || got[0].GroupID != g.ID || got[0].Recipients != 3 || got[0].ActorID != users[0].ID || !got[0].At.Equal(day) {
			t.Errorf("template sends = %+v", got)
		}
		return nil
	})
	err := db.Write(ctx, func(tx *store.Tx) error { return tx.ExecRaw(ctx, "DELETE FROM template_sends") })
	if err == nil {
		t.Error("deleting template sends succeeded; the record must be append-only")
	}
}
