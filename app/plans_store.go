package app

import (
	"context"

	"reportline"
)

// planTx is the storage of planned reorganisations (store/reorgs.go).
type planTx interface {
	CreatePlan(ctx context.Context, p *reportline.Plan) error
	Plan(ctx context.Context, id int64) (reportline.Plan, error)
	Plans(ctx context.Context, limit int) ([]reportline.Plan, error)
	// DuePlans returns the scheduled plans due at or before at (Unix µs).
	DuePlans(ctx context.Context, at int64) ([]reportline.Plan, error)
	// MovePlan writes the plan if it is still in status from.
	MovePlan(ctx context.Context, p reportline.Plan, from reportline.PlanStatus) (bool, error)
	AddPlanItems(ctx context.Context, plan int64, items []reportline.PlanItem) error
	DeletePlanItem(ctx context.Context, plan int64, seq int) error
	PlanItems(ctx context.Context, plan int64) ([]reportline.PlanItem, error)
}
