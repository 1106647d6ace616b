package reportline

import "strings"

// AssignMode says where line managers come from: the system setting
// Policies → Subordinates → Assign role mode.
type AssignMode string

// The assign role modes.
const (
	// AssignByImport ("By import value") makes the stored line links
	// (imported, assigned by hand, by CSV, by API or by directory sync) the
	// line managers. A user's position makes nobody a manager. The default.
	AssignByImport AssignMode = "import"
	// AssignByPositions ("By positions mapping") derives line managers
	// from the org structure: the holders of a manager position in a
	// user's unit. Stored line links are kept but count for nothing until
	// the mode is switched back.
	AssignByPositions AssignMode = "positions"
)

// AssignModes lists the modes in display order.
var AssignModes = []AssignMode{AssignByPositions, AssignByImport}

// Valid reports whether m is a known mode.
func (m AssignMode) Valid() bool { return m == AssignByImport || m == AssignByPositions }

// OrgUnitID is an org unit's internal id.
type OrgUnitID int64

// OrgUnit is a node of the org structure. Users belong to a unit through
// their OrgUnit field, which names it (see OrgKey).
type OrgUnit struct {
	ID       OrgUnitID
	ParentID OrgUnitID // 0 for a root unit
	Name     string
}

// MaxOrgNameLength bounds unit names and position titles.
const MaxOrgNameLength = 200

// NormalizeOrgName trims a unit name or position title and checks its
// length; field names the input in the error.
func NormalizeOrgName(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", FieldError(field, "", "%s is empty", strings.ReplaceAll(field, "_", " "))
	}
	if err := CheckField(field, s, MaxOrgNameLength); err != nil {
		return "", err
	}
	return s, nil
}

// OrgKey is the form in which org unit names and position titles are
// compared: a user belongs to the unit whose name has the same key as their
// OrgUnit, and holds a manager position when their Position has the key of
// a title of the positions mapping.
//
// The key drops surrounding spaces and lower-cases the ASCII letters A–Z,
// and nothing else: that is exactly what SQL's lower(trim(x)) does on both
// engines (SQLite's lower is ASCII-only; PostgreSQL is asked for the "C"
// collation), so the databases can match hundreds of thousands of users
// through an index with the same rule as Go. "Sales", " sales " and "SALES"
// are one unit; "Île" and "île" are two.
func OrgKey(s string) string {
	s = strings.Trim(s, " ")
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// OrgMember is a user as the org structure sees them.
type OrgMember struct {
	User    UserID
	UnitKey string // OrgKey of the user's OrgUnit
	Holder  bool   // the user's position is a manager position
	Active  bool
}

// OrgMemberFilter selects the users of some units. UnitKeys is required.
type OrgMemberFilter struct {
	UnitKeys    []string // OrgKey of unit names
	ActiveOnly  bool
	HoldersOnly bool // only holders of a manager position
}

// OrgCounts counts a unit's users.
type OrgCounts struct {
	Members       int // every user whose OrgUnit names the unit
	Active        int
	ActiveHolders int // active holders of a manager position: the unit's managers
}

// PositionCount is a position title and how many users hold it.
type PositionCount struct {
	Title string
	Users int
}
