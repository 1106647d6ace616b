package scim

import (
	"encoding/json"
	"strings"
	"testing"
)

// format writes a filter back as filter text, fully parenthesised.
func format(f Filter) string {
	switch f := f.(type) {
	case And:
		return "(" + format(f.Left) + " and " + format(f.Right) + ")"
	case Or:
		return "(" + format(f.Left) + " or " + format(f.Right) + ")"
	case Not:
		return "not (" + format(f.X) + ")"
	case Present:
		return f.Attr.String() + " pr"
	case ValuePath:
		return f.Attr.String() + "[" + format(f.Filter) + "]"
	case Compare:
		v, _ := json.Marshal(f.Value)
		return f.Attr.String() + " " + f.Op + " " + string(v)
	}
	return "?"
}

var filterSeeds = []string{
	`userName eq "bjensen"`,
	`name.familyName co "O'Malley"`,
	`urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"`,
	`title pr and userType eq "Employee"`,
	`userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")`,
	`emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]`,
	`meta.lastModified gt "2011-05-13T04:42:34Z"`,
	`active eq false`,
	`x gt 1.5e3 or y eq null`,
	`userName eq "a \"b\" \u00e9"`,
	`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "7"`,
}

// FuzzParseFilter checks that no input makes the parser panic, and that
// what it accepts means the same when written back and parsed again.
// Evaluating any accepted filter on a user must not panic either.
func FuzzParseFilter(f *testing.F) {
	for _, s := range filterSeeds {
		f.Add(s)
	}
	res := bjensen()
	f.Fuzz(func(t *testing.T, s string) {
		flt, err := ParseFilter(s)
		if err != nil {
			if e, ok := err.(*Error); !ok || e.Type != InvalidFilter || e.Status != 400 {
				t.Fatalf("ParseFilter(%q) error %#v is not a 400 invalidFilter", s, err)
			}
			return
		}
		again, err := ParseFilter(format(flt))
		if err != nil {
			if strings.Contains(err.Error(), "nests deeper") || strings.Contains(err.Error(), "longer than") {
				return // the parentheses added by format
			}
			t.Fatalf("ParseFilter(%q) accepted, but not its rewrite %q: %v", s, format(flt), err)
		}
		if show(again) != show(flt) {
			t.Fatalf("rewrite of %q changes its meaning:\n%s\n%s", s, show(flt), show(again))
		}
		if checkFilter(flt, nil) == nil {
			Matches(flt, res)
		}
	})
}

// FuzzParsePath checks that no PATCH path makes the parser panic, and that
// applying add, replace and remove at any accepted path to a user either
// works or fails with a SCIM error, never a panic.
func FuzzParsePath(f *testing.F) {
	for _, s := range []string{
		`active`, `name.givenName`, `emails[type eq "work"].value`, `addresses[type eq "work"]`,
		`members[value eq "2819c223-7f76-453a-919d-413861904646"].displayName`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`,
		`urn:ietf:params:scim:schemas:core:2.0:User:name.familyName`, `emails[type eq "a]b"]`, `id`, `meta.version`,
	} {
		f.Add(s, `"x"`)
	}
	f.Add(`emails`, `[{"value":"a@b.c","type":"home"}]`)
	f.Add(`name`, `{"givenName":"A"}`)
	f.Fuzz(func(t *testing.T, path, value string) {
		p, err := ParsePath(path)
		if err != nil {
			if e, ok := err.(*Error); !ok || e.Type != InvalidPath || e.Status != 400 {
				t.Fatalf("ParsePath(%q) error %#v is not a 400 invalidPath", path, err)
			}
			return
		}
		if p.Name == "" && p.URN == "" {
			t.Fatalf("ParsePath(%q) = %+v names nothing", path, p)
		}
		var v any
		if json.Unmarshal([]byte(value), &v) != nil {
			v = value
		}
		for _, op := range []string{"add", "replace", "remove"} {
			err := ApplyPatch(bjensen(), []Operation{{Op: op, Path: path, Value: v}})
			if _, ok := err.(*Error); err != nil && !ok {
				t.Fatalf("%s %q: error %#v is not a SCIM error", op, path, err)
			}
		}
	})
}
