package storetest

import (
	"context"
	"testing"

	"reportline"
	"reportline/store"
)

// testChanges checks the change log: entries come back newest first, as
// written, filtered by person, actor and action, and the database refuses
// to edit them.
func testChanges(t *testing.T, db DB) {
	ctx := context.Background()
	us := mkUsers(t, db, "admin", "member")
	write(t, db, func(tx *store.Tx) error {
		return tx.AppendChanges(ctx, []reportline.Change{
			{At: day, ActorID: us[0].ID, Source: reportline.SourceUI, Action: "user.create", UserID: us[1].ID, GroupID: 3, After: `{"email":"member@example.com"}`},
			{At: day, ActorID: us[0].ID, Source: reportline.SourceAPI, Action: "group.members.change", UserID: us[1].ID, GroupID: 3,
				Before: `{"role":"member"}`, After: `{"role":"user_admin"}`},
			{At: day, Source: reportline.SourceCLI, Action: "settings.change", What: "setting assign_mode", After: `{"mode":"positions"}`},
		})
	})
	read(t, db, func(tx *store.Tx) error {
		all, err := tx.Changes(ctx, reportline.ChangeFilter{})
		if err != nil {
			return err
		}
		if len(all) != 3 || all[0].Action != "settings.change" || all[0].ActorID != 0 || all[0].What != "setting assign_mode" {
			t.Fatalf("Changes = %+v, want 3 entries newest first", all)
		}
		role := all[1]
		if role.Before != `{"role":"member"}` || role.After != `{"role":"user_admin"}` || role.GroupID != 3 || role.UserID != us[1].ID || !role.At.Equal(day) {
			t.Errorf("membership entry = %+v", role)
		}
		for _, tc := range []struct {
			f    reportline.ChangeFilter
			want int
		}{
			{reportline.ChangeFilter{UserID: us[1].ID}, 2},
			{reportline.ChangeFilter{ActorID: us[0].ID}, 2},
			{reportline.ChangeFilter{UserID: us[1].ID, Action: "user.create"}, 1},
			{reportline.ChangeFilter{BeforeID: all[0].ID, Limit: 1}, 1},
		} {
			got, err := tx.Changes(ctx, tc.f)
			if err != nil {
				return err
			}
			if len(got) != tc.want {
				t.Errorf("Changes(%+v) = %d entries, want %d", tc.f, len(got), tc.want)
			}
		}
		return nil
	})
	for _, q := range []string{"UPDATE change_log SET action = 'x'", "DELETE FROM change_log"} {
		if err := db.Write(ctx, func(tx *store.Tx) error { return tx.ExecRaw(ctx, q) }); err == nil {
			t.Errorf("%s succeeded; the change log must be append-only", q)
		}
	}
}
