package storetest

import (
	"context"
	"testing"

	"reportline"
	"reportline/store"
)

// testDirectory checks the storage of directory sync: identities (one per
// source and external id, one per source and user), batch user writes, run
// records and the append-only user changes.
func testDirectory(t *testing.T, db DB) {
	ctx := context.Background()
	us := mkUsers(t, db, "a", "b")
	ldap, scim := reportline.SourceLDAP, reportline.SourceSCIM
	write(t, db, func(tx *store.Tx) error {
		return tx.PutDirectoryIdentities(ctx, []reportline.DirectoryIdentity{
			{Source: ldap, ExternalID: "A", UserID: us[0].ID},
			{Source: ldap, ExternalID: "B", UserID: us[1].ID},
			{Source: scim, ExternalID: "A", UserID: us[1].ID}, // the same external id in another directory
		})
	})
	// b's entry was re-created in the directory with a new id: it replaces the old one.
	write(t, db, func(tx *store.Tx) error {
		return tx.PutDirectoryIdentities(ctx, []reportline.DirectoryIdentity{{Source: ldap, ExternalID: "B2", UserID: us[1].ID}})
	})
	read(t, db, func(tx *store.Tx) error {
		all, err := tx.DirectoryIdentities(ctx, ldap, nil)
		if err != nil {
			return err
		}
		if len(all) != 2 || all["A"] != us[0].ID || all["B2"] != us[1].ID {
			t.Errorf("ldap identities = %v", all)
		}
		some, err := tx.DirectoryIdentities(ctx, scim, []string{"A", "nope"})
		if err != nil {
			return err
		}
		if len(some) != 1 || some["A"] != us[1].ID {
			t.Errorf("scim identities = %v", some)
		}
		of, err := tx.DirectoryIdentitiesOfUsers(ctx, ldap, []reportline.UserID{us[1].ID, 999})
		if err != nil {
			return err
		}
		if len(of) != 1 || of[us[1].ID] != "B2" {
			t.Errorf("identities of users = %v", of)
		}
		return nil
	})

	newUsers := []*reportline.User{{Email: "c@example.com", Status: reportline.StatusActive}, {Email: "d@example.com", Status: reportline.StatusInactive}}
	write(t, db, func(tx *store.Tx) error { return tx.CreateUsers(ctx, newUsers) })
	if newUsers[0].ID == 0 || newUsers[1].ID == newUsers[0].ID {
		t.Fatalf("CreateUsers ids = %d, %d", newUsers[0].ID, newUsers[1].ID)
	}
	read(t, db, func(tx *store.Tx) error {
		for _, u := range newUsers {
			got, err := tx.User(ctx, u.ID)
			if err != nil {
				return err
			}
			if got.Email != u.Email || got.Status != u.Status {
				t.Errorf("user %d = %s %s, want %s %s: ids given back to the wrong users", u.ID, got.Email, got.Status, u.Email, u.Status)
			}
		}
		return nil
	})
	newUsers[0].LastName = "Renamed"
	write(t, db, func(tx *store.Tx) error { return tx.UpdateUsers(ctx, newUsers[:1]) })
	newUsers[1].Email = "a@example.com"
	err := db.Write(ctx, func(tx *store.Tx) error { return tx.UpdateUsers(ctx, newUsers) })
	wantCode(t, err, reportline.Conflict)

	run := reportline.SyncRun{Source: ldap, DryRun: true, Full: true, Status: reportline.ImportRunning, Started: day}
	write(t, db, func(tx *store.Tx) error { return tx.CreateSyncRun(ctx, &run) })
	run.Status, run.Finished = reportline.ImportDone, day.Add(3e9)
	run.Counts = reportline.SyncCounts{Created: 2, LinksAdded: 1}
	run.Problems = []reportline.SyncProblem{{ExternalID: "X", Field: "manager", Code: reportline.ProblemManagerMissing, Reason: "gone"}}
	run.ProblemCount = 1
	write(t, db, func(tx *store.Tx) error {
		if err := tx.FinishSyncRun(ctx, run); err != nil {
			return err
		}
		return tx.AppendDirectoryChanges(ctx, []reportline.DirectoryChange{{RunID: run.ID, At: day, Source: ldap, UserID: us[0].ID,
			ExternalID: "A", Action: reportline.SyncUpdated, Changes: []reportline.FieldChange{{Field: "first_name", Before: "a", After: "Ann"}}}})
	})
	read(t, db, func(tx *store.Tx) error {
		runs, err := tx.SyncRuns(ctx, ldap, 5)
		if err != nil {
			return err
		}
		if len(runs) != 1 || runs[0].Counts != run.Counts || !runs[0].Finished.Equal(run.Finished) || len(runs[0].Problems) != 1 || !runs[0].DryRun || !runs[0].Full {
			t.Errorf("runs = %+v, want %+v", runs, run)
		}
		if other, err := tx.SyncRuns(ctx, scim, 5); err != nil || len(other) != 0 {
			t.Errorf("scim runs = %v, %v", other, err)
		}
		changes, total, err := tx.DirectoryChanges(ctx, run.ID, 10)
		if err != nil {
			return err
		}
		if len(changes) != 1 || total != 1 || changes[0].Changes[0].After != "Ann" || changes[0].ActorID != 0 {
			t.Errorf("changes = %+v", changes)
		}
		_, err = tx.SyncRun(ctx, 9999)
		wantCode(t, err, reportline.NotFound)
		return nil
	})
	err = db.Write(ctx, func(tx *store.Tx) error { return tx.ExecRaw(ctx, `DELETE FROM directory_user_changes`) })
	if err == nil {
		t.Error("deleting a directory user change succeeded; the table must be append-only")
	}
}
