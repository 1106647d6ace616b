package storetest

import (
	"context"
	"testing"

	"reportline"
	"reportline/store"
)

func testAuth(t *testing.T, db DB) {
	ctx := context.Background()
	u := mkUsers(t, db, "a")[0]
	hash := []byte("0123456789abcdef0123456789abcdef")
	write(t, db, func(tx *store.Tx) error {
		if err := tx.SetPasswordHash(ctx, u.ID, "h1"); err != nil {
			return err
		}
		if err := tx.SetPasswordHash(ctx, u.ID, "h2"); err != nil {
			return err
		}
		if err := tx.CreateToken(ctx, &reportline.APIToken{UserID: u.ID, Name: "ci", Hash: hash, CreatedAt: day}); err != nil {
			return err
		}
		if err := tx.CreateSession(ctx, reportline.Session{Hash: []byte("s1"), UserID: u.ID, CreatedAt: day, ExpiresAt: day.AddDate(0, 0, 1)}); err != nil {
			return err
		}
		return tx.CreateSession(ctx, reportline.Session{Hash: []byte("s0"), UserID: u.ID, CreatedAt: day, ExpiresAt: day.AddDate(0, 0, -1)})
	})
	write(t, db, func(tx *store.Tx) error {
		h, err := tx.PasswordHash(ctx, u.ID)
		if err != nil || h != "h2" {
			t.Errorf("PasswordHash = %q, %v; want h2", h, err)
		}
		tok, err := tx.TokenByHash(ctx, hash)
		if err != nil || tok.UserID != u.ID || tok.Name != "ci" {
			t.Errorf("TokenByHash = %+v, %v", tok, err)
		}
		tok2, owner, err := tx.TokenUser(ctx, hash)
		if err != nil || tok2.ID != tok.ID || owner.ID != u.ID || owner.Email != u.Email {
			t.Errorf("TokenUser = %+v, %+v, %v", tok2, owner, err)
		}
		if _, _, err := tx.TokenUser(ctx, []byte("nope")); !reportline.IsCode(err, reportline.NotFound) {
			t.Errorf("TokenUser(unknown) = %v, want not found", err)
		}
		if err := tx.TouchToken(ctx, tok.ID, day.AddDate(0, 0, 1)); err != nil {
			return err
		}
		_, err = tx.TokenByHash(ctx, []byte("nope"))
		wantCode(t, err, reportline.NotFound)
		if err := tx.DeleteExpiredSessions(ctx, day); err != nil {
			return err
		}
		_, err = tx.SessionByHash(ctx, []byte("s0"))
		wantCode(t, err, reportline.NotFound)
		s, err := tx.SessionByHash(ctx, []byte("s1"))
		if err != nil || s.UserID != u.ID || !s.ExpiresAt.Equal(day.AddDate(0, 0, 1)) {
			t.Errorf("SessionByHash = %+v, %v", s, err)
		}
		return tx.DeleteSession(ctx, []byte("s1"))
	})
	read(t, db, func(tx *store.Tx) error {
		_, err := tx.SessionByHash(ctx, []byte("s1"))
		wantCode(t, err, reportline.NotFound)
		return nil
	})
}

// testRollback checks that a failed write transaction leaves nothing behind.
func testRollback(t *testing.T, db DB) {
	ctx := context.Background()
	err := db.Write(ctx, func(tx *store.Tx) error {
		u := reportline.User{Email: "gone@example.com", Status: reportline.StatusActive}
		if err := tx.CreateUser(ctx, &u); err != nil {
			return err
		}
		return reportline.Errorf(reportline.Invalid, "stop")
	})
	wantCode(t, err, reportline.Invalid)
	read(t, db, func(tx *store.Tx) error {
		_, err := tx.UserByEmail(ctx, "gone@example.com")
		wantCode(t, err, reportline.NotFound)
		return nil
	})
}

func testMigrate(t *testing.T, db DB) {
	ctx := context.Background()
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	pending, err := db.Pending(ctx)
	if err != nil || len(pending) != 0 {
		t.Errorf("Pending = %v, %v; want none", pending, err)
	}
}
