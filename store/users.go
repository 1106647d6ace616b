package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"reportline"
)

const userColumns = `id, COALESCE(external_uid, ''), email, first_name, last_name, status, birthday,
	position, org_unit, platform_role, locale, time_zone, created_at, updated_at`

type scanner interface{ Scan(dest ...any) error }

func scanUser(s scanner) (reportline.User, error) {
	var u reportline.User
	var birthday string
	var created, updated int64
	err := s.Scan(&u.ID, &u.ExternalUID, &u.Email, &u.FirstName, &u.LastName, &u.Status, &birthday,
		&u.Position, &u.OrgUnit, &u.PlatformRole, &u.Locale, &u.TimeZone, &created, &updated)
	if err != nil {
		return u, translate(err)
	}
	u.Birthday, _ = reportline.ParseBirthday(birthday) // written by us in a valid form
	u.CreatedAt = fromMicros(sql.NullInt64{Int64: created, Valid: true})
	u.UpdatedAt = fromMicros(sql.NullInt64{Int64: updated, Valid: true})
	return u, nil
}

// CreateUser inserts u and sets its ID and timestamps.
func (tx *Tx) CreateUser(ctx context.Context, u *reportline.User) error {
	now := tx.now()
	u.CreatedAt, u.UpdatedAt = now, now
	err := tx.queryRow(ctx, `INSERT INTO users (tenant_id, external_uid, email, first_name, last_name, status, birthday,
		position, org_unit, platform_role, locale, time_zone, created_at, updated_at)
		VALUES ($T, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id`,
		nullString(u.ExternalUID), u.Email, u.FirstName, u.LastName, u.Status, u.Birthday.String(),
		u.Position, u.OrgUnit, u.PlatformRole, u.Locale, u.TimeZone, micros(now)).Scan(&u.ID)
	if err != nil {
		return userConflict(translate(err), *u)
	}
	return nil
}

// UpdateUser writes every field of u and sets UpdatedAt.
func (tx *Tx) UpdateUser(ctx context.Context, u *reportline.User) error {
	u.UpdatedAt = tx.now()
	res, err := tx.exec(ctx, `UPDATE users SET external_uid = $2, email = $3, first_name = $4, last_name = $5,
		status = $6, birthday = $7, position = $8, org_unit = $9, platform_role = $10, locale = $11,
		time_zone = $12, updated_at = $13 WHERE tenant_id = $T AND id = $1`,
		u.ID, nullString(u.ExternalUID), u.Email, u.FirstName, u.LastName, u.Status, u.Birthday.String(),
		u.Position, u.OrgUnit, u.PlatformRole, u.Locale, u.TimeZone, micros(u.UpdatedAt))
	if err != nil {
		return userConflict(err, *u)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return reportline.Errorf(reportline.NotFound, "user %d not found", u.ID)
	}
	return nil
}

// userConflict names the unique field a conflicting user collides on.
func userConflict(err error, u reportline.User) error {
	if !reportline.IsCode(err, reportline.Conflict) {
		return err
	}
	if strings.Contains(err.Error(), "external_uid") {
		return &reportline.Error{Code: reportline.Conflict, Field: "external_uid", Value: u.ExternalUID,
			Message: fmt.Sprintf("another user already has external uid %q", u.ExternalUID), Err: err}
	}
	return &reportline.Error{Code: reportline.Conflict, Field: "email", Value: u.Email,
		Message: fmt.Sprintf("another user already has email %s", u.Email), Err: err}
}

// User returns the user with the given id.
func (tx *Tx) User(ctx context.Context, id reportline.UserID) (reportline.User, error) {
	u, err := scanUser(tx.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE tenant_id = $T AND id = $1`, id))
	return u, notFound(err, "user", id)
}

// UserByEmail returns the user with the given normalised email.
func (tx *Tx) UserByEmail(ctx context.Context, email string) (reportline.User, error) {
	u, err := scanUser(tx.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE tenant_id = $T AND email = $1`, email))
	return u, notFound(err, "user", email)
}

// UserByExternalUID returns the user with the given external uid.
func (tx *Tx) UserByExternalUID(ctx context.Context, uid string) (reportline.User, error) {
	u, err := scanUser(tx.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE tenant_id = $T AND external_uid = $1`, uid))
	return u, notFound(err, "user with external uid", uid)
}

// UsersByEmails returns the users with the given normalised emails, keyed by
// email; addresses with no user are absent from the map.
func (tx *Tx) UsersByEmails(ctx context.Context, emails []string) (map[string]reportline.User, error) {
	out := make(map[string]reportline.User, len(emails))
	for _, c := range chunks(emails) {
		in, args := inList(1, c)
		if err := tx.eachUser(ctx, `SELECT `+userColumns+` FROM users WHERE tenant_id = $T AND email IN (`+in+`)`, args, func(u reportline.User) {
			out[u.Email] = u
		}); err != nil {
			return nil, fmt.Errorf("users by email: %w", err)
		}
	}
	return out, nil
}

// UsersByIDs returns the users with the given ids; unknown ids are absent.
func (tx *Tx) UsersByIDs(ctx context.Context, ids []reportline.UserID) (map[reportline.UserID]reportline.User, error) {
	out := make(map[reportline.UserID]reportline.User, len(ids))
	for _, c := range chunks(ids) {
		in, args := inList(1, c)
		if err := tx.eachUser(ctx, `SELECT `+userColumns+` FROM users WHERE tenant_id = $T AND id IN (`+in+`)`, args, func(u reportline.User) {
			out[u.ID] = u
		}); err != nil {
			return nil, fmt.Errorf("users by id: %w", err)
		}
	}
	return out, nil
}

// UsersByExternalUIDs returns the users with the given external uids, keyed by uid.
func (tx *Tx) UsersByExternalUIDs(ctx context.Context, uids []string) (map[string]reportline.User, error) {
	out := make(map[string]reportline.User, len(uids))
	for _, c := range chunks(uids) {
		in, args := inList(1, c)
		if err := tx.eachUser(ctx, `SELECT `+userColumns+` FROM users WHERE tenant_id = $T AND external_uid IN (`+in+`)`, args, func(u reportline.User) {
			out[u.ExternalUID] = u
		}); err != nil {
			return nil, fmt.Errorf("users by external uid: %w", err)
		}
	}
	return out, nil
}

// DefaultPageSize is the page size of list queries that do not give one.
const DefaultPageSize = 50

// MaxPageSize bounds every list query.
const MaxPageSize = 1000

// FindUsers returns one page of users matching f, ordered by id, and the
// total number of matches.
func (tx *Tx) FindUsers(ctx context.Context, f reportline.UserFilter) ([]reportline.User, int, error) {
	where, args := []string{"1 = 1"}, []any{}
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if q := strings.TrimSpace(f.Query); q != "" {
		p := arg("%" + strings.ToLower(escapeLike(q)) + "%")
		where = append(where, fmt.Sprintf(`(email LIKE %[1]s ESCAPE '\' OR lower(first_name || ' ' || last_name) LIKE %[1]s ESCAPE '\'
			OR lower(COALESCE(external_uid, '')) LIKE %[1]s ESCAPE '\'
			OR lower(COALESCE(position, '')) LIKE %[1]s ESCAPE '\' OR lower(COALESCE(org_unit, '')) LIKE %[1]s ESCAPE '\')`, p))
	}
	if f.Email != "" {
		where = append(where, "email = "+arg(f.Email))
	}
	if f.ExternalUID != "" {
		where = append(where, "external_uid = "+arg(f.ExternalUID))
	}
	if f.Status != "" {
		where = append(where, "status = "+arg(f.Status))
	}
	if len(f.IDs) > 0 {
		in, a := inList(len(args)+1, f.IDs)
		args = append(args, a...)
		where = append(where, "id IN ("+in+")")
	}
	if f.NoGroup {
		where = append(where, "id NOT IN (SELECT user_id FROM memberships WHERE tenant_id = $T)")
	}
	if f.NoManager {
		where = append(where, "id NOT IN (SELECT managee_id FROM links WHERE tenant_id = $T)")
	}
	if len(f.Groups) > 0 {
		in, a := inList(len(args)+1, f.Groups)
		args = append(args, a...)
		where = append(where, "id IN (SELECT user_id FROM memberships WHERE tenant_id = $T AND group_id IN ("+in+"))")
	}
	var total int
	if err := tx.queryRow(ctx, "SELECT count(*) FROM users WHERE tenant_id = $T AND "+strings.Join(where, " AND "), args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count users: %w", translate(err))
	}
	if f.AfterID > 0 {
		where = append(where, "id > "+arg(f.AfterID))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultPageSize
	}
	limit = min(limit, MaxPageSize)
	var out []reportline.User
	q := "SELECT " + userColumns + " FROM users WHERE tenant_id = $T AND " + strings.Join(where, " AND ") + " ORDER BY id LIMIT " + arg(limit)
	if err := tx.eachUser(ctx, q, args, func(u reportline.User) { out = append(out, u) }); err != nil {
		return nil, 0, fmt.Errorf("find users: %w", err)
	}
	return out, total, nil
}

func (tx *Tx) eachUser(ctx context.Context, q string, args []any, fn func(reportline.User)) error {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return err
		}
		fn(u)
	}
	return translate(rows.Err())
}

// escapeLike escapes LIKE's wildcards so a search is literal.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
