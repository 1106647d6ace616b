package csvio

import (
	"fmt"
	"strings"
	"time"
)

// ParseDate reads a date cell of the import format (valid from, valid
// until): the dates an export writes (YYYY-MM-DD, or a full RFC 3339 time)
// and the DD.MM.YYYY and DD/MM/YYYY forms spreadsheets turn them into. An
// empty cell is the zero time. The bulk import and the plans read their
// date columns with it, so a file means the same in both.
func ParseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.DateOnly, time.RFC3339, "02.01.2006", "02/01/2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("not a date: %q", s)
}
