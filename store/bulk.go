package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"reportline"
)

// ApplyLinkChanges writes a set of changes in the transaction using each
// engine's fast path: COPY on PostgreSQL, one prepared statement per kind
// of row on SQLite (which beats multi-row VALUES on this driver).
func (tx *Tx) ApplyLinkChanges(ctx context.Context, c reportline.LinkChanges) error {
	if tx.noTriggers && len(c.Remove)+len(c.Update)+len(c.Insert) > 0 {
		// COPY and the driver's own statements bypass noteWrite.
		tx.graphDirty = true
	}
	if tx.engine == Postgres {
		return tx.applyPostgres(ctx, c)
	}
	return tx.applySQLite(ctx, c)
}

func (tx *Tx) applySQLite(ctx context.Context, c reportline.LinkChanges) error {
	type step struct {
		query string
		n     int
		args  func(i int) ([]any, error)
	}
	steps := []step{
		{`DELETE FROM links WHERE tenant_id = $T AND manager_id = $1 AND managee_id = $2`, len(c.Remove), func(i int) ([]any, error) {
			return []any{c.Remove[i].ManagerID, c.Remove[i].ManageeID}, nil
		}},
		{`UPDATE links SET kind = $3, source = $4, valid_from = $5, valid_until = $6, comment = $7 WHERE tenant_id = $T AND manager_id = $1 AND managee_id = $2`,
			len(c.Update), func(i int) ([]any, error) {
				l := c.Update[i]
				return []any{l.ManagerID, l.ManageeID, l.Kind, l.Source, toMicros(l.ValidFrom), toMicros(l.ValidUntil), l.Comment}, nil
			}},
		{`INSERT INTO links (tenant_id, manager_id, managee_id, kind, source, valid_from, valid_until, comment, created_by, created_at)
			VALUES ($T, $1, $2, $3, $4, $5, $6, $7, $8, $9)`, len(c.Insert), func(i int) ([]any, error) {
			return linkRow(c.Insert[i]), nil
		}},
		{`INSERT INTO audit_log (tenant_id, at, actor_id, source, batch_id, action, manager_id, managee_id, before, after)
			VALUES ($T, $1, $2, $3, $4, $5, $6, $7, $8, $9)`, len(c.Audit), func(i int) ([]any, error) {
			return auditRow(c.Audit[i])
		}},
	}
	for _, s := range steps {
		if s.n == 0 {
			continue
		}
		stmt, err := tx.prepare(ctx, s.query)
		if err != nil {
			return fmt.Errorf("apply changes: %w", err)
		}
		for i := range s.n {
			args, err := s.args(i)
			if err == nil {
				_, err = stmt.ExecContext(ctx, args...)
			}
			if err != nil {
				stmt.Close()
				return fmt.Errorf("apply changes: %w", translate(err))
			}
		}
		stmt.Close()
	}
	return tx.recordHistory(ctx, c.Audit)
}

func linkRow(l reportline.Link) []any {
	return []any{int64(l.ManagerID), int64(l.ManageeID), string(l.Kind), string(l.Source), toMicros(l.ValidFrom), toMicros(l.ValidUntil),
		l.Comment, nullID(l.CreatedBy), micros(l.CreatedAt)}
}

func auditRow(e reportline.AuditEntry) ([]any, error) {
	before, err := encodeAuditLink(e.Before)
	if err != nil {
		return nil, err
	}
	after, err := encodeAuditLink(e.After)
	if err != nil {
		return nil, err
	}
	return []any{micros(e.At), nullID(e.ActorID), string(e.Source), nullID(e.BatchID), string(e.Action),
		int64(e.ManagerID), int64(e.ManageeID), before, after}, nil
}

func (tx *Tx) applyPostgres(ctx context.Context, c reportline.LinkChanges) error {
	return tx.conn.Raw(func(driverConn any) error {
		conn := driverConn.(*stdlib.Conn).Conn()
		if len(c.Remove) > 0 {
			if _, err := conn.Exec(ctx, `CREATE TEMP TABLE IF NOT EXISTS link_removals (manager_id BIGINT, managee_id BIGINT) ON COMMIT DELETE ROWS`); err != nil {
				return fmt.Errorf("apply changes: %w", err)
			}
			if err := copyRows(ctx, conn, "link_removals", nil, []string{"manager_id", "managee_id"}, len(c.Remove), func(i int) ([]any, error) {
				return []any{int64(c.Remove[i].ManagerID), int64(c.Remove[i].ManageeID)}, nil
			}); err != nil {
				return err
			}
			if _, err := conn.Exec(ctx, tx.pgBind(`DELETE FROM links l USING link_removals r
				WHERE l.tenant_id = $T AND l.manager_id = r.manager_id AND l.managee_id = r.managee_id`), tx.tenant); err != nil {
				return fmt.Errorf("apply changes: delete: %w", translate(err))
			}
			// Emptied after each chunk: the table lives until commit, and
			// every later chunk's delete would join the earlier rows too.
			if _, err := conn.Exec(ctx, `TRUNCATE link_removals`); err != nil {
				return fmt.Errorf("apply changes: %w", err)
			}
		}
		if len(c.Update) > 0 {
			if _, err := conn.Exec(ctx, `CREATE TEMP TABLE IF NOT EXISTS link_changes (LIKE links) ON COMMIT DELETE ROWS`); err != nil {
				return fmt.Errorf("apply changes: %w", err)
			}
			if err := copyRows(ctx, conn, "link_changes", tx.tenant, linkCopyColumns, len(c.Update), func(i int) ([]any, error) { return linkRow(c.Update[i]), nil }); err != nil {
				return err
			}
			if _, err := conn.Exec(ctx, tx.pgBind(`UPDATE links l SET kind = c.kind, source = c.source, valid_from = c.valid_from,
				valid_until = c.valid_until, comment = c.comment FROM link_changes c
				WHERE l.tenant_id = $T AND l.manager_id = c.manager_id AND l.managee_id = c.managee_id`), tx.tenant); err != nil {
				return fmt.Errorf("apply changes: update: %w", translate(err))
			}
			if _, err := conn.Exec(ctx, `TRUNCATE link_changes`); err != nil {
				return fmt.Errorf("apply changes: %w", err)
			}
		}
		if err := copyRows(ctx, conn, "links", tx.tenant, linkCopyColumns, len(c.Insert), func(i int) ([]any, error) { return linkRow(c.Insert[i]), nil }); err != nil {
			return err
		}
		if err := copyRows(ctx, conn, "audit_log", tx.tenant, []string{"at", "actor_id", "source", "batch_id", "action", "manager_id", "managee_id", "before", "after"},
			len(c.Audit), func(i int) ([]any, error) { return auditRow(c.Audit[i]) }); err != nil {
			return err
		}
		return tx.recordHistoryPostgres(ctx, conn, c.Audit)
	})
}

// pgBind rewrites a statement for the driver's own connection (COPY's), to
// be run with the tenant as its first argument.
func (tx *Tx) pgBind(q string) string { return bindTenant(q, Postgres).q }

var linkCopyColumns = []string{"manager_id", "managee_id", "kind", "source", "valid_from", "valid_until", "comment", "created_by", "created_at"}

// copyRows streams n rows into table with COPY. A tenant-owned table takes
// the tenant (any TenantID) as the first column of every row; tenant is nil
// for a table of the session's own (a temporary table without it).
func copyRows(ctx context.Context, conn *pgx.Conn, table string, tenant any, cols []string, n int, row func(i int) ([]any, error)) error {
	if n == 0 {
		return nil
	}
	if tenant != nil {
		cols = append([]string{"tenant_id"}, cols...)
		inner := row
		row = func(i int) ([]any, error) {
			vals, err := inner(i)
			if err != nil {
				return nil, err
			}
			return append([]any{int64(tenant.(TenantID))}, vals...), nil
		}
	}
	_, err := conn.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromFunc(func() func() ([]any, error) {
		i := -1
		return func() ([]any, error) {
			i++
			if i >= n {
				return nil, nil
			}
			vals, err := row(i)
			if err != nil {
				return nil, err
			}
			for j, v := range vals {
				vals[j] = pgValue(v)
			}
			return vals, nil
		}
	}()))
	if err != nil {
		return fmt.Errorf("copy into %s: %w", table, translate(err))
	}
	return nil
}

// pgValue turns database/sql null wrappers into what pgx's COPY encoder
// takes.
func pgValue(v any) any {
	switch x := v.(type) {
	case sql.NullInt64:
		if !x.Valid {
			return nil
		}
		return x.Int64
	case sql.NullString:
		if !x.Valid {
			return nil
		}
		return x.String
	}
	return v
}
