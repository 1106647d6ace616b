package storetest

import (
	"context"
	"testing"
	"time"

	"reportline"
	"reportline/store"
)

// testSSO: identities are linked once per provider and subject, single-use
// keys are refused the second time until they expire, a pending key is
// taken once, and sessions keep how they were opened.
func testSSO(t *testing.T, db DB) {
	ctx := context.Background()
	us := mkUsers(t, db, "a", "b")
	a, b := us[0], us[1]
	write(t, db, func(tx *store.Tx) error {
		return tx.CreateSSOLink(ctx, reportline.SSOLink{Provider: "oidc", Subject: "sub-a", UserID: a.ID, Email: "a@x", CreatedAt: day})
	})
	err := db.Write(ctx, func(tx *store.Tx) error {
		return tx.CreateSSOLink(ctx, reportline.SSOLink{Provider: "oidc", Subject: "sub-a", UserID: b.ID, CreatedAt: day})
	})
	if !reportline.IsCode(err, reportline.Conflict) {
		t.Errorf("a subject linked twice: %v, want conflict", err)
	}
	write(t, db, func(tx *store.Tx) error {
		// The same subject at another provider is another identity.
		return tx.CreateSSOLink(ctx, reportline.SSOLink{Provider: "saml", Subject: "sub-a", UserID: b.ID, CreatedAt: day})
	})
	read(t, db, func(tx *store.Tx) error {
		l, err := tx.SSOLink(ctx, "oidc", "sub-a")
		if err != nil || l.UserID != a.ID || l.Email != "a@x" || !l.CreatedAt.Equal(day) {
			t.Errorf("SSOLink = %+v, %v", l, err)
		}
		if _, err := tx.SSOLink(ctx, "oidc", "nobody"); !reportline.IsCode(err, reportline.NotFound) {
			t.Errorf("unknown subject: %v, want not found", err)
		}
		ls, err := tx.SSOLinksOfUser(ctx, b.ID)
		if err != nil || len(ls) != 1 || ls[0].Provider != "saml" {
			t.Errorf("SSOLinksOfUser(b) = %+v, %v", ls, err)
		}
		return nil
	})

	use := func(key string, expires, now time.Time) bool {
		var ok bool
		write(t, db, func(tx *store.Tx) error {
			var err error
			ok, err = tx.UseOnce(ctx, key, expires, now)
			return err
		})
		return ok
	}
	if !use("k", day.Add(time.Hour), day) || use("k", day.Add(time.Hour), day.Add(time.Minute)) {
		t.Errorf("UseOnce: want the first use only")
	}
	if !use("k", day.Add(3*time.Hour), day.Add(2*time.Hour)) {
		t.Errorf("UseOnce after the key expired: want a fresh use")
	}
	take := func(key string, now time.Time) bool {
		var ok bool
		write(t, db, func(tx *store.Tx) error {
			var err error
			ok, err = tx.TakeOnce(ctx, key, now)
			return err
		})
		return ok
	}
	use("req", day.Add(10*time.Minute), day)
	use("late", day.Add(10*time.Minute), day)
	if !take("req", day.Add(time.Minute)) || take("req", day.Add(time.Minute)) || take("late", day.Add(time.Hour)) || take("never", day) {
		t.Errorf("TakeOnce: want a live key taken once, an expired or unknown one never")
	}

	write(t, db, func(tx *store.Tx) error {
		return tx.CreateSession(ctx, reportline.Session{Hash: []byte("sso"), UserID: a.ID, CreatedAt: day, ExpiresAt: day.Add(time.Hour), Method: "oidc", LogoutHint: "oidc tok"})
	})
	read(t, db, func(tx *store.Tx) error {
		s, err := tx.SessionByHash(ctx, []byte("sso"))
		if err != nil || s.Method != "oidc" || s.LogoutHint != "oidc tok" {
			t.Errorf("SessionByHash = %+v, %v", s, err)
		}
		ss, err := tx.UserSessions(ctx, a.ID, day)
		if err != nil || len(ss) != 1 || ss[0].Method != "oidc" {
			t.Errorf("UserSessions = %+v, %v", ss, err)
		}
		if ss, _ := tx.UserSessions(ctx, a.ID, day.Add(2*time.Hour)); len(ss) != 0 {
			t.Errorf("expired sessions listed: %+v", ss)
		}
		return nil
	})
}
