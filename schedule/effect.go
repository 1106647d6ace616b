package schedule

import (
	"context"
	"time"
)

// CursorTx is the storage a dated job keeps its place in: a named position
// that only moves forward, written in the job's own transaction.
type CursorTx interface {
	// NotificationCursor returns how far the job got; ok false when never set.
	NotificationCursor(ctx context.Context, name string) (pos int64, ok bool, err error)
	// AdvanceNotificationCursor moves the position forward, never back.
	AdvanceNotificationCursor(ctx context.Context, name string, pos int64) error
}

// TakeEffect is the one way to act when a dated change takes effect (a
// temporary link starting or ending; later a planned reorganisation or an
// absence's cover): called from a ticking job inside a write transaction,
// it calls fn with the stretch of time (from, to] that no earlier call has
// handed out, then moves the cursor name to to, in the same transaction.
// Whatever fn writes is therefore done exactly once per instant, on
// whichever replica gets there first: a replica that reads the same
// stretch after another committed finds the cursor moved; one that
// crashes before committing leaves it where it was.
//
// The first call for a name sets the cursor to now and hands out nothing,
// so turning a job on does not replay history. A replica that was down
// longer than lookback resumes lookback before now: older changes are not
// announced late. fn is not called when no time has passed.
func TakeEffect(ctx context.Context, tx CursorTx, name string, now time.Time, lookback time.Duration,
	fn func(from, to time.Time) error) error {
	pos, ok, err := tx.NotificationCursor(ctx, name)
	if err != nil {
		return err
	}
	if !ok {
		return tx.AdvanceNotificationCursor(ctx, name, now.UnixMicro())
	}
	from := time.UnixMicro(pos)
	if earliest := now.Add(-lookback); from.Before(earliest) {
		from = earliest
	}
	if !now.After(from) {
		return nil
	}
	if err := fn(from, now); err != nil {
		return err
	}
	return tx.AdvanceNotificationCursor(ctx, name, now.UnixMicro())
}

// InStretch reports whether t (a date a change takes effect at; the zero
// time for none) falls in the stretch (from, to] that TakeEffect handed out.
func InStretch(t, from, to time.Time) bool {
	return !t.IsZero() && t.After(from) && !t.After(to)
}
