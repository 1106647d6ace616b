package scim

import (
	"strings"
)

// Path is the target of a PATCH operation (RFC 7644 §3.5.2):
//
//	PATH = attrPath / valuePath [subAttr]
//
// as in "active", "name.givenName", `emails[type eq "work"].value` or
// "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager". A
// path that is only a schema URN names the whole extension.
type Path struct {
	URN    string // the schema as written, "" for the core schema
	Name   string // "" when the path is only a schema URN
	Filter Filter // the value filter of a valuePath, nil when none
	Sub    string
}

const maxPathLen = 1024

// knownSchema returns the canonical URN of a schema this endpoint serves,
// matched case-insensitively, or "".
func knownSchema(s string) string {
	for _, u := range []string{UserSchema, EnterpriseSchema, GroupSchema} {
		if strings.EqualFold(s, u) {
			return u
		}
	}
	return ""
}

// ParsePath parses a PATCH path. Errors are invalidPath SCIM errors that
// say why.
func ParsePath(s string) (Path, error) {
	if len(s) > maxPathLen {
		return Path{}, errorf(InvalidPath, "path is longer than %d characters", maxPathLen)
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return Path{}, errorf(InvalidPath, "path is empty")
	}
	if u := knownSchema(s); u != "" {
		return Path{URN: u}, nil
	}
	open := strings.IndexByte(s, '[')
	if open < 0 {
		if strings.ContainsAny(s, "]\" ") {
			return Path{}, errorf(InvalidPath, "path %q is not an attribute path (name, name.sub or name[filter].sub)", s)
		}
		a, err := ParseAttrPath(s)
		if err != nil {
			return Path{}, errorf(InvalidPath, "path %q: %s", s, err.(*Error).Detail)
		}
		return Path{URN: a.URN, Name: a.Name, Sub: a.Sub}, nil
	}
	head, rest := s[:open], s[open+1:]
	a, err := ParseAttrPath(head)
	if err != nil {
		return Path{}, errorf(InvalidPath, "path %q: %s", s, err.(*Error).Detail)
	}
	if a.Sub != "" {
		return Path{}, errorf(InvalidPath, "path %q: a value filter applies to an attribute, not to the sub-attribute %s", s, a)
	}
	end := closingBracket(rest)
	if end < 0 {
		return Path{}, errorf(InvalidPath, "path %q: the value filter is not closed with ]", s)
	}
	inner, after := rest[:end], rest[end+1:]
	f, err := ParseFilter(inner)
	if err != nil {
		return Path{}, errorf(InvalidPath, "path %q: %s", s, err.(*Error).Detail)
	}
	if _, ok := f.(ValuePath); ok || containsValuePath(f) {
		return Path{}, errorf(InvalidPath, "path %q: a value filter cannot hold another value filter", s)
	}
	p := Path{URN: a.URN, Name: a.Name, Filter: f}
	if after != "" {
		sub, ok := strings.CutPrefix(after, ".")
		if !ok || !validAttrName(sub) {
			return Path{}, errorf(InvalidPath, "path %q: after ] only .subAttribute may follow, not %q", s, after)
		}
		p.Sub = sub
	}
	return p, nil
}

// closingBracket returns the index of the ] that closes a value filter,
// skipping brackets inside quoted strings, or -1.
func closingBracket(s string) int {
	inString := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case !inString && c == ']':
			return i
		}
	}
	return -1
}

func containsValuePath(f Filter) bool {
	switch f := f.(type) {
	case ValuePath:
		return true
	case And:
		return containsValuePath(f.Left) || containsValuePath(f.Right)
	case Or:
		return containsValuePath(f.Left) || containsValuePath(f.Right)
	case Not:
		return containsValuePath(f.X)
	}
	return false
}
