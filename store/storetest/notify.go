package storetest

import (
	"bytes"
	"context"
	"testing"
	"time"

	"reportline"
	"reportline/store"
)

// testNotifyStorage: cursors never move back, the links found by their
// dates, bounces, the role switches and a secret that the first writer
// keeps.
func testNotifyStorage(t *testing.T, db DB) {
	ctx := context.Background()
	us := mkUsers(t, db, "m", "e", "x")
	write(t, db, func(tx *store.Tx) error {
		if err := tx.AdvanceNotificationCursor(ctx, "c", 10); err != nil {
			return err
		}
		if err := tx.AdvanceNotificationCursor(ctx, "c", 5); err != nil {
			return err
		}
		for _, l := range []reportline.Link{
			{ManagerID: us[0].ID, ManageeID: us[1].ID, Kind: reportline.Line, Source: reportline.SourceUI, CreatedAt: day, ValidFrom: day.Add(time.Hour)},
			{ManagerID: us[2].ID, ManageeID: us[1].ID, Kind: reportline.Functional, Source: reportline.SourceUI, CreatedAt: day, ValidUntil: day.Add(3 * time.Hour)},
			{ManagerID: us[0].ID, ManageeID: us[2].ID, Kind: reportline.Line, Source: reportline.SourceUI, CreatedAt: day},
		} {
			if err := tx.InsertLink(ctx, l); err != nil {
				return err
			}
		}
		if err := tx.RecordBounce(ctx, "gone@example.com", day, "550 no such user"); err != nil {
			return err
		}
		return tx.SetNotificationRole(ctx, reportline.NotificationRole{Type: reportline.NotifyBirthday, Audience: reportline.AudienceManagers}, false, day)
	})
	read(t, db, func(tx *store.Tx) error {
		pos, ok, err := tx.NotificationCursor(ctx, "c")
		if err != nil || !ok || pos != 10 {
			t.Errorf("cursor = %d %v %v, want 10 (never back)", pos, ok, err)
		}
		if _, ok, _ := tx.NotificationCursor(ctx, "other"); ok {
			t.Error("an unknown cursor exists")
		}
		got, err := tx.LinksStartingOrEnding(ctx, day, day.Add(2*time.Hour))
		if err != nil || len(got) != 1 || got[0].ManagerID != us[0].ID {
			t.Errorf("links in (day, day+2h] = %+v, %v; want the one starting", got, err)
		}
		got, _ = tx.LinksStartingOrEnding(ctx, day.Add(time.Hour), day.Add(3*time.Hour))
		if len(got) != 1 || got[0].ManagerID != us[2].ID {
			t.Errorf("links in (day+1h, day+3h] = %+v; want the one ending (the start is excluded)", got)
		}
		b, err := tx.Bounces(ctx, []string{"gone@example.com", "here@example.com"})
		if err != nil || len(b) != 1 || !b["gone@example.com"].Equal(day) {
			t.Errorf("bounces = %v, %v", b, err)
		}
		off, err := tx.NotificationRolesOff(ctx)
		// Besides the switch above, the migration turns "manager added"
		// and "manager removed" off for both audiences until an admin
		// enables them.
		if err != nil || len(off) != 5 || !off[reportline.NotificationRole{Type: reportline.NotifyBirthday, Audience: reportline.AudienceManagers}] ||
			!off[reportline.NotificationRole{Type: reportline.NotifyManagerAdded, Audience: reportline.AudienceLearners}] {
			t.Errorf("roles off = %v, %v", off, err)
		}
		return nil
	})
	var first, second []byte
	write(t, db, func(tx *store.Tx) (err error) {
		first, err = tx.ServiceSecret(ctx, "k", []byte("one"), day)
		return err
	})
	write(t, db, func(tx *store.Tx) (err error) {
		second, err = tx.ServiceSecret(ctx, "k", []byte("two"), day)
		return err
	})
	if !bytes.Equal(first, []byte("one")) || !bytes.Equal(second, []byte("one")) {
		t.Errorf("secret = %q then %q, want the first kept", first, second)
	}
}
