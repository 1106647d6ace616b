package store

import (
	"context"
	"fmt"

	"reportline"
)

// GraphVersion returns the reporting graph's version: the row that every
// change to links, users, settings, org units, the positions mapping and
// the capability matrix bumps in its own transaction (migration 0015), one
// row per tenant (0018).
func (tx *Tx) GraphVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := tx.queryRow(ctx, `SELECT version FROM graph_version WHERE tenant_id = $T`).Scan(&v); err != nil {
		return 0, fmt.Errorf("graph version: %w", translate(err))
	}
	return v, nil
}

// EachUserStatus calls fn with every user's id and whether they are active.
func (tx *Tx) EachUserStatus(ctx context.Context, fn func(reportline.UserID, bool) error) error {
	rows, err := tx.query(ctx, `SELECT id, status = 'active' FROM users WHERE tenant_id = $T`)
	if err != nil {
		return fmt.Errorf("user statuses: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id reportline.UserID
		var active bool
		if err := rows.Scan(&id, &active); err != nil {
			return fmt.Errorf("user statuses: %w", translate(err))
		}
		if err := fn(id, active); err != nil {
			return err
		}
	}
	return translate(rows.Err())
}
