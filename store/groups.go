package store

import (
	"context"
	"fmt"

	"reportline"
)

// CreateGroup inserts g and sets its ID.
func (tx *Tx) CreateGroup(ctx context.Context, g *reportline.Group) error {
	err := tx.queryRow(ctx, `INSERT INTO groups (tenant_id, parent_id, name) VALUES ($T, $1, $2) RETURNING id`,
		nullID(g.ParentID), g.Name).Scan(&g.ID)
	if err != nil {
		return fmt.Errorf("create group: %w", translate(err))
	}
	return nil
}

// Group returns the group with the given id.
func (tx *Tx) Group(ctx context.Context, id reportline.GroupID) (reportline.Group, error) {
	var g reportline.Group
	var parent *int64
	err := tx.queryRow(ctx, `SELECT id, parent_id, name FROM groups WHERE tenant_id = $T AND id = $1`, id).Scan(&g.ID, &parent, &g.Name)
	if parent != nil {
		g.ParentID = reportline.GroupID(*parent)
	}
	return g, notFound(translate(err), "group", id)
}

// Groups returns every group, ordered by name. Platforms have thousands of
// groups at most, so the whole tree is read at once.
func (tx *Tx) Groups(ctx context.Context) ([]reportline.Group, error) {
	rows, err := tx.query(ctx, `SELECT id, COALESCE(parent_id, 0), name FROM groups WHERE tenant_id = $T ORDER BY name, id`)
	if err != nil {
		return nil, fmt.Errorf("list groups: %w", err)
	}
	defer rows.Close()
	var out []reportline.Group
	for rows.Next() {
		var g reportline.Group
		if err := rows.Scan(&g.ID, &g.ParentID, &g.Name); err != nil {
			return nil, fmt.Errorf("list groups: %w", err)
		}
		out = append(out, g)
	}
	return out, translate(rows.Err())
}

// SetMembership adds a user to a group or changes their role in it.
func (tx *Tx) SetMembership(ctx context.Context, m reportline.Membership) error {
	_, err := tx.exec(ctx, `INSERT INTO memberships (tenant_id, group_id, user_id, role) VALUES ($T, $1, $2, $3)
		ON CONFLICT (tenant_id, group_id, user_id) DO UPDATE SET role = excluded.role`, m.GroupID, m.UserID, m.Role)
	if err != nil {
		return fmt.Errorf("set membership: %w", err)
	}
	return nil
}

// DeleteMembership removes a user from a group.
func (tx *Tx) DeleteMembership(ctx context.Context, group reportline.GroupID, user reportline.UserID) error {
	res, err := tx.exec(ctx, `DELETE FROM memberships WHERE tenant_id = $T AND group_id = $1 AND user_id = $2`, group, user)
	if err != nil {
		return fmt.Errorf("delete membership: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return reportline.Errorf(reportline.NotFound, "user %d is not a member of group %d", user, group)
	}
	return nil
}

// Memberships returns the memberships of the given users, or in the given
// groups (both lists may be set; a membership matching either is returned).
func (tx *Tx) Memberships(ctx context.Context, f reportline.MembershipFilter) ([]reportline.Membership, error) {
	var out []reportline.Membership
	scan := func(q string, args []any) error {
		rows, err := tx.query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var m reportline.Membership
			if err := rows.Scan(&m.GroupID, &m.UserID, &m.Role); err != nil {
				return err
			}
			out = append(out, m)
		}
		return translate(rows.Err())
	}
	for _, c := range chunks(f.UserIDs) {
		in, args := inList(1, c)
		if err := scan(`SELECT group_id, user_id, role FROM memberships`+tx.indexedBy("memberships_user")+` WHERE tenant_id = $T AND user_id IN (`+in+`) ORDER BY group_id, user_id`, args); err != nil {
			return nil, fmt.Errorf("memberships: %w", err)
		}
	}
	for _, c := range chunks(f.GroupIDs) {
		in, args := inList(1, c)
		if err := scan(`SELECT group_id, user_id, role FROM memberships WHERE tenant_id = $T AND group_id IN (`+in+`) ORDER BY group_id, user_id`, args); err != nil {
			return nil, fmt.Errorf("memberships: %w", err)
		}
	}
	return out, nil
}
