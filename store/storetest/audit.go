package storetest

import (
	"context"
	"testing"

	"reportline"
	"reportline/store"
)

func testAudit(t *testing.T, db DB) {
	ctx := context.Background()
	us := mkUsers(t, db, "m", "e", "x")
	before := reportline.Link{ManagerID: us[0].ID, ManageeID: us[1].ID, Kind: reportline.Line, Source: reportline.SourceCSV, CreatedAt: day}
	after := before
	after.Kind, after.ValidUntil = reportline.Functional, day.AddDate(0, 0, 7)
	write(t, db, func(tx *store.Tx) error {
		return tx.AppendAudit(ctx, []reportline.AuditEntry{
			{At: day, ActorID: us[2].ID, Source: reportline.SourceCSV, BatchID: 7, Action: reportline.ActionAdd, ManagerID: us[0].ID, ManageeID: us[1].ID, After: &before},
			{At: day, ActorID: us[2].ID, Source: reportline.SourceUI, Action: reportline.ActionUpdate, ManagerID: us[0].ID, ManageeID: us[1].ID, Before: &before, After: &after},
			{At: day, Source: reportline.SourceLDAP, Action: reportline.ActionRemove, ManagerID: us[2].ID, ManageeID: us[0].ID, Before: &before},
		})
	})
	read(t, db, func(tx *store.Tx) error {
		all, err := tx.Audit(ctx, reportline.AuditFilter{})
		if err != nil {
			return err
		}
		if len(all) != 3 || all[0].Action != reportline.ActionRemove {
			t.Fatalf("Audit = %+v, want 3 entries newest first", all)
		}
		upd := all[1]
		if upd.Before == nil || upd.After == nil || upd.After.Kind != reportline.Functional || !upd.After.ValidUntil.Equal(after.ValidUntil) || upd.Before.ManagerID != us[0].ID {
			t.Errorf("update entry = %+v", upd)
		}
		if all[0].ActorID != 0 || all[2].BatchID != 7 {
			t.Errorf("actor or batch lost: %+v", all)
		}
		mine, err := tx.Audit(ctx, reportline.AuditFilter{UserID: us[1].ID})
		if err != nil {
			return err
		}
		if len(mine) != 2 {
			t.Errorf("Audit(user) = %d entries, want 2", len(mine))
		}
		page, err := tx.Audit(ctx, reportline.AuditFilter{BeforeID: all[0].ID, Limit: 1})
		if err != nil {
			return err
		}
		if len(page) != 1 || page[0].ID != all[1].ID {
			t.Errorf("keyset page = %+v", page)
		}
		return nil
	})
}

// testAuditAppendOnly checks that the database itself refuses to edit the
// audit log, whatever code runs against it.
func testAuditAppendOnly(t *testing.T, db DB) {
	ctx := context.Background()
	us := mkUsers(t, db, "m", "e")
	write(t, db, func(tx *store.Tx) error {
		return tx.AppendAudit(ctx, []reportline.AuditEntry{{At: day, Source: reportline.SourceUI, Action: reportline.ActionAdd, ManagerID: us[0].ID, ManageeID: us[1].ID}})
	})
	for _, q := range []string{"UPDATE audit_log SET action = 'remove'", "DELETE FROM audit_log"} {
		if err := db.Write(ctx, func(tx *store.Tx) error { return tx.ExecRaw(ctx, q) }); err == nil {
			t.Errorf("%s succeeded; the audit log must be append-only", q)
		}
	}
}
