package app

import (
	"context"
	"time"

	"reportline"
	"reportline/digest"
)

// TeamWeeks reads the weeks of several managers at once, as the digest
// reads a chunk's, so that a test can compare them with the one-manager
// TeamWeek.
func (a *App) TeamWeeks(ctx context.Context, managers []reportline.UserID, from, to time.Time) (map[reportline.UserID]digest.TeamWeek, error) {
	return a.digests.TeamWeeks(ctx, managers, from, to)
}
