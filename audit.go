package reportline

import "time"

// Action is what an audit entry records.
type Action string

// The audited actions on links.
const (
	ActionAdd    Action = "add"
	ActionRemove Action = "remove"
	ActionUpdate Action = "update"
)

// AuditEntry is one change to one link, in the append-only audit log.
type AuditEntry struct {
	ID        int64
	At        time.Time
	ActorID   UserID // 0 for the system
	Source    Source
	BatchID   int64 // the import batch, 0 when none
	Action    Action
	ManagerID UserID
	ManageeID UserID
	Before    *Link // nil for an add
	After     *Link // nil for a remove
}
