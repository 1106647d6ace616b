package reportline

import "fmt"

// Capability is something a manager link lets one of its users do about the
// other (SPEC §1, "Capabilities granted by a link"). An access check asks
// "may user A do capability C about user U".
//
// For every capability but SeeMBOGoals the subject A is the manager and the
// resource U the managee. SeeMBOGoals goes the other way: the managee A sees
// the MBO goals of their manager U.
type Capability string

// The capabilities, in the order of the SPEC's matrix.
const (
	// ManagerStar: A carries the manager star because of U (A has U as a
	// managee through a link that grants the star).
	ManagerStar Capability = "manager_star"
	// ManageTasks: A manages U's tasks (per the LMS's role permissions).
	ManageTasks Capability = "manage_tasks"
	// ViewReports: A views U's learning statistics and reports, including
	// courses and sessions A cannot access. Transitive up the reporting
	// line: a manager's managers see it too.
	ViewReports Capability = "view_reports"
	// AppointAssessments: A appoints assessments to U.
	AppointAssessments Capability = "appoint_assessments"
	// AppointChecklists: A appoints checklists to U.
	AppointChecklists Capability = "appoint_checklists"
	// SeeMBOGoals: A, a managee, sees the MBO goals of U, their manager.
	SeeMBOGoals Capability = "see_mbo_goals"
	// Contacts: A sees U's Contacts page, on which U's managers are shown
	// (a manager is shown there when their link grants Contacts).
	Contacts Capability = "contacts"
	// ReceiveMessages: A receives the messages built from templates about
	// U, the weekly digest included.
	ReceiveMessages Capability = "receive_messages"
	// Birthdays: A is told of U's birthday and sees it in the "Today's
	// birthday" widget.
	Birthdays Capability = "birthdays"
)

// Capabilities lists every capability, in display order.
var Capabilities = []Capability{ManagerStar, ManageTasks, ViewReports, AppointAssessments, AppointChecklists,
	SeeMBOGoals, Contacts, ReceiveMessages, Birthdays}

// LinkKinds lists the link kinds, in display order.
var LinkKinds = []Kind{Line, Functional}

// Valid reports whether c is a known capability.
func (c Capability) Valid() bool {
	for _, v := range Capabilities {
		if c == v {
			return true
		}
	}
	return false
}

// ParseCapability checks a capability name.
func ParseCapability(s string) (Capability, error) {
	c := Capability(s)
	if !c.Valid() {
		return "", FieldError("capability", s, "unknown capability %q; the capabilities are %v", s, Capabilities)
	}
	return c, nil
}

// Label is the capability as the SPEC's matrix names it.
func (c Capability) Label() string {
	switch c {
	case ManagerStar:
		return "Manager star near the profile"
	case ManageTasks:
		return "Manage tasks of subordinates"
	case ViewReports:
		return "View reports and statistics"
	case AppointAssessments:
		return "Appoint assessments"
	case AppointChecklists:
		return "Appoint checklists"
	case SeeMBOGoals:
		return "Managee sees the manager's MBO goals"
	case Contacts:
		return "Manager shown on the Contacts page"
	case ReceiveMessages:
		return "Receive messages by templates (weekly digest)"
	case Birthdays:
		return "Birthday notifications and widget"
	}
	return string(c)
}

// ManageeHolds reports whether the managee, not the manager, is the one
// who holds the capability (the subject of an access check): only for
// SeeMBOGoals.
func (c Capability) ManageeHolds() bool { return c == SeeMBOGoals }

// Transitive reports whether the capability follows the reporting line
// upwards: a manager's line managers hold it too. Only ViewReports does
// (statistics of indirect reports); every other capability needs a direct
// link.
func (c Capability) Transitive() bool { return c == ViewReports }

// AdminRole reports whether administrators hold the capability by their
// role, without a link: platform admins about everyone, group admins and
// user admins about the members of the groups they administrate. These are
// the reporting capabilities: statistics (SPEC §3, "nobody else sees
// another user's statistics, admins aside") and the Contacts page. The
// other capabilities are what managers do and get (tasks, appointments,
// MBO goals, messages, birthdays, the star); an admin gets them only
// through a link of their own.
func (c Capability) AdminRole() bool { return c == ViewReports || c == Contacts }

// SelfGranted reports whether every active user holds the capability about
// themself: a user sees their own statistics and their own Contacts page.
// Nobody is their own manager, so no other capability is held about
// oneself.
func (c Capability) SelfGranted() bool { return c == ViewReports || c == Contacts }

// Matrix says which capabilities each link kind grants. It is configurable
// per kind; cells never set take their default (DefaultMatrix).
type Matrix map[Kind]map[Capability]bool

// DefaultMatrix returns the SPEC's default: a line link (imported,
// assigned or derived from the org structure) grants everything; a
// functional link grants everything but the manager star.
func DefaultMatrix() Matrix {
	m := Matrix{}
	for _, k := range LinkKinds {
		m[k] = map[Capability]bool{}
		for _, c := range Capabilities {
			m[k][c] = defaultAllows(k, c)
		}
	}
	return m
}

// Allows reports whether a link of kind k grants capability c. Cells the
// matrix lacks take their default.
func (m Matrix) Allows(k Kind, c Capability) bool {
	if v, ok := m[k][c]; ok {
		return v
	}
	return defaultAllows(k, c)
}

// defaultAllows is one cell of DefaultMatrix.
func defaultAllows(k Kind, c Capability) bool {
	return k.Valid() && c.Valid() && !(k == Functional && c == ManagerStar)
}

// Set records one cell.
func (m Matrix) Set(k Kind, c Capability, allowed bool) {
	if m[k] == nil {
		m[k] = map[Capability]bool{}
	}
	m[k][c] = allowed
}

// Clone returns a complete copy: every cell present, defaults filled in.
func (m Matrix) Clone() Matrix {
	out := DefaultMatrix()
	for _, k := range LinkKinds {
		for _, c := range Capabilities {
			out[k][c] = m.Allows(k, c)
		}
	}
	return out
}

// Validate checks that the matrix names only known kinds and capabilities.
func (m Matrix) Validate() error {
	for k, cells := range m {
		if !k.Valid() {
			return FieldError("kind", string(k), "kind must be %q or %q", Line, Functional)
		}
		for c := range cells {
			if !c.Valid() {
				return FieldError(fmt.Sprintf("%s.%s", k, c), string(c), "unknown capability %q", c)
			}
		}
	}
	return nil
}
