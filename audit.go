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

// Change is one change to anything but a link, in the append-only change
// log: a user created or edited, a membership or role changed, a setting,
// a token, a directory write. Links keep their own log (AuditEntry), which
// the import history and the orphans report read.
type Change struct {
	ID      int64
	At      time.Time
	ActorID UserID // 0 for the system or a provisioning client
	Source  Source
	// Action is the policy action that allowed the change (user.edit,
	// group.members.change, settings.change…).
	Action string
	// What names the object changed when it is not a user or a group:
	// "setting assign_mode", "token 12", "scim client 3".
	What    string
	UserID  UserID  // the person concerned, 0 when none
	GroupID GroupID // the group concerned, 0 when none
	// Before and After are JSON documents of the changed fields; empty for
	// a creation (Before) or a deletion (After).
	Before, After string
}

// ChangeFilter selects change-log entries, newest first.
type ChangeFilter struct {
	UserID   UserID // entries about this person
	ActorID  UserID // entries made by this person
	Action   string
	BeforeID int64 // keyset pagination: entries older than this id
	Limit    int
}
