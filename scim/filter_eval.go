package scim

import (
	"strings"
	"time"
)

// checkFilter checks a parsed filter against the User schema: every
// attribute must be known, and each comparison must suit the attribute's
// type (a boolean only with eq and ne, a string with a quoted string).
// parent is the multi-valued attribute inside whose brackets f sits.
func checkFilter(f Filter, parent *Attribute) error {
	switch f := f.(type) {
	case And:
		if err := checkFilter(f.Left, parent); err != nil {
			return err
		}
		return checkFilter(f.Right, parent)
	case Or:
		if err := checkFilter(f.Left, parent); err != nil {
			return err
		}
		return checkFilter(f.Right, parent)
	case Not:
		return checkFilter(f.X, parent)
	case Present:
		_, err := filterAttr(f.Attr, parent)
		return err
	case ValuePath:
		def, err := filterAttr(f.Attr, parent)
		if err != nil {
			return err
		}
		if def.Type != "complex" {
			return errorf(InvalidFilter, "%s has no sub-attributes to filter on in %s[…]", f.Attr, f.Attr)
		}
		return checkFilter(f.Filter, def)
	case Compare:
		def, err := filterAttr(f.Attr, parent)
		if err != nil {
			return err
		}
		if def.Type == "complex" {
			if def = subAttr(def, "value"); def == nil {
				return errorf(InvalidFilter, "%s is complex: compare one of its sub-attributes, as in %s.givenName", f.Attr, f.Attr)
			}
		}
		return checkComparison(f, def)
	}
	return nil
}

func checkComparison(f Compare, def *Attribute) error {
	switch v := f.Value.(type) {
	case nil:
		return nil
	case bool:
		if def.Type != "boolean" {
			return errorf(InvalidFilter, "%s is a %s; compare it with a quoted string, not %v", f.Attr, def.Type, v)
		}
		if f.Op != "eq" && f.Op != "ne" {
			return errorf(InvalidFilter, "%s is a boolean: only eq and ne apply, not %s", f.Attr, f.Op)
		}
	case float64:
		return errorf(InvalidFilter, "%s is a %s; compare it with a quoted string, not the number %v", f.Attr, def.Type, v)
	case string:
		if def.Type == "boolean" {
			return errorf(InvalidFilter, "%s is a boolean; compare it with true or false, not %q", f.Attr, v)
		}
	}
	return nil
}

// filterAttr resolves a filter's attribute to its definition.
func filterAttr(p AttrPath, parent *Attribute) (*Attribute, error) {
	var def *Attribute
	if parent != nil {
		if p.URN == "" && p.Sub == "" {
			def = subAttr(parent, p.Name)
		}
		if def == nil {
			return nil, errorf(InvalidFilter, "%s is not a sub-attribute of %s", p, parent.Name)
		}
		return def, nil
	}
	if def = lookupAttr(p); def == nil {
		return nil, errorf(InvalidFilter, "%s is not an attribute of User that can be filtered on (try userName, externalId, id, emails.value, active, name.givenName, name.familyName, title, displayName or %s:department)", p, EnterpriseSchema)
	}
	return def, nil
}

// Matches reports whether a resource, as a JSON object, matches a filter
// that checkFilter accepted. Multi-valued attributes match when any of
// their values does; ne is the negation of eq. Strings compare
// case-insensitively unless the attribute is caseExact (id, externalId).
func Matches(f Filter, res map[string]any) bool { return matches(f, res, nil) }

func matches(f Filter, obj map[string]any, parent *Attribute) bool {
	switch f := f.(type) {
	case And:
		return matches(f.Left, obj, parent) && matches(f.Right, obj, parent)
	case Or:
		return matches(f.Left, obj, parent) || matches(f.Right, obj, parent)
	case Not:
		return !matches(f.X, obj, parent)
	case Present:
		for _, v := range attrValues(obj, f.Attr, parent != nil) {
			if v != nil && v != "" {
				return true
			}
		}
		return false
	case ValuePath:
		def, _ := filterAttr(f.Attr, parent)
		for _, el := range asList(get(scope(obj, f.Attr, parent != nil), f.Attr.Name)) {
			if m, ok := el.(map[string]any); ok && matches(f.Filter, m, def) {
				return true
			}
		}
		return false
	case Compare:
		def, _ := filterAttr(f.Attr, parent)
		if def != nil && def.Type == "complex" {
			def = subAttr(def, "value")
		}
		vals := attrValues(obj, f.Attr, parent != nil)
		if f.Op == "ne" {
			return !anyCompare(vals, Compare{Attr: f.Attr, Op: "eq", Value: f.Value}, def)
		}
		return anyCompare(vals, f, def)
	}
	return false
}

func anyCompare(vals []any, f Compare, def *Attribute) bool {
	if f.Value == nil {
		for _, v := range vals {
			if v != nil {
				return false
			}
		}
		return true // absent or null equals null
	}
	for _, v := range vals {
		if compare(v, f, def) {
			return true
		}
	}
	return false
}

func compare(v any, f Compare, def *Attribute) bool {
	switch want := f.Value.(type) {
	case bool:
		got, ok := v.(bool)
		return ok && got == want
	case float64:
		got, ok := v.(float64)
		return ok && cmpOrdered(f.Op, got, want)
	case string:
		got, ok := v.(string)
		if !ok {
			return false
		}
		if def != nil && def.Type == "dateTime" {
			if g, err := time.Parse(time.RFC3339Nano, got); err == nil {
				if w, err := time.Parse(time.RFC3339Nano, want); err == nil {
					return cmpOrdered(f.Op, g.UnixNano(), w.UnixNano())
				}
			}
		}
		if def == nil || !def.CaseExact {
			got, want = strings.ToLower(got), strings.ToLower(want)
		}
		switch f.Op {
		case "co":
			return strings.Contains(got, want)
		case "sw":
			return strings.HasPrefix(got, want)
		case "ew":
			return strings.HasSuffix(got, want)
		}
		return cmpOrdered(f.Op, got, want)
	}
	return false
}

func cmpOrdered[T int64 | float64 | string](op string, a, b T) bool {
	switch op {
	case "eq":
		return a == b
	case "gt":
		return a > b
	case "ge":
		return a >= b
	case "lt":
		return a < b
	case "le":
		return a <= b
	}
	return false
}

// scope returns the object an attribute lives in: the enterprise
// extension's object for its URN, else the resource itself.
func scope(obj map[string]any, p AttrPath, inValue bool) map[string]any {
	if !inValue && p.URN != "" && !strings.EqualFold(p.URN, UserSchema) {
		m, _ := get(obj, p.URN).(map[string]any)
		return m
	}
	return obj
}

// attrValues returns every value of a path: one for a single-valued
// attribute, each value of a multi-valued one (the "value" sub-attribute
// of complex values when no sub-attribute is named).
func attrValues(obj map[string]any, p AttrPath, inValue bool) []any {
	v := get(scope(obj, p, inValue), p.Name)
	var out []any
	for _, el := range asList(v) {
		m, isObj := el.(map[string]any)
		switch {
		case p.Sub != "" && isObj:
			out = append(out, get(m, p.Sub))
		case p.Sub == "" && isObj:
			out = append(out, get(m, "value"))
		case p.Sub == "":
			out = append(out, el)
		}
	}
	return out
}

// asList returns a list's elements, or a single value as a list of one.
func asList(v any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		return v
	}
	return []any{v}
}

// get returns the member of a JSON object by name, case-insensitively
// (SCIM attribute names are case-insensitive, RFC 7643 §2.1).
func get(m map[string]any, name string) any {
	if m == nil {
		return nil
	}
	if v, ok := m[name]; ok {
		return v
	}
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}
