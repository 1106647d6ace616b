package storetest

import (
	"bytes"
	"context"
	"testing"

	"reportline"
	"reportline/store"
)

// testSecrets covers the sealed secrets' contract: NotFound until put, put
// replaces (a rotation rewrites key and box), delete is idempotent, and
// the bytes come back as they went in.
func testSecrets(t *testing.T, db DB) {
	ctx := context.Background()
	read(t, db, func(tx *store.Tx) error {
		if _, err := tx.Secret(ctx, "sso.oidc.client_secret"); !reportline.IsCode(err, reportline.NotFound) {
			t.Errorf("Secret before any put: %v, want NotFound", err)
		}
		return nil
	})
	box := []byte{0, 1, 2, 0xff, 0}
	write(t, db, func(tx *store.Tx) error {
		if err := tx.PutSecret(ctx, reportline.SealedSecret{Name: "sso.oidc.client_secret", KeyID: "k1", Box: box, UpdatedAt: day}); err != nil {
			return err
		}
		return tx.PutSecret(ctx, reportline.SealedSecret{Name: "other", KeyID: "k1", Box: []byte{9}, UpdatedAt: day})
	})
	write(t, db, func(tx *store.Tx) error {
		return tx.PutSecret(ctx, reportline.SealedSecret{Name: "sso.oidc.client_secret", KeyID: "k2", Box: append(box, 7), UpdatedAt: day.Add(1e9)})
	})
	read(t, db, func(tx *store.Tx) error {
		got, err := tx.Secret(ctx, "sso.oidc.client_secret")
		if err != nil {
			return err
		}
		if got.KeyID != "k2" || !bytes.Equal(got.Box, append(box, 7)) || !got.UpdatedAt.Equal(day.Add(1e9)) {
			t.Errorf("Secret = %+v, want key k2, box %x, at %v", got, append(box, 7), day.Add(1e9))
		}
		return nil
	})
	write(t, db, func(tx *store.Tx) error {
		if err := tx.DeleteSecret(ctx, "sso.oidc.client_secret"); err != nil {
			return err
		}
		return tx.DeleteSecret(ctx, "sso.oidc.client_secret")
	})
	read(t, db, func(tx *store.Tx) error {
		if _, err := tx.Secret(ctx, "sso.oidc.client_secret"); !reportline.IsCode(err, reportline.NotFound) {
			t.Errorf("Secret after delete: %v, want NotFound", err)
		}
		if got, err := tx.Secret(ctx, "other"); err != nil || !bytes.Equal(got.Box, []byte{9}) {
			t.Errorf("the other secret: %+v, %v", got, err)
		}
		return nil
	})
}
