package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"reportline"
)

// Link history (issue 19, docs/orgchart.md). Every link change reaches the
// store with its audit entry (AppendAudit, ApplyLinkChanges); the store
// writes the history from that entry in the same transaction: a remove or
// an update closes the pair's open period at the entry's time, an add or
// an update opens one. No trigger, so the same code runs on SQLite,
// PostgreSQL and Citus (which refuses triggers on distributed tables), and
// the history's times are the application's clock, as the audit's are.

// historyOpen is the period an add or an update opens.
const historyOpen = `INSERT INTO link_history (tenant_id, manager_id, managee_id, kind, source, valid_from, valid_until,
	effective_from, effective_to, recorded_at, origin)
	VALUES ($T, $1, $2, $3, $4, $5, $6, $7, $8, $9, 'change')`

// historyClose ends the pair's open period at $3.
const historyClose = `UPDATE link_history SET ended_at = $3, effective_to = CASE
		WHEN effective_to IS NOT NULL AND effective_to < $3 THEN effective_to
		WHEN effective_from > $3 THEN effective_from
		ELSE $3 END
	WHERE tenant_id = $T AND manager_id = $1 AND managee_id = $2 AND ended_at IS NULL`

// periodOf is the effective period an audit entry's after-image opens.
func periodOf(e reportline.AuditEntry) (from int64, to sql.NullInt64) {
	l := e.After
	from = micros(e.At)
	if !l.ValidFrom.IsZero() {
		from = micros(l.ValidFrom)
	}
	to = toMicros(l.ValidUntil)
	if to.Valid && to.Int64 < from {
		to.Int64 = from
	}
	return from, to
}

func opens(e reportline.AuditEntry) bool {
	return e.After != nil && (e.Action == reportline.ActionAdd || e.Action == reportline.ActionUpdate)
}

func closes(e reportline.AuditEntry) bool {
	return e.Action == reportline.ActionRemove || e.Action == reportline.ActionUpdate
}

func openArgs(e reportline.AuditEntry) []any {
	from, to := periodOf(e)
	l := e.After
	return []any{int64(e.ManagerID), int64(e.ManageeID), string(l.Kind), string(l.Source), toMicros(l.ValidFrom), toMicros(l.ValidUntil),
		from, to, micros(e.At)}
}

// recordHistory writes the history of audit entries (the single changes
// and SQLite's bulk path): per entry, the close then the open, each one
// prepared statement reused across the entries.
func (tx *Tx) recordHistory(ctx context.Context, entries []reportline.AuditEntry) error {
	if len(entries) == 0 {
		return nil
	}
	closeStmt, err := tx.prepare(ctx, historyClose)
	if err != nil {
		return fmt.Errorf("link history: %w", err)
	}
	defer closeStmt.Close()
	openStmt, err := tx.prepare(ctx, historyOpen)
	if err != nil {
		return fmt.Errorf("link history: %w", err)
	}
	defer openStmt.Close()
	for _, e := range entries {
		if closes(e) {
			if _, err := closeStmt.ExecContext(ctx, int64(e.ManagerID), int64(e.ManageeID), micros(e.At)); err != nil {
				return fmt.Errorf("link history: %w", err)
			}
		}
		if opens(e) {
			if _, err := openStmt.ExecContext(ctx, openArgs(e)...); err != nil {
				return fmt.Errorf("link history: %w", err)
			}
		}
	}
	return nil
}

// recordHistoryPostgres writes the history of a chunk of a bulk change set
// on PostgreSQL's COPY path: the pairs whose open period ends are copied
// into a session table and closed by one statement, then the new periods
// are copied into the history (in that order: an update closes the old
// period before it opens the new one).
func (tx *Tx) recordHistoryPostgres(ctx context.Context, conn *pgx.Conn, entries []reportline.AuditEntry) error {
	var closing, opening []reportline.AuditEntry
	for _, e := range entries {
		if closes(e) {
			closing = append(closing, e)
		}
		if opens(e) {
			opening = append(opening, e)
		}
	}
	if len(closing) > 0 {
		if _, err := conn.Exec(ctx, `CREATE TEMP TABLE IF NOT EXISTS link_history_ends (manager_id BIGINT, managee_id BIGINT, at BIGINT)
			ON COMMIT DELETE ROWS`); err != nil {
			return fmt.Errorf("link history: %w", err)
		}
		if err := copyRows(ctx, conn, "link_history_ends", nil, []string{"manager_id", "managee_id", "at"}, len(closing), func(i int) ([]any, error) {
			e := closing[i]
			return []any{int64(e.ManagerID), int64(e.ManageeID), micros(e.At)}, nil
		}); err != nil {
			return err
		}
		// Statistics, so that the close joins through the managees' index
		// rather than reading the whole history.
		if _, err := conn.Exec(ctx, `ANALYZE link_history_ends`); err != nil {
			return fmt.Errorf("link history: %w", err)
		}
		if _, err := conn.Exec(ctx, tx.pgBind(`UPDATE link_history h SET ended_at = c.at, effective_to = CASE
				WHEN h.effective_to IS NOT NULL AND h.effective_to < c.at THEN h.effective_to
				WHEN h.effective_from > c.at THEN h.effective_from
				ELSE c.at END
			FROM link_history_ends c
			WHERE h.tenant_id = $T AND h.manager_id = c.manager_id AND h.managee_id = c.managee_id AND h.ended_at IS NULL`), tx.tenant); err != nil {
			return fmt.Errorf("link history: close: %w", translate(err))
		}
		if _, err := conn.Exec(ctx, `TRUNCATE link_history_ends`); err != nil {
			return fmt.Errorf("link history: %w", err)
		}
	}
	cols := []string{"manager_id", "managee_id", "kind", "source", "valid_from", "valid_until", "effective_from", "effective_to", "recorded_at", "origin"}
	return copyRows(ctx, conn, "link_history", tx.tenant, cols, len(opening), func(i int) ([]any, error) {
		return append(openArgs(opening[i]), string(reportline.OriginChange)), nil
	})
}

const periodColumns = `h.manager_id, h.managee_id, h.kind, h.source, h.valid_from, h.valid_until,
	h.effective_from, h.effective_to, h.recorded_at, h.ended_at, h.origin`

func scanPeriod(s scanner) (reportline.LinkPeriod, error) {
	var p reportline.LinkPeriod
	var vfrom, vuntil, eto, ended sql.NullInt64
	var efrom, recorded int64
	if err := s.Scan(&p.ManagerID, &p.ManageeID, &p.Kind, &p.Source, &vfrom, &vuntil, &efrom, &eto, &recorded, &ended, &p.Origin); err != nil {
		return p, translate(err)
	}
	p.ValidFrom, p.ValidUntil = fromMicros(vfrom), fromMicros(vuntil)
	p.From = fromMicros(sql.NullInt64{Int64: efrom, Valid: true})
	p.To = fromMicros(eto)
	p.RecordedAt = fromMicros(sql.NullInt64{Int64: recorded, Valid: true})
	p.EndedAt = fromMicros(ended)
	p.CreatedAt = p.RecordedAt
	return p, nil
}

// covers is the condition "period h covers the instant $1".
const covers = `h.effective_from <= $1 AND (h.effective_to IS NULL OR h.effective_to > $1)`

// LinksAsOf returns the links in effect at the instant at, as the history
// knows them now, on one side of the given users: their managers (dir
// Managers) or the users they manage (dir Managees). Where two periods of a
// pair cover the instant (a change whose dates reach back), the later
// recorded one wins. Ordered by manager then managee.
func (tx *Tx) LinksAsOf(ctx context.Context, dir reportline.Direction, users []reportline.UserID, at time.Time) ([]reportline.LinkPeriod, error) {
	column, index := "managee_id", "link_history_managee"
	if dir == reportline.Managees {
		column, index = "manager_id", "link_history_manager"
	}
	var out []reportline.LinkPeriod
	for _, c := range chunks(users) {
		in, args := inList(2, c)
		// Every period covering the instant, a pair's in the order recorded;
		// the last of each pair is kept below. A NOT EXISTS for "no later
		// period covers it" did the same in SQL, but probed the manager's
		// index once per row: quadratic in a manager's reports, so the org
		// chart's read grew with the organisation (docs/benchmarks.md).
		rows, err := tx.query(ctx, `SELECT `+periodColumns+` FROM link_history h`+tx.indexedBy(index)+`
			WHERE h.tenant_id = $T AND h.`+column+` IN (`+in+`) AND `+covers+`
			ORDER BY h.manager_id, h.managee_id, h.id`, append([]any{micros(at)}, args...)...)
		if err != nil {
			return nil, fmt.Errorf("links as of: %w", err)
		}
		for rows.Next() {
			p, err := scanPeriod(rows)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("links as of: %w", err)
			}
			if n := len(out); n > 0 && out[n-1].Pair() == p.Pair() {
				out[n-1] = p // recorded later: it wins
				continue
			}
			out = append(out, p)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("links as of: %w", translate(err))
		}
	}
	return out, nil
}

// LinkPeriods returns every period of the links on either side of a user,
// in the order they were recorded.
func (tx *Tx) LinkPeriods(ctx context.Context, user reportline.UserID) ([]reportline.LinkPeriod, error) {
	rows, err := tx.query(ctx, `SELECT `+periodColumns+` FROM link_history h
		WHERE h.tenant_id = $T AND (h.manager_id = $1 OR h.managee_id = $1) ORDER BY h.id`, user)
	if err != nil {
		return nil, fmt.Errorf("link periods: %w", err)
	}
	defer rows.Close()
	var out []reportline.LinkPeriod
	for rows.Next() {
		p, err := scanPeriod(rows)
		if err != nil {
			return nil, fmt.Errorf("link periods: %w", err)
		}
		out = append(out, p)
	}
	return out, translate(rows.Err())
}

// HistoryStart returns when the history of links the audit log never
// recorded starts (migration 0020): before it, the history may miss links.
// Zero when every link's history comes from its changes.
func (tx *Tx) HistoryStart(ctx context.Context) (time.Time, error) {
	var n sql.NullInt64
	if err := tx.queryRow(ctx, `SELECT min(recorded_at) FROM link_history WHERE tenant_id = $T AND origin = 'migration'`).Scan(&n); err != nil {
		return time.Time{}, fmt.Errorf("history start: %w", translate(err))
	}
	return fromMicros(n), nil
}

// EachLinkRowAsOf calls fn for every link in effect at the instant at, as
// the history knows it now, with its users' addresses, in the order and
// form of EachLinkRow (an export as of a date). CreatedAt is when the
// period was recorded.
func (tx *Tx) EachLinkRowAsOf(ctx context.Context, at time.Time, fn func(reportline.LinkRow) error) error {
	// A pair's periods covering the instant come in the order recorded and
	// the last one wins (as in LinksAsOf): each row is sent once the next
	// row shows it was its pair's last.
	rows, err := tx.query(ctx, `SELECT m.email, e.email, h.manager_id, h.managee_id, h.kind, h.source, h.valid_from, h.valid_until, h.recorded_at
		FROM link_history h JOIN users m ON m.tenant_id = $T AND m.id = h.manager_id JOIN users e ON e.tenant_id = $T AND e.id = h.managee_id
		WHERE h.tenant_id = $T AND `+covers+`
		ORDER BY h.managee_id, h.manager_id, h.id`, micros(at))
	if err != nil {
		return fmt.Errorf("export links as of: %w", err)
	}
	defer rows.Close()
	var r, held reportline.LinkRow
	var from, until sql.NullInt64
	var recorded int64
	holding := false
	for rows.Next() {
		if err := rows.Scan(&r.ManagerEmail, &r.ManageeEmail, &r.ManagerID, &r.ManageeID, &r.Kind, &r.Source, &from, &until, &recorded); err != nil {
			return fmt.Errorf("export links as of: %w", err)
		}
		r.ValidFrom, r.ValidUntil = fromMicros(from), fromMicros(until)
		r.CreatedAt = fromMicros(sql.NullInt64{Int64: recorded, Valid: true})
		if holding && (held.ManagerID != r.ManagerID || held.ManageeID != r.ManageeID) {
			if err := fn(held); err != nil {
				return err
			}
		}
		held, holding = r, true
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("export links as of: %w", translate(err))
	}
	if holding {
		return fn(held)
	}
	return nil
}
