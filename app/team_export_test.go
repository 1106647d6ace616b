package app

import (
	"context"
	"fmt"
	"time"

	"reportline"
)

// TeamSubtreeBothWays walks down from top as My team does (teamSubtree)
// and level by level (walkDown), and describes each walk as the users
// reached in order with the manager each was reached through, so that a
// test can check they agree.
func (a *App) TeamSubtreeBothWays(ctx context.Context, top reportline.UserID, at time.Time) (oneQuery, byLevel []string, err error) {
	describe := func(w *subtree) []string {
		var out []string
		for _, u := range w.order {
			chain := w.chain(u)
			out = append(out, fmt.Sprintf("%d<-%d", u, chain[len(chain)-1].ManagerID))
		}
		return out
	}
	err = a.checkStore().Read(ctx, func(tx checkTx) error {
		ch, err := a.newDBChecker(ctx, tx, SystemActor(reportline.SourceAPI)) // both from the database
		if err != nil {
			return err
		}
		w, err := teamSubtree(ctx, ch, top, at)
		if err != nil {
			return err
		}
		oneQuery = describe(w)
		if w, err = ch.walkDown(ctx, top, at, ch.view.manageesOfMany); err != nil {
			return err
		}
		byLevel = describe(w)
		return nil
	})
	return oneQuery, byLevel, err
}
