package store

import (
	"context"
	"fmt"
	"strings"

	"reportline"
)

// The operator's tenant operations live on the DB, not on a tenant handle:
// tenants is the one global table (docs/tenants.md).

// CreateTenant creates a tenant named by slug and returns its id. The new
// tenant starts as a fresh installation does: its graph version at 1 and
// the notifications that migration 0017 turns off by default off.
func (db *DB) CreateTenant(ctx context.Context, slug string) (TenantID, error) {
	slug = strings.ToLower(strings.TrimSpace(slug))
	if slug == "" {
		return 0, reportline.Errorf(reportline.Invalid, "a tenant needs a slug")
	}
	var id TenantID
	err := db.run(ctx, 0, db.write, nil, func(tx *Tx) error {
		now := micros(tx.now())
		if err := tx.queryRow(ctx, `INSERT INTO tenants (slug, status, created_at) VALUES ($1, 'active', $2) RETURNING id`,
			slug, now).Scan(&id); err != nil {
			if reportline.IsCode(translate(err), reportline.Conflict) {
				return reportline.Errorf(reportline.Conflict, "tenant %q already exists", slug)
			}
			return translate(err)
		}
		tx.tenant = id
		return tx.seedTenant(ctx)
	})
	if err != nil {
		return 0, fmt.Errorf("create tenant %s: %w", slug, err)
	}
	return id, nil
}

// seedTenant writes the rows a tenant has from its first day: what the
// migrations inserted for the implicit tenant.
func (tx *Tx) seedTenant(ctx context.Context) error {
	if _, err := tx.exec(ctx, `INSERT INTO graph_version (tenant_id, version) VALUES ($T, 1)`); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `INSERT INTO notification_roles (tenant_id, type, audience, enabled, at) VALUES
		($T, 'manager_added', 'managers', $1, 0), ($T, 'manager_added', 'learners', $1, 0),
		($T, 'manager_removed', 'managers', $1, 0), ($T, 'manager_removed', 'learners', $1, 0)`, false)
	return err
}
