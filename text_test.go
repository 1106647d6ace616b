package reportline

import (
	"strings"
	"testing"
	"time"
)

func TestTextLimitsOnEveryWayIn(t *testing.T) {
	t.Parallel()
	ok := User{Email: "a@example.com", Status: StatusActive}
	long := func(n int) string { return strings.Repeat("é", n) }
	for _, tc := range []struct {
		name  string
		edit  func(*User)
		field string
	}{
		{"first name", func(u *User) { u.FirstName = long(201) }, "first_name"},
		{"900 KB first name", func(u *User) { u.FirstName = strings.Repeat("a", 900_000) }, "first_name"},
		{"last name", func(u *User) { u.LastName = long(201) }, "last_name"},
		{"position", func(u *User) { u.Position = long(201) }, "position"},
		{"org unit", func(u *User) { u.OrgUnit = long(201) }, "org_unit"},
		{"uid", func(u *User) { u.ExternalUID = strings.Repeat("u", 256) }, "external_uid"},
		{"locale", func(u *User) { u.Locale = strings.Repeat("x", 36) }, "locale"},
		{"time zone", func(u *User) { u.TimeZone = strings.Repeat("x", 65) }, "time_zone"},
		{"NUL", func(u *User) { u.LastName = "a\x00" }, "last_name"},
		{"invalid UTF-8", func(u *User) { u.Position = "\xff" }, "position"},
	} {
		u := ok
		tc.edit(&u)
		err := u.Validate()
		if e, isErr := err.(*Error); !isErr || e.Code != Invalid || e.Field != tc.field {
			t.Errorf("%s: err = %v, want invalid %s", tc.name, err, tc.field)
		}
	}
	u := ok
	u.FirstName, u.LastName, u.Position, u.OrgUnit, u.ExternalUID = long(200), long(200), long(200), long(200), long(255)
	if err := u.Validate(); err != nil {
		t.Errorf("the longest values: %v", err)
	}

	if _, err := NormalizeEmail("a\x00@example.com"); err == nil {
		t.Error("an email with a NUL was accepted")
	}
	if err := (Link{ManagerID: 1, ManageeID: 2, Kind: Line, Source: SourceAPI, Comment: long(1001)}).Validate(); err == nil {
		t.Error("a 1001-character comment was accepted")
	}
	if err := (Course{LMSID: "c1", Title: long(201)}).Validate(); err == nil {
		t.Error("a 201-character course title was accepted")
	}
	if err := (CourseSession{LMSID: "s\x00", Starts: time.Unix(1, 0)}).Validate(); err == nil {
		t.Error("a session id with a NUL was accepted")
	}
	if _, err := NormalizeOrgName("name", "Sales\x00"); err == nil {
		t.Error("an org unit name with a NUL was accepted")
	}
	if _, err := NormalizeOrgName("name", long(200)); err != nil {
		t.Errorf("a 200-character org unit name (400 bytes): %v", err)
	}
	d, p := DirectoryUser{ExternalID: "x", Email: "d@example.com", FirstName: long(201)}.Normalize()
	if p == nil || p.Field != "first_name" {
		t.Errorf("directory user with a long name: %+v, problem %+v", d, p)
	}
}
