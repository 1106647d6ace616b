package store

import (
	"context"
	"fmt"

	"reportline"
)

// DeleteTenant removes every row of the tenant named by slug, in one
// transaction, for the operator actor, and records it in the operator log
// (the only trace left: operator_log is above tenants, with no foreign key
// to them). It returns how many rows each table lost.
//
// This is the one deletion of append-only rows (audit and change logs,
// statistics views, template sends, directory changes): the transaction
// grants itself the tenant's 'delete' in append_only_grants, which the
// append-only triggers accept for that tenant's rows only (migration 0026),
// and removes the grant before it commits. The tables come from the
// catalogue (every table with a tenant_id but the operator log), deleted
// children first so that no foreign key is ever broken; the tenant's row in
// tenants goes last. The implicit tenant cannot be deleted (Invalid);
// NotFound when no tenant has the slug.
func (db *DB) DeleteTenant(ctx context.Context, actor, slug string) (map[string]int64, error) {
	t, err := db.tenantBySlug(ctx, slug)
	if err != nil {
		return nil, fmt.Errorf("delete tenant: %w", err)
	}
	if t.ID == ImplicitTenant {
		return nil, reportline.Errorf(reportline.Invalid, "tenant %s is the implicit tenant (the installation's own): it cannot be deleted", t.Slug)
	}
	deleted := map[string]int64{}
	err = db.Tenant(t.ID).Write(ctx, func(tx *Tx) error {
		tables, err := tx.tenantTables(ctx)
		if err != nil {
			return err
		}
		if err := tx.grantAppendOnly(ctx, "delete"); err != nil {
			return err
		}
		var total int64
		for _, table := range tables {
			if table.Name == grantsTable {
				continue // holds this transaction's grant until the end
			}
			r, err := tx.exec(ctx, `DELETE FROM `+quoteIdent(table.Name)+` WHERE tenant_id = $T`)
			if err != nil {
				return fmt.Errorf("delete the rows of %s: %w", table.Name, err)
			}
			n, _ := r.RowsAffected()
			deleted[table.Name] = n
			total += n
		}
		if err := tx.revokeAppendOnly(ctx, "delete"); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `DELETE FROM tenants WHERE id = $1`, t.ID); err != nil {
			return fmt.Errorf("delete the tenant: %w", err)
		}
		return tx.operatorLog(ctx, actor, "tenant.delete", fmt.Sprintf("slug=%s host=%s rows=%d", t.Slug, t.Host, total))
	})
	if err != nil {
		return nil, fmt.Errorf("delete tenant %s: %w", t.Slug, err)
	}
	return deleted, nil
}

// grantAppendOnly lets the rest of the transaction delete ('delete') or
// rewrite ('erase') the append-only rows of its tenant (migration 0026).
// The grant must be revoked in the same transaction (revokeAppendOnly), so
// that no committed state ever holds one.
func (tx *Tx) grantAppendOnly(ctx context.Context, action string) error {
	if _, err := tx.exec(ctx, `INSERT INTO append_only_grants (tenant_id, action) VALUES ($T, $1)`, action); err != nil {
		return fmt.Errorf("grant %s of append-only rows: %w", action, err)
	}
	if tx.granted == nil {
		tx.granted = map[string]bool{}
	}
	tx.granted[action] = true // the store's own guard where there are no triggers (citus.go)
	return nil
}

// revokeAppendOnly ends a grant of grantAppendOnly.
func (tx *Tx) revokeAppendOnly(ctx context.Context, action string) error {
	if _, err := tx.exec(ctx, `DELETE FROM append_only_grants WHERE tenant_id = $T AND action = $1`, action); err != nil {
		return fmt.Errorf("revoke %s of append-only rows: %w", action, err)
	}
	delete(tx.granted, action)
	return nil
}
