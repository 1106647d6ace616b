package app

import (
	"context"
)

// checkHistory answers a batch of which some queries ask about the past
// (AccessQuery.History): those are decided by the rules of access.go over
// the link history at their instant (linkView.historic), read from the
// database (the in-memory index holds today's links only), each in a
// checker of its own; the others as today. Who may ask, and what a reason
// may name, are today's, as every other as-of read (docs/orgchart.md).
func (a *App) checkHistory(ctx context.Context, actor Actor, qs []AccessQuery, full bool) ([]Decision, error) {
	out := make([]Decision, len(qs))
	err := a.checkStore().Read(ctx, func(tx checkTx) error {
		today, err := a.newDBChecker(ctx, tx, actor)
		if err != nil {
			return err
		}
		past := map[int64]*checker{} // by instant, in microseconds
		for i, q := range qs {
			ch := today
			if q.History {
				if q.At.IsZero() {
					q.At = today.now
				}
				key := q.At.UnixMicro()
				if ch = past[key]; ch == nil {
					if ch, err = a.newDBChecker(ctx, tx, actor); err != nil {
						return err
					}
					ch.view = ch.view.historic(q.At)
					past[key] = ch
				}
			}
			if out[i], err = ch.answer(ctx, q); err != nil {
				return err
			}
			if full && !q.History {
				if err := ch.fullLink(ctx, &out[i]); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return out, err
}
