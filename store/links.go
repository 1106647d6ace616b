package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"reportline"
)

const linkColumns = `manager_id, managee_id, kind, source, valid_from, valid_until, comment, COALESCE(created_by, 0), created_at`

func scanLink(s scanner) (reportline.Link, error) {
	var l reportline.Link
	var from, until sql.NullInt64
	var created int64
	if err := s.Scan(&l.ManagerID, &l.ManageeID, &l.Kind, &l.Source, &from, &until, &l.Comment, &l.CreatedBy, &created); err != nil {
		return l, translate(err)
	}
	l.ValidFrom, l.ValidUntil = fromMicros(from), fromMicros(until)
	l.CreatedAt = fromMicros(sql.NullInt64{Int64: created, Valid: true})
	return l, nil
}

// Link returns the link of a pair.
func (tx *Tx) Link(ctx context.Context, p reportline.Pair) (reportline.Link, error) {
	l, err := scanLink(tx.queryRow(ctx, `SELECT `+linkColumns+` FROM links WHERE tenant_id = $T AND manager_id = $1 AND managee_id = $2`,
		p.ManagerID, p.ManageeID))
	if reportline.IsCode(err, reportline.NotFound) {
		return l, reportline.Errorf(reportline.NotFound, "user %d is not a manager of user %d", p.ManagerID, p.ManageeID)
	}
	return l, err
}

// Links returns the links matching f, ordered by manager then managee.
func (tx *Tx) Links(ctx context.Context, f reportline.LinkFilter) ([]reportline.Link, error) {
	where, args := []string{"1 = 1"}, []any{}
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if f.ManagerID != 0 {
		where = append(where, "manager_id = "+arg(f.ManagerID))
	}
	if f.ManageeID != 0 {
		where = append(where, "managee_id = "+arg(f.ManageeID))
	}
	if f.Kind != "" {
		where = append(where, "kind = "+arg(f.Kind))
	}
	if f.Source != "" {
		where = append(where, "source = "+arg(f.Source))
	}
	by := ""
	if f.ManagerID == 0 && f.ManageeID != 0 {
		by = tx.indexedBy("links_managee") // not the primary key by tenant, for its order
	}
	rows, err := tx.query(ctx, `SELECT `+linkColumns+` FROM links`+by+` WHERE tenant_id = $T AND `+strings.Join(where, " AND ")+
		` ORDER BY manager_id, managee_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list links: %w", err)
	}
	defer rows.Close()
	var out []reportline.Link
	for rows.Next() {
		l, err := scanLink(rows)
		if err != nil {
			return nil, fmt.Errorf("list links: %w", err)
		}
		out = append(out, l)
	}
	return out, translate(rows.Err())
}

// LineManagers returns the line managers of each given user, whatever their
// dates: the no-cycle rule is about the structure, not about today.
func (tx *Tx) LineManagers(ctx context.Context, users []reportline.UserID) (map[reportline.UserID][]reportline.UserID, error) {
	out := make(map[reportline.UserID][]reportline.UserID, len(users))
	for _, c := range chunks(users) {
		in, args := inList(1, c)
		rows, err := tx.query(ctx, `SELECT managee_id, manager_id FROM links`+tx.indexedBy("links_managee")+` WHERE tenant_id = $T AND kind = 'line' AND managee_id IN (`+in+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("line managers: %w", err)
		}
		for rows.Next() {
			var e, m reportline.UserID
			if err := rows.Scan(&e, &m); err != nil {
				rows.Close()
				return nil, fmt.Errorf("line managers: %w", err)
			}
			out[e] = append(out[e], m)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("line managers: %w", translate(err))
		}
	}
	return out, nil
}

// InsertLink stores a new link; a link for the same pair is a Conflict.
func (tx *Tx) InsertLink(ctx context.Context, l reportline.Link) error {
	_, err := tx.exec(ctx, `INSERT INTO links (tenant_id, manager_id, managee_id, kind, source, valid_from, valid_until, comment, created_by, created_at)
		VALUES ($T, $1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		l.ManagerID, l.ManageeID, l.Kind, l.Source, toMicros(l.ValidFrom), toMicros(l.ValidUntil), l.Comment,
		nullID(l.CreatedBy), micros(l.CreatedAt))
	if reportline.IsCode(err, reportline.Conflict) {
		return &reportline.Error{Code: reportline.Conflict, Message: fmt.Sprintf("user %d already manages user %d", l.ManagerID, l.ManageeID), Err: err}
	}
	if err != nil {
		return fmt.Errorf("insert link: %w", err)
	}
	return nil
}

// UpdateLink rewrites the terms (kind, source, dates, comment) of an existing link.
func (tx *Tx) UpdateLink(ctx context.Context, l reportline.Link) error {
	res, err := tx.exec(ctx, `UPDATE links SET kind = $3, source = $4, valid_from = $5, valid_until = $6, comment = $7
		WHERE tenant_id = $T AND manager_id = $1 AND managee_id = $2`,
		l.ManagerID, l.ManageeID, l.Kind, l.Source, toMicros(l.ValidFrom), toMicros(l.ValidUntil), l.Comment)
	if err != nil {
		return fmt.Errorf("update link: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return reportline.Errorf(reportline.NotFound, "user %d is not a manager of user %d", l.ManagerID, l.ManageeID)
	}
	return nil
}

// DeleteLink removes the link of a pair.
func (tx *Tx) DeleteLink(ctx context.Context, p reportline.Pair) error {
	res, err := tx.exec(ctx, `DELETE FROM links WHERE tenant_id = $T AND manager_id = $1 AND managee_id = $2`, p.ManagerID, p.ManageeID)
	if err != nil {
		return fmt.Errorf("delete link: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return reportline.Errorf(reportline.NotFound, "user %d is not a manager of user %d", p.ManagerID, p.ManageeID)
	}
	return nil
}

// linkLockClass names the PostgreSQL advisory locks held by transactions
// that add line links: with the tenant, the two 32-bit halves of the key
// (the form with two keys is a space of its own, apart from the one-key
// locks such as Migrate's).
const linkLockClass = 724_087_100

// LockLinks serialises, until the transaction ends, the transactions of the
// tenant that change its line-link graph, so that two concurrent additions
// cannot each pass the cycle check and together close a cycle. Tenants do
// not wait for each other. SQLite already runs one writer at a time.
func (tx *Tx) LockLinks(ctx context.Context) error {
	if tx.engine != Postgres {
		return nil
	}
	// The tenant is the lock's second key, an integer: tenant ids stay
	// below 2^31 (one sequence, one row per customer organisation).
	if _, err := tx.exec(ctx, `SELECT pg_advisory_xact_lock($1, $T::integer)`, linkLockClass); err != nil {
		return fmt.Errorf("lock links: %w", err)
	}
	return nil
}

// linkedColumns are a link's columns and its far-side user's, in one row.
const linkedColumns = `l.manager_id, l.managee_id, l.kind, l.source, l.valid_from, l.valid_until, l.comment, COALESCE(l.created_by, 0), l.created_at,
	u.id, COALESCE(u.external_uid, ''), u.email, u.first_name, u.last_name, u.status, u.birthday, u.position, u.org_unit,
	u.platform_role, u.locale, u.time_zone, u.created_at, u.updated_at`

// LinkedUsers returns one side of a user's links with the users on the
// far side, in one query: the user's managers (dir Managers) or the users
// they manage (dir Managees).
func (tx *Tx) LinkedUsers(ctx context.Context, user reportline.UserID, dir reportline.Direction) ([]reportline.LinkedUser, error) {
	q := `SELECT ` + linkedColumns + ` FROM links l` + tx.indexedBy("links_managee") + ` JOIN users u ON u.tenant_id = $T AND u.id = l.manager_id WHERE l.tenant_id = $T AND l.managee_id = $1`
	if dir == reportline.Managees {
		q = `SELECT ` + linkedColumns + ` FROM links l JOIN users u ON u.tenant_id = $T AND u.id = l.managee_id WHERE l.tenant_id = $T AND l.manager_id = $1`
	}
	rows, err := tx.query(ctx, q, user)
	if err != nil {
		return nil, fmt.Errorf("linked users: %w", err)
	}
	defer rows.Close()
	var out []reportline.LinkedUser
	for rows.Next() {
		var lu reportline.LinkedUser
		var from, until sql.NullInt64
		var created, uCreated, uUpdated int64
		var birthday string
		l, u := &lu.Link, &lu.User
		if err := rows.Scan(&l.ManagerID, &l.ManageeID, &l.Kind, &l.Source, &from, &until, &l.Comment, &l.CreatedBy, &created,
			&u.ID, &u.ExternalUID, &u.Email, &u.FirstName, &u.LastName, &u.Status, &birthday, &u.Position, &u.OrgUnit,
			&u.PlatformRole, &u.Locale, &u.TimeZone, &uCreated, &uUpdated); err != nil {
			return nil, fmt.Errorf("linked users: %w", err)
		}
		l.ValidFrom, l.ValidUntil = fromMicros(from), fromMicros(until)
		l.CreatedAt = fromMicros(sql.NullInt64{Int64: created, Valid: true})
		u.Birthday, _ = reportline.ParseBirthday(birthday)
		u.CreatedAt = fromMicros(sql.NullInt64{Int64: uCreated, Valid: true})
		u.UpdatedAt = fromMicros(sql.NullInt64{Int64: uUpdated, Valid: true})
		out = append(out, lu)
	}
	return out, translate(rows.Err())
}

// UserWithLinks returns a user and the given sides of their links with the
// users on the far side (as LinkedUsers), in one statement: one round trip,
// and one snapshot even without a transaction (ReadOnce). The first side
// returned is dirs[0]'s. A NotFound error when the user does not exist.
func (tx *Tx) UserWithLinks(ctx context.Context, user reportline.UserID, dirs ...reportline.Direction) (reportline.User, [][]reportline.LinkedUser, error) {
	// Each branch gives the side (0: the user), then the user columns of
	// linkedColumns' u, then its link columns (placeholders for the user).
	const cols = `u.id, COALESCE(u.external_uid, ''), u.email, u.first_name, u.last_name, u.status, u.birthday, u.position, u.org_unit,
	u.platform_role, u.locale, u.time_zone, u.created_at, u.updated_at`
	q := `SELECT 0, ` + cols + `, 0, 0, '', '', NULL, NULL, '', 0, 0 FROM users u WHERE u.tenant_id = $T AND u.id = $1`
	for i, dir := range dirs {
		join, where, by := `l.manager_id`, `l.managee_id`, tx.indexedBy("links_managee")
		if dir == reportline.Managees {
			join, where, by = `l.managee_id`, `l.manager_id`, ""
		}
		q += fmt.Sprintf(`
	UNION ALL SELECT %d, %s, l.manager_id, l.managee_id, l.kind, l.source, l.valid_from, l.valid_until, l.comment, COALESCE(l.created_by, 0), l.created_at
	FROM links l%s JOIN users u ON u.tenant_id = $T AND u.id = %s WHERE l.tenant_id = $T AND %s = $1`,
			i+1, cols, by, join, where)
	}
	rows, err := tx.query(ctx, q, user)
	if err != nil {
		return reportline.User{}, nil, fmt.Errorf("user with links: %w", err)
	}
	defer rows.Close()
	var me reportline.User
	found := false
	sides := make([][]reportline.LinkedUser, len(dirs))
	for rows.Next() {
		var side int
		var lu reportline.LinkedUser
		var from, until sql.NullInt64
		var created, uCreated, uUpdated int64
		var birthday string
		l, u := &lu.Link, &lu.User
		if err := rows.Scan(&side, &u.ID, &u.ExternalUID, &u.Email, &u.FirstName, &u.LastName, &u.Status, &birthday, &u.Position, &u.OrgUnit,
			&u.PlatformRole, &u.Locale, &u.TimeZone, &uCreated, &uUpdated,
			&l.ManagerID, &l.ManageeID, &l.Kind, &l.Source, &from, &until, &l.Comment, &l.CreatedBy, &created); err != nil {
			return reportline.User{}, nil, fmt.Errorf("user with links: %w", translate(err))
		}
		u.Birthday, _ = reportline.ParseBirthday(birthday)
		u.CreatedAt = fromMicros(sql.NullInt64{Int64: uCreated, Valid: true})
		u.UpdatedAt = fromMicros(sql.NullInt64{Int64: uUpdated, Valid: true})
		if side == 0 {
			me, found = *u, true
			continue
		}
		l.ValidFrom, l.ValidUntil = fromMicros(from), fromMicros(until)
		l.CreatedAt = fromMicros(sql.NullInt64{Int64: created, Valid: true})
		sides[side-1] = append(sides[side-1], lu)
	}
	if err := translate(rows.Err()); err != nil {
		return reportline.User{}, nil, fmt.Errorf("user with links: %w", err)
	}
	if !found {
		return reportline.User{}, nil, notFound(translate(sql.ErrNoRows), "user", user)
	}
	return me, sides, nil
}
