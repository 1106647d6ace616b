package app

import (
	"context"
	"time"

	"reportline"
)

// EffectiveSides returns, for each user, the effective links on both sides
// read one user at a time (managersOf, manageesOf) and all at once
// (managersOfMany, manageesOfMany), so that a test can check the batch
// forms say the same.
func (a *App) EffectiveSides(ctx context.Context, users []reportline.UserID) (one, all [2]map[reportline.UserID][]reportline.Link, err error) {
	err = a.store.Read(ctx, func(tx Tx) error {
		for i := range 2 {
			one[i] = map[reportline.UserID][]reportline.Link{}
		}
		for _, u := range users {
			up, err := a.managersOf(ctx, tx, u)
			if err != nil {
				return err
			}
			down, err := a.manageesOf(ctx, tx, u)
			if err != nil {
				return err
			}
			one[0][u], one[1][u] = up, down
		}
		if all[0], err = a.managersOfMany(ctx, tx, users); err != nil {
			return err
		}
		all[1], err = a.manageesOfMany(ctx, tx, users)
		return err
	})
	return one, all, err
}

// AncestryBothWays returns the links a walk up the line from user can use,
// read in one query (lineAncestry) and level by level with managersOf: the
// user's own links, then the line links above them, whatever their dates
// (without their comment and creation, which the ancestry does not carry).
func (a *App) AncestryBothWays(ctx context.Context, user reportline.UserID) (one, levels []reportline.Link, err error) {
	err = a.store.Read(ctx, func(tx Tx) error {
		v, err := a.linkView(ctx, tx)
		if err != nil {
			return err
		}
		an, err := a.lineAncestry(ctx, v, user)
		if err != nil {
			return err
		}
		for _, ls := range an.links {
			one = append(one, ls...)
		}
		seen := map[reportline.UserID]bool{user: true}
		frontier := []reportline.UserID{user}
		for len(frontier) > 0 {
			var next []reportline.UserID
			for _, u := range frontier {
				links, err := a.managersOf(ctx, tx, u)
				if err != nil {
					return err
				}
				for _, l := range links {
					line := l.Kind == reportline.Line
					if u == user || line {
						// The ancestry carries what a decision needs only.
						l.Comment, l.CreatedBy, l.CreatedAt = "", 0, time.Time{}
						levels = append(levels, l)
					}
					if line && !seen[l.ManagerID] {
						seen[l.ManagerID] = true
						next = append(next, l.ManagerID)
					}
				}
			}
			frontier = next
		}
		return nil
	})
	return one, levels, err
}
