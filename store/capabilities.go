package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"reportline"
)

// CapabilityMatrix returns the cells of the capability matrix that were
// set. Cells without a row take their default (reportline.DefaultMatrix).
func (tx *Tx) CapabilityMatrix(ctx context.Context) (reportline.Matrix, error) {
	rows, err := tx.query(ctx, `SELECT kind, capability, allowed FROM capability_matrix`)
	if err != nil {
		return nil, fmt.Errorf("capability matrix: %w", err)
	}
	defer rows.Close()
	m := reportline.Matrix{}
	for rows.Next() {
		var k reportline.Kind
		var c reportline.Capability
		var allowed bool
		if err := rows.Scan(&k, &c, &allowed); err != nil {
			return nil, fmt.Errorf("capability matrix: %w", translate(err))
		}
		m.Set(k, c, allowed)
	}
	return m, translate(rows.Err())
}

// PutCapabilityMatrix writes every cell of m (inserting or replacing it),
// recording who changed it and when.
func (tx *Tx) PutCapabilityMatrix(ctx context.Context, m reportline.Matrix, by reportline.UserID) error {
	now := micros(tx.now())
	for k, cells := range m {
		for c, allowed := range cells {
			_, err := tx.exec(ctx, `INSERT INTO capability_matrix (kind, capability, allowed, updated_by, updated_at)
				VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (kind, capability) DO UPDATE SET allowed = excluded.allowed,
					updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
				k, c, allowed, nullID(by), now)
			if err != nil {
				return fmt.Errorf("set capability %s of %s links: %w", c, k, err)
			}
		}
	}
	return nil
}

// LinksOfManagees returns the stored links of each given managee (the
// links where they are the managee), whatever their dates. It is the batch
// form of Links with a ManageeID filter: one query per 500 users, so that
// a walk up the reporting line costs one query per level.
func (tx *Tx) LinksOfManagees(ctx context.Context, managees []reportline.UserID) (map[reportline.UserID][]reportline.Link, error) {
	return tx.linksBy(ctx, "managee_id", managees, func(l reportline.Link) reportline.UserID { return l.ManageeID })
}

// LinksOfManagers returns the stored links of each given manager (the
// links where they are the manager), whatever their dates.
func (tx *Tx) LinksOfManagers(ctx context.Context, managers []reportline.UserID) (map[reportline.UserID][]reportline.Link, error) {
	return tx.linksBy(ctx, "manager_id", managers, func(l reportline.Link) reportline.UserID { return l.ManagerID })
}

// linksBy reads the links whose column is one of ids, keyed by key. The
// column is one of two constants above, never input.
func (tx *Tx) linksBy(ctx context.Context, column string, ids []reportline.UserID, key func(reportline.Link) reportline.UserID) (map[reportline.UserID][]reportline.Link, error) {
	out := make(map[reportline.UserID][]reportline.Link, len(ids))
	for _, c := range chunks(ids) {
		var rows *sql.Rows
		var err error
		if len(c) == 1 {
			// The one-user form is the common case (the first level of a
			// walk); one constant text keeps it one prepared statement.
			rows, err = tx.query(ctx, `SELECT `+linkColumns+` FROM links WHERE `+column+` = $1 ORDER BY manager_id, managee_id`, c[0])
		} else {
			in, args := inList(1, c)
			rows, err = tx.query(ctx, `SELECT `+linkColumns+` FROM links WHERE `+column+` IN (`+in+`) ORDER BY manager_id, managee_id`, args...)
		}
		if err != nil {
			return nil, fmt.Errorf("links by %s: %w", column, err)
		}
		for rows.Next() {
			l, err := scanLink(rows)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("links by %s: %w", column, err)
			}
			out[key(l)] = append(out[key(l)], l)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("links by %s: %w", column, translate(err))
		}
	}
	return out, nil
}

// UserStatuses returns the status of each given user; unknown users are
// absent. It reads one column, so a walk over a large part of the
// organisation stays light.
func (tx *Tx) UserStatuses(ctx context.Context, ids []reportline.UserID) (map[reportline.UserID]reportline.Status, error) {
	out := make(map[reportline.UserID]reportline.Status, len(ids))
	for _, c := range chunks(ids) {
		in, args := inList(1, c)
		rows, err := tx.query(ctx, `SELECT id, status FROM users WHERE id IN (`+in+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("user statuses: %w", err)
		}
		for rows.Next() {
			var id reportline.UserID
			var s reportline.Status
			if err := rows.Scan(&id, &s); err != nil {
				rows.Close()
				return nil, fmt.Errorf("user statuses: %w", translate(err))
			}
			out[id] = s
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("user statuses: %w", translate(err))
		}
	}
	return out, nil
}

// lineAncestrySQL reads, in one statement, what a walk up the reporting
// line from $1 at instant $2 can use: every link of $1 itself (any kind,
// any dates), and every line link in effect at $2 above them. The
// recursion carries the link rows themselves, so that each step is an
// index lookup from the few rows of the step before; UNION drops rows it
// already has, so a cycle in corrupt data ends it. It reads only what a
// decision and its grant need (not the comment or the creation).
const lineAncestrySQL = `WITH RECURSIVE up(manager_id, managee_id, kind, source, valid_from, valid_until) AS (
	SELECT manager_id, managee_id, kind, source, valid_from, valid_until FROM links WHERE managee_id = $1
	UNION
	SELECT l.manager_id, l.managee_id, l.kind, l.source, l.valid_from, l.valid_until
	FROM up JOIN links l ON l.managee_id = up.manager_id
	WHERE up.kind = 'line' AND (up.valid_from IS NULL OR up.valid_from <= $2) AND (up.valid_until IS NULL OR up.valid_until > $2)
	  AND l.kind = 'line' AND (l.valid_from IS NULL OR l.valid_from <= $2) AND (l.valid_until IS NULL OR l.valid_until > $2)
)
SELECT manager_id, managee_id, kind, source, valid_from, valid_until FROM up`

// LineAncestry returns, in one query, every stored link of user (any kind,
// any dates) and every line link in effect at instant at above them in the
// reporting line. The links carry their pair, kind, source and dates; not
// their comment nor who made them and when.
func (tx *Tx) LineAncestry(ctx context.Context, user reportline.UserID, at time.Time) ([]reportline.Link, error) {
	rows, err := tx.query(ctx, lineAncestrySQL, user, micros(at))
	if err != nil {
		return nil, fmt.Errorf("line ancestry: %w", err)
	}
	defer rows.Close()
	var links []reportline.Link
	for rows.Next() {
		var l reportline.Link
		var from, until sql.NullInt64
		if err := rows.Scan(&l.ManagerID, &l.ManageeID, &l.Kind, &l.Source, &from, &until); err != nil {
			return nil, fmt.Errorf("line ancestry: %w", translate(err))
		}
		l.ValidFrom, l.ValidUntil = fromMicros(from), fromMicros(until)
		links = append(links, l)
	}
	return links, translate(rows.Err())
}

// PlatformAdmins returns the active platform admins, ordered by id.
func (tx *Tx) PlatformAdmins(ctx context.Context) ([]reportline.User, error) {
	var out []reportline.User
	err := tx.eachUser(ctx, `SELECT `+userColumns+` FROM users WHERE platform_role = $1 AND status = $2 ORDER BY id`,
		[]any{reportline.PlatformAdminRole, reportline.StatusActive}, func(u reportline.User) { out = append(out, u) })
	if err != nil {
		return nil, fmt.Errorf("platform admins: %w", err)
	}
	return out, nil
}

// GroupAdmins returns the admin and user admin memberships of the given
// groups (not their descendants), without the plain members.
func (tx *Tx) GroupAdmins(ctx context.Context, groups []reportline.GroupID) ([]reportline.Membership, error) {
	var out []reportline.Membership
	for _, c := range chunks(groups) {
		in, args := inList(1, c)
		rows, err := tx.query(ctx, `SELECT group_id, user_id, role FROM memberships
			WHERE role <> 'member' AND group_id IN (`+in+`) ORDER BY group_id, user_id`, args...)
		if err != nil {
			return nil, fmt.Errorf("group admins: %w", err)
		}
		for rows.Next() {
			var m reportline.Membership
			if err := rows.Scan(&m.GroupID, &m.UserID, &m.Role); err != nil {
				rows.Close()
				return nil, fmt.Errorf("group admins: %w", translate(err))
			}
			out = append(out, m)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("group admins: %w", translate(err))
		}
	}
	return out, nil
}

// LastLinkRemovals returns, for each given user who was ever the managee of
// a removed link, when the last such link was removed (from the audit log).
// Users never in that position are absent.
func (tx *Tx) LastLinkRemovals(ctx context.Context, managees []reportline.UserID) (map[reportline.UserID]time.Time, error) {
	out := map[reportline.UserID]time.Time{}
	for _, c := range chunks(managees) {
		in, args := inList(1, c)
		rows, err := tx.query(ctx, `SELECT managee_id, max(at) FROM audit_log
			WHERE action = 'remove' AND managee_id IN (`+in+`) GROUP BY managee_id`, args...)
		if err != nil {
			return nil, fmt.Errorf("last link removals: %w", err)
		}
		for rows.Next() {
			var id reportline.UserID
			var at int64
			if err := rows.Scan(&id, &at); err != nil {
				rows.Close()
				return nil, fmt.Errorf("last link removals: %w", translate(err))
			}
			out[id] = fromMicros(sql.NullInt64{Int64: at, Valid: true})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("last link removals: %w", translate(err))
		}
	}
	return out, nil
}
