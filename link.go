package reportline

import "time"

// Kind is the kind of a manager link.
type Kind string

// The link kinds.
const (
	// Line is the reporting line: imported, assigned, synced or derived
	// from the org structure. Line links never form a cycle.
	Line Kind = "line"
	// Functional is a functional manager, assigned explicitly.
	Functional Kind = "functional"
)

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return k == Line || k == Functional }

// Source says where a link came from. A directory sync replaces only the
// links of its own source, so hand-made links survive it.
type Source string

// The link sources.
const (
	SourceUI           Source = "ui"
	SourceAPI          Source = "api"
	SourceCSV          Source = "csv"
	SourceImportAPI    Source = "import_api"
	SourceLDAP         Source = "ldap"
	SourceGraph        Source = "graph"
	SourceSCIM         Source = "scim"
	SourceOrgStructure Source = "orgstructure"
	SourceCLI          Source = "cli"
	SourceSSO          Source = "sso"   // a single sign-on (OpenID Connect, SAML)
	SourceEmail        Source = "email" // a signed link in an email (unsubscribe)
)

// Sources lists every source, in display order.
var Sources = []Source{SourceUI, SourceAPI, SourceCLI, SourceCSV, SourceImportAPI, SourceLDAP, SourceGraph, SourceSCIM, SourceOrgStructure, SourceSSO}

// Valid reports whether s is a known source.
func (s Source) Valid() bool {
	for _, v := range Sources {
		if s == v {
			return true
		}
	}
	return false
}

// Directory reports whether links of this source are owned by a directory
// sync, which allows one manager per user.
func (s Source) Directory() bool { return s == SourceLDAP || s == SourceGraph || s == SourceSCIM }

// Link is a directed manager → managee relationship. There is at most one
// link per (manager, managee) pair.
type Link struct {
	ManagerID  UserID
	ManageeID  UserID
	Kind       Kind
	Source     Source
	ValidFrom  time.Time // zero: no start date
	ValidUntil time.Time // zero: no end date; the link ends at this instant
	Comment    string
	CreatedBy  UserID // 0 when made by the system (a sync, the demo loader)
	CreatedAt  time.Time
}

// Pair identifies a link.
type Pair struct {
	ManagerID UserID
	ManageeID UserID
}

// Pair returns the link's (manager, managee) pair.
func (l Link) Pair() Pair { return Pair{l.ManagerID, l.ManageeID} }

// Temporary reports whether the link has dates.
func (l Link) Temporary() bool { return !l.ValidFrom.IsZero() || !l.ValidUntil.IsZero() }

// InEffect reports whether the link grants anything at instant t: outside its
// dates a temporary link grants nothing.
func (l Link) InEffect(t time.Time) bool {
	if !l.ValidFrom.IsZero() && t.Before(l.ValidFrom) {
		return false
	}
	if !l.ValidUntil.IsZero() && !t.Before(l.ValidUntil) {
		return false
	}
	return true
}

// Validate checks a link's own fields (not the users it names).
func (l Link) Validate() error {
	if l.ManagerID == l.ManageeID {
		return FieldError("manager", "", "a user cannot be their own manager")
	}
	if !l.Kind.Valid() {
		return FieldError("kind", string(l.Kind), "kind must be %q or %q", Line, Functional)
	}
	if !l.Source.Valid() {
		return FieldError("source", string(l.Source), "unknown source")
	}
	if !l.ValidFrom.IsZero() && !l.ValidUntil.IsZero() && !l.ValidUntil.After(l.ValidFrom) {
		return FieldError("valid_until", l.ValidUntil.Format(time.DateOnly), "valid_until must be after valid_from")
	}
	return CheckField("comment", l.Comment, MaxCommentLength)
}

// SameTerms reports whether two links of the same pair say the same thing
// (so that re-applying one is a no-op).
func (l Link) SameTerms(o Link) bool {
	return l.Kind == o.Kind && l.Source == o.Source && l.ValidFrom.Equal(o.ValidFrom) &&
		l.ValidUntil.Equal(o.ValidUntil) && l.Comment == o.Comment
}

// Direction selects one side of a user's links.
type Direction string

// The two sides.
const (
	Managers Direction = "managers" // the user's managers
	Managees Direction = "managees" // the users the user manages
)

// Valid reports whether d is a known direction.
func (d Direction) Valid() bool { return d == Managers || d == Managees }

// LinkedUser is a link with the user on its far side, as a user's page
// lists them.
type LinkedUser struct {
	Link Link
	User User
}
