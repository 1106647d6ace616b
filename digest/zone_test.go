package digest

import (
	"testing"
	"time"

	"reportline"
)

// A week is reckoned on the tenant's wall clock: New York leaves daylight
// saving time on 1 November 2026, a week after Paris, so the digest week
// ending on Monday 2 November lasts 169 hours there and 168 in Paris, and
// the coming week of the digest of 26 October ends at 14:00 New York time.
func TestWeekInTheTenantsZone(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		zone      *time.Location
		week      reportline.ISOWeek
		length    time.Duration
		to, ahead time.Time
	}{
		{Paris, reportline.ISOWeek{Year: 2026, Week: 45}, 168 * time.Hour,
			time.Date(2026, 11, 2, 13, 0, 0, 0, time.UTC), time.Date(2026, 11, 9, 13, 0, 0, 0, time.UTC)},
		{ny, reportline.ISOWeek{Year: 2026, Week: 45}, 169 * time.Hour,
			time.Date(2026, 11, 2, 19, 0, 0, 0, time.UTC), time.Date(2026, 11, 9, 19, 0, 0, 0, time.UTC)},
		{Paris, reportline.ISOWeek{Year: 2026, Week: 44}, 169 * time.Hour,
			time.Date(2026, 10, 26, 13, 0, 0, 0, time.UTC), time.Date(2026, 11, 2, 13, 0, 0, 0, time.UTC)},
		{ny, reportline.ISOWeek{Year: 2026, Week: 44}, 168 * time.Hour,
			time.Date(2026, 10, 26, 18, 0, 0, 0, time.UTC), time.Date(2026, 11, 2, 19, 0, 0, 0, time.UTC)},
	} {
		slot := reportline.DigestSlotOf(tc.week, tc.zone)
		if got := slot.To.Sub(slot.From); got != tc.length || !slot.To.Equal(tc.to) {
			t.Errorf("%s %s: [%s, %s) lasts %s, want %s ending %s", tc.zone, tc.week, slot.From.UTC(), slot.To.UTC(), got, tc.length, tc.to)
		}
		if got := comingWeekEnd(slot.To, tc.zone); !got.Equal(tc.ahead) {
			t.Errorf("%s %s: the coming week ends %s, want %s", tc.zone, tc.week, got.UTC(), tc.ahead)
		}
	}
}
