package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"reportline"
)

// Absences, their covered managees, and the reports flagged when their
// manager left (issue 20, migration 0028, docs/absences.md).

// CreateAbsence stores a and its managees and sets its ID.
func (tx *Tx) CreateAbsence(ctx context.Context, a *reportline.Absence) error {
	err := tx.queryRow(ctx, `INSERT INTO absences (tenant_id, manager_id, delegate_id, delegate_from, starts_at, ends_at,
			created_by, created_at) VALUES ($T, $1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		int64(a.ManagerID), int64(a.DelegateID), string(a.DelegateFrom), micros(a.Starts), micros(a.Ends),
		int64(a.CreatedBy), micros(a.CreatedAt)).Scan(&a.ID)
	if err != nil {
		return fmt.Errorf("create absence: %w", translate(err))
	}
	for _, m := range a.Managees {
		if _, err := tx.exec(ctx, `INSERT INTO absence_links (tenant_id, absence_id, managee_id) VALUES ($T, $1, $2)`,
			int64(a.ID), int64(m)); err != nil {
			return fmt.Errorf("create absence %d: managee %d: %w", a.ID, m, translate(err))
		}
	}
	return nil
}

// EndAbsence moves an absence's end to at and records that someone ended
// it; NotFound when there is no such absence.
func (tx *Tx) EndAbsence(ctx context.Context, id reportline.AbsenceID, ends, at time.Time) error {
	res, err := tx.exec(ctx, `UPDATE absences SET ends_at = $2, ended_at = $3 WHERE tenant_id = $T AND id = $1`,
		int64(id), micros(ends), micros(at))
	if err != nil {
		return fmt.Errorf("end absence %d: %w", id, translate(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &reportline.Error{Code: reportline.NotFound, Message: fmt.Sprintf("absence %d not found", id)}
	}
	return nil
}

const absenceColumns = `id, manager_id, delegate_id, delegate_from, starts_at, ends_at, ended_at, created_by, created_at`

// Absence returns one absence with its managees.
func (tx *Tx) Absence(ctx context.Context, id reportline.AbsenceID) (reportline.Absence, error) {
	out, err := tx.absences(ctx, `SELECT `+absenceColumns+` FROM absences WHERE tenant_id = $T AND id = $1`, int64(id))
	if err != nil {
		return reportline.Absence{}, err
	}
	if len(out) == 0 {
		return reportline.Absence{}, &reportline.Error{Code: reportline.NotFound, Message: fmt.Sprintf("absence %d not found", id)}
	}
	return out[0], nil
}

// Absences returns the absences the filter selects, by start, with their
// managees.
func (tx *Tx) Absences(ctx context.Context, f reportline.AbsenceFilter) ([]reportline.Absence, error) {
	// One statement with optional conditions: a zero filter field matches all.
	return tx.absences(ctx, `SELECT `+absenceColumns+` FROM absences WHERE tenant_id = $T
		AND ($1 = 0 OR manager_id = $1) AND ($2 = 0 OR delegate_id = $2)
		AND ($3 = 0 OR id IN (SELECT absence_id FROM absence_links WHERE tenant_id = $T AND managee_id = $3))
		AND ends_at > $4
		ORDER BY starts_at, id`, int64(f.ManagerID), int64(f.DelegateID), int64(f.ManageeID), micros(f.After))
}

// AbsencesStartingOrEnding returns the absences whose start or end falls
// in (from, to], for schedule.TakeEffect.
func (tx *Tx) AbsencesStartingOrEnding(ctx context.Context, from, to time.Time) ([]reportline.Absence, error) {
	return tx.absences(ctx, `SELECT `+absenceColumns+` FROM absences WHERE tenant_id = $T AND
		((starts_at > $1 AND starts_at <= $2) OR (ends_at > $1 AND ends_at <= $2)) ORDER BY id`, micros(from), micros(to))
}

func (tx *Tx) absences(ctx context.Context, q string, args ...any) ([]reportline.Absence, error) {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("absences: %w", translate(err))
	}
	var out []reportline.Absence
	for rows.Next() {
		var a reportline.Absence
		var mgr, del, by, starts, ends, created int64
		var from string
		var ended sql.NullInt64
		if err := rows.Scan(&a.ID, &mgr, &del, &from, &starts, &ends, &ended, &by, &created); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read absences: %w", translate(err))
		}
		a.ManagerID, a.DelegateID, a.DelegateFrom, a.CreatedBy = reportline.UserID(mgr), reportline.UserID(del), reportline.DelegateFrom(from), reportline.UserID(by)
		a.Starts, a.Ends, a.CreatedAt, a.EndedAt = time.UnixMicro(starts).UTC(), time.UnixMicro(ends).UTC(), time.UnixMicro(created).UTC(), fromMicros(ended)
		out = append(out, a)
	}
	if err := translate(rows.Err()); err != nil {
		rows.Close()
		return nil, err
	}
	rows.Close()
	for i := range out {
		if out[i].Managees, err = tx.absenceManagees(ctx, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (tx *Tx) absenceManagees(ctx context.Context, id reportline.AbsenceID) ([]reportline.UserID, error) {
	rows, err := tx.query(ctx, `SELECT managee_id FROM absence_links WHERE tenant_id = $T AND absence_id = $1 ORDER BY managee_id`, int64(id))
	if err != nil {
		return nil, fmt.Errorf("absence %d managees: %w", id, translate(err))
	}
	defer rows.Close()
	var out []reportline.UserID
	for rows.Next() {
		var m int64
		if err := rows.Scan(&m); err != nil {
			return nil, translate(err)
		}
		out = append(out, reportline.UserID(m))
	}
	return out, translate(rows.Err())
}

// FlagLeaverReports records reports left without a manager when leaver was
// deactivated; flagging one twice keeps the first time.
func (tx *Tx) FlagLeaverReports(ctx context.Context, leaver reportline.UserID, managees []reportline.UserID, at time.Time) error {
	for _, m := range managees {
		if _, err := tx.exec(ctx, `INSERT INTO leaver_flags (tenant_id, managee_id, leaver_id, flagged_at) VALUES ($T, $1, $2, $3)
			ON CONFLICT (tenant_id, managee_id, leaver_id) DO NOTHING`, int64(m), int64(leaver), micros(at)); err != nil {
			return fmt.Errorf("flag report %d of %d: %w", m, leaver, translate(err))
		}
	}
	return nil
}

// LeaverFlags returns the flagged reports, oldest first (leaver 0: all).
func (tx *Tx) LeaverFlags(ctx context.Context, leaver reportline.UserID) ([]reportline.LeaverFlagRow, error) {
	q := `SELECT managee_id, leaver_id, flagged_at FROM leaver_flags WHERE tenant_id = $T`
	var args []any
	if leaver != 0 {
		q += ` AND leaver_id = $1`
		args = append(args, int64(leaver))
	}
	rows, err := tx.query(ctx, q+` ORDER BY flagged_at, managee_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("leaver flags: %w", translate(err))
	}
	defer rows.Close()
	var out []reportline.LeaverFlagRow
	for rows.Next() {
		var m, l, at int64
		if err := rows.Scan(&m, &l, &at); err != nil {
			return nil, translate(err)
		}
		out = append(out, reportline.LeaverFlagRow{ManageeID: reportline.UserID(m), LeaverID: reportline.UserID(l), FlaggedAt: time.UnixMicro(at).UTC()})
	}
	return out, translate(rows.Err())
}

// ClearLeaverFlags removes the flags of a managee (who got a manager again).
func (tx *Tx) ClearLeaverFlags(ctx context.Context, managee reportline.UserID) error {
	if _, err := tx.exec(ctx, `DELETE FROM leaver_flags WHERE tenant_id = $T AND managee_id = $1`, int64(managee)); err != nil {
		return fmt.Errorf("clear leaver flags of %d: %w", managee, translate(err))
	}
	return nil
}

// LeaverLinks returns up to limit stored links from an inactive manager to
// an active managee that no flag records yet: the reports of managers who
// left, for the leaver sweep to apply its setting to.
func (tx *Tx) LeaverLinks(ctx context.Context, limit int) ([]reportline.Link, error) {
	rows, err := tx.query(ctx, `SELECT l.manager_id, l.managee_id, l.kind FROM links l
		JOIN users m ON m.tenant_id = $T AND m.id = l.manager_id AND m.status = 'inactive'
		JOIN users e ON e.tenant_id = $T AND e.id = l.managee_id AND e.status = 'active'
		WHERE l.tenant_id = $T AND NOT EXISTS (SELECT 1 FROM leaver_flags f
			WHERE f.tenant_id = $T AND f.managee_id = l.managee_id AND f.leaver_id = l.manager_id)
		ORDER BY l.manager_id, l.managee_id LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("leaver links: %w", translate(err))
	}
	defer rows.Close()
	var out []reportline.Link
	for rows.Next() {
		var m, e int64
		var l reportline.Link
		if err := rows.Scan(&m, &e, &l.Kind); err != nil {
			return nil, translate(err)
		}
		l.ManagerID, l.ManageeID = reportline.UserID(m), reportline.UserID(e)
		out = append(out, l)
	}
	return out, translate(rows.Err())
}
