package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"reportline"
	"reportline/internal/testapp"
	"reportline/store"
)

// TestCapabilityStorage checks the access checks' storage on both engines:
// the matrix, the batch link reads, the walk up the line in one query (and
// with the users, in AccessFacts), administrators, statuses and removals.
func TestCapabilityStorage(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := testapp.OpenDB(t, engine)
		now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		var u [7]reportline.User // u[0] is unused, so that u[i].ID reads as i in the comments
		var g reportline.Group
		err := db.Write(ctx, func(tx *store.Tx) error {
			for i := 1; i < len(u); i++ {
				u[i] = reportline.User{Email: fmt.Sprintf("u%d@example.com", i), Status: reportline.StatusActive}
				if i == 4 {
					u[i].Status = reportline.StatusInactive
				}
				if i == 6 {
					u[i].PlatformRole = reportline.PlatformAdminRole
				}
				if err := tx.CreateUser(ctx, &u[i]); err != nil {
					return err
				}
			}
			// Line links 5 → 4 → 3 → 2 → 1 (4 is inactive); 5 → 1 is
			// functional; 3 → 1 is a line link that ended yesterday.
			for _, l := range []reportline.Link{
				{ManagerID: u[2].ID, ManageeID: u[1].ID, Kind: reportline.Line},
				{ManagerID: u[3].ID, ManageeID: u[2].ID, Kind: reportline.Line},
				{ManagerID: u[4].ID, ManageeID: u[3].ID, Kind: reportline.Line},
				{ManagerID: u[5].ID, ManageeID: u[4].ID, Kind: reportline.Line},
				{ManagerID: u[5].ID, ManageeID: u[1].ID, Kind: reportline.Functional},
				{ManagerID: u[3].ID, ManageeID: u[1].ID, Kind: reportline.Line, ValidUntil: now.AddDate(0, 0, -1)},
			} {
				l.Source, l.CreatedAt = reportline.SourceCSV, now
				if err := tx.InsertLink(ctx, l); err != nil {
					return err
				}
			}
			if err := tx.AppendAudit(ctx, []reportline.AuditEntry{{At: now, Source: reportline.SourceUI, Action: reportline.ActionRemove,
				ManagerID: u[6].ID, ManageeID: u[5].ID}}); err != nil {
				return err
			}
			g = reportline.Group{Name: "G"}
			if err := tx.CreateGroup(ctx, &g); err != nil {
				return err
			}
			for i, role := range map[int]reportline.GroupRole{1: reportline.MemberRole, 2: reportline.AdminRole, 3: reportline.UserAdminRole} {
				if err := tx.SetMembership(ctx, reportline.Membership{GroupID: g.ID, UserID: u[i].ID, Role: role}); err != nil {
					return err
				}
			}
			m := reportline.Matrix{}
			m.Set(reportline.Functional, reportline.Birthdays, false)
			if err := tx.PutCapabilityMatrix(ctx, m, u[6].ID); err != nil {
				return err
			}
			m.Set(reportline.Functional, reportline.Birthdays, true) // replaced, not added
			return tx.PutCapabilityMatrix(ctx, m, u[6].ID)
		})
		if err != nil {
			t.Fatal(err)
		}
		pairs := func(ls []reportline.Link) []string {
			var out []string
			for _, l := range ls {
				out = append(out, fmt.Sprintf("%d→%d", l.ManagerID, l.ManageeID))
			}
			slices.Sort(out)
			return out
		}
		err = db.Read(ctx, func(tx *store.Tx) error {
			m, err := tx.CapabilityMatrix(ctx)
			if err != nil {
				return err
			}
			if len(m) != 1 || len(m[reportline.Functional]) != 1 || !m[reportline.Functional][reportline.Birthdays] {
				t.Errorf("matrix = %v, want the one cell set", m)
			}

			byManagee, err := tx.LinksOfManagees(ctx, []reportline.UserID{u[1].ID, u[3].ID, 999})
			if err != nil {
				return err
			}
			if got := pairs(byManagee[u[1].ID]); len(got) != 3 {
				t.Errorf("links of managee 1 = %v, want 3", got)
			}
			if _, ok := byManagee[999]; ok || len(byManagee[u[3].ID]) != 1 {
				t.Errorf("links by managee = %v", byManagee)
			}
			byManager, err := tx.LinksOfManagers(ctx, []reportline.UserID{u[5].ID})
			if err != nil {
				return err
			}
			if got := pairs(byManager[u[5].ID]); len(got) != 2 {
				t.Errorf("links of manager 5 = %v, want 2", got)
			}

			// The walk up from 1: its own three links, then the line links
			// above (3 → 2, 4 → 3, 5 → 4), whatever their dates, not beyond
			// the functional 5 → 1.
			links, status, err := tx.LineAncestry(ctx, u[1].ID)
			if err != nil {
				return err
			}
			want := []string{
				fmt.Sprintf("%d→%d", u[2].ID, u[1].ID), fmt.Sprintf("%d→%d", u[3].ID, u[1].ID), fmt.Sprintf("%d→%d", u[5].ID, u[1].ID),
				fmt.Sprintf("%d→%d", u[3].ID, u[2].ID), fmt.Sprintf("%d→%d", u[4].ID, u[3].ID), fmt.Sprintf("%d→%d", u[5].ID, u[4].ID),
			}
			slices.Sort(want)
			if got := pairs(links); !slices.Equal(got, want) {
				t.Errorf("ancestry = %v, want %v", got, want)
			}
			if status[u[4].ID] != reportline.StatusInactive || status[u[5].ID] != reportline.StatusActive {
				t.Errorf("ancestry statuses = %v", status)
			}
			for _, l := range links {
				if l.Source != reportline.SourceCSV || l.Kind == "" {
					t.Errorf("ancestry link %+v lacks its terms", l)
				}
			}
			found, facts, _, err := tx.AccessFacts(ctx, [2]reportline.UserID{u[6].ID, 999}, u[1].ID)
			if err != nil {
				return err
			}
			if len(found) != 1 || found[u[6].ID].PlatformRole != reportline.PlatformAdminRole || found[u[6].ID].Email != "u6@example.com" {
				t.Errorf("facts' users = %v", found)
			}
			if !slices.Equal(pairs(facts), want) {
				t.Errorf("facts' ancestry = %v, want %v", pairs(facts), want)
			}

			st, err := tx.UserStatuses(ctx, []reportline.UserID{u[4].ID, u[5].ID, 999})
			if err != nil {
				return err
			}
			if len(st) != 2 || st[u[4].ID] != reportline.StatusInactive {
				t.Errorf("statuses = %v", st)
			}
			admins, err := tx.PlatformAdmins(ctx)
			if err != nil {
				return err
			}
			if len(admins) != 1 || admins[0].ID != u[6].ID {
				t.Errorf("platform admins = %v", admins)
			}
			gas, err := tx.GroupAdmins(ctx, []reportline.GroupID{g.ID, g.ID + 1})
			if err != nil {
				return err
			}
			if len(gas) != 2 || gas[0].Role == reportline.MemberRole || gas[1].Role == reportline.MemberRole {
				t.Errorf("group admins = %v", gas)
			}
			page, err := tx.ActiveUsersAfter(ctx, nil, u[3].ID, 10)
			if err != nil {
				return err
			}
			if len(page) != 2 || page[0].ID != u[5].ID || page[1].ID != u[6].ID {
				t.Errorf("active users after 3 = %v, want 5 and 6 (4 is inactive)", page)
			}
			page, err = tx.ActiveUsersAfter(ctx, []reportline.GroupID{g.ID}, 0, 2)
			if err != nil {
				return err
			}
			if len(page) != 2 || page[0].ID != u[1].ID || page[1].ID != u[2].ID {
				t.Errorf("active members = %v, want 1 and 2", page)
			}
			removed, err := tx.LastLinkRemovals(ctx, []reportline.UserID{u[5].ID, u[1].ID})
			if err != nil {
				return err
			}
			if len(removed) != 1 || !removed[u[5].ID].Equal(now) {
				t.Errorf("removals = %v", removed)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
