package app

import (
	"context"

	"reportline"
)

// EveryEffectiveLinkForTest collects eachEffectiveLink, the all-at-once
// path, so that tests can hold it against the one-user paths.
func (a *App) EveryEffectiveLinkForTest(ctx context.Context) ([]reportline.Link, error) {
	var out []reportline.Link
	err := a.store.Read(ctx, func(tx Tx) error {
		return a.eachEffectiveLink(ctx, tx, func(l reportline.Link) error {
			out = append(out, l)
			return nil
		})
	})
	return out, err
}

// ManagersOfManyForTest is managersOfMany in a read transaction.
func (a *App) ManagersOfManyForTest(ctx context.Context, ids []reportline.UserID) (map[reportline.UserID][]reportline.Link, error) {
	var out map[reportline.UserID][]reportline.Link
	err := a.store.Read(ctx, func(tx Tx) error {
		var err error
		out, err = a.managersOfMany(ctx, tx, ids)
		return err
	})
	return out, err
}

// ManageesOfManyForTest is manageesOfMany in a read transaction.
func (a *App) ManageesOfManyForTest(ctx context.Context, ids []reportline.UserID) (map[reportline.UserID][]reportline.Link, error) {
	var out map[reportline.UserID][]reportline.Link
	err := a.store.Read(ctx, func(tx Tx) error {
		var err error
		out, err = a.manageesOfMany(ctx, tx, ids)
		return err
	})
	return out, err
}
