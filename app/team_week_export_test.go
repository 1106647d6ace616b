package app

import (
	"context"
	"time"

	"reportline"
)

// TeamWeeks reads the weeks of several managers at once, as the digest
// reads a chunk's (teamWeeks), so that a test can compare them with the
// one-manager TeamWeek.
func (a *App) TeamWeeks(ctx context.Context, managers []reportline.UserID, from, to time.Time) (map[reportline.UserID]TeamWeek, error) {
	var out map[reportline.UserID]TeamWeek
	err := a.store.Read(ctx, func(tx Tx) error {
		var err error
		out, err = a.teamWeeks(ctx, tx, managers, from, to)
		return err
	})
	return out, err
}
