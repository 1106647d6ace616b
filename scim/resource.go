package scim

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"reportline/provisioning"
)

// User is the JSON of a SCIM User resource (RFC 7643 §4.1) with the
// enterprise extension (§4.3).
type User struct {
	Schemas     []string    `json:"schemas"`
	ID          string      `json:"id"`
	ExternalID  string      `json:"externalId,omitempty"`
	UserName    string      `json:"userName"`
	Name        *Name       `json:"name,omitempty"`
	DisplayName string      `json:"displayName,omitempty"`
	Title       string      `json:"title,omitempty"`
	Active      bool        `json:"active"`
	Emails      []Email     `json:"emails,omitempty"`
	Enterprise  *Enterprise `json:"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User,omitempty"`
	Meta        Meta        `json:"meta"`
}

// Name is a user's name.
type Name struct {
	Formatted  string `json:"formatted,omitempty"`
	GivenName  string `json:"givenName,omitempty"`
	FamilyName string `json:"familyName,omitempty"`
}

// Email is one email address.
type Email struct {
	Value   string `json:"value"`
	Type    string `json:"type,omitempty"`
	Primary bool   `json:"primary,omitempty"`
}

// Enterprise holds the enterprise extension's attributes kept.
type Enterprise struct {
	Department string   `json:"department,omitempty"`
	Manager    *Manager `json:"manager,omitempty"`
}

// Manager is the enterprise extension's manager reference.
type Manager struct {
	Value       string `json:"value"`
	Ref         string `json:"$ref,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
}

// Meta is a resource's metadata (RFC 7643 §3.1).
type Meta struct {
	ResourceType string `json:"resourceType"`
	Created      string `json:"created,omitempty"`
	LastModified string `json:"lastModified,omitempty"`
	Location     string `json:"location,omitempty"`
	Version      string `json:"version,omitempty"`
}

// toResource shows a user as a SCIM resource. base is the endpoint's
// absolute URL, ".../scim/v2".
func toResource(u provisioning.User, base string) User {
	id := strconv.FormatInt(int64(u.ID), 10)
	r := User{Schemas: []string{UserSchema}, ID: id, ExternalID: u.ExternalID, UserName: u.UserName,
		Title: u.Position, Active: u.Active(), Emails: []Email{{Value: u.Email, Type: "work", Primary: true}}}
	if u.FirstName != "" || u.LastName != "" {
		r.Name = &Name{Formatted: strings.TrimSpace(u.FirstName + " " + u.LastName), GivenName: u.FirstName, FamilyName: u.LastName}
		r.DisplayName = r.Name.Formatted
	}
	if u.DisplayName != "" {
		r.DisplayName = u.DisplayName
	}
	if sent := sentEmails(u.EmailsSent); slices.ContainsFunc(sent, func(e Email) bool { return strings.EqualFold(e.Value, u.Email) }) {
		r.Emails = sent // as the client sent them, while they hold the user's email
	}
	if u.OrgUnit != "" || u.Manager.ID != 0 {
		r.Schemas = append(r.Schemas, EnterpriseSchema)
		r.Enterprise = &Enterprise{Department: u.OrgUnit}
		if u.Manager.ID != 0 {
			mid := strconv.FormatInt(int64(u.Manager.ID), 10)
			r.Enterprise.Manager = &Manager{Value: mid, Ref: base + "/Users/" + mid, DisplayName: u.Manager.Name()}
		}
	}
	r.Meta = Meta{ResourceType: "User", Created: timestamp(u.CreatedAt), LastModified: timestamp(u.UpdatedAt),
		Location: base + "/Users/" + id}
	r.Meta.Version = version(r)
	return r
}

func timestamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// version is the resource's weak ETag: a digest of everything the client
// sees but the metadata, so that a change of manager (which is not a change
// of the user row) changes it too.
func version(r User) string {
	r.Meta = Meta{}
	b, _ := json.Marshal(r)
	sum := sha256.Sum256(b)
	return `W/"` + hex.EncodeToString(sum[:8]) + `"`
}

// toMap turns a resource into the generic JSON object that filters and
// PATCH operations work on: what decoding its JSON would give, built
// directly because a filter that no index answers does this for every
// user (TestToMapIsItsJSON keeps the two the same).
func toMap(r User) map[string]any {
	m := map[string]any{"schemas": strings2any(r.Schemas), "id": r.ID, "userName": r.UserName, "active": r.Active}
	set := func(m map[string]any, k, v string) {
		if v != "" {
			m[k] = v
		}
	}
	set(m, "externalId", r.ExternalID)
	set(m, "displayName", r.DisplayName)
	set(m, "title", r.Title)
	if r.Name != nil {
		n := map[string]any{}
		set(n, "formatted", r.Name.Formatted)
		set(n, "givenName", r.Name.GivenName)
		set(n, "familyName", r.Name.FamilyName)
		m["name"] = n
	}
	if len(r.Emails) > 0 {
		list := make([]any, len(r.Emails))
		for i, e := range r.Emails {
			em := map[string]any{"value": e.Value}
			set(em, "type", e.Type)
			if e.Primary {
				em["primary"] = true
			}
			list[i] = em
		}
		m["emails"] = list
	}
	if r.Enterprise != nil {
		ext := map[string]any{}
		set(ext, "department", r.Enterprise.Department)
		if mg := r.Enterprise.Manager; mg != nil {
			mm := map[string]any{"value": mg.Value}
			set(mm, "$ref", mg.Ref)
			set(mm, "displayName", mg.DisplayName)
			ext["manager"] = mm
		}
		m[EnterpriseSchema] = ext
	}
	meta := map[string]any{"resourceType": r.Meta.ResourceType}
	set(meta, "created", r.Meta.Created)
	set(meta, "lastModified", r.Meta.LastModified)
	set(meta, "location", r.Meta.Location)
	set(meta, "version", r.Meta.Version)
	m["meta"] = meta
	return m
}

func strings2any(list []string) []any {
	out := make([]any, len(list))
	for i, s := range list {
		out[i] = s
	}
	return out
}

// fromResource reads a User resource sent by a client (POST, PUT, or the
// result of a PATCH) into what Reportline keeps. Attribute names match in
// any case. Attributes Reportline does not keep are ignored; read-only ones
// (id, meta) too, as RFC 7643 §2.2 says for a replace. Each wrong value is
// an invalidValue error naming the attribute. An absent active is taken as
// activeIfAbsent: true for a create, the user's current state for a PUT or
// a PATCH (absence never re-enables a deactivated user).
func fromResource(m map[string]any, activeIfAbsent bool) (provisioning.UserInput, error) {
	var in provisioning.UserInput
	var err error
	if in.UserName, err = stringAttr(m, "userName"); err != nil {
		return in, err
	}
	if strings.TrimSpace(in.UserName) == "" {
		return in, errorf(InvalidValue, "userName is required")
	}
	if in.ExternalID, err = stringAttr(m, "externalId"); err != nil {
		return in, err
	}
	if in.Position, err = stringAttr(m, "title"); err != nil {
		return in, err
	}
	if name := get(m, "name"); name != nil {
		nm, ok := name.(map[string]any)
		if !ok {
			return in, errorf(InvalidValue, "name must be an object with givenName and familyName, not %s", jsonKind(name))
		}
		if in.FirstName, err = stringAttrAt(nm, "givenName", "name.givenName"); err != nil {
			return in, err
		}
		if in.LastName, err = stringAttrAt(nm, "familyName", "name.familyName"); err != nil {
			return in, err
		}
	}
	if in.Active, err = boolAttr(m, "active", activeIfAbsent); err != nil {
		return in, err
	}
	if in.Email, err = chooseEmail(get(m, "emails")); err != nil {
		return in, err
	}
	in.EmailsSent = emailsSent(get(m, "emails"))
	if in.DisplayName, err = stringAttr(m, "displayName"); err != nil {
		return in, err
	}
	ext := get(m, EnterpriseSchema)
	if ext == nil && (get(m, "manager") != nil || get(m, "department") != nil) {
		// The enterprise attributes without their URN, as some clients
		// send them: no core attribute has these names.
		ext = map[string]any{"manager": get(m, "manager"), "department": get(m, "department")}
	}
	if ext != nil {
		em, ok := ext.(map[string]any)
		if !ok {
			return in, errorf(InvalidValue, "%s must be an object, not %s", EnterpriseSchema, jsonKind(ext))
		}
		if in.OrgUnit, err = stringAttrAt(em, "department", "department"); err != nil {
			return in, err
		}
		if in.Manager, err = managerValue(get(em, "manager")); err != nil {
			return in, err
		}
	}
	return in, nil
}

func stringAttr(m map[string]any, name string) (string, error) { return stringAttrAt(m, name, name) }

// stringAttrAt reads a string attribute; null and absent are "".
func stringAttrAt(m map[string]any, name, path string) (string, error) {
	switch v := get(m, name).(type) {
	case nil:
		return "", nil
	case string:
		return strings.TrimSpace(v), nil
	default:
		return "", errorf(InvalidValue, "%s must be a string, not %s", path, jsonKind(v))
	}
}

// boolAttr reads a boolean; the strings "true" and "false" in any case are
// accepted, as Microsoft Entra sends "False" in PATCH operations.
func boolAttr(m map[string]any, name string, absent bool) (bool, error) {
	switch v := get(m, name).(type) {
	case nil:
		return absent, nil
	case bool:
		return v, nil
	case string:
		if b, err := strconv.ParseBool(strings.TrimSpace(v)); err == nil && (strings.EqualFold(v, "true") || strings.EqualFold(v, "false")) {
			return b, nil
		}
		return false, errorf(InvalidValue, "%s must be true or false, not %s", name, jsonKind(v))
	default:
		return false, errorf(InvalidValue, "%s must be true or false, not %s", name, jsonKind(v))
	}
}

// emailsSent keeps the emails as sent (value, type, primary), as JSON; ""
// when there are none or they are not what chooseEmail accepted.
func emailsSent(v any) string {
	var out []Email
	for _, el := range asList(v) {
		em, _ := el.(map[string]any)
		value, _ := get(em, "value").(string)
		if value = strings.TrimSpace(value); value == "" {
			continue
		}
		typ, _ := get(em, "type").(string)
		primary, _ := boolAttr(em, "primary", false)
		out = append(out, Email{Value: value, Type: typ, Primary: primary})
	}
	if len(out) == 0 {
		return ""
	}
	b, _ := json.Marshal(out)
	return string(b)
}

func sentEmails(s string) []Email {
	var out []Email
	if s != "" {
		json.Unmarshal([]byte(s), &out)
	}
	return out
}

// chooseEmail picks the address kept from emails: the primary one, else
// the work one, else the first; "" when none was sent.
func chooseEmail(v any) (string, error) {
	if v == nil {
		return "", nil
	}
	list := asList(v)
	best, rank := "", 0
	for i, el := range list {
		em, ok := el.(map[string]any)
		if !ok {
			return "", errorf(InvalidValue, "emails[%d] must be an object with a value, not %s", i, jsonKind(el))
		}
		value, err := stringAttrAt(em, "value", fmt.Sprintf("emails[%d].value", i))
		if err != nil {
			return "", err
		}
		if value == "" {
			continue
		}
		primary, err := boolAttr(em, "primary", false)
		if err != nil {
			return "", errorf(InvalidValue, "emails[%d].primary must be true or false, not %s", i, jsonKind(get(em, "primary")))
		}
		typ, _ := get(em, "type").(string)
		r := 1
		switch {
		case primary:
			r = 3
		case strings.EqualFold(typ, "work"):
			r = 2
		}
		if r > rank {
			best, rank = value, r
		}
	}
	return best, nil
}

// managerValue reads the enterprise manager in every form clients send:
// {"value": "id"} (RFC 7643), the bare string "id" (Microsoft Entra), a
// list of one of either, or a number. null, "" and {"value": ""} are no
// manager.
func managerValue(v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return strings.TrimSpace(v), nil
	case float64:
		if v != math.Trunc(v) || v < 1 || v > math.MaxInt64 {
			return "", errorf(InvalidValue, "manager must be a user id or externalId, not the number %v", v)
		}
		return strconv.FormatInt(int64(v), 10), nil
	case map[string]any:
		mv := get(v, "value")
		if _, nested := mv.(map[string]any); nested {
			return "", errorf(InvalidValue, "manager.value must be a user id or externalId, not an object")
		}
		if _, nested := mv.([]any); nested {
			return "", errorf(InvalidValue, "manager.value must be a user id or externalId, not a list")
		}
		return managerValue(mv)
	case []any:
		switch len(v) {
		case 0:
			return "", nil
		case 1:
			if _, nested := v[0].([]any); !nested {
				return managerValue(v[0])
			}
		}
		return "", errorf(InvalidValue, "manager must be one user: a user keeps one manager from a directory, and %d were sent", len(v))
	}
	return "", errorf(InvalidValue, "manager must be a user id or {\"value\": id}, not %s", jsonKind(v))
}
