package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"reportline"
)

// runColumns are the columns scanRun reads; held compares the lease with
// the database's clock.
func (tx *Tx) runColumns() string {
	return `kind, period, started_at, owner, claimed_at, lease_until, done_through,
	finished_at, sent, late, opted_out, skipped_empty, CASE WHEN lease_until > ` + tx.dbNow() + ` THEN 1 ELSE 0 END`
}

// claimedColumns are runColumns for the RETURNING of a claim: Citus allows
// no function but IMMUTABLE ones there, and a run just claimed with a
// positive lease is held by construction (lease_until = now + lease).
func (tx *Tx) claimedColumns(lease time.Duration) string {
	if !tx.noTriggers {
		return tx.runColumns()
	}
	held := "0"
	if lease > 0 {
		held = "1"
	}
	return `kind, period, started_at, owner, claimed_at, lease_until, done_through,
	finished_at, sent, late, opted_out, skipped_empty, ` + held
}

func scanRun(s scanner) (reportline.ScheduledRun, error) {
	var r reportline.ScheduledRun
	var started, claimed, lease int64
	var finished sql.NullInt64
	var held int
	err := s.Scan(&r.Kind, &r.Period, &started, &r.Owner, &claimed, &lease, &r.DoneThrough,
		&finished, &r.Sent, &r.Late, &r.OptedOut, &r.SkippedEmpty, &held)
	r.Held = held == 1
	if err != nil {
		return r, translate(err)
	}
	r.StartedAt = time.UnixMicro(started).UTC()
	r.ClaimedAt = time.UnixMicro(claimed).UTC()
	r.LeaseUntil = time.UnixMicro(lease).UTC()
	r.FinishedAt = fromMicros(finished)
	return r, nil
}

// ClaimRun begins the run (kind, period) for owner, or lets owner go on with
// it: it succeeds when the run does not exist yet, when owner already holds
// it, or when its holder's lease ran out, and never once the run finished.
// On success the run is owner's for lease. Leases are reckoned by the
// database's clock; now (the service's clock, which the schedule follows)
// is recorded as the claim's time, which decides lateness. One statement
// decides, so two replicas claiming together cannot both win: PostgreSQL
// locks the row for the upsert; SQLite has one writer.
func (tx *Tx) ClaimRun(ctx context.Context, kind reportline.NotificationType, period, owner string, now time.Time, lease time.Duration) (reportline.ScheduledRun, bool, error) {
	dbNow := tx.dbNow()
	args := []any{kind, period, micros(now), owner, lease.Microseconds()}
	if tx.noTriggers {
		// Citus allows only IMMUTABLE functions in an ON CONFLICT's
		// WHERE: the coordinator's clock is read first and bound.
		var at int64
		if err := tx.queryRow(ctx, `SELECT `+dbNow).Scan(&at); err != nil {
			return reportline.ScheduledRun{}, false, fmt.Errorf("claim %s run %s: %w", kind, period, translate(err))
		}
		dbNow, args = "$6::bigint", append(args, at)
	}
	r, err := scanRun(tx.queryRow(ctx, `INSERT INTO scheduled_runs (tenant_id, kind, period, started_at, owner, claimed_at, lease_until)
		VALUES ($T, $1, $2, $3, $4, $3, `+dbNow+` + $5)
		ON CONFLICT (tenant_id, kind, period) DO UPDATE SET
			claimed_at = CASE WHEN scheduled_runs.owner = excluded.owner THEN scheduled_runs.claimed_at ELSE excluded.claimed_at END,
			owner = excluded.owner, lease_until = excluded.lease_until
		WHERE scheduled_runs.finished_at IS NULL
			AND (scheduled_runs.owner = excluded.owner OR scheduled_runs.lease_until <= `+dbNow+`)
		RETURNING `+tx.claimedColumns(lease), args...))
	if reportline.IsCode(err, reportline.NotFound) {
		return reportline.ScheduledRun{}, false, nil
	}
	if err != nil {
		return reportline.ScheduledRun{}, false, fmt.Errorf("claim %s run %s: %w", kind, period, err)
	}
	return r, true, nil
}

// ScheduledRun returns the run (kind, period); NotFound when it never began.
func (tx *Tx) ScheduledRun(ctx context.Context, kind reportline.NotificationType, period string) (reportline.ScheduledRun, error) {
	r, err := scanRun(tx.queryRow(ctx, `SELECT `+tx.runColumns()+` FROM scheduled_runs WHERE tenant_id = $T AND kind = $1 AND period = $2`, kind, period))
	if err != nil {
		return r, fmt.Errorf("%s run %s: %w", kind, period, notFound(err, "run", period))
	}
	return r, nil
}

// ScheduledRuns returns the latest runs of a kind, newest first.
func (tx *Tx) ScheduledRuns(ctx context.Context, kind reportline.NotificationType, limit int) ([]reportline.ScheduledRun, error) {
	rows, err := tx.query(ctx, `SELECT `+tx.runColumns()+` FROM scheduled_runs WHERE tenant_id = $T AND kind = $1 ORDER BY started_at DESC LIMIT $2`, kind, limit)
	if err != nil {
		return nil, fmt.Errorf("%s runs: %w", kind, err)
	}
	defer rows.Close()
	var out []reportline.ScheduledRun
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("%s runs: %w", kind, err)
		}
		out = append(out, r)
	}
	return out, translate(rows.Err())
}

// AdvanceRun records a chunk done by the run's holder: its DoneThrough,
// counts and FinishedAt, and renews its lease for lease (by the database's
// clock; r.LeaseUntil is not read). It fails with Conflict when r.Owner no
// longer holds the run (another replica took it over), so that the
// chunk's transaction rolls back.
func (tx *Tx) AdvanceRun(ctx context.Context, r reportline.ScheduledRun, lease time.Duration) error {
	res, err := tx.exec(ctx, `UPDATE scheduled_runs SET done_through = $1, sent = $2, late = $3, opted_out = $4,
		skipped_empty = $5, lease_until = `+tx.dbNow()+` + $6, finished_at = $7
		WHERE tenant_id = $T AND kind = $8 AND period = $9 AND owner = $10 AND finished_at IS NULL`,
		r.DoneThrough, r.Sent, r.Late, r.OptedOut, r.SkippedEmpty, lease.Microseconds(), toMicros(r.FinishedAt),
		r.Kind, r.Period, r.Owner)
	if err != nil {
		return fmt.Errorf("advance %s run %s: %w", r.Kind, r.Period, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return reportline.Errorf(reportline.Conflict, "%s run %s is no longer held by %s", r.Kind, r.Period, r.Owner)
	}
	return nil
}

// ReleaseRuns hands back the unfinished runs owner holds (a replica that
// stops): their lease ends now, so that another replica takes them over at
// its next tick rather than when the lease would have run out. It returns
// how many.
func (tx *Tx) ReleaseRuns(ctx context.Context, owner string) (int, error) {
	now := tx.dbNow()
	res, err := tx.exec(ctx, `UPDATE scheduled_runs SET lease_until = `+now+`
		WHERE tenant_id = $T AND owner = $1 AND finished_at IS NULL AND lease_until > `+now, owner)
	if err != nil {
		return 0, fmt.Errorf("release the runs of %s: %w", owner, err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// InsertScheduledSend records one manager's notification of a period. It
// reports false, and changes nothing, when that manager already has one
// for the period: the caller then enqueues nothing. On PostgreSQL a
// concurrent insert of the same key waits for the other transaction and
// then reports false.
func (tx *Tx) InsertScheduledSend(ctx context.Context, s reportline.ScheduledSend) (bool, error) {
	res, err := tx.exec(ctx, `INSERT INTO scheduled_sends (tenant_id, kind, period, manager_id, outcome, late, at)
		VALUES ($T, $1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_id, kind, period, manager_id) DO NOTHING`,
		s.Kind, s.Period, s.ManagerID, s.Outcome, s.Late, micros(s.At))
	if err != nil {
		return false, fmt.Errorf("record %s of %s for manager %d: %w", s.Kind, s.Period, s.ManagerID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("record %s of %s for manager %d: %w", s.Kind, s.Period, s.ManagerID, translate(err))
	}
	return n == 1, nil
}

// ScheduledSends returns the recorded notifications of a period for the
// given managers; managers with none are absent.
func (tx *Tx) ScheduledSends(ctx context.Context, kind reportline.NotificationType, period string, managers []reportline.UserID) (map[reportline.UserID]reportline.ScheduledSend, error) {
	out := map[reportline.UserID]reportline.ScheduledSend{}
	for _, c := range chunks(managers) {
		in, args := inList(3, c)
		rows, err := tx.query(ctx, `SELECT manager_id, outcome, late, at FROM scheduled_sends
			WHERE tenant_id = $T AND kind = $1 AND period = $2 AND manager_id IN (`+in+`)`, append([]any{kind, period}, args...)...)
		if err != nil {
			return nil, fmt.Errorf("%s sends of %s: %w", kind, period, err)
		}
		for rows.Next() {
			s := reportline.ScheduledSend{Kind: kind, Period: period}
			var at int64
			if err := rows.Scan(&s.ManagerID, &s.Outcome, &s.Late, &at); err != nil {
				rows.Close()
				return nil, fmt.Errorf("%s sends of %s: %w", kind, period, translate(err))
			}
			s.At = time.UnixMicro(at).UTC()
			out[s.ManagerID] = s
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("%s sends of %s: %w", kind, period, translate(err))
		}
	}
	return out, nil
}

// NotificationOptOuts returns which of users opted out of notifications of
// type t.
func (tx *Tx) NotificationOptOuts(ctx context.Context, t reportline.NotificationType, users []reportline.UserID) (map[reportline.UserID]bool, error) {
	out := map[reportline.UserID]bool{}
	for _, c := range chunks(users) {
		in, args := inList(2, c)
		rows, err := tx.query(ctx, `SELECT user_id FROM notification_optouts WHERE tenant_id = $T AND type = $1 AND user_id IN (`+in+`)`,
			append([]any{t}, args...)...)
		if err != nil {
			return nil, fmt.Errorf("opt-outs of %s: %w", t, err)
		}
		for rows.Next() {
			var id reportline.UserID
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("opt-outs of %s: %w", t, translate(err))
			}
			out[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("opt-outs of %s: %w", t, translate(err))
		}
	}
	return out, nil
}

// SetNotificationOptOut records that user does (out) or does not want
// notifications of type t any more. Setting the state it already has
// changes nothing.
func (tx *Tx) SetNotificationOptOut(ctx context.Context, user reportline.UserID, t reportline.NotificationType, out bool, at time.Time) error {
	var err error
	if out {
		_, err = tx.exec(ctx, `INSERT INTO notification_optouts (tenant_id, user_id, type, at) VALUES ($T, $1, $2, $3)
			ON CONFLICT (tenant_id, user_id, type) DO NOTHING`, user, t, micros(at))
	} else {
		_, err = tx.exec(ctx, `DELETE FROM notification_optouts WHERE tenant_id = $T AND user_id = $1 AND type = $2`, user, t)
	}
	if err != nil {
		return fmt.Errorf("set opt-out of %s for user %d: %w", t, user, err)
	}
	return nil
}

// ActiveUserIDs returns the ids of every active user, for runs that judge
// the whole organisation at once: one scan of an integer column.
func (tx *Tx) ActiveUserIDs(ctx context.Context) (map[reportline.UserID]bool, error) {
	rows, err := tx.query(ctx, `SELECT id FROM users WHERE tenant_id = $T AND status = $1`, reportline.StatusActive)
	if err != nil {
		return nil, fmt.Errorf("active user ids: %w", err)
	}
	defer rows.Close()
	out := map[reportline.UserID]bool{}
	for rows.Next() {
		var id reportline.UserID
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("active user ids: %w", translate(err))
		}
		out[id] = true
	}
	return out, translate(rows.Err())
}

// ActiveUsersWithBirthday returns the active users whose birthday (stored
// as YYYY-MM-DD or --MM-DD) falls on one of the month-days given as MM-DD,
// ordered by id. It scans the users once: it runs once a day.
func (tx *Tx) ActiveUsersWithBirthday(ctx context.Context, monthDays []string) ([]reportline.User, error) {
	if len(monthDays) == 0 {
		return nil, nil
	}
	in, args := inList(2, monthDays)
	// The month-day is the last five characters of either stored form.
	q := `SELECT ` + userColumns + ` FROM users WHERE tenant_id = $T AND status = $1 AND birthday <> ''
		AND substr(birthday, length(birthday) - 4, 5) IN (` + in + `) ORDER BY id`
	var out []reportline.User
	if err := tx.eachUser(ctx, q, append([]any{reportline.StatusActive}, args...), func(u reportline.User) { out = append(out, u) }); err != nil {
		return nil, fmt.Errorf("users with a birthday on %v: %w", monthDays, err)
	}
	return out, nil
}
