package reportline

import (
	"cmp"
	"fmt"
	"net/mail"
	"strings"
	"time"
)

// UserID is a user's internal id, assigned by Reportline.
type UserID int64

// Status says whether a user's account is active. Inactive users keep their
// links (so reactivation restores them) but receive and are granted nothing.
type Status string

// The account statuses.
const (
	StatusActive   Status = "active"
	StatusInactive Status = "inactive"
)

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return s == StatusActive || s == StatusInactive }

// PlatformRole is a user's role on the whole platform.
type PlatformRole string

// The platform roles. The zero value is an ordinary user.
const (
	NoPlatformRole    PlatformRole = ""
	PlatformAdminRole PlatformRole = "platform_admin"
)

// Valid reports whether r is a known platform role.
func (r PlatformRole) Valid() bool { return r == NoPlatformRole || r == PlatformAdminRole }

// User is a person of the learning platform.
type User struct {
	ID           UserID
	ExternalUID  string // from the HRIS; optional, unique when set
	Email        string // normalised by NormalizeEmail; unique
	FirstName    string
	LastName     string
	Status       Status
	Birthday     Birthday // zero when unknown
	Position     string
	OrgUnit      string
	PlatformRole PlatformRole
	Locale       string
	TimeZone     string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Active reports whether the account is active.
func (u User) Active() bool { return u.Status == StatusActive }

// IsPlatformAdmin reports whether u is an active platform admin.
func (u User) IsPlatformAdmin() bool { return u.Active() && u.PlatformRole == PlatformAdminRole }

// Name returns the display name, falling back to the email address.
func (u User) Name() string {
	n := strings.TrimSpace(u.FirstName + " " + u.LastName)
	if n == "" {
		return u.Email
	}
	return n
}

// Validate checks the fields a stored user must have right.
func (u User) Validate() error {
	if _, err := NormalizeEmail(u.Email); err != nil {
		return err
	}
	if !u.Status.Valid() {
		return FieldError("status", string(u.Status), "status must be %q or %q", StatusActive, StatusInactive)
	}
	if !u.PlatformRole.Valid() {
		return FieldError("platform_role", string(u.PlatformRole), "platform role must be empty or %q", PlatformAdminRole)
	}
	if err := checkFields(
		textField{"external_uid", u.ExternalUID, MaxUIDLength},
		textField{"first_name", u.FirstName, MaxNameLength},
		textField{"last_name", u.LastName, MaxNameLength},
		textField{"position", u.Position, MaxPositionLength},
		textField{"org_unit", u.OrgUnit, MaxPositionLength},
		textField{"locale", u.Locale, MaxLocaleLength},
		textField{"time_zone", u.TimeZone, MaxTimeZoneLength},
	); err != nil {
		return err
	}
	if u.TimeZone != "" {
		if _, err := time.LoadLocation(u.TimeZone); err != nil {
			return FieldError("time_zone", u.TimeZone, "unknown time zone")
		}
	}
	return nil
}

// NormalizeEmail trims and lower-cases an address and checks that it is a
// plain address (no display name). Emails compare case-insensitively after
// trimming, so this is the one form stored and looked up.
func NormalizeEmail(s string) (string, error) {
	if err := CheckText("email", s); err != nil {
		return "", err
	}
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return "", FieldError("email", "", "email is empty").Say("error.email.empty", nil)
	}
	if len(s) > MaxEmailLength {
		return "", FieldError("email", "", "email is longer than %d characters", MaxEmailLength).Say("error.email.too_long", map[string]any{"Max": MaxEmailLength})
	}
	if plainAddress(s) {
		return s, nil
	}
	// The rare address with quotes or unusual characters gets the full
	// RFC 5322 parser; imports check hundreds of thousands of addresses,
	// and the parser allocates for each.
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		return "", FieldError("email", s, "%q is not a valid email address", s).Say("error.email.invalid", map[string]any{"Email": s})
	}
	return s, nil
}

// plainAddress reports whether s is a lower-case address of the common
// form local@domain.tld: dot-atoms of letters, digits and the usual
// symbols, without quotes, comments or leading, trailing or double dots.
func plainAddress(s string) bool {
	at := strings.IndexByte(s, '@')
	if at <= 0 || at != strings.LastIndexByte(s, '@') {
		return false
	}
	local, domain := s[:at], s[at+1:]
	return dotAtom(local, "!#$%&'*+/=?^_`{|}~-") && dotAtom(domain, "-") && strings.IndexByte(domain, '.') > 0
}

func dotAtom(s, symbols string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || strings.IndexByte(symbols, c) >= 0) {
			return false
		}
	}
	return true
}

// Birthday is a month and day, with an optional year (0 when unknown).
type Birthday struct {
	Year  int
	Month time.Month
	Day   int
}

// IsZero reports whether no birthday is known.
func (b Birthday) IsZero() bool { return b.Month == 0 }

// String formats the birthday as YYYY-MM-DD, or --MM-DD without a year (the
// ISO 8601 form for a date without year).
func (b Birthday) String() string {
	if b.IsZero() {
		return ""
	}
	if b.Year == 0 {
		return fmt.Sprintf("--%02d-%02d", int(b.Month), b.Day)
	}
	return fmt.Sprintf("%04d-%02d-%02d", b.Year, int(b.Month), b.Day)
}

// CelebratedOn reports whether a birthday is celebrated on the calendar date
// (y, m, d). The year of birth does not matter; 29 February is celebrated on
// 28 February in common years.
func (b Birthday) CelebratedOn(y int, m time.Month, d int) bool {
	if b.IsZero() {
		return false
	}
	if b.Month == m && b.Day == d {
		return true
	}
	leap := time.Date(y, time.February, 29, 0, 0, 0, 0, time.UTC).Day() == 29
	return !leap && b.Month == time.February && b.Day == 29 && m == time.February && d == 28
}

// ParseBirthday reads YYYY-MM-DD, --MM-DD, MM-DD or DD.MM.YYYY; "" is no birthday.
func ParseBirthday(s string) (Birthday, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Birthday{}, nil
	}
	bad := FieldError("birthday", s, "birthday %q is not a date (YYYY-MM-DD, --MM-DD or DD.MM.YYYY)", s)
	var b Birthday
	var m int
	switch {
	case strings.HasPrefix(s, "--"):
		if _, err := fmt.Sscanf(s, "--%2d-%2d", &m, &b.Day); err != nil {
			return Birthday{}, bad
		}
	case len(s) == 5 && s[2] == '-':
		if _, err := fmt.Sscanf(s, "%2d-%2d", &m, &b.Day); err != nil {
			return Birthday{}, bad
		}
	case strings.Count(s, ".") == 2:
		if _, err := fmt.Sscanf(s, "%2d.%2d.%4d", &b.Day, &m, &b.Year); err != nil {
			return Birthday{}, bad
		}
	default:
		if _, err := fmt.Sscanf(s, "%4d-%2d-%2d", &b.Year, &m, &b.Day); err != nil {
			return Birthday{}, bad
		}
	}
	b.Month = time.Month(m)
	// Check the day exists; a year-less date is checked in a leap year so that
	// 29 February is allowed.
	y := b.Year
	if y == 0 {
		y = 2000
	}
	if b.Month < 1 || b.Month > 12 || b.Day < 1 || time.Date(y, b.Month, b.Day, 0, 0, 0, 0, time.UTC).Day() != b.Day {
		return Birthday{}, bad
	}
	return b, nil
}

// CompareByName orders people by last name, first name, email (ignoring
// case): how every list of people reads.
func CompareByName(a, b User) int {
	return cmp.Or(strings.Compare(strings.ToLower(a.LastName), strings.ToLower(b.LastName)),
		strings.Compare(strings.ToLower(a.FirstName), strings.ToLower(b.FirstName)),
		strings.Compare(a.Email, b.Email))
}
