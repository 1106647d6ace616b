package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"reportline"
	"reportline/store"
)

func testUsers(t *testing.T, db DB) {
	ctx := context.Background()
	u := reportline.User{ExternalUID: "E1", Email: "jane@example.com", FirstName: "Jane", LastName: "Doe",
		Status: reportline.StatusActive, Birthday: reportline.Birthday{Month: time.February, Day: 29},
		Position: "Engineer", OrgUnit: "R&D", Locale: "fr", TimeZone: "Europe/Paris"}
	write(t, db, func(tx *store.Tx) error { return tx.CreateUser(ctx, &u) })
	if u.ID == 0 || u.CreatedAt.IsZero() {
		t.Fatalf("CreateUser did not set id and times: %+v", u)
	}
	read(t, db, func(tx *store.Tx) error {
		for _, get := range []func() (reportline.User, error){
			func() (reportline.User, error) { return tx.User(ctx, u.ID) },
			func() (reportline.User, error) { return tx.UserByEmail(ctx, "jane@example.com") },
			func() (reportline.User, error) { return tx.UserByExternalUID(ctx, "E1") },
		} {
			got, err := get()
			if err != nil {
				return err
			}
			if got.Email != u.Email || got.ExternalUID != "E1" || got.Birthday != u.Birthday || got.TimeZone != "Europe/Paris" || got.OrgUnit != "R&D" {
				return fmt.Errorf("got %+v, want %+v", got, u)
			}
		}
		_, err := tx.User(ctx, 9999)
		wantCode(t, err, reportline.NotFound)
		_, err = tx.UserByEmail(ctx, "nobody@example.com")
		wantCode(t, err, reportline.NotFound)
		return nil
	})
	u.Status, u.ExternalUID = reportline.StatusInactive, ""
	write(t, db, func(tx *store.Tx) error { return tx.UpdateUser(ctx, &u) })
	read(t, db, func(tx *store.Tx) error {
		got, err := tx.User(ctx, u.ID)
		if err != nil {
			return err
		}
		if got.Status != reportline.StatusInactive || got.ExternalUID != "" {
			t.Errorf("after update got %+v", got)
		}
		return nil
	})
	err := db.Write(ctx, func(tx *store.Tx) error {
		return tx.UpdateUser(ctx, &reportline.User{ID: 9999, Email: "x@example.com", Status: reportline.StatusActive})
	})
	wantCode(t, err, reportline.NotFound)
}

func testUserConflicts(t *testing.T, db DB) {
	ctx := context.Background()
	mkUsers(t, db, "a")
	write(t, db, func(tx *store.Tx) error {
		return tx.CreateUser(ctx, &reportline.User{Email: "b@example.com", ExternalUID: "X", Status: reportline.StatusActive})
	})
	// Two users without an external uid do not collide: "" is stored as NULL.
	mkUsers(t, db, "c", "d")
	for _, tc := range []struct {
		name  string
		u     reportline.User
		field string
	}{
		{"email", reportline.User{Email: "a@example.com", Status: reportline.StatusActive}, "email"},
		{"external uid", reportline.User{Email: "new@example.com", ExternalUID: "X", Status: reportline.StatusActive}, "external_uid"},
	} {
		err := db.Write(ctx, func(tx *store.Tx) error { return tx.CreateUser(ctx, &tc.u) })
		wantCode(t, err, reportline.Conflict)
		if e, ok := err.(*reportline.Error); !ok || e.Field != tc.field {
			t.Errorf("%s: conflict error %v does not name field %q", tc.name, err, tc.field)
		}
	}
	err := db.Write(ctx, func(tx *store.Tx) error {
		return tx.CreateUser(ctx, &reportline.User{Email: "bad@example.com", Status: "weird"})
	})
	wantCode(t, err, reportline.Invalid)
}

func testFindUsers(t *testing.T, db DB) {
	ctx := context.Background()
	var names []string
	for i := range 120 {
		names = append(names, fmt.Sprintf("user%03d", i))
	}
	users := mkUsers(t, db, names...)
	var g reportline.Group
	write(t, db, func(tx *store.Tx) error {
		if err := tx.CreateGroup(ctx, &g); err != nil {
			return err
		}
		for _, u := range users[:7] {
			if err := tx.SetMembership(ctx, reportline.Membership{GroupID: g.ID, UserID: u.ID, Role: reportline.MemberRole}); err != nil {
				return err
			}
		}
		users[3].Status = reportline.StatusInactive
		return tx.UpdateUser(ctx, &users[3])
	})
	read(t, db, func(tx *store.Tx) error {
		tests := []struct {
			name      string
			f         reportline.UserFilter
			wantLen   int
			wantTotal int
		}{
			{"default page", reportline.UserFilter{}, 50, 120},
			{"second page", reportline.UserFilter{AfterID: users[49].ID}, 50, 120},
			{"query", reportline.UserFilter{Query: "USER01"}, 10, 10},
			{"like wildcards are literal", reportline.UserFilter{Query: "user_0"}, 0, 0},
			{"status", reportline.UserFilter{Status: reportline.StatusInactive}, 1, 1},
			{"group", reportline.UserFilter{Groups: []reportline.GroupID{g.ID}, Limit: 5}, 5, 7},
			{"email", reportline.UserFilter{Email: "user100@example.com"}, 1, 1},
			{"ids", reportline.UserFilter{IDs: []reportline.UserID{users[0].ID, users[5].ID}}, 2, 2},
		}
		for _, tc := range tests {
			got, total, err := tx.FindUsers(ctx, tc.f)
			if err != nil {
				return fmt.Errorf("%s: %w", tc.name, err)
			}
			if len(got) != tc.wantLen || total != tc.wantTotal {
				t.Errorf("%s: got %d users of %d, want %d of %d", tc.name, len(got), total, tc.wantLen, tc.wantTotal)
			}
		}
		byEmail, err := tx.UsersByEmails(ctx, append(names[:0:0], "user001@example.com", "nobody@example.com"))
		if err != nil {
			return err
		}
		if len(byEmail) != 1 || byEmail["user001@example.com"].ID != users[1].ID {
			t.Errorf("UsersByEmails = %v", byEmail)
		}
		return nil
	})
}
