package schedule

import (
	"context"
	"errors"
	"testing"
	"time"
)

// cursors is a cursor table in memory: what TakeEffect reads and writes.
type cursors map[string]int64

func (c cursors) NotificationCursor(_ context.Context, name string) (int64, bool, error) {
	pos, ok := c[name]
	return pos, ok, nil
}

func (c cursors) AdvanceNotificationCursor(_ context.Context, name string, pos int64) error {
	if pos > c[name] {
		c[name] = pos
	}
	return nil
}

func TestTakeEffectHandsOutEachStretchOnce(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 13, 0, 0, 0, time.UTC)
	const lookback = 48 * time.Hour
	for _, tc := range []struct {
		name     string
		cursor   *time.Time // nil: never set
		now      time.Time
		fails    bool
		wantCall bool
		wantFrom time.Time
		wantPos  time.Time // the cursor after the call
	}{
		{name: "first call sets the cursor and replays nothing", now: t0, wantPos: t0},
		{name: "the stretch since the last call", cursor: &t0, now: t0.Add(time.Minute), wantCall: true, wantFrom: t0, wantPos: t0.Add(time.Minute)},
		{name: "no time passed: nothing", cursor: &t0, now: t0, wantPos: t0},
		{name: "a clock behind the cursor: nothing, the cursor stays", cursor: &t0, now: t0.Add(-time.Hour), wantPos: t0},
		{name: "down longer than the lookback: resumes lookback ago", cursor: &t0, now: t0.Add(72 * time.Hour), wantCall: true, wantFrom: t0.Add(24 * time.Hour), wantPos: t0.Add(72 * time.Hour)},
		{name: "fn fails: the cursor stays for the next try", cursor: &t0, now: t0.Add(time.Minute), fails: true, wantCall: true, wantFrom: t0, wantPos: t0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := cursors{}
			if tc.cursor != nil {
				c["job"] = tc.cursor.UnixMicro()
			}
			called := false
			err := TakeEffect(t.Context(), c, "job", tc.now, lookback, func(from, to time.Time) error {
				called = true
				if !from.Equal(tc.wantFrom) || !to.Equal(tc.now) {
					t.Errorf("stretch (%v, %v], want (%v, %v]", from, to, tc.wantFrom, tc.now)
				}
				if tc.fails {
					return errors.New("send failed")
				}
				return nil
			})
			if called != tc.wantCall {
				t.Errorf("fn called %v, want %v", called, tc.wantCall)
			}
			if (err != nil) != tc.fails {
				t.Errorf("err = %v, want failure %v", err, tc.fails)
			}
			if got := time.UnixMicro(c["job"]); !got.Equal(tc.wantPos) {
				t.Errorf("cursor at %v, want %v", got, tc.wantPos)
			}
		})
	}
}

func TestInStretch(t *testing.T) {
	from := time.Date(2026, 12, 7, 13, 0, 0, 0, time.UTC)
	to := from.Add(time.Minute)
	for _, tc := range []struct {
		at   time.Time
		want bool
	}{
		{time.Time{}, false}, {from, false}, {from.Add(time.Second), true}, {to, true}, {to.Add(time.Nanosecond), false},
	} {
		if got := InStretch(tc.at, from, to); got != tc.want {
			t.Errorf("InStretch(%v) = %v, want %v", tc.at, got, tc.want)
		}
	}
}
