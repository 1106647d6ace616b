package reportline

import (
	"testing"
	"time"
)

func TestNormalizeEmail(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		ok       bool
	}{
		{" Jane.Doe@Example.COM ", "jane.doe@example.com", true},
		{"o'brien+tag@mail.example.org", "o'brien+tag@mail.example.org", true},
		{"user@sub-domain.example.com", "user@sub-domain.example.com", true},
		{`"quoted local"@example.com`, "", false}, // legal in RFC 5322, never seen in HR data: refused
		{"", "", false},
		{"plain", "", false},
		{"a@b", "", false}, // no top-level domain
		{"a@@b.com", "", false},
		{"a..b@example.com", "", false},
		{".a@example.com", "", false},
		{"a@example..com", "", false},
		{"Jane <jane@example.com>", "", false},
		{"jane@exa mple.com", "", false},
	}
	for _, tc := range tests {
		got, err := NormalizeEmail(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
		if err != nil && ErrorCode(err) != Invalid {
			t.Errorf("NormalizeEmail(%q): code %s", tc.in, ErrorCode(err))
		}
	}
}

func TestParseBirthday(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"1990-05-17", "1990-05-17", true},
		{"--02-29", "--02-29", true},
		{"02-29", "--02-29", true},
		{"17.05.1990", "1990-05-17", true},
		{"", "", true},
		{"1990-02-30", "", false},
		{"2001-02-29", "", false},
		{"13.13.1990", "", false},
		{"tomorrow", "", false},
	}
	for _, tc := range tests {
		b, err := ParseBirthday(tc.in)
		if (err == nil) != tc.ok || b.String() != tc.want {
			t.Errorf("ParseBirthday(%q) = %q, %v; want %q", tc.in, b, err, tc.want)
		}
	}
}

func TestLinkInEffect(t *testing.T) {
	t.Parallel()
	day := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	l := Link{ValidFrom: day, ValidUntil: day.AddDate(0, 0, 7)}
	for _, tc := range []struct {
		at   time.Time
		want bool
	}{
		{day.Add(-time.Second), false},
		{day, true},
		{day.AddDate(0, 0, 7).Add(-time.Second), true},
		{day.AddDate(0, 0, 7), false},
	} {
		if got := l.InEffect(tc.at); got != tc.want {
			t.Errorf("InEffect(%v) = %v, want %v", tc.at, got, tc.want)
		}
	}
	if !(Link{}).InEffect(day) {
		t.Error("a link without dates is always in effect")
	}
}

func TestScopeCoversPair(t *testing.T) {
	t.Parallel()
	// 1 ─┬─ 2 ── 3
	//    └─ 4        5 (another root)
	tree := NewGroupTree([]Group{{ID: 1}, {ID: 2, ParentID: 1}, {ID: 3, ParentID: 2}, {ID: 4, ParentID: 1}, {ID: 5}})
	admin2 := Scope{Roots: map[GroupID]bool{2: true}}
	admin2and5 := Scope{Roots: map[GroupID]bool{2: true, 5: true}}
	tests := []struct {
		name             string
		s                Scope
		manager, managee []GroupID
		want             bool
	}{
		{"both in the group", admin2, []GroupID{2}, []GroupID{2}, true},
		{"one in a descendant", admin2, []GroupID{2}, []GroupID{3}, true},
		{"one in a sibling", admin2, []GroupID{2}, []GroupID{4}, false},
		{"one in the parent", admin2, []GroupID{1}, []GroupID{3}, false},
		{"two unrelated administered groups", admin2and5, []GroupID{3}, []GroupID{5}, false},
		{"a user in several groups", admin2, []GroupID{4, 3}, []GroupID{2}, true},
		{"platform admin", Scope{All: true}, []GroupID{4}, []GroupID{5}, true},
		{"no groups", admin2, nil, []GroupID{2}, false},
	}
	for _, tc := range tests {
		if got := tc.s.CoversPair(tree, tc.manager, tc.managee); got != tc.want {
			t.Errorf("%s: CoversPair = %v, want %v", tc.name, got, tc.want)
		}
	}
}
