package store

import (
	"context"
	"fmt"
	"time"

	"reportline"
)

// PutSCIMGroup records that a SCIM client manages the group, with its
// externalId (and, for a mapped group, the IdP's name and who mapped it),
// or updates that record. Two mapped groups with one externalId or one
// IdP name (in any case) are a Conflict.
func (tx *Tx) PutSCIMGroup(ctx context.Context, g reportline.SCIMGroup) error {
	var mappedAt int64
	if !g.MappedAt.IsZero() {
		mappedAt = micros(g.MappedAt)
	}
	_, err := tx.exec(ctx, `INSERT INTO scim_groups (tenant_id, group_id, external_id, created_at, updated_at, directory_name, mapped_by, mapped_at)
		VALUES ($T, $1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (tenant_id, group_id) DO UPDATE SET external_id = excluded.external_id, updated_at = excluded.updated_at,
			directory_name = excluded.directory_name, mapped_by = excluded.mapped_by, mapped_at = excluded.mapped_at`,
		g.ID, g.ExternalID, micros(g.CreatedAt), micros(g.UpdatedAt), g.DirectoryName, int64(g.MappedBy), mappedAt)
	if err != nil {
		return fmt.Errorf("put scim group: %w", translate(err))
	}
	return nil
}

// DeleteSCIMGroup forgets that a SCIM client manages the group (and the
// marks of its memberships); the group itself stays.
func (tx *Tx) DeleteSCIMGroup(ctx context.Context, id reportline.GroupID) error {
	if _, err := tx.exec(ctx, `DELETE FROM scim_memberships WHERE tenant_id = $T AND group_id = $1`, id); err != nil {
		return fmt.Errorf("delete scim group: %w", err)
	}
	if _, err := tx.exec(ctx, `DELETE FROM scim_groups WHERE tenant_id = $T AND group_id = $1`, id); err != nil {
		return fmt.Errorf("delete scim group: %w", err)
	}
	return nil
}

// RenameGroup sets a group's name.
func (tx *Tx) RenameGroup(ctx context.Context, id reportline.GroupID, name string) error {
	if _, err := tx.exec(ctx, `UPDATE groups SET name = $2 WHERE tenant_id = $T AND id = $1`, id, name); err != nil {
		return fmt.Errorf("rename group: %w", translate(err))
	}
	return nil
}

// SetSCIMMembership marks (on) or unmarks the user's membership of the
// group as the SCIM client's.
func (tx *Tx) SetSCIMMembership(ctx context.Context, group reportline.GroupID, user reportline.UserID, on bool) error {
	var err error
	if on {
		_, err = tx.exec(ctx, `INSERT INTO scim_memberships (tenant_id, group_id, user_id) VALUES ($T, $1, $2) ON CONFLICT DO NOTHING`, group, user)
	} else {
		_, err = tx.exec(ctx, `DELETE FROM scim_memberships WHERE tenant_id = $T AND group_id = $1 AND user_id = $2`, group, user)
	}
	if err != nil {
		return fmt.Errorf("set scim membership: %w", err)
	}
	return nil
}

// SCIMGroups returns the groups SCIM clients manage, by id (only the one
// given when id is not 0), each with the members SCIM added that are still
// plain members.
func (tx *Tx) SCIMGroups(ctx context.Context, id reportline.GroupID) ([]reportline.SCIMGroup, error) {
	rows, err := tx.query(ctx, `SELECT g.id, COALESCE(g.parent_id, 0), g.name, s.external_id, s.created_at, s.updated_at,
			s.directory_name, s.mapped_by, s.mapped_at
		FROM scim_groups s JOIN groups g ON g.tenant_id = $T AND g.id = s.group_id
		WHERE s.tenant_id = $T AND ($1 = 0 OR s.group_id = $1) ORDER BY g.id`, id)
	if err != nil {
		return nil, fmt.Errorf("scim groups: %w", err)
	}
	var out []reportline.SCIMGroup
	index := map[reportline.GroupID]int{}
	for rows.Next() {
		var g reportline.SCIMGroup
		var created, updated, mappedAt int64
		if err := rows.Scan(&g.ID, &g.ParentID, &g.Name, &g.ExternalID, &created, &updated, &g.DirectoryName, &g.MappedBy, &mappedAt); err != nil {
			rows.Close()
			return nil, fmt.Errorf("scim groups: %w", err)
		}
		g.CreatedAt, g.UpdatedAt = time.UnixMicro(created).UTC(), time.UnixMicro(updated).UTC()
		if mappedAt != 0 {
			g.MappedAt = time.UnixMicro(mappedAt).UTC()
		}
		index[g.ID] = len(out)
		out = append(out, g)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("scim groups: %w", translate(err))
	}
	if len(out) == 0 {
		return out, nil
	}
	mrows, err := tx.query(ctx, `SELECT sm.group_id, u.id, u.email, u.first_name, u.last_name
		FROM scim_memberships sm JOIN scim_groups s ON s.tenant_id = $T AND s.group_id = sm.group_id
		JOIN memberships m ON m.tenant_id = $T AND m.group_id = sm.group_id AND m.user_id = sm.user_id AND m.role = 'member'
		JOIN users u ON u.tenant_id = $T AND u.id = sm.user_id
		WHERE sm.tenant_id = $T AND ($1 = 0 OR sm.group_id = $1) ORDER BY sm.group_id, u.id`, id)
	if err != nil {
		return nil, fmt.Errorf("scim group members: %w", err)
	}
	defer mrows.Close()
	for mrows.Next() {
		var g reportline.GroupID
		var u reportline.User
		if err := mrows.Scan(&g, &u.ID, &u.Email, &u.FirstName, &u.LastName); err != nil {
			return nil, fmt.Errorf("scim group members: %w", err)
		}
		if i, ok := index[g]; ok {
			out[i].Members = append(out[i].Members, u)
		}
	}
	return out, translate(mrows.Err())
}

// SCIMMemberships returns the users whose membership of the group is
// marked as the SCIM client's.
func (tx *Tx) SCIMMemberships(ctx context.Context, group reportline.GroupID) (map[reportline.UserID]bool, error) {
	rows, err := tx.query(ctx, `SELECT user_id FROM scim_memberships WHERE tenant_id = $T AND group_id = $1`, group)
	if err != nil {
		return nil, fmt.Errorf("scim memberships: %w", err)
	}
	defer rows.Close()
	out := map[reportline.UserID]bool{}
	for rows.Next() {
		var u reportline.UserID
		if err := rows.Scan(&u); err != nil {
			return nil, fmt.Errorf("scim memberships: %w", err)
		}
		out[u] = true
	}
	return out, translate(rows.Err())
}

// MappedSCIMGroups returns the groups a platform admin mapped onto a
// directory group (id, externalId, the IdP's name; no members), for a
// client's POST to find the one it lands in. Admins map few groups.
func (tx *Tx) MappedSCIMGroups(ctx context.Context) ([]reportline.SCIMGroup, error) {
	rows, err := tx.query(ctx, `SELECT group_id, external_id, directory_name, mapped_by FROM scim_groups
		WHERE tenant_id = $T AND mapped_by <> 0 ORDER BY group_id`)
	if err != nil {
		return nil, fmt.Errorf("mapped scim groups: %w", err)
	}
	defer rows.Close()
	var out []reportline.SCIMGroup
	for rows.Next() {
		var g reportline.SCIMGroup
		if err := rows.Scan(&g.ID, &g.ExternalID, &g.DirectoryName, &g.MappedBy); err != nil {
			return nil, fmt.Errorf("mapped scim groups: %w", err)
		}
		out = append(out, g)
	}
	return out, translate(rows.Err())
}
