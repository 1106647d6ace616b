package store

import (
	"context"
	"database/sql"
	"fmt"

	"reportline"
)

// Planned reorganisations (issue 20, docs/plans.md): plans and their items.

const planColumns = `id, name, status, source, created_by, created_at, approved_by, approved_at, effective_at, applied_at, result`

func scanPlan(s scanner) (reportline.Plan, error) {
	var p reportline.Plan
	var by int64
	var created, approvedBy, approvedAt, effective, applied sql.NullInt64
	err := s.Scan(&p.ID, &p.Name, &p.Status, &p.Source, &by, &created, &approvedBy, &approvedAt, &effective, &applied, &p.Result)
	p.CreatedBy, p.CreatedAt = reportline.UserID(by), fromMicros(created)
	p.ApprovedBy, p.ApprovedAt = reportline.UserID(approvedBy.Int64), fromMicros(approvedAt)
	p.EffectiveAt, p.AppliedAt = fromMicros(effective), fromMicros(applied)
	return p, translate(err)
}

// CreatePlan stores a new plan and sets its ID.
func (tx *Tx) CreatePlan(ctx context.Context, p *reportline.Plan) error {
	err := tx.queryRow(ctx, `INSERT INTO plans (tenant_id, name, status, source, created_by, created_at, result)
		VALUES ($T, $1, $2, $3, $4, $5, '') RETURNING id`, p.Name, string(p.Status), string(p.Source), int64(p.CreatedBy), micros(p.CreatedAt)).Scan(&p.ID)
	if err != nil {
		return fmt.Errorf("create plan: %w", translate(err))
	}
	return nil
}

// Plan returns one plan; NotFound when there is none.
func (tx *Tx) Plan(ctx context.Context, id int64) (reportline.Plan, error) {
	p, err := scanPlan(tx.queryRow(ctx, `SELECT `+planColumns+` FROM plans WHERE tenant_id = $T AND id = $1`, id))
	return p, notFound(err, "plan", id)
}

// Plans returns the tenant's plans, newest first, at most limit.
func (tx *Tx) Plans(ctx context.Context, limit int) ([]reportline.Plan, error) {
	rows, err := tx.query(ctx, `SELECT `+planColumns+` FROM plans WHERE tenant_id = $T ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("plans: %w", err)
	}
	return scanPlans(rows)
}

// DuePlans returns the scheduled plans whose time is at or before at, in
// the order they are due.
func (tx *Tx) DuePlans(ctx context.Context, at int64) ([]reportline.Plan, error) {
	rows, err := tx.query(ctx, `SELECT `+planColumns+` FROM plans
		WHERE tenant_id = $T AND status = 'scheduled' AND effective_at <= $1 ORDER BY effective_at, id`, at)
	if err != nil {
		return nil, fmt.Errorf("due plans: %w", err)
	}
	return scanPlans(rows)
}

func scanPlans(rows *sql.Rows) ([]reportline.Plan, error) {
	defer rows.Close()
	var out []reportline.Plan
	for rows.Next() {
		p, err := scanPlan(rows)
		if err != nil {
			return nil, fmt.Errorf("read plans: %w", err)
		}
		out = append(out, p)
	}
	return out, translate(rows.Err())
}

// MovePlan writes p's status, approval, schedule and result if the plan is
// still in status from, and reports whether it was: the one guard that
// makes an approval, a schedule or an apply happen once when two replicas
// or two admins race (PostgreSQL's row lock makes the second wait and then
// find the status moved; SQLite serialises writers).
func (tx *Tx) MovePlan(ctx context.Context, p reportline.Plan, from reportline.PlanStatus) (bool, error) {
	res, err := tx.exec(ctx, `UPDATE plans SET status = $2, approved_by = $3, approved_at = $4, effective_at = $5,
			applied_at = $6, result = $7
		WHERE tenant_id = $T AND id = $1 AND status = $8`,
		p.ID, string(p.Status), nullID(p.ApprovedBy), toMicros(p.ApprovedAt), toMicros(p.EffectiveAt),
		toMicros(p.AppliedAt), p.Result, string(from))
	if err != nil {
		return false, fmt.Errorf("update plan %d: %w", p.ID, translate(err))
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// AddPlanItems appends items to a plan, numbering them after its last one.
func (tx *Tx) AddPlanItems(ctx context.Context, plan int64, items []reportline.PlanItem) error {
	var last int
	if err := tx.queryRow(ctx, `SELECT COALESCE(MAX(seq), 0) FROM plan_items WHERE tenant_id = $T AND plan_id = $1`, plan).Scan(&last); err != nil {
		return fmt.Errorf("plan %d items: %w", plan, translate(err))
	}
	for i, it := range items {
		if _, err := tx.exec(ctx, `INSERT INTO plan_items (tenant_id, plan_id, seq, op, manager_id, managee_id, kind, line, valid_from, valid_until)
			VALUES ($T, $1, $2, $3, $4, $5, $6, $7, $8, $9)`, plan, last+i+1, string(it.Op), int64(it.ManagerID), int64(it.ManageeID),
			string(it.Kind), it.Line, toMicros(it.ValidFrom), toMicros(it.ValidUntil)); err != nil {
			return fmt.Errorf("add item %d to plan %d: %w", last+i+1, plan, translate(err))
		}
	}
	return nil
}

// DeletePlanItem removes one item of a plan; NotFound when there is none.
func (tx *Tx) DeletePlanItem(ctx context.Context, plan int64, seq int) error {
	res, err := tx.exec(ctx, `DELETE FROM plan_items WHERE tenant_id = $T AND plan_id = $1 AND seq = $2`, plan, seq)
	if err != nil {
		return fmt.Errorf("delete item %d of plan %d: %w", seq, plan, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &reportline.Error{Code: reportline.NotFound, Message: fmt.Sprintf("plan %d has no item %d", plan, seq)}
	}
	return nil
}

// PlanItems returns a plan's items in order.
func (tx *Tx) PlanItems(ctx context.Context, plan int64) ([]reportline.PlanItem, error) {
	rows, err := tx.query(ctx, `SELECT seq, op, manager_id, managee_id, kind, line, valid_from, valid_until FROM plan_items
		WHERE tenant_id = $T AND plan_id = $1 ORDER BY seq`, plan)
	if err != nil {
		return nil, fmt.Errorf("plan %d items: %w", plan, err)
	}
	defer rows.Close()
	var out []reportline.PlanItem
	for rows.Next() {
		it := reportline.PlanItem{PlanID: plan}
		var m, e int64
		var from, until sql.NullInt64
		if err := rows.Scan(&it.Seq, &it.Op, &m, &e, &it.Kind, &it.Line, &from, &until); err != nil {
			return nil, fmt.Errorf("read plan %d items: %w", plan, translate(err))
		}
		it.ManagerID, it.ManageeID = reportline.UserID(m), reportline.UserID(e)
		it.ValidFrom, it.ValidUntil = fromMicros(from), fromMicros(until)
		out = append(out, it)
	}
	return out, translate(rows.Err())
}
