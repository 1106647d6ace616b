package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"reportline"
	"reportline/store"
)

func testSCIM(t *testing.T, db DB) {
	ctx := context.Background()
	us := mkUsers(t, db, "a", "b", "c", "d")
	a, b, c, d := us[0], us[1], us[2], us[3]

	// Provisioning clients: created, found by hash, unique by name, touched,
	// listed by name, deleted.
	entra := reportline.ProvisioningClient{Name: "entra", Hash: []byte("hash-entra"), CreatedAt: day}
	write(t, db, func(tx *store.Tx) error {
		if err := tx.CreateProvisioningClient(ctx, &entra); err != nil {
			return err
		}
		return tx.CreateProvisioningClient(ctx, &reportline.ProvisioningClient{Name: "okta", Hash: []byte("hash-okta"), CreatedAt: day})
	})
	err := db.Write(ctx, func(tx *store.Tx) error {
		return tx.CreateProvisioningClient(ctx, &reportline.ProvisioningClient{Name: "entra", Hash: []byte("other"), CreatedAt: day})
	})
	wantCode(t, err, reportline.Conflict)
	write(t, db, func(tx *store.Tx) error {
		got, err := tx.ProvisioningClientByHash(ctx, []byte("hash-entra"))
		if err != nil || got.ID != entra.ID || got.Name != "entra" || !got.CreatedAt.Equal(day) || !got.LastUsedAt.IsZero() {
			t.Errorf("ProvisioningClientByHash = %+v, %v", got, err)
		}
		_, err = tx.ProvisioningClientByHash(ctx, []byte("nope"))
		wantCode(t, err, reportline.NotFound)
		return tx.TouchProvisioningClient(ctx, entra.ID, day.AddDate(0, 0, 1))
	})
	write(t, db, func(tx *store.Tx) error {
		if err := tx.DeleteProvisioningClient(ctx, "okta"); err != nil {
			return err
		}
		wantCode(t, tx.DeleteProvisioningClient(ctx, "okta"), reportline.NotFound)
		list, err := tx.ProvisioningClients(ctx)
		if err != nil || len(list) != 1 || list[0].Name != "entra" || !list[0].LastUsedAt.Equal(day.AddDate(0, 0, 1)) {
			t.Errorf("ProvisioningClients = %+v, %v", list, err)
		}
		return nil
	})

	// userNames: unique case-insensitively, replaced per user; a user
	// without one is found by email.
	write(t, db, func(tx *store.Tx) error {
		if err := tx.SetSCIMUserName(ctx, a.ID, "Ann.UPN"); err != nil {
			return err
		}
		if err := tx.SetSCIMUserName(ctx, b.ID, "old"); err != nil {
			return err
		}
		return tx.SetSCIMUserName(ctx, b.ID, "bob")
	})
	err = db.Write(ctx, func(tx *store.Tx) error { return tx.SetSCIMUserName(ctx, c.ID, "ANN.upn") })
	wantCode(t, err, reportline.Conflict)
	read(t, db, func(tx *store.Tx) error {
		for name, want := range map[string]reportline.UserID{"ann.upn": a.ID, "BOB": b.ID, "c@example.com": c.ID} {
			if id, err := tx.UserBySCIMUserName(ctx, name); err != nil || id != want {
				t.Errorf("UserBySCIMUserName(%q) = %d, %v; want %d", name, id, err, want)
			}
		}
		// a has a userName of their own: their email is not it.
		for _, name := range []string{"a@example.com", "old", "nobody"} {
			_, err := tx.UserBySCIMUserName(ctx, name)
			wantCode(t, err, reportline.NotFound)
		}
		return nil
	})

	// ProvisionedUsers: each user with their SCIM identity, userName and
	// SCIM line manager (not links of other sources or kinds); by id, or
	// paged after an id with an offset.
	write(t, db, func(tx *store.Tx) error {
		for _, l := range []reportline.Link{
			{ManagerID: a.ID, ManageeID: c.ID, Kind: reportline.Line, Source: reportline.SourceSCIM},
			{ManagerID: b.ID, ManageeID: c.ID, Kind: reportline.Line, Source: reportline.SourceUI},
			{ManagerID: a.ID, ManageeID: d.ID, Kind: reportline.Functional, Source: reportline.SourceSCIM},
		} {
			l.CreatedAt = day
			if err := tx.InsertLink(ctx, l); err != nil {
				return err
			}
		}
		return tx.PutDirectoryIdentities(ctx, []reportline.DirectoryIdentity{{Source: reportline.SourceSCIM, ExternalID: "ext-c", UserID: c.ID},
			{Source: reportline.SourceLDAP, ExternalID: "ldap-a", UserID: a.ID}})
	})
	read(t, db, func(tx *store.Tx) error {
		all, err := tx.ProvisionedUsers(ctx, reportline.ProvisionedQuery{Limit: 10})
		if err != nil {
			return err
		}
		var got []string
		for _, p := range all {
			got = append(got, fmt.Sprintf("%s ext=%s name=%s manager=%s", p.Email, p.ExternalID, p.UserName, p.Manager.Email))
		}
		want := []string{"a@example.com ext= name=Ann.UPN manager=", "b@example.com ext= name=bob manager=",
			"c@example.com ext=ext-c name= manager=a@example.com", "d@example.com ext= name= manager="}
		if !slices.Equal(got, want) {
			t.Errorf("ProvisionedUsers =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		one, err := tx.ProvisionedUsers(ctx, reportline.ProvisionedQuery{ID: c.ID})
		if err != nil || len(one) != 1 || one[0].ID != c.ID || one[0].Manager.ID != a.ID || one[0].Manager.FirstName != "a" {
			t.Errorf("ProvisionedUsers(c) = %+v, %v", one, err)
		}
		page, err := tx.ProvisionedUsers(ctx, reportline.ProvisionedQuery{AfterID: a.ID, Offset: 1, Limit: 2})
		if err != nil || len(page) != 2 || page[0].ID != c.ID || page[1].ID != d.ID {
			t.Errorf("ProvisionedUsers(after a, offset 1, limit 2) = %+v, %v", page, err)
		}
		none, err := tx.ProvisionedUsers(ctx, reportline.ProvisionedQuery{ID: 999999})
		if err != nil || len(none) != 0 {
			t.Errorf("ProvisionedUsers(unknown) = %+v, %v", none, err)
		}
		return nil
	})
}

// A directory group mapped onto an existing group: the IdP's name and who
// mapped it read back; two mapped groups never share an externalId or an
// IdP name (in any case); a group the client created may share a name.
func testSCIMGroupMaps(t *testing.T, db DB) {
	ctx := context.Background()
	var g1, g2, g3 reportline.Group
	write(t, db, func(tx *store.Tx) error {
		for i, g := range []*reportline.Group{&g1, &g2, &g3} {
			g.Name = fmt.Sprint("Group ", i+1)
			if err := tx.CreateGroup(ctx, g); err != nil {
				return err
			}
		}
		if err := tx.PutSCIMGroup(ctx, reportline.SCIMGroup{Group: g1, ExternalID: "g-1", DirectoryName: "SG-Sales", MappedBy: 7, MappedAt: day, CreatedAt: day, UpdatedAt: day}); err != nil {
			return err
		}
		// Created by the client, same name: allowed (not a mapping).
		return tx.PutSCIMGroup(ctx, reportline.SCIMGroup{Group: g3, ExternalID: "g-1", DirectoryName: "", CreatedAt: day, UpdatedAt: day})
	})
	write(t, db, func(tx *store.Tx) error {
		got, err := tx.SCIMGroups(ctx, g1.ID)
		if err != nil || len(got) != 1 || got[0].DirectoryName != "SG-Sales" || got[0].MappedBy != 7 || !got[0].MappedAt.Equal(day) || !got[0].Mapped() || got[0].SCIMName() != "SG-Sales" {
			t.Errorf("mapped group = %+v, %v", got, err)
		}
		got, err = tx.SCIMGroups(ctx, g3.ID)
		if err != nil || len(got) != 1 || got[0].Mapped() || !got[0].MappedAt.IsZero() || got[0].SCIMName() != got[0].Name {
			t.Errorf("created group = %+v, %v", got, err)
		}
		mapped, err := tx.MappedSCIMGroups(ctx)
		if err != nil || len(mapped) != 1 || mapped[0].ID != g1.ID || mapped[0].ExternalID != "g-1" || mapped[0].DirectoryName != "SG-Sales" {
			t.Errorf("MappedSCIMGroups = %+v, %v; want group 1 only", mapped, err)
		}
		return nil
	})
	for _, clash := range []reportline.SCIMGroup{
		{Group: g2, ExternalID: "g-1", MappedBy: 7, MappedAt: day, CreatedAt: day, UpdatedAt: day},
		{Group: g2, DirectoryName: "sg-SALES", MappedBy: 7, MappedAt: day, CreatedAt: day, UpdatedAt: day},
	} {
		err := db.Write(ctx, func(tx *store.Tx) error { return tx.PutSCIMGroup(ctx, clash) })
		wantCode(t, err, reportline.Conflict)
	}
}
