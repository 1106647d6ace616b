package reportline

import (
	"testing"
	"time"
	_ "time/tzdata"
)

func paris(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestParseISOWeek(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want ISOWeek
		err  bool
	}{
		{"2026-W47", ISOWeek{2026, 47}, false},
		{"2026-W1", ISOWeek{2026, 1}, false},
		{"2026-W53", ISOWeek{2026, 53}, false}, // 2026 has 53 weeks (1 January is a Thursday)
		{"2025-W53", ISOWeek{}, true},
		{"2026-W00", ISOWeek{}, true},
		{"2026W47", ISOWeek{}, true},
		{"", ISOWeek{}, true},
		{"2026-W470", ISOWeek{}, true},
	}
	for _, tc := range tests {
		got, err := ParseISOWeek(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParseISOWeek(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.err)
		}
		if err == nil && got.String() != tc.in && tc.in != "2026-W1" {
			t.Errorf("%v.String() = %q, want %q", got, got.String(), tc.in)
		}
	}
}

func TestISOWeekMonday(t *testing.T) {
	t.Parallel()
	tests := []struct {
		w    ISOWeek
		want string
	}{
		{ISOWeek{2026, 1}, "2025-12-29"},
		{ISOWeek{2026, 47}, "2026-11-16"},
		{ISOWeek{2026, 53}, "2026-12-28"},
		{ISOWeek{2027, 1}, "2027-01-04"},
		{ISOWeek{2021, 1}, "2021-01-04"},
	}
	for _, tc := range tests {
		if got := tc.w.Monday(time.UTC).Format(time.DateOnly); got != tc.want {
			t.Errorf("%v.Monday() = %s, want %s", tc.w, got, tc.want)
		}
	}
}

func TestDigestSlotAt(t *testing.T) {
	t.Parallel()
	loc := paris(t)
	tests := []struct {
		name   string
		at     string // UTC
		ok     bool
		week   string
		dueUTC string
		hours  float64 // length of [From, To)
		late   bool
	}{
		{"winter Monday 13:59 Paris", "2026-11-23T12:59:00Z", false, "", "", 0, false},
		{"winter Monday 14:00 Paris", "2026-11-23T13:00:00Z", true, "2026-W48", "2026-11-23T13:00:00Z", 168, false},
		{"winter Monday 14:20 Paris is late", "2026-11-23T13:20:00Z", true, "2026-W48", "2026-11-23T13:00:00Z", 168, true},
		{"winter Monday 23:59 Paris", "2026-11-23T22:59:00Z", true, "2026-W48", "2026-11-23T13:00:00Z", 168, true},
		{"Tuesday 00:00 Paris", "2026-11-23T23:00:00Z", false, "", "", 0, false},
		{"Sunday", "2026-11-22T13:00:00Z", false, "", "", 0, false},
		// Summer time began on Sunday 29 March 2026: 14:00 Paris is 12:00 UTC.
		{"Monday after March change, 13:00 UTC is 15:00 Paris", "2026-03-30T12:00:00Z", true, "2026-W14", "2026-03-30T12:00:00Z", 167, false},
		{"Monday after March change, 11:59 UTC", "2026-03-30T11:59:00Z", false, "", "", 0, false},
		// Winter time came back on Sunday 25 October 2026.
		{"Monday after October change, 12:00 UTC is 13:00 Paris", "2026-10-26T12:00:00Z", false, "", "", 0, false},
		{"Monday after October change, 13:00 UTC", "2026-10-26T13:00:00Z", true, "2026-W44", "2026-10-26T13:00:00Z", 169, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			at, _ := time.Parse(time.RFC3339, tc.at)
			slot, ok := DigestSlotAt(at, loc)
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			if !ok {
				return
			}
			if got := slot.Week.String(); got != tc.week {
				t.Errorf("week = %s, want %s", got, tc.week)
			}
			if got := slot.Due.UTC().Format(time.RFC3339); got != tc.dueUTC {
				t.Errorf("due = %s, want %s", got, tc.dueUTC)
			}
			if got := slot.To.Sub(slot.From).Hours(); got != tc.hours {
				t.Errorf("window = %v hours, want %v", got, tc.hours)
			}
			if got := slot.LateAt(at); got != tc.late {
				t.Errorf("late = %v, want %v", got, tc.late)
			}
		})
	}
}

func TestCelebratedOn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		b       string
		y, m, d int
		want    bool
	}{
		{"--11-23", 2026, 11, 23, true},
		{"1980-11-23", 2026, 11, 23, true},
		{"1980-11-23", 2026, 11, 24, false},
		{"--02-29", 2026, 2, 28, true},  // common year: celebrated on the 28th
		{"--02-29", 2028, 2, 28, false}, // leap year: on the 29th
		{"--02-29", 2028, 2, 29, true},
		{"--02-28", 2026, 2, 28, true},
		{"", 2026, 11, 23, false},
	}
	for _, tc := range tests {
		b, err := ParseBirthday(tc.b)
		if err != nil {
			t.Fatal(err)
		}
		if got := b.CelebratedOn(tc.y, time.Month(tc.m), tc.d); got != tc.want {
			t.Errorf("%q.CelebratedOn(%d-%02d-%02d) = %v, want %v", tc.b, tc.y, tc.m, tc.d, got, tc.want)
		}
	}
}
