package store

import "context"

// RecordOperatorLog writes a line of the operator log about the
// transaction's tenant, in the transaction: a tenant's grant of access to
// the operator (app.GrantOperatorAccess) is recorded there and in the
// tenant's own change log at once, or in neither.
func (tx *Tx) RecordOperatorLog(ctx context.Context, actor, action, detail string) error {
	return tx.operatorLog(ctx, actor, action, detail)
}
