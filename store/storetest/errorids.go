package storetest

import (
	"context"
	"reflect"
	"testing"

	"reportline"
	"reportline/store"
)

// testStoredErrorIDs checks that a failed import's and a sync run's stored
// failure keep their message id and arguments (docs/i18n.md), a Term as a
// Term and a count as a whole number, so their pages can say them in the
// reader's language; a failure without an id reads back without one.
func testStoredErrorIDs(t *testing.T, db DB) {
	ctx := context.Background()
	args := map[string]any{"Why": reportline.Term("access.refused.x"), "Count": 3, "Source": "ldap"}
	want := map[string]any{"Why": reportline.Term("access.refused.x"), "Count": int64(3), "Source": "ldap"}

	b := reportline.ImportBatch{Source: reportline.SourceCSV, FileName: "m.csv", Status: reportline.ImportRunning, Phase: "reading", CreatedAt: day}
	plain := b
	write(t, db, func(tx *store.Tx) error {
		if err := tx.CreateImportBatch(ctx, &b); err != nil {
			return err
		}
		return tx.CreateImportBatch(ctx, &plain)
	})
	b.Status, b.Error, b.ErrorID, b.ErrorArgs, b.FinishedAt = reportline.ImportFailed, "it failed", "error.x", args, day.Add(1e9)
	plain.Status, plain.Error, plain.FinishedAt = reportline.ImportFailed, "it failed too", day.Add(1e9)
	write(t, db, func(tx *store.Tx) error {
		if err := tx.UpdateImportBatch(ctx, b); err != nil {
			return err
		}
		return tx.UpdateImportBatch(ctx, plain)
	})

	// An import left running by a stopped process, failed at the next start.
	left := reportline.ImportBatch{Source: reportline.SourceCSV, FileName: "left.csv", Status: reportline.ImportRunning, Phase: "reading", CreatedAt: day}
	write(t, db, func(tx *store.Tx) error { return tx.CreateImportBatch(ctx, &left) })
	write(t, db, func(tx *store.Tx) error {
		n, err := tx.FailRunningImports(ctx, "the service stopped", "error.import.stopped")
		if n != 1 {
			t.Errorf("failed %d running imports, want 1", n)
		}
		return err
	})

	run := reportline.SyncRun{Source: reportline.SourceLDAP, Status: reportline.ImportRunning, Started: day}
	write(t, db, func(tx *store.Tx) error { return tx.CreateSyncRun(ctx, &run) })
	run.Status, run.Finished, run.Error, run.ErrorID, run.ErrorArgs = reportline.SyncHeld, day.Add(1e9), "held", "error.y", args
	run.Counts.Held = 3
	write(t, db, func(tx *store.Tx) error { return tx.FinishSyncRun(ctx, run) })

	read(t, db, func(tx *store.Tx) error {
		got, err := tx.ImportBatch(ctx, b.ID)
		if err != nil {
			return err
		}
		if got.Error != "it failed" || got.ErrorID != "error.x" || !reflect.DeepEqual(got.ErrorArgs, want) {
			t.Errorf("import = %q %q %#v, want %q %q %#v", got.Error, got.ErrorID, got.ErrorArgs, b.Error, b.ErrorID, want)
		}
		got, err = tx.ImportBatch(ctx, plain.ID)
		if err != nil {
			return err
		}
		if got.Error != "it failed too" || got.ErrorID != "" || got.ErrorArgs != nil {
			t.Errorf("import without an id = %q %q %#v", got.Error, got.ErrorID, got.ErrorArgs)
		}
		got, err = tx.ImportBatch(ctx, left.ID)
		if err != nil {
			return err
		}
		if got.Status != reportline.ImportFailed || got.Error != "the service stopped" || got.ErrorID != "error.import.stopped" || got.ErrorArgs != nil {
			t.Errorf("import left running = %s %q %q %#v, want failed, stopped", got.Status, got.Error, got.ErrorID, got.ErrorArgs)
		}
		r, err := tx.SyncRun(ctx, run.ID)
		if err != nil {
			return err
		}
		if r.Status != reportline.SyncHeld || r.Error != "held" || r.ErrorID != "error.y" || !reflect.DeepEqual(r.ErrorArgs, want) {
			t.Errorf("run = %s %q %q %#v, want held %q %q %#v", r.Status, r.Error, r.ErrorID, r.ErrorArgs, run.Error, run.ErrorID, want)
		}
		return nil
	})
}
