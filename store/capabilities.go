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
	rows, err := tx.query(ctx, `SELECT kind, capability, allowed FROM capability_matrix WHERE tenant_id = $T`)
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
			_, err := tx.exec(ctx, `INSERT INTO capability_matrix (tenant_id, kind, capability, allowed, updated_by, updated_at)
				VALUES ($T, $1, $2, $3, $4, $5)
				ON CONFLICT (tenant_id, kind, capability) DO UPDATE SET allowed = excluded.allowed,
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
	by := ""
	if column == "managee_id" {
		by = tx.indexedBy("links_managee") // not the primary key by tenant, for its order
	}
	for _, c := range chunks(ids) {
		var rows *sql.Rows
		var err error
		if len(c) == 1 {
			// The one-user form is the common case (the first level of a
			// walk); one constant text keeps it one prepared statement.
			rows, err = tx.query(ctx, `SELECT `+linkColumns+` FROM links`+by+` WHERE tenant_id = $T AND `+column+` = $1 ORDER BY manager_id, managee_id`, c[0])
		} else {
			in, args := inList(1, c)
			rows, err = tx.query(ctx, `SELECT `+linkColumns+` FROM links`+by+` WHERE tenant_id = $T AND `+column+` IN (`+in+`) ORDER BY manager_id, managee_id`, args...)
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
		rows, err := tx.query(ctx, `SELECT id, status FROM users`+tx.notIndexed()+` WHERE tenant_id = $T AND id IN (`+in+`)`, args...)
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

// The walk up the reporting line from $1, in one statement: the CTE anc
// holds every link of $1 itself (any kind), and every line link above them,
// reached through line links, whatever the links' dates (the caller checks
// them: the recursion stays as plain as the bare transitive query, and a
// temporary link is rare), each with its manager's status: only what a
// decision and its grant need, not the comment or the creation. UNION drops
// rows the recursion already has, so a cycle in corrupt data ends it. The
// engines get the same rows by different plans:
//
//   - PostgreSQL: the recursion carries the link rows themselves, so each
//     step is an index lookup from the few rows of the step before (a
//     recursion over ids followed by a join makes its planner hash the
//     whole links table);
//   - SQLite: the recursion gathers the ids above $1, as the bare
//     transitive query does, and CROSS JOIN (which SQLite takes as the join
//     order) then looks their links up by index: several times cheaper
//     there than carrying the rows. INDEXED BY: with the tenant leading
//     every index (0018) and kind outside links_managee, SQLite's planner
//     (no statistics) otherwise searched the primary key by tenant alone,
//     scanning the tenant's links at every step (15–50 ms at 10,000 users
//     instead of well under one).
const (
	lineAncestryPostgres = `WITH RECURSIVE anc(manager_id, managee_id, kind, source, valid_from, valid_until, status) AS (
	SELECT l.manager_id, l.managee_id, l.kind, l.source, l.valid_from, l.valid_until, u.status
	FROM links l JOIN users u ON u.tenant_id = $T AND u.id = l.manager_id
	WHERE l.tenant_id = $T AND l.managee_id = $1
	UNION
	SELECT l.manager_id, l.managee_id, l.kind, l.source, l.valid_from, l.valid_until, u.status
	FROM anc JOIN links l ON l.tenant_id = $T AND l.managee_id = anc.manager_id JOIN users u ON u.tenant_id = $T AND u.id = l.manager_id
	WHERE anc.kind = 'line' AND l.kind = 'line'
)
`
	lineAncestrySQLite = `WITH RECURSIVE up(id) AS (
	SELECT CAST($1 AS INTEGER)
	UNION
	SELECT l.manager_id FROM up CROSS JOIN links l INDEXED BY links_managee WHERE l.tenant_id = $T AND l.managee_id = up.id AND l.kind = 'line'
),
anc(manager_id, managee_id, kind, source, valid_from, valid_until, status) AS (
	SELECT l.manager_id, l.managee_id, l.kind, l.source, l.valid_from, l.valid_until, u.status
	FROM up CROSS JOIN links l INDEXED BY links_managee ON l.tenant_id = $T AND l.managee_id = up.id CROSS JOIN users u ON u.tenant_id = $T AND u.id = l.manager_id
	WHERE up.id = $1 OR l.kind = 'line'
)
`
	lineAncestryTail = `SELECT manager_id, managee_id, kind, source, valid_from, valid_until, status FROM anc`
)

// lineAncestryCTE returns the engine's CTE anc.
func (tx *Tx) lineAncestryCTE() string {
	if tx.engine == SQLite {
		return lineAncestrySQLite
	}
	return lineAncestryPostgres
}

// LineAncestry returns, in one query, every stored link of user (any kind)
// and every line link above them in the reporting line, reached through
// line links, whatever the links' dates, and the status of every manager
// they name. The links carry their pair, kind, source and dates; not their
// comment nor who made them and when.
func (tx *Tx) LineAncestry(ctx context.Context, user reportline.UserID) ([]reportline.Link, map[reportline.UserID]reportline.Status, error) {
	rows, err := tx.query(ctx, tx.lineAncestryCTE()+lineAncestryTail, user)
	if err != nil {
		return nil, nil, fmt.Errorf("line ancestry: %w", err)
	}
	defer rows.Close()
	var links []reportline.Link
	status := map[reportline.UserID]reportline.Status{}
	for rows.Next() {
		var l reportline.Link
		var from, until sql.NullInt64
		var st reportline.Status
		if err := rows.Scan(&l.ManagerID, &l.ManageeID, &l.Kind, &l.Source, &from, &until, &st); err != nil {
			return nil, nil, fmt.Errorf("line ancestry: %w", translate(err))
		}
		l.ValidFrom, l.ValidUntil = fromMicros(from), fromMicros(until)
		links = append(links, l)
		status[l.ManagerID] = st
	}
	return links, status, translate(rows.Err())
}

// accessFactsTail reads, after the CTE anc of user $1, the rows of users $2
// and $3 and those of anc, in one statement: an access
// check about a transitive capability needs both, and on PostgreSQL a round
// trip costs as much as the walk. The first column says which a row is (0:
// a user, 1: a link); link rows put the manager in the id column and their
// status in the status column.
const accessFactsTail = `SELECT 0, ` + userColumns + `,
	CAST(NULL AS BIGINT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS BIGINT), CAST(NULL AS BIGINT)
FROM users WHERE tenant_id = $T AND id IN ($2, $3)
UNION ALL
SELECT 1, manager_id, '', '', '', '', status, '', '', '', '', '', '', 0, 0,
	managee_id, kind, source, valid_from, valid_until
FROM anc`

// AccessFacts returns the given users (those that exist) and what
// LineAncestry returns for user: in one query on PostgreSQL, where a round
// trip costs as much as the walk; in two on SQLite, which parses two short
// statements faster than one long one and has no round trip to save.
func (tx *Tx) AccessFacts(ctx context.Context, users [2]reportline.UserID, user reportline.UserID) (map[reportline.UserID]reportline.User, []reportline.Link, map[reportline.UserID]reportline.Status, error) {
	if tx.engine == SQLite {
		found, err := tx.UsersByIDs(ctx, users[:])
		if err != nil {
			return nil, nil, nil, err
		}
		links, status, err := tx.LineAncestry(ctx, user)
		return found, links, status, err
	}
	rows, err := tx.query(ctx, tx.lineAncestryCTE()+accessFactsTail, user, users[0], users[1])
	if err != nil {
		return nil, nil, nil, fmt.Errorf("access facts: %w", err)
	}
	defer rows.Close()
	found := map[reportline.UserID]reportline.User{}
	var links []reportline.Link
	status := map[reportline.UserID]reportline.Status{}
	for rows.Next() {
		var which int
		var managee, from, until sql.NullInt64
		var kind, source sql.NullString
		var u reportline.User
		var birthday string
		var created, updated int64
		if err := rows.Scan(&which, &u.ID, &u.ExternalUID, &u.Email, &u.FirstName, &u.LastName, &u.Status, &birthday,
			&u.Position, &u.OrgUnit, &u.PlatformRole, &u.Locale, &u.TimeZone, &created, &updated,
			&managee, &kind, &source, &from, &until); err != nil {
			return nil, nil, nil, fmt.Errorf("access facts: %w", translate(err))
		}
		if which == 0 {
			u.Birthday, _ = reportline.ParseBirthday(birthday) // written by us in a valid form
			u.CreatedAt = fromMicros(sql.NullInt64{Int64: created, Valid: true})
			u.UpdatedAt = fromMicros(sql.NullInt64{Int64: updated, Valid: true})
			found[u.ID] = u
			continue
		}
		links = append(links, reportline.Link{ManagerID: u.ID, ManageeID: reportline.UserID(managee.Int64),
			Kind: reportline.Kind(kind.String), Source: reportline.Source(source.String),
			ValidFrom: fromMicros(from), ValidUntil: fromMicros(until)})
		status[u.ID] = u.Status
	}
	if err := rows.Err(); err != nil {
		return nil, nil, nil, fmt.Errorf("access facts: %w", translate(err))
	}
	return found, links, status, nil
}

// ActiveUsersAfter returns up to limit active users with an id above after,
// ordered by id, members of one of groups when groups is not nil. It is
// FindUsers without the count, for reports that scan the whole
// organisation a page at a time.
func (tx *Tx) ActiveUsersAfter(ctx context.Context, groups []reportline.GroupID, after reportline.UserID, limit int) ([]reportline.User, error) {
	q := `SELECT ` + userColumns + ` FROM users WHERE tenant_id = $T AND status = $1 AND id > $2`
	args := []any{reportline.StatusActive, after}
	if groups != nil {
		in, gs := inList(3, groups)
		q += ` AND id IN (SELECT user_id FROM memberships WHERE tenant_id = $T AND group_id IN (` + in + `))`
		args = append(args, gs...)
	}
	args = append(args, limit)
	q += fmt.Sprintf(` ORDER BY id LIMIT $%d`, len(args))
	var out []reportline.User
	if err := tx.eachUser(ctx, q, args, func(u reportline.User) { out = append(out, u) }); err != nil {
		return nil, fmt.Errorf("active users: %w", err)
	}
	return out, nil
}

// PlatformAdmins returns the active platform admins, ordered by id.
func (tx *Tx) PlatformAdmins(ctx context.Context) ([]reportline.User, error) {
	var out []reportline.User
	err := tx.eachUser(ctx, `SELECT `+userColumns+` FROM users WHERE tenant_id = $T AND platform_role = $1 AND status = $2 ORDER BY id`,
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
			WHERE tenant_id = $T AND role <> 'member' AND group_id IN (`+in+`) ORDER BY group_id, user_id`, args...)
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
			WHERE tenant_id = $T AND action = 'remove' AND managee_id IN (`+in+`) GROUP BY managee_id`, args...)
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
