package reportline

import "time"

// Planned reorganisations (issue 20): a named set of link changes drafted
// ahead, approved when the tenant requires it, and applied all at once at
// a date (docs/plans.md).

// PlanStatus is where a plan is in its life.
type PlanStatus string

// The statuses of a plan. Only a draft takes items; approval freezes them.
const (
	PlanDraft     PlanStatus = "draft"
	PlanApproved  PlanStatus = "approved"
	PlanScheduled PlanStatus = "scheduled"
	PlanApplied   PlanStatus = "applied"
	PlanFailed    PlanStatus = "failed"    // refused at apply time: nothing changed
	PlanCancelled PlanStatus = "cancelled" // before it was applied
)

// PlanOp is what one item of a plan does to a pair.
type PlanOp string

// The operations of a plan item.
const (
	PlanAdd    PlanOp = "add"    // make a link that does not exist
	PlanRemove PlanOp = "remove" // remove a link that exists
	PlanKind   PlanOp = "kind"   // change an existing link's kind
)

// Plan is a draft reorganisation and, once applied, its result.
type Plan struct {
	ID          int64
	Name        string
	Status      PlanStatus
	Source      Source // the way in it was drafted through: the source of the links it makes
	CreatedBy   UserID
	CreatedAt   time.Time
	ApprovedBy  UserID    // 0 while not approved
	ApprovedAt  time.Time // zero while not approved
	EffectiveAt time.Time // when it is scheduled for; zero while not scheduled
	AppliedAt   time.Time // when it was applied or refused
	Result      string    // the apply report (JSON), empty before
}

// PlanItem is one change of a plan, in the order it is applied.
type PlanItem struct {
	PlanID    int64
	Seq       int // 1-based order within the plan
	Op        PlanOp
	ManagerID UserID
	ManageeID UserID
	Kind      Kind // the new link's kind (add, kind); the removed link's when known
	Line      int  // the CSV line it came from, 0 when added by hand
	// ValidFrom and ValidUntil are the dates of the link an add or kind
	// change leaves (a dated CSV line); zero when open.
	ValidFrom, ValidUntil time.Time
}

// Pair is the item's pair.
func (it PlanItem) Pair() Pair { return Pair{ManagerID: it.ManagerID, ManageeID: it.ManageeID} }
