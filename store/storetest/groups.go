package storetest

import (
	"context"
	"testing"

	"reportline"
	"reportline/store"
)

func testGroups(t *testing.T, db DB) {
	ctx := context.Background()
	us := mkUsers(t, db, "a", "b")
	root := reportline.Group{Name: "Acme"}
	var child reportline.Group
	write(t, db, func(tx *store.Tx) error {
		if err := tx.CreateGroup(ctx, &root); err != nil {
			return err
		}
		child = reportline.Group{Name: "Sales", ParentID: root.ID}
		if err := tx.CreateGroup(ctx, &child); err != nil {
			return err
		}
		if err := tx.SetMembership(ctx, reportline.Membership{GroupID: child.ID, UserID: us[0].ID, Role: reportline.MemberRole}); err != nil {
			return err
		}
		// Setting again changes the role instead of failing.
		return tx.SetMembership(ctx, reportline.Membership{GroupID: child.ID, UserID: us[0].ID, Role: reportline.AdminRole})
	})
	read(t, db, func(tx *store.Tx) error {
		g, err := tx.Group(ctx, child.ID)
		if err != nil {
			return err
		}
		if g.ParentID != root.ID || g.Name != "Sales" {
			t.Errorf("Group = %+v", g)
		}
		all, err := tx.Groups(ctx)
		if err != nil {
			return err
		}
		if len(all) != 2 {
			t.Errorf("Groups = %v", all)
		}
		ms, err := tx.Memberships(ctx, reportline.MembershipFilter{UserIDs: []reportline.UserID{us[0].ID}})
		if err != nil {
			return err
		}
		if len(ms) != 1 || ms[0].Role != reportline.AdminRole {
			t.Errorf("Memberships = %+v", ms)
		}
		_, err = tx.Group(ctx, 999)
		wantCode(t, err, reportline.NotFound)
		return nil
	})
	err := db.Write(ctx, func(tx *store.Tx) error {
		return tx.SetMembership(ctx, reportline.Membership{GroupID: child.ID, UserID: us[1].ID, Role: "owner"})
	})
	wantCode(t, err, reportline.Invalid)
	err = db.Write(ctx, func(tx *store.Tx) error { return tx.DeleteMembership(ctx, child.ID, us[1].ID) })
	wantCode(t, err, reportline.NotFound)
	write(t, db, func(tx *store.Tx) error { return tx.DeleteMembership(ctx, child.ID, us[0].ID) })
}
