package app

import (
	"context"

	"reportline"
)

// Effective links are the links that count for what managers get (access,
// the manager star, contacts, notifications): in "import" Assign role mode
// the stored line links; in "positions" mode line managers derived from
// the org structure instead. Functional links count in both modes.
//
// Every feature that asks "who manages whom" goes through these two
// functions, so the mode is honoured in one place.

// managersOf returns the effective links of each managee (the links where
// they are the managee), in effect or not: callers check dates with
// Link.InEffect.
func (a *App) managersOf(ctx context.Context, tx Tx, managee reportline.UserID) ([]reportline.Link, error) {
	return tx.Links(ctx, reportline.LinkFilter{ManageeID: managee})
}

// manageesOf returns the effective links where manager is the manager.
func (a *App) manageesOf(ctx context.Context, tx Tx, manager reportline.UserID) ([]reportline.Link, error) {
	return tx.Links(ctx, reportline.LinkFilter{ManagerID: manager})
}
