package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"reportline"
)

// auditLink is the JSON form of a link's terms in the audit log's before
// and after columns: readable by people, stable across versions.
type auditLink struct {
	Kind       reportline.Kind   `json:"kind"`
	Source     reportline.Source `json:"source"`
	ValidFrom  *time.Time        `json:"valid_from,omitempty"`
	ValidUntil *time.Time        `json:"valid_until,omitempty"`
	Comment    string            `json:"comment,omitempty"`
	CreatedBy  reportline.UserID `json:"created_by,omitempty"`
	CreatedAt  time.Time         `json:"created_at"`
}

func encodeAuditLink(l *reportline.Link) (sql.NullString, error) {
	if l == nil {
		return sql.NullString{}, nil
	}
	a := auditLink{Kind: l.Kind, Source: l.Source, Comment: l.Comment, CreatedBy: l.CreatedBy, CreatedAt: l.CreatedAt}
	if !l.ValidFrom.IsZero() {
		a.ValidFrom = &l.ValidFrom
	}
	if !l.ValidUntil.IsZero() {
		a.ValidUntil = &l.ValidUntil
	}
	b, err := json.Marshal(a)
	return sql.NullString{String: string(b), Valid: true}, err
}

func decodeAuditLink(s sql.NullString, p reportline.Pair) (*reportline.Link, error) {
	if !s.Valid {
		return nil, nil
	}
	var a auditLink
	if err := json.Unmarshal([]byte(s.String), &a); err != nil {
		return nil, err
	}
	l := &reportline.Link{ManagerID: p.ManagerID, ManageeID: p.ManageeID, Kind: a.Kind, Source: a.Source,
		Comment: a.Comment, CreatedBy: a.CreatedBy, CreatedAt: a.CreatedAt}
	if a.ValidFrom != nil {
		l.ValidFrom = *a.ValidFrom
	}
	if a.ValidUntil != nil {
		l.ValidUntil = *a.ValidUntil
	}
	return l, nil
}

// AppendAudit writes entries to the append-only audit log.
func (tx *Tx) AppendAudit(ctx context.Context, entries []reportline.AuditEntry) error {
	for _, e := range entries {
		before, err := encodeAuditLink(e.Before)
		if err != nil {
			return fmt.Errorf("append audit: %w", err)
		}
		after, err := encodeAuditLink(e.After)
		if err != nil {
			return fmt.Errorf("append audit: %w", err)
		}
		if _, err := tx.exec(ctx, `INSERT INTO audit_log (tenant_id, at, actor_id, source, batch_id, action, manager_id, managee_id, before, after)
			VALUES ($T, $1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			micros(e.At), nullID(e.ActorID), e.Source, nullID(e.BatchID), e.Action, e.ManagerID, e.ManageeID, before, after); err != nil {
			return fmt.Errorf("append audit: %w", err)
		}
	}
	return tx.recordHistory(ctx, entries)
}

// Audit returns audit entries matching f, newest first.
func (tx *Tx) Audit(ctx context.Context, f reportline.AuditFilter) ([]reportline.AuditEntry, error) {
	where, args := []string{"1 = 1"}, []any{}
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if f.UserID != 0 {
		p := arg(f.UserID)
		where = append(where, "(manager_id = "+p+" OR managee_id = "+p+")")
	}
	if f.BatchID != 0 {
		where = append(where, "batch_id = "+arg(f.BatchID))
	}
	if f.BeforeID != 0 {
		where = append(where, "id < "+arg(f.BeforeID))
	}
	order := "DESC"
	if f.AfterID != 0 {
		where = append(where, "id > "+arg(f.AfterID))
		order = "ASC"
	}
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultPageSize
	}
	rows, err := tx.query(ctx, `SELECT id, at, COALESCE(actor_id, 0), source, COALESCE(batch_id, 0), action,
		manager_id, managee_id, before, after FROM audit_log WHERE tenant_id = $T AND `+strings.Join(where, " AND ")+
		` ORDER BY id `+order+` LIMIT `+arg(min(limit, MaxPageSize)), args...)
	if err != nil {
		return nil, fmt.Errorf("read audit: %w", err)
	}
	defer rows.Close()
	var out []reportline.AuditEntry
	for rows.Next() {
		var e reportline.AuditEntry
		var at int64
		var before, after sql.NullString
		if err := rows.Scan(&e.ID, &at, &e.ActorID, &e.Source, &e.BatchID, &e.Action, &e.ManagerID, &e.ManageeID, &before, &after); err != nil {
			return nil, fmt.Errorf("read audit: %w", err)
		}
		e.At = time.UnixMicro(at).UTC()
		p := reportline.Pair{ManagerID: e.ManagerID, ManageeID: e.ManageeID}
		if e.Before, err = decodeAuditLink(before, p); err != nil {
			return nil, fmt.Errorf("read audit %d: %w", e.ID, err)
		}
		if e.After, err = decodeAuditLink(after, p); err != nil {
			return nil, fmt.Errorf("read audit %d: %w", e.ID, err)
		}
		out = append(out, e)
	}
	return out, translate(rows.Err())
}
