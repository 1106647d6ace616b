package scim

import "strings"

// The schema URNs this endpoint serves.
const (
	UserSchema       = "urn:ietf:params:scim:schemas:core:2.0:User"
	EnterpriseSchema = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	ListSchema       = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	PatchSchema      = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	SearchSchema     = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
	GroupSchema      = "urn:ietf:params:scim:schemas:core:2.0:Group"
)

// Attribute describes one attribute of a schema, in the form of RFC 7643
// §7 (it is served as such by /Schemas).
type Attribute struct {
	Name          string      `json:"name"`
	Type          string      `json:"type"`
	MultiValued   bool        `json:"multiValued"`
	Description   string      `json:"description"`
	Required      bool        `json:"required"`
	CaseExact     bool        `json:"caseExact"`
	Mutability    string      `json:"mutability"`
	Returned      string      `json:"returned"`
	Uniqueness    string      `json:"uniqueness"`
	SubAttributes []Attribute `json:"subAttributes,omitempty"`
	ReferenceType []string    `json:"referenceTypes,omitempty"`
}

func str(name, desc string) Attribute {
	return Attribute{Name: name, Type: "string", Description: desc, Mutability: "readWrite", Returned: "default", Uniqueness: "none"}
}

func readOnly(a Attribute) Attribute { a.Mutability = "readOnly"; return a }

// userAttributes are the core User attributes Reportline keeps. Others a
// client sends (phone numbers, addresses…) are accepted and not stored.
var userAttributes = []Attribute{
	func() Attribute {
		a := str("userName", "The person's email address, unique and compared case-insensitively: Reportline identifies people by email.")
		a.Required, a.Uniqueness = true, "server"
		return a
	}(),
	{Name: "name", Type: "complex", Description: "The person's name.", Mutability: "readWrite", Returned: "default", Uniqueness: "none",
		SubAttributes: []Attribute{
			readOnly(str("formatted", "Given and family name, as displayed.")),
			str("givenName", "First name."),
			str("familyName", "Last name."),
		}},
	str("displayName", "Kept as sent and returned as sent (Reportline itself shows given and family name); when none was sent, given and family name."),
	str("title", "Job title, kept as the user's position."),
	{Name: "active", Type: "boolean", Description: "Whether the account is active; false deactivates (links are kept).",
		Mutability: "readWrite", Returned: "default", Uniqueness: "none"},
	{Name: "emails", Type: "complex", MultiValued: true, Description: "The addresses, kept and returned as sent (case preserved) while they hold the person's email: the primary one, else the work one, else the first, which is matched case-insensitively and must be unique.",
		Mutability: "readWrite", Returned: "default", Uniqueness: "none",
		SubAttributes: []Attribute{
			str("value", "The address."),
			str("type", "work, home, other…"),
			{Name: "primary", Type: "boolean", Description: "The address that is the person's email.", Mutability: "readWrite", Returned: "default", Uniqueness: "none"},
		}},
}

// enterpriseAttributes are the enterprise extension's attributes kept.
var enterpriseAttributes = []Attribute{
	str("department", "Kept as the user's org unit."),
	{Name: "manager", Type: "complex", Description: "The line manager set by this provisioning client; value is the manager's id, or their externalId. Replaces the line managers this client set before; links made by hand stay.",
		Mutability: "readWrite", Returned: "default", Uniqueness: "none",
		SubAttributes: []Attribute{
			str("value", "The manager's id (or externalId)."),
			readOnly(Attribute{Name: "$ref", Type: "reference", ReferenceType: []string{"User"}, Description: "The manager's URI.", Returned: "default", Uniqueness: "none"}),
			readOnly(str("displayName", "The manager's name.")),
		}},
}

// groupAttributes are the Group attributes kept (RFC 7643 §4.2).
var groupAttributes = []Attribute{
	func() Attribute {
		a := str("displayName", "The Reportline group's name.")
		a.Required = true
		return a
	}(),
	{Name: "members", Type: "complex", MultiValued: true, Description: "The users this provisioning client made plain members (role member). Members given by hand or with an admin role are not listed and never changed.",
		Mutability: "readWrite", Returned: "default", Uniqueness: "none",
		SubAttributes: []Attribute{
			{Name: "value", Type: "string", Description: "The user's id.", Mutability: "immutable", Returned: "default", Uniqueness: "none"},
			readOnly(Attribute{Name: "$ref", Type: "reference", ReferenceType: []string{"User"}, Description: "The user's URI.", Returned: "default", Uniqueness: "none"}),
			readOnly(str("display", "The user's name.")),
			{Name: "type", Type: "string", Description: "User: groups are not members of groups here.", Mutability: "immutable", Returned: "default", Uniqueness: "none"},
		}},
}

// commonAttributes are the attributes of every resource (RFC 7643 §3.1).
var commonAttributes = []Attribute{
	{Name: "id", Type: "string", Description: "Reportline's user id.", CaseExact: true, Mutability: "readOnly", Returned: "always", Uniqueness: "server"},
	{Name: "externalId", Type: "string", Description: "The provisioning client's id of the person.", CaseExact: true, Mutability: "readWrite", Returned: "default", Uniqueness: "none"},
	{Name: "meta", Type: "complex", Mutability: "readOnly", Returned: "default", Uniqueness: "none", Description: "Resource metadata.",
		SubAttributes: []Attribute{
			readOnly(str("resourceType", "User.")),
			readOnly(Attribute{Name: "created", Type: "dateTime", Returned: "default", Uniqueness: "none"}),
			readOnly(Attribute{Name: "lastModified", Type: "dateTime", Returned: "default", Uniqueness: "none"}),
			readOnly(Attribute{Name: "location", Type: "reference", CaseExact: true, Returned: "default", Uniqueness: "none"}),
			readOnly(Attribute{Name: "version", Type: "string", CaseExact: true, Returned: "default", Uniqueness: "none"}),
		}},
}

// lookupAttr finds the definition of a path, case-insensitively: nil when
// the attribute is not one this endpoint knows. A URN must name the User
// or the enterprise schema.
func lookupAttr(p AttrPath) *Attribute {
	var list []Attribute
	switch {
	case p.URN == "":
		list = append(append([]Attribute{}, commonAttributes...), userAttributes...)
	case strings.EqualFold(p.URN, UserSchema):
		list = userAttributes
	case strings.EqualFold(p.URN, EnterpriseSchema):
		list = enterpriseAttributes
	default:
		return nil
	}
	a := findAttr(list, p.Name)
	if a == nil || p.Sub == "" {
		return a
	}
	return findAttr(a.SubAttributes, p.Sub)
}

// subAttr finds a sub-attribute of a complex attribute, case-insensitively.
func subAttr(parent *Attribute, name string) *Attribute {
	if parent == nil {
		return nil
	}
	return findAttr(parent.SubAttributes, name)
}

func findAttr(list []Attribute, name string) *Attribute {
	for i := range list {
		if strings.EqualFold(list[i].Name, name) {
			return &list[i]
		}
	}
	return nil
}
