package scim

import (
	"net/url"
	"strings"
)

// projection is what the attributes and excludedAttributes parameters
// (RFC 7644 §3.9) ask of each resource returned. id and schemas are always
// returned.
type projection struct {
	only, except []AttrPath
}

// parseProjection reads the parameters; names that are not attribute
// paths are an invalidValue error. Unknown attributes select nothing.
func parseProjection(q url.Values) (projection, error) {
	var p projection
	for _, param := range []struct {
		name string
		dst  *[]AttrPath
	}{{"attributes", &p.only}, {"excludedAttributes", &p.except}} {
		for s := range strings.SplitSeq(q.Get(param.name), ",") {
			if s = strings.TrimSpace(s); s == "" {
				continue
			}
			if u := knownSchema(s); u != "" {
				*param.dst = append(*param.dst, AttrPath{URN: u})
				continue
			}
			a, err := ParseAttrPath(s)
			if err != nil {
				return p, errorf(InvalidValue, "%s: %s", param.name, err.(*Error).Detail)
			}
			*param.dst = append(*param.dst, a)
		}
	}
	return p, nil
}

func (p projection) none() bool { return len(p.only) == 0 && len(p.except) == 0 }

// apply returns the resource as the parameters ask; the resource itself
// when they ask nothing.
func (p projection) apply(r User) any {
	if p.none() {
		return r
	}
	return p.applyMap(toMap(r))
}

// applyMap projects a resource held as a JSON object.
func (p projection) applyMap(m map[string]any) map[string]any {
	if len(p.only) > 0 {
		out := map[string]any{"id": m["id"], "schemas": m["schemas"]}
		for _, a := range p.only {
			copyAttr(out, m, a)
		}
		m = out
	}
	for _, a := range p.except {
		removeAttr(m, a)
	}
	return m
}

// holder returns the object an attribute lives in: the resource, or its
// extension's object (created in dst when create is set).
func holder(m map[string]any, a AttrPath, create bool) map[string]any {
	if a.URN == "" || strings.EqualFold(a.URN, UserSchema) {
		return m
	}
	key := keyFor(m, a.URN, nil)
	if ext, ok := m[key].(map[string]any); ok {
		return ext
	}
	if !create {
		return nil
	}
	ext := map[string]any{}
	m[EnterpriseSchema] = ext
	return ext
}

func copyAttr(dst, src map[string]any, a AttrPath) {
	from := holder(src, a, false)
	if from == nil {
		return
	}
	if a.Name == "" { // a whole extension
		dst[EnterpriseSchema] = from
		return
	}
	key := keyFor(from, a.Name, nil)
	v, ok := from[key]
	if !ok {
		return
	}
	to := holder(dst, a, true)
	if a.Sub == "" {
		to[key] = v
		return
	}
	switch v := v.(type) {
	case map[string]any:
		sub := keyFor(v, a.Sub, nil)
		if sv, ok := v[sub]; ok {
			obj, _ := to[key].(map[string]any)
			if obj == nil {
				obj = map[string]any{}
				to[key] = obj
			}
			obj[sub] = sv
		}
	case []any:
		var list []any
		for _, el := range v {
			if em, ok := el.(map[string]any); ok {
				if sv, ok := em[keyFor(em, a.Sub, nil)]; ok {
					list = append(list, map[string]any{a.Sub: sv})
				}
			}
		}
		if list != nil {
			to[key] = list
		}
	}
}

func removeAttr(m map[string]any, a AttrPath) {
	if a.URN == "" && a.Sub == "" && (strings.EqualFold(a.Name, "id") || strings.EqualFold(a.Name, "schemas")) {
		return // returned always
	}
	from := holder(m, a, false)
	if from == nil {
		return
	}
	if a.Name == "" {
		deleteKey(m, a.URN)
		return
	}
	key := keyFor(from, a.Name, nil)
	if a.Sub == "" {
		delete(from, key)
		return
	}
	for _, el := range asList(from[key]) {
		if em, ok := el.(map[string]any); ok {
			deleteKey(em, a.Sub)
		}
	}
}
