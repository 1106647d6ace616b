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
	// On Citus the store bumps at commit (bumpGraph): a change made so far
	// in the transaction is bumped now, so that the version read is the
	// one the transaction commits (the App's read-your-writes and its
	// consistency token read it at the end of every write).
	if err := tx.bumpGraph(ctx); err != nil {
		return 0, err
	}
	var v int64
	if err := tx.queryRow(ctx, `SELECT version FROM graph_version WHERE tenant_id = $T`).Scan(&v); err != nil {
		return 0, fmt.Errorf("graph version: %w", translate(err))
	}
	return v, nil
}

// EachGraphUser calls fn with every user's id, email, status and platform
// role (the rest of the User is zero): what the in-memory graph holds of
// them.
func (tx *Tx) EachGraphUser(ctx context.Context, fn func(reportline.User) error) error {
	rows, err := tx.query(ctx, `SELECT id, email, status, platform_role FROM users WHERE tenant_id = $T`)
	if err != nil {
		return fmt.Errorf("graph users: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var u reportline.User
		if err := rows.Scan(&u.ID, &u.Email, &u.Status, &u.PlatformRole); err != nil {
			return fmt.Errorf("graph users: %w", translate(err))
		}
		if err := fn(u); err != nil {
			return err
		}
	}
	return translate(rows.Err())
}

// EachGroupAdmin calls fn once with every user who holds an administrating
// role (user_admin or admin) in some group.
func (tx *Tx) EachGroupAdmin(ctx context.Context, fn func(reportline.UserID) error) error {
	rows, err := tx.query(ctx, `SELECT DISTINCT user_id FROM memberships WHERE tenant_id = $T AND role <> 'member'`)
	if err != nil {
		return fmt.Errorf("group admins: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id reportline.UserID
		if err := rows.Scan(&id); err != nil {
			return fmt.Errorf("group admins: %w", translate(err))
		}
		if err := fn(id); err != nil {
			return err
		}
	}
	return translate(rows.Err())
}
