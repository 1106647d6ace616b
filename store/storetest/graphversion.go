package storetest

import (
	"context"
	"testing"

	"reportline"
	"reportline/store"
)

// testGraphVersion checks that every kind of write the in-memory graph
// depends on bumps the tenant's graph version in its own transaction, and
// that a write it does not depend on leaves it. SQLite and plain PostgreSQL
// bump by triggers; Citus, which refuses triggers on distributed tables,
// by the store at commit (store/citus.go): the same answers on all three.
func testGraphVersion(t *testing.T, db DB) {
	ctx := context.Background()
	us := mkUsers(t, db, "boss", "dev", "other")
	boss, dev := us[0], us[1]
	var group reportline.Group
	var unit reportline.OrgUnit
	link := reportline.Link{ManagerID: boss.ID, ManageeID: dev.ID, Kind: reportline.Line, Source: reportline.SourceUI, CreatedAt: day}
	version := func() int64 {
		t.Helper()
		var v int64
		read(t, db, func(tx *store.Tx) error {
			var err error
			v, err = tx.GraphVersion(ctx)
			return err
		})
		return v
	}
	for _, w := range []struct {
		name string
		bump bool
		fn   func(tx *store.Tx) error
	}{
		{"create a user", true, func(tx *store.Tx) error {
			return tx.CreateUser(ctx, &reportline.User{Email: "new@example.com", FirstName: "new", Status: reportline.StatusActive})
		}},
		{"change a user's status", true, func(tx *store.Tx) error {
			u := us[2]
			u.Status = reportline.StatusInactive
			return tx.UpdateUser(ctx, &u)
		}},
		{"set a password", false, func(tx *store.Tx) error { return tx.SetPasswordHash(ctx, dev.ID, "x") }},
		{"insert a link", true, func(tx *store.Tx) error { return tx.InsertLink(ctx, link) }},
		{"delete a link", true, func(tx *store.Tx) error { return tx.DeleteLink(ctx, link.Pair()) }},
		{"apply link changes (bulk)", true, func(tx *store.Tx) error {
			return tx.ApplyLinkChanges(ctx, reportline.LinkChanges{Insert: []reportline.Link{link}})
		}},
		{"put a setting", true, func(tx *store.Tx) error { return tx.PutSetting(ctx, "graph_test", "1") }},
		{"create an org unit", true, func(tx *store.Tx) error {
			unit = reportline.OrgUnit{Name: "Unit"}
			return tx.CreateOrgUnit(ctx, &unit)
		}},
		{"set the manager positions", true, func(tx *store.Tx) error { return tx.SetManagerPositions(ctx, []string{"Head"}) }},
		{"put the capability matrix", true, func(tx *store.Tx) error {
			m := reportline.Matrix{}
			m.Set(reportline.Functional, reportline.Birthdays, false)
			return tx.PutCapabilityMatrix(ctx, m, boss.ID)
		}},
		{"create a group", false, func(tx *store.Tx) error {
			group = reportline.Group{Name: "G"}
			return tx.CreateGroup(ctx, &group)
		}},
		{"make a group admin", true, func(tx *store.Tx) error {
			return tx.SetMembership(ctx, reportline.Membership{GroupID: group.ID, UserID: boss.ID, Role: reportline.AdminRole})
		}},
		{"remove a group admin", true, func(tx *store.Tx) error { return tx.DeleteMembership(ctx, group.ID, boss.ID) }},
	} {
		before := version()
		write(t, db, w.fn)
		after := version()
		if w.bump && after <= before {
			t.Errorf("%s: graph version %d → %d, want a bump", w.name, before, after)
		}
		if !w.bump && after != before {
			t.Errorf("%s: graph version %d → %d, want unchanged", w.name, before, after)
		}
	}
	// A rolled back write bumps nothing.
	before := version()
	_ = db.Write(ctx, func(tx *store.Tx) error {
		if err := tx.PutSetting(ctx, "graph_test", "2"); err != nil {
			return err
		}
		return reportline.Errorf(reportline.Invalid, "roll back")
	})
	if after := version(); after != before {
		t.Errorf("a rolled back write: graph version %d → %d, want unchanged", before, after)
	}
}
