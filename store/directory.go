package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"reportline"
)

// DirectoryIdentities returns which user each of the source's external ids
// is, keyed by external id; ids no user has are absent. A nil list returns
// every identity of the source (what a full sync compares against).
func (tx *Tx) DirectoryIdentities(ctx context.Context, source reportline.Source, externalIDs []string) (map[string]reportline.UserID, error) {
	out := make(map[string]reportline.UserID, len(externalIDs))
	scan := func(q string, args ...any) error {
		rows, err := tx.query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var ext string
			var id reportline.UserID
			if err := rows.Scan(&ext, &id); err != nil {
				return err
			}
			out[ext] = id
		}
		return translate(rows.Err())
	}
	if externalIDs == nil {
		if err := scan(`SELECT external_id, user_id FROM directory_identities WHERE tenant_id = $T AND source = $1`, source); err != nil {
			return nil, fmt.Errorf("directory identities of %s: %w", source, err)
		}
		return out, nil
	}
	for _, c := range chunks(externalIDs) {
		in, args := inList(2, c)
		if err := scan(`SELECT external_id, user_id FROM directory_identities WHERE tenant_id = $T AND source = $1 AND external_id IN (`+in+`)`,
			append([]any{source}, args...)...); err != nil {
			return nil, fmt.Errorf("directory identities of %s: %w", source, err)
		}
	}
	return out, nil
}

// DirectoryIdentitiesOfUsers returns the source's external id of each given
// user that has one.
func (tx *Tx) DirectoryIdentitiesOfUsers(ctx context.Context, source reportline.Source, users []reportline.UserID) (map[reportline.UserID]string, error) {
	out := make(map[reportline.UserID]string, len(users))
	for _, c := range chunks(users) {
		in, args := inList(2, c)
		rows, err := tx.query(ctx, `SELECT user_id, external_id FROM directory_identities WHERE tenant_id = $T AND source = $1 AND user_id IN (`+in+`)`,
			append([]any{source}, args...)...)
		if err != nil {
			return nil, fmt.Errorf("directory identities of users: %w", err)
		}
		for rows.Next() {
			var id reportline.UserID
			var ext string
			if err := rows.Scan(&id, &ext); err != nil {
				rows.Close()
				return nil, fmt.Errorf("directory identities of users: %w", err)
			}
			out[id] = ext
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("directory identities of users: %w", translate(err))
		}
	}
	return out, nil
}

// PutDirectoryIdentities records identities. Each replaces whatever its
// source said before about the same external id or the same user: a user
// has one identity per directory.
func (tx *Tx) PutDirectoryIdentities(ctx context.Context, ids []reportline.DirectoryIdentity) error {
	if len(ids) == 0 {
		return nil
	}
	if tx.engine == Postgres {
		return tx.putIdentitiesPostgres(ctx, ids)
	}
	// Two statements, each on its own index: an OR of the two would scan
	// the table once per identity.
	delExt, err := tx.prepare(ctx, `DELETE FROM directory_identities WHERE tenant_id = $T AND source = $1 AND external_id = $2`)
	if err != nil {
		return fmt.Errorf("put directory identities: %w", err)
	}
	defer delExt.Close()
	delUser, err := tx.prepare(ctx, `DELETE FROM directory_identities WHERE tenant_id = $T AND source = $1 AND user_id = $2`)
	if err != nil {
		return fmt.Errorf("put directory identities: %w", err)
	}
	defer delUser.Close()
	ins, err := tx.prepare(ctx, `INSERT INTO directory_identities (tenant_id, source, external_id, user_id) VALUES ($T, $1, $2, $3)`)
	if err != nil {
		return fmt.Errorf("put directory identities: %w", err)
	}
	defer ins.Close()
	for _, id := range ids {
		if _, err := delExt.ExecContext(ctx, string(id.Source), id.ExternalID); err != nil {
			return fmt.Errorf("put directory identity %s %q: %w", id.Source, id.ExternalID, translate(err))
		}
		if _, err := delUser.ExecContext(ctx, string(id.Source), int64(id.UserID)); err != nil {
			return fmt.Errorf("put directory identity %s %q: %w", id.Source, id.ExternalID, translate(err))
		}
		if _, err := ins.ExecContext(ctx, string(id.Source), id.ExternalID, int64(id.UserID)); err != nil {
			return fmt.Errorf("put directory identity %s %q: %w", id.Source, id.ExternalID, translate(err))
		}
	}
	return nil
}

// CreateUsers inserts users and sets their IDs and timestamps: one
// statement per 10,000 users on PostgreSQL, one prepared statement for the
// lot on SQLite.
func (tx *Tx) CreateUsers(ctx context.Context, users []*reportline.User) error {
	if len(users) == 0 {
		return nil
	}
	if tx.engine == Postgres {
		return tx.createUsersPostgres(ctx, users)
	}
	stmt, err := tx.prepare(ctx, `INSERT INTO users (tenant_id, external_uid, email, first_name, last_name, status, birthday,
		position, org_unit, platform_role, locale, time_zone, created_at, updated_at)
		VALUES ($T, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id`)
	if err != nil {
		return fmt.Errorf("create users: %w", err)
	}
	defer stmt.Close()
	now := tx.now()
	for _, u := range users {
		u.CreatedAt, u.UpdatedAt = now, now
		err := stmt.QueryRowContext(ctx, nullString(u.ExternalUID), u.Email, u.FirstName, u.LastName, string(u.Status), u.Birthday.String(),
			u.Position, u.OrgUnit, string(u.PlatformRole), u.Locale, u.TimeZone, micros(now)).Scan(&u.ID)
		if err != nil {
			return userConflict(translate(err), *u)
		}
	}
	return nil
}

// UpdateUsers writes every field of each user and sets UpdatedAt, like
// CreateUsers in bulk.
func (tx *Tx) UpdateUsers(ctx context.Context, users []*reportline.User) error {
	if len(users) == 0 {
		return nil
	}
	if tx.engine == Postgres {
		return tx.updateUsersPostgres(ctx, users)
	}
	stmt, err := tx.prepare(ctx, `UPDATE users SET external_uid = $2, email = $3, first_name = $4, last_name = $5,
		status = $6, birthday = $7, position = $8, org_unit = $9, platform_role = $10, locale = $11,
		time_zone = $12, updated_at = $13 WHERE tenant_id = $T AND id = $1`)
	if err != nil {
		return fmt.Errorf("update users: %w", err)
	}
	defer stmt.Close()
	now := tx.now()
	for _, u := range users {
		u.UpdatedAt = now
		res, err := stmt.ExecContext(ctx, int64(u.ID), nullString(u.ExternalUID), u.Email, u.FirstName, u.LastName, string(u.Status), u.Birthday.String(),
			u.Position, u.OrgUnit, string(u.PlatformRole), u.Locale, u.TimeZone, micros(now))
		if err != nil {
			return userConflict(translate(err), *u)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return reportline.Errorf(reportline.NotFound, "user %d not found", u.ID)
		}
	}
	return nil
}

// AppendDirectoryChanges records the user changes of a sync run.
func (tx *Tx) AppendDirectoryChanges(ctx context.Context, changes []reportline.DirectoryChange) error {
	if len(changes) == 0 {
		return nil
	}
	if tx.engine == Postgres {
		return tx.appendChangesPostgres(ctx, changes)
	}
	stmt, err := tx.prepare(ctx, `INSERT INTO directory_user_changes (tenant_id, run_id, at, source, actor_id, user_id, external_id, action, changes)
		VALUES ($T, $1, $2, $3, $4, $5, $6, $7, $8)`)
	if err != nil {
		return fmt.Errorf("record directory changes: %w", err)
	}
	defer stmt.Close()
	for _, c := range changes {
		fields, err := json.Marshal(c.Changes)
		if err != nil {
			return fmt.Errorf("record directory changes: %w", err)
		}
		if _, err := stmt.ExecContext(ctx, c.RunID, micros(c.At), string(c.Source), nullID(c.ActorID), int64(c.UserID), c.ExternalID,
			string(c.Action), string(fields)); err != nil {
			return fmt.Errorf("record directory changes: %w", translate(err))
		}
	}
	return nil
}

// DirectoryChanges returns the first limit user changes recorded by one
// run, in order, and how many it recorded in all.
func (tx *Tx) DirectoryChanges(ctx context.Context, runID int64, limit int) ([]reportline.DirectoryChange, int, error) {
	var total int
	if err := tx.queryRow(ctx, `SELECT count(*) FROM directory_user_changes WHERE tenant_id = $T AND run_id = $1`, runID).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("directory changes of run %d: %w", runID, translate(err))
	}
	if limit <= 0 || limit > MaxPageSize {
		limit = MaxPageSize
	}
	rows, err := tx.query(ctx, `SELECT run_id, at, source, COALESCE(actor_id, 0), user_id, external_id, action, changes
		FROM directory_user_changes WHERE tenant_id = $T AND run_id = $1 ORDER BY id LIMIT $2`, runID, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("directory changes of run %d: %w", runID, err)
	}
	defer rows.Close()
	var out []reportline.DirectoryChange
	for rows.Next() {
		var c reportline.DirectoryChange
		var at int64
		var fields string
		if err := rows.Scan(&c.RunID, &at, &c.Source, &c.ActorID, &c.UserID, &c.ExternalID, &c.Action, &fields); err != nil {
			return nil, 0, fmt.Errorf("directory changes of run %d: %w", runID, translate(err))
		}
		c.At = fromMicros(sql.NullInt64{Int64: at, Valid: true})
		if err := json.Unmarshal([]byte(fields), &c.Changes); err != nil {
			return nil, 0, fmt.Errorf("directory changes of run %d: %w", runID, err)
		}
		out = append(out, c)
	}
	return out, total, translate(rows.Err())
}

// CreateSyncRun records a sync that starts and sets its ID.
func (tx *Tx) CreateSyncRun(ctx context.Context, r *reportline.SyncRun) error {
	err := tx.queryRow(ctx, `INSERT INTO directory_sync_runs (tenant_id, source, actor_id, dry_run, full_sync, status, started_at)
		VALUES ($T, $1, $2, $3, $4, $5, $6) RETURNING id`,
		r.Source, nullID(r.ActorID), r.DryRun, r.Full, r.Status, micros(r.Started)).Scan(&r.ID)
	if err != nil {
		return fmt.Errorf("create sync run: %w", translate(err))
	}
	return nil
}

// FinishSyncRun writes a run's outcome: status, end, counts, problems, error,
// and whether the batch was the whole directory (known once read).
func (tx *Tx) FinishSyncRun(ctx context.Context, r reportline.SyncRun) error {
	counts, err := json.Marshal(r.Counts)
	if err != nil {
		return fmt.Errorf("finish sync run %d: %w", r.ID, err)
	}
	problems := r.Problems
	if problems == nil {
		problems = []reportline.SyncProblem{}
	}
	list, err := json.Marshal(problems)
	if err != nil {
		return fmt.Errorf("finish sync run %d: %w", r.ID, err)
	}
	status := r.Status
	if status == reportline.SyncHeld {
		// The table's CHECK predates held runs: a held run is stored as
		// failed (nothing was applied) with counts.held > 0, and read back
		// as held.
		status = reportline.ImportFailed
	}
	args, err := reportline.EncodeMsgArgs(r.ErrorArgs)
	if err != nil {
		return fmt.Errorf("finish sync run %d: %w", r.ID, err)
	}
	res, err := tx.exec(ctx, `UPDATE directory_sync_runs SET status = $2, finished_at = $3, counts = $4, problems = $5,
		problem_count = $6, error = $7, full_sync = $8, error_id = $9, error_args = $10 WHERE tenant_id = $T AND id = $1`,
		r.ID, status, toMicros(r.Finished), string(counts), string(list), r.ProblemCount, r.Error, r.Full, nullString(r.ErrorID), nullString(args))
	if err != nil {
		return fmt.Errorf("finish sync run %d: %w", r.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return reportline.Errorf(reportline.NotFound, "sync run %d not found", r.ID)
	}
	return nil
}

const syncRunColumns = `id, source, COALESCE(actor_id, 0), dry_run, full_sync, status, started_at, finished_at,
	counts, problems, problem_count, error, COALESCE(error_id, ''), COALESCE(error_args, '')`

func scanSyncRun(s scanner) (reportline.SyncRun, error) {
	var r reportline.SyncRun
	var started int64
	var finished sql.NullInt64
	var counts, problems, args string
	if err := s.Scan(&r.ID, &r.Source, &r.ActorID, &r.DryRun, &r.Full, &r.Status, &started, &finished,
		&counts, &problems, &r.ProblemCount, &r.Error, &r.ErrorID, &args); err != nil {
		return r, translate(err)
	}
	var err error
	if r.ErrorArgs, err = reportline.DecodeMsgArgs(args); err != nil {
		return r, fmt.Errorf("sync run %d: %w", r.ID, err)
	}
	r.Started = fromMicros(sql.NullInt64{Int64: started, Valid: true})
	r.Finished = fromMicros(finished)
	if err := json.Unmarshal([]byte(counts), &r.Counts); err != nil {
		return r, fmt.Errorf("sync run %d counts: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(problems), &r.Problems); err != nil {
		return r, fmt.Errorf("sync run %d problems: %w", r.ID, err)
	}
	if r.Status == reportline.ImportFailed && r.Counts.Held > 0 {
		r.Status = reportline.SyncHeld
	}
	return r, nil
}

// CountDirectoryUsers returns how many active users a source knows.
func (tx *Tx) CountDirectoryUsers(ctx context.Context, source reportline.Source) (int, error) {
	var n int
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM directory_identities i JOIN users u ON u.tenant_id = $T AND u.id = i.user_id
		WHERE i.tenant_id = $T AND i.source = $1 AND u.status = 'active'`, string(source)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count users of %s: %w", source, translate(err))
	}
	return n, nil
}

// CountDirectoryChanges returns how many user changes of the action a
// source recorded since a time (the SCIM deactivations of the last hour).
func (tx *Tx) CountDirectoryChanges(ctx context.Context, source reportline.Source, action reportline.SyncAction, since time.Time) (int, error) {
	var n int
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM directory_user_changes WHERE tenant_id = $T AND source = $1 AND action = $2 AND at >= $3`,
		string(source), string(action), micros(since)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count %s changes of %s: %w", action, source, translate(err))
	}
	return n, nil
}

// SyncRun returns one run.
func (tx *Tx) SyncRun(ctx context.Context, id int64) (reportline.SyncRun, error) {
	r, err := scanSyncRun(tx.queryRow(ctx, `SELECT `+syncRunColumns+` FROM directory_sync_runs WHERE tenant_id = $T AND id = $1`, id))
	return r, notFound(err, "sync run", id)
}

// SyncRuns returns the latest runs, newest first: of one source, or of all
// when source is "".
func (tx *Tx) SyncRuns(ctx context.Context, source reportline.Source, limit int) ([]reportline.SyncRun, error) {
	if limit <= 0 || limit > MaxPageSize {
		limit = DefaultPageSize
	}
	rows, err := tx.query(ctx, `SELECT `+syncRunColumns+` FROM directory_sync_runs
		WHERE tenant_id = $T AND (source = $1 OR $1 = '') ORDER BY id DESC LIMIT $2`, string(source), limit)
	if err != nil {
		return nil, fmt.Errorf("list sync runs: %w", err)
	}
	defer rows.Close()
	var out []reportline.SyncRun
	for rows.Next() {
		r, err := scanSyncRun(rows)
		if err != nil {
			return nil, fmt.Errorf("list sync runs: %w", err)
		}
		out = append(out, r)
	}
	return out, translate(rows.Err())
}

// FormerAdminWithEmail returns the platform admin whose email a directory
// sync changed away from email (the latest such change); NotFound when none.
func (tx *Tx) FormerAdminWithEmail(ctx context.Context, email string) (reportline.UserID, error) {
	// The changes are JSON; LIKE narrows them, decoding decides.
	rows, err := tx.query(ctx, `SELECT c.user_id, c.changes FROM directory_user_changes c JOIN users u ON u.tenant_id = $T AND u.id = c.user_id
		WHERE c.tenant_id = $T AND u.platform_role = $1 AND c.changes LIKE $2 ORDER BY c.id DESC`,
		string(reportline.PlatformAdminRole), `%"field":"email","before":"%`+email+`%`)
	if err != nil {
		return 0, fmt.Errorf("former admin with email: %w", translate(err))
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var changes string
		if err := rows.Scan(&id, &changes); err != nil {
			return 0, translate(err)
		}
		var list []reportline.FieldChange
		if json.Unmarshal([]byte(changes), &list) != nil {
			continue
		}
		for _, c := range list {
			if c.Field == "email" && c.Before == email {
				return reportline.UserID(id), nil
			}
		}
	}
	if err := rows.Err(); err != nil {
		return 0, translate(err)
	}
	return 0, reportline.Errorf(reportline.NotFound, "no platform admin had email %s", email)
}
