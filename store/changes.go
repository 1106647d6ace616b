package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"reportline"
)

// AppendChanges writes entries to the append-only change log.
func (tx *Tx) AppendChanges(ctx context.Context, entries []reportline.Change) error {
	for _, e := range entries {
		if _, err := tx.exec(ctx, `INSERT INTO change_log (tenant_id, at, actor_id, source, action, what, user_id, group_id, before, after)
			VALUES ($T, $1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			micros(e.At), nullID(e.ActorID), e.Source, e.Action, e.What, nullID(e.UserID), nullID(e.GroupID), e.Before, e.After); err != nil {
			return fmt.Errorf("append change: %w", err)
		}
	}
	return nil
}

// Changes returns change-log entries matching f, newest first.
func (tx *Tx) Changes(ctx context.Context, f reportline.ChangeFilter) ([]reportline.Change, error) {
	where, args := []string{"1 = 1"}, []any{}
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if f.UserID != 0 {
		where = append(where, "user_id = "+arg(f.UserID))
	}
	if f.ActorID != 0 {
		where = append(where, "actor_id = "+arg(f.ActorID))
	}
	if f.Action != "" {
		where = append(where, "action = "+arg(f.Action))
	}
	if f.BeforeID != 0 {
		where = append(where, "id < "+arg(f.BeforeID))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultPageSize
	}
	rows, err := tx.query(ctx, `SELECT id, at, COALESCE(actor_id, 0), source, action, what, COALESCE(user_id, 0),
		COALESCE(group_id, 0), before, after FROM change_log WHERE tenant_id = $T AND `+strings.Join(where, " AND ")+
		` ORDER BY id DESC LIMIT `+arg(min(limit, MaxPageSize)), args...)
	if err != nil {
		return nil, fmt.Errorf("read changes: %w", err)
	}
	defer rows.Close()
	var out []reportline.Change
	for rows.Next() {
		var e reportline.Change
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.ActorID, &e.Source, &e.Action, &e.What, &e.UserID, &e.GroupID, &e.Before, &e.After); err != nil {
			return nil, fmt.Errorf("read changes: %w", err)
		}
		e.At = time.UnixMicro(at).UTC()
		out = append(out, e)
	}
	return out, translate(rows.Err())
}
