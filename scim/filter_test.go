package scim

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// show writes a filter as an S-expression, so tests can state the tree.
func show(f Filter) string {
	switch f := f.(type) {
	case And:
		return "(and " + show(f.Left) + " " + show(f.Right) + ")"
	case Or:
		return "(or " + show(f.Left) + " " + show(f.Right) + ")"
	case Not:
		return "(not " + show(f.X) + ")"
	case Present:
		return "(pr " + f.Attr.String() + ")"
	case ValuePath:
		return "(" + f.Attr.String() + "[" + show(f.Filter) + "])"
	case Compare:
		v, _ := json.Marshal(f.Value)
		return "(" + f.Op + " " + f.Attr.String() + " " + string(v) + ")"
	}
	return "?"
}

// The filter examples of RFC 7644 §3.4.2.2, and the forms Microsoft Entra
// sends when it matches users.
func TestParseFilterRFCExamples(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{`userName eq "bjensen"`, `(eq userName "bjensen")`},
		{`name.familyName co "O'Malley"`, `(co name.familyName "O'Malley")`},
		{`userName sw "J"`, `(sw userName "J")`},
		{`urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"`, `(sw urn:ietf:params:scim:schemas:core:2.0:User:userName "J")`},
		{`title pr`, `(pr title)`},
		{`meta.lastModified gt "2011-05-13T04:42:34Z"`, `(gt meta.lastModified "2011-05-13T04:42:34Z")`},
		{`meta.lastModified ge "2011-05-13T04:42:34Z"`, `(ge meta.lastModified "2011-05-13T04:42:34Z")`},
		{`meta.lastModified lt "2011-05-13T04:42:34Z"`, `(lt meta.lastModified "2011-05-13T04:42:34Z")`},
		{`meta.lastModified le "2011-05-13T04:42:34Z"`, `(le meta.lastModified "2011-05-13T04:42:34Z")`},
		{`title pr and userType eq "Employee"`, `(and (pr title) (eq userType "Employee"))`},
		{`title pr or userType eq "Intern"`, `(or (pr title) (eq userType "Intern"))`},
		{`schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`, `(eq schemas "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")`},
		{`userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")`,
			`(and (eq userType "Employee") (or (co emails "example.com") (co emails.value "example.org")))`},
		{`userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")`,
			`(and (ne userType "Employee") (not (or (co emails "example.com") (co emails.value "example.org"))))`},
		{`userType eq "Employee" and (emails.type eq "work")`, `(and (eq userType "Employee") (eq emails.type "work"))`},
		{`userType eq "Employee" and emails[type eq "work" and value co "@example.com"]`,
			`(and (eq userType "Employee") (emails[(and (eq type "work") (co value "@example.com"))]))`},
		{`emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]`,
			`(or (emails[(and (eq type "work") (co value "@example.com"))]) (ims[(and (eq type "xmpp") (co value "@foo.com"))]))`},
		// Precedence: and binds tighter than or; not tighter than both.
		{`a eq "1" or b eq "2" and c eq "3"`, `(or (eq a "1") (and (eq b "2") (eq c "3")))`},
		{`(a eq "1" or b eq "2") and c eq "3"`, `(and (or (eq a "1") (eq b "2")) (eq c "3"))`},
		// Case-insensitive operators and literals; other value types.
		{`userName EQ "x" AND active Eq TRUE`, `(and (eq userName "x") (eq active true))`},
		{`Active eq false Or title eq null`, `(or (eq Active false) (eq title null))`},
		{`x gt 1.5e3`, `(gt x 1500)`},
		{`userName eq "a \"quoted\" \u00e9"`, `(eq userName "a \"quoted\" é")`},
		{`externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"`, `(eq externalId "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef")`},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "7"`,
			`(eq urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value "7")`},
		{`not(title pr)`, `(not (pr title))`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			f, err := ParseFilter(tt.in)
			if err != nil {
				t.Fatalf("ParseFilter: %v", err)
			}
			if got := show(f); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestParseFilterErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{``, "filter is empty"},
		{`userName`, `expected an operator`},
		{`userName equals "x"`, `"equals" is not an operator`},
		{`userName eq`, `expected a value after userName eq`},
		{`userName eq bjensen`, `expected a value`},
		{`userName eq "x`, `the string is not closed`},
		{`(userName eq "x"`, `expected ) to close`},
		{`userName eq "x")`, `expected and, or or the end`},
		{`userName eq "x" and`, `expected an attribute`},
		{`not userName eq "x"`, `expected ( after not`},
		{`emails[type eq "work"`, `expected ] to close the value filter of emails`},
		{`emails[type[x eq "1"] eq "2"]`, `cannot hold another value filter`},
		{`1abc eq "x"`, `is not an attribute name`},
		{`userName gt null`, `null can only be compared with eq or ne`},
		{strings.Repeat("(", 40) + `a pr` + strings.Repeat(")", 40), `nests deeper than 32`},
		{strings.Repeat("a", maxFilterLen+1), `longer than 4096`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseFilter(tt.in)
			if err == nil {
				t.Fatalf("ParseFilter(%q) = nil error, want %q", tt.in, tt.want)
			}
			e, ok := err.(*Error)
			if !ok || e.Type != InvalidFilter || e.Status != 400 {
				t.Fatalf("error = %#v, want a 400 invalidFilter", err)
			}
			if !strings.Contains(e.Detail, tt.want) {
				t.Errorf("detail = %q, want it to contain %q", e.Detail, tt.want)
			}
		})
	}
}

// bjensen is the user of the RFC 7643 §8.2 example, as this endpoint shows
// users.
func bjensen() map[string]any {
	return toMap(User{
		Schemas: []string{UserSchema, EnterpriseSchema}, ID: "2819", ExternalID: "701984", UserName: "bjensen@example.com",
		Name: &Name{Formatted: "Barbara Jensen", GivenName: "Barbara", FamilyName: "Jensen"}, DisplayName: "Barbara Jensen",
		Title: "Tour Guide", Active: true, Emails: []Email{{Value: "bjensen@example.com", Type: "work", Primary: true}},
		Enterprise: &Enterprise{Department: "Tour Operations", Manager: &Manager{Value: "26118915", DisplayName: "John Smith"}},
		Meta:       Meta{ResourceType: "User", Created: "2010-01-23T04:56:22Z", LastModified: "2011-05-13T04:42:34Z"},
	})
}

func TestMatches(t *testing.T) {
	t.Parallel()
	tests := []struct {
		filter string
		want   bool
	}{
		{`userName eq "bjensen@example.com"`, true},
		{`USERNAME EQ "BJensen@Example.com"`, true}, // userName is not caseExact
		{`userName eq "bjensen"`, false},
		{`externalId eq "701984"`, true},
		{`id eq "2819"`, true},
		{`id eq "28"`, false},
		{`emails.value eq "bjensen@example.com"`, true},
		{`emails eq "bjensen@example.com"`, true},
		{`emails[type eq "work" and value co "@example.com"]`, true},
		{`emails[type eq "home"]`, false},
		{`name.familyName co "ens"`, true},
		{`name.givenName sw "bar"`, true},
		{`userName ew "@example.com"`, true},
		{`title pr`, true},
		{`not (title pr)`, false},
		{`active eq true`, true},
		{`active eq false`, false},
		{`active ne false`, true},
		{`userName ne "bjensen@example.com"`, false},
		{`title eq null`, false},
		{`name.formatted pr and (active eq true or title eq "x")`, true},
		{`meta.lastModified gt "2011-05-13T04:42:33Z"`, true},
		{`meta.lastModified gt "2011-05-13T04:42:34.000Z"`, false},
		{`meta.lastModified ge "2011-05-13T04:42:34Z"`, true},
		{`meta.created lt "2011-05-13T04:42:34Z"`, true},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "tour operations"`, true},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915"`, true},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager eq "26118915"`, true},
		{`urn:ietf:params:scim:schemas:core:2.0:User:userName sw "bj"`, true},
	}
	res := bjensen()
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			f, err := ParseFilter(tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			if err := checkFilter(f, nil); err != nil {
				t.Fatalf("checkFilter: %v", err)
			}
			if got := Matches(f, res); got != tt.want {
				t.Errorf("Matches = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCheckFilterRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct{ filter, want string }{
		{`userType eq "Employee"`, "userType is not an attribute of User"},
		{`name eq "x"`, "name is complex"},
		{`active gt true`, "only eq and ne apply"},
		{`active eq "true"`, "compare it with true or false"},
		{`userName eq true`, "compare it with a quoted string"},
		{`userName eq 1`, "not the number 1"},
		{`emails[kind eq "work"]`, "kind is not a sub-attribute of emails"},
		{`title[value eq "x"]`, "has no sub-attributes"},
		{`urn:example:ext:1.0:User:x eq "y"`, "is not an attribute of User"},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			f, err := ParseFilter(tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			err = checkFilter(f, nil)
			e, ok := err.(*Error)
			if !ok || e.Type != InvalidFilter {
				t.Fatalf("checkFilter = %v, want an invalidFilter error", err)
			}
			if !strings.Contains(e.Detail, tt.want) {
				t.Errorf("detail = %q, want it to contain %q", e.Detail, tt.want)
			}
		})
	}
}

func TestIndexLookup(t *testing.T) {
	t.Parallel()
	tests := []struct{ filter, want string }{
		{`userName eq "a@b.c"`, `{0 a@b.c }`},
		{`externalId eq "x" and active eq true`, `{0  x}`},
		{`active eq true and id eq "42"`, `{42  }`},
		{`userName eq "a" or userName eq "b"`, `{0  }`},
		{`userName co "a"`, `{0  }`},
		{`not (userName eq "a")`, `{0  }`},
	}
	for _, tt := range tests {
		f, err := ParseFilter(tt.filter)
		if err != nil {
			t.Fatal(err)
		}
		l, none := indexLookup(f)
		if got := fmt.Sprint(l); got != tt.want || none {
			t.Errorf("indexLookup(%s) = %s, %v; want %s, false", tt.filter, got, none, tt.want)
		}
	}
	f, _ := ParseFilter(`id eq "abc"`)
	if _, none := indexLookup(f); !none {
		t.Errorf(`indexLookup(id eq "abc") should say no user can match`)
	}
}
