package usecase

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"reportline"
	"reportline/policy"
)

// ChangeTx is the storage of the change log.
type ChangeTx interface {
	AppendChanges(ctx context.Context, entries []reportline.Change) error
}

// Record appends a change to the change log (every mutation but link
// changes, which go to the audit log), at the given time, for the actor and
// the policy row that allowed it.
func Record(ctx context.Context, tx ChangeTx, at time.Time, actor Actor, action policy.Action, c reportline.Change) error {
	c.At = at
	c.ActorID = actor.ID()
	c.Source = actor.Source
	c.Action = string(action)
	return tx.AppendChanges(ctx, []reportline.Change{c})
}

// JSON renders a change's before or after document; nil gives "".
func JSON(v any) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%q", fmt.Sprint(v))
	}
	return string(b)
}

// RoleJSON is the change-log document of a membership's role; nil gives "".
func RoleJSON(m *reportline.Membership) string {
	if m == nil {
		return ""
	}
	return JSON(map[string]any{"group_id": m.GroupID, "role": m.Role})
}
