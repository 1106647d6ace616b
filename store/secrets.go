package store

import (
	"context"
	"fmt"
	"time"

	"reportline"
)

// A tenant's sealed secrets (migration 0025). The store never sees a
// secret in the clear: app seals before PutSecret and opens after Secret.

// Secret returns the sealed secret name; NotFound when it is not set.
func (tx *Tx) Secret(ctx context.Context, name string) (reportline.SealedSecret, error) {
	s := reportline.SealedSecret{Name: name}
	var at int64
	err := tx.queryRow(ctx, `SELECT key_id, sealed, updated_at FROM secrets WHERE tenant_id = $T AND name = $1`, name).
		Scan(&s.KeyID, &s.Box, &at)
	if err != nil {
		return reportline.SealedSecret{}, notFound(translate(err), "secret", name)
	}
	s.UpdatedAt = time.UnixMicro(at).UTC()
	return s, nil
}

// PutSecret stores s, replacing the secret of that name.
func (tx *Tx) PutSecret(ctx context.Context, s reportline.SealedSecret) error {
	_, err := tx.exec(ctx, `INSERT INTO secrets (tenant_id, name, key_id, sealed, updated_at) VALUES ($T, $1, $2, $3, $4)
		ON CONFLICT (tenant_id, name) DO UPDATE SET key_id = excluded.key_id, sealed = excluded.sealed, updated_at = excluded.updated_at`,
		s.Name, s.KeyID, s.Box, micros(s.UpdatedAt))
	if err != nil {
		return fmt.Errorf("put secret %s: %w", s.Name, translate(err))
	}
	return nil
}

// DeleteSecret removes the secret name; deleting one that is not set is
// not an error.
func (tx *Tx) DeleteSecret(ctx context.Context, name string) error {
	if _, err := tx.exec(ctx, `DELETE FROM secrets WHERE tenant_id = $T AND name = $1`, name); err != nil {
		return fmt.Errorf("delete secret %s: %w", name, translate(err))
	}
	return nil
}

// Secrets returns every sealed secret of the tenant, by name: what a
// reseal (key rotation) goes through.
func (tx *Tx) Secrets(ctx context.Context) ([]reportline.SealedSecret, error) {
	rows, err := tx.query(ctx, `SELECT name, key_id, sealed, updated_at FROM secrets WHERE tenant_id = $T ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", translate(err))
	}
	defer rows.Close()
	var out []reportline.SealedSecret
	for rows.Next() {
		var s reportline.SealedSecret
		var at int64
		if err := rows.Scan(&s.Name, &s.KeyID, &s.Box, &at); err != nil {
			return nil, fmt.Errorf("read secrets: %w", translate(err))
		}
		s.UpdatedAt = time.UnixMicro(at).UTC()
		out = append(out, s)
	}
	return out, translate(rows.Err())
}
