package scim

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// PatchRequest is the body of a PATCH (RFC 7644 §3.5.2).
type PatchRequest struct {
	Schemas    []string    `json:"schemas"`
	Operations []Operation `json:"Operations"`
}

// Operation is one PATCH operation. Op is matched in any case, as Microsoft
// Entra sends "Replace" and "Add".
type Operation struct {
	Op    string `json:"op"`
	Path  string `json:"path,omitempty"`
	Value any    `json:"value,omitempty"`
}

// maxOperations bounds one PATCH request.
const maxOperations = 1000

// ApplyPatch applies operations, in order, to a resource held as a JSON
// object. It knows the schema only to refuse changes to read-only
// attributes and to tell single from multi-valued attributes; whether the
// result is a valid user is for the caller to check.
func ApplyPatch(res map[string]any, ops []Operation) error {
	if len(ops) == 0 {
		return errorf(InvalidValue, "Operations is empty: send at least one operation")
	}
	if len(ops) > maxOperations {
		return errorf(TooMany, "Operations holds %d operations; at most %d are allowed in one request", len(ops), maxOperations)
	}
	for i, op := range ops {
		if err := applyOp(res, op); err != nil {
			e := err.(*Error)
			return &Error{Status: e.Status, Type: e.Type, Detail: fmt.Sprintf("Operations[%d]: %s", i, e.Detail)}
		}
	}
	return nil
}

func applyOp(res map[string]any, op Operation) error {
	kind := strings.ToLower(strings.TrimSpace(op.Op))
	if kind != "add" && kind != "replace" && kind != "remove" {
		return errorf(InvalidSyntax, "op %q is not add, replace or remove", op.Op)
	}
	if strings.TrimSpace(op.Path) == "" {
		if kind == "remove" {
			return errorf(NoTarget, "remove needs a path")
		}
		obj, ok := op.Value.(map[string]any)
		if !ok {
			return errorf(InvalidValue, "%s without a path needs an object as value, not %s", kind, jsonKind(op.Value))
		}
		return applyObject(res, kind, "", obj)
	}
	p, err := ParsePath(op.Path)
	if err != nil {
		return err
	}
	if kind != "remove" && op.Value == nil {
		return errorf(InvalidValue, "%s of %s needs a value", kind, op.Path)
	}
	return applyPath(res, kind, p, op.Value)
}

// applyObject applies add or replace without a path: every member of the
// value is a path of its own ("name.givenName" and full URNs included), or
// a schema URN whose object holds that schema's attributes.
func applyObject(res map[string]any, kind, urn string, obj map[string]any) error {
	for k, v := range obj {
		if urn == "" {
			if u := knownSchema(k); u != "" {
				sub, ok := v.(map[string]any)
				if !ok {
					return errorf(InvalidValue, "%s must be an object of its attributes, not %s", k, jsonKind(v))
				}
				if err := applyObject(res, kind, u, sub); err != nil {
					return err
				}
				continue
			}
			if strings.EqualFold(k, "schemas") || strings.EqualFold(k, "meta") {
				continue // the resource's own bookkeeping, not the client's to set
			}
		} else {
			k = urn + ":" + k
		}
		p, err := ParsePath(k)
		if err != nil {
			return err
		}
		if err := applyPath(res, kind, p, v); err != nil {
			return err
		}
	}
	return nil
}

func applyPath(res map[string]any, kind string, p Path, value any) error {
	if p.URN != "" && !strings.EqualFold(p.URN, UserSchema) && knownSchema(p.URN) == "" {
		return errorf(InvalidPath, "%s is not a schema of User (use %s or %s)", p.URN, UserSchema, EnterpriseSchema)
	}
	if p.Name == "" { // the whole extension
		if kind == "remove" {
			deleteKey(res, p.URN)
			return nil
		}
		obj, ok := value.(map[string]any)
		if !ok {
			return errorf(InvalidValue, "%s must be an object of its attributes, not %s", p.URN, jsonKind(value))
		}
		return applyObject(res, kind, p.URN, obj)
	}
	def := lookupAttr(AttrPath{URN: p.URN, Name: p.Name})
	if def == nil && p.URN == "" {
		// "manager" and "department" without their URN: some clients
		// leave it out, and no core attribute has these names.
		if d := lookupAttr(AttrPath{URN: EnterpriseSchema, Name: p.Name}); d != nil {
			def, p.URN = d, EnterpriseSchema
		}
	}
	if def != nil && def.Mutability == "readOnly" {
		return &Error{Status: 400, Type: Mutability, Detail: fmt.Sprintf("%s is read-only", p.Name)}
	}
	if d := subAttr(def, p.Sub); d != nil && d.Mutability == "readOnly" {
		return &Error{Status: 400, Type: Mutability, Detail: fmt.Sprintf("%s.%s is read-only", p.Name, p.Sub)}
	}
	c := res
	if p.URN != "" && !strings.EqualFold(p.URN, UserSchema) {
		m, ok := get(res, p.URN).(map[string]any)
		if !ok {
			if kind == "remove" {
				return nil
			}
			m = map[string]any{}
			res[p.URN] = m
		}
		c = m
	}
	key := keyFor(c, p.Name, def)
	multi := def != nil && def.MultiValued
	if _, isList := c[key].([]any); isList {
		multi = true
	}
	switch {
	case p.Filter != nil:
		return applyFiltered(c, key, kind, p, def, value)
	case p.Sub != "":
		return applySub(c, key, kind, p.Sub, multi, value)
	case kind == "remove":
		if multi && value != nil {
			c[key] = without(asList(c[key]), asList(value))
			return nil
		}
		delete(c, key)
	case multi && kind == "add":
		list := asList(c[key])
		if anyPrimary(asList(value)) {
			// At most one value is primary (RFC 7643 §2.4): the new one.
			for _, el := range list {
				if m, ok := el.(map[string]any); ok {
					delete(m, keyFor(m, "primary", nil))
				}
			}
		}
		for _, v := range asList(value) {
			if !containsValue(list, v) {
				list = append(list, v)
			}
		}
		c[key] = list
	case multi:
		c[key] = asList(value)
	default:
		// A complex single value merges: sub-attributes not sent stay
		// (RFC 7644 §3.5.2.1 and §3.5.2.3).
		old, oldObj := c[key].(map[string]any)
		nv, newObj := value.(map[string]any)
		if oldObj && newObj {
			for k, v := range nv {
				old[keyFor(old, k, subAttr(def, k))] = v
			}
			return nil
		}
		c[key] = value
	}
	return nil
}

// applySub sets or removes a sub-attribute, as in name.givenName; on a
// multi-valued attribute without a filter, on every value.
func applySub(c map[string]any, key, kind, sub string, multi bool, value any) error {
	if multi {
		list := asList(c[key])
		if len(list) == 0 && kind != "remove" {
			c[key] = []any{map[string]any{sub: value}}
			return nil
		}
		for _, el := range list {
			if m, ok := el.(map[string]any); ok {
				setOrRemove(m, sub, kind, value)
			}
		}
		return nil
	}
	m, ok := c[key].(map[string]any)
	if !ok {
		if kind == "remove" {
			return nil
		}
		m = map[string]any{}
		c[key] = m
	}
	setOrRemove(m, sub, kind, value)
	return nil
}

// applyFiltered handles name[filter] and name[filter].sub. Add and
// replace on a filter that matches nothing create the value when the
// filter is a plain equality (emails[type eq "work"].value makes a work
// email); otherwise there is no target.
func applyFiltered(c map[string]any, key, kind string, p Path, def *Attribute, value any) error {
	parent := def
	if parent == nil {
		parent = &Attribute{Name: p.Name, Type: "complex", MultiValued: true}
	} else if err := checkFilter(p.Filter, parent); err != nil {
		return errorf(InvalidPath, "%s", err.(*Error).Detail)
	}
	list := asList(c[key])
	var kept []any
	matched := 0
	for _, el := range list {
		m, ok := el.(map[string]any)
		if !ok || !matches(p.Filter, m, parent) {
			kept = append(kept, el)
			continue
		}
		matched++
		switch {
		case kind == "remove" && p.Sub == "":
			continue // dropped
		case p.Sub != "":
			setOrRemove(m, p.Sub, kind, value)
		default:
			nv, ok := value.(map[string]any)
			if !ok {
				return errorf(InvalidValue, "%s of %s needs an object as value, not %s", kind, p.Name, jsonKind(value))
			}
			if kind == "replace" {
				clear(m)
			}
			for k, v := range nv {
				m[k] = v
			}
		}
		kept = append(kept, m)
	}
	if matched == 0 && kind != "remove" {
		eqs, ok := equalities(p.Filter)
		if !ok {
			return errorf(NoTarget, "no value of %s matches the filter, and the filter is not a plain equality that could create one", p.Name)
		}
		if p.Sub != "" {
			eqs[p.Sub] = value
		} else if nv, ok := value.(map[string]any); ok {
			for k, v := range nv {
				eqs[k] = v
			}
		} else {
			return errorf(InvalidValue, "%s of %s needs an object as value, not %s", kind, p.Name, jsonKind(value))
		}
		kept = append(kept, eqs)
	}
	c[key] = kept
	if kept == nil {
		delete(c, key)
	}
	return nil
}

// equalities returns the attribute values of a filter made only of "eq"
// comparisons joined by "and", as a new value's members.
func equalities(f Filter) (map[string]any, bool) {
	switch f := f.(type) {
	case Compare:
		if f.Op != "eq" || f.Attr.Sub != "" || f.Value == nil {
			return nil, false
		}
		return map[string]any{f.Attr.Name: f.Value}, true
	case And:
		l, ok := equalities(f.Left)
		if !ok {
			return nil, false
		}
		r, ok := equalities(f.Right)
		if !ok {
			return nil, false
		}
		for k, v := range r {
			l[k] = v
		}
		return l, true
	}
	return nil, false
}

func setOrRemove(m map[string]any, name, kind string, value any) {
	k := keyFor(m, name, nil)
	if kind == "remove" {
		delete(m, k)
		return
	}
	m[k] = value
}

// keyFor returns the key under which an attribute is held: the existing
// key in any case, else the schema's spelling, else the name as sent.
func keyFor(m map[string]any, name string, def *Attribute) string {
	if _, ok := m[name]; ok {
		return name
	}
	for k := range m {
		if strings.EqualFold(k, name) {
			return k
		}
	}
	if def != nil {
		return def.Name
	}
	return name
}

func deleteKey(m map[string]any, name string) { delete(m, keyFor(m, name, nil)) }

func anyPrimary(list []any) bool {
	for _, el := range list {
		if m, ok := el.(map[string]any); ok && get(m, "primary") == true {
			return true
		}
	}
	return false
}

// containsValue reports whether a multi-valued attribute already holds v
// (complex values compare by their "value" member).
func containsValue(list []any, v any) bool {
	for _, el := range list {
		if sameValue(el, v) {
			return true
		}
	}
	return false
}

func sameValue(a, b any) bool {
	am, aObj := a.(map[string]any)
	bm, bObj := b.(map[string]any)
	if aObj && bObj && get(am, "value") != nil {
		return reflect.DeepEqual(get(am, "value"), get(bm, "value"))
	}
	return reflect.DeepEqual(a, b)
}

func without(list, remove []any) []any {
	var out []any
	for _, el := range list {
		if !containsValue(remove, el) {
			out = append(out, el)
		}
	}
	return out
}

// jsonKind names the JSON type of a decoded value, for error details.
func jsonKind(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("the string %q", truncate(v, 40))
	case bool:
		return fmt.Sprintf("the boolean %v", v)
	case float64, json.Number:
		return fmt.Sprintf("the number %v", v)
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// otherUserAttributes are the attributes of RFC 7643's User and enterprise
// User that Reportline accepts and does not keep: a PATCH naming them does
// nothing, one naming anything else is an invalidPath.
var otherUserAttributes = map[string]bool{
	"nickname": true, "profileurl": true, "usertype": true, "preferredlanguage": true, "locale": true, "timezone": true,
	"password": true, "phonenumbers": true, "ims": true, "photos": true, "addresses": true, "groups": true,
	"entitlements": true, "roles": true, "x509certificates": true,
	"employeenumber": true, "costcenter": true, "organization": true, "division": true,
}

// checkUserPaths refuses operations whose explicit path names no User
// attribute (an attribute of another schema is left to ApplyPatch).
func checkUserPaths(ops []Operation) error {
	for i, op := range ops {
		if strings.TrimSpace(op.Path) == "" {
			continue
		}
		p, err := ParsePath(op.Path)
		if err != nil {
			continue // ApplyPatch says why
		}
		if !knownPath(p) {
			return errorf(InvalidPath, "Operations[%d]: %s is not an attribute of User", i, op.Path)
		}
	}
	return nil
}

// knownPath says whether a PATCH path names a User attribute.
func knownPath(p Path) bool {
	if p.Name == "" || (p.URN != "" && !strings.EqualFold(p.URN, UserSchema) && knownSchema(p.URN) == "") {
		return true // a whole extension, or a schema ApplyPatch refuses
	}
	if lookupAttr(AttrPath{URN: p.URN, Name: p.Name}) != nil {
		return true
	}
	if p.URN == "" && lookupAttr(AttrPath{URN: EnterpriseSchema, Name: p.Name}) != nil {
		return true
	}
	return otherUserAttributes[strings.ToLower(p.Name)]
}
