package reportline

// GroupID is a group's internal id.
type GroupID int64

// Group is a node of the group tree. Administering a group includes all its
// descendant groups.
type Group struct {
	ID       GroupID
	ParentID GroupID // 0 for a root group
	Name     string
}

// GroupRole is a member's role in a group.
type GroupRole string

// The group roles.
const (
	MemberRole    GroupRole = "member"
	UserAdminRole GroupRole = "user_admin"
	AdminRole     GroupRole = "admin"
)

// Valid reports whether r is a known group role.
func (r GroupRole) Valid() bool { return r == MemberRole || r == UserAdminRole || r == AdminRole }

// Administers reports whether the role lets its holder assign managers inside
// the group.
func (r GroupRole) Administers() bool { return r == UserAdminRole || r == AdminRole }

// Membership places a user in a group with a role.
type Membership struct {
	GroupID GroupID
	UserID  UserID
	Role    GroupRole
}

// GroupTree is the whole group hierarchy, small enough to hold in memory (the
// groups of a platform number in the thousands at most).
type GroupTree struct {
	parent map[GroupID]GroupID
}

// NewGroupTree builds a tree from a list of groups.
func NewGroupTree(groups []Group) *GroupTree {
	t := &GroupTree{parent: make(map[GroupID]GroupID, len(groups))}
	for _, g := range groups {
		t.parent[g.ID] = g.ParentID
	}
	return t
}

// Has reports whether the group exists.
func (t *GroupTree) Has(id GroupID) bool {
	_, ok := t.parent[id]
	return ok
}

// AncestorsOrSelf returns id and every group above it. The walk stops at a
// repeated id so that corrupt data cannot loop forever.
func (t *GroupTree) AncestorsOrSelf(id GroupID) []GroupID {
	var out []GroupID
	seen := map[GroupID]bool{}
	for id != 0 && !seen[id] {
		if _, ok := t.parent[id]; !ok {
			break
		}
		seen[id] = true
		out = append(out, id)
		id = t.parent[id]
	}
	return out
}

// IsAncestorOrSelf reports whether anc is id or one of its ancestors.
func (t *GroupTree) IsAncestorOrSelf(anc, id GroupID) bool {
	for _, g := range t.AncestorsOrSelf(id) {
		if g == anc {
			return true
		}
	}
	return false
}

// Scope is what an actor administers: everything (platform admins) or the
// subtrees of the groups where they are admin or user admin.
type Scope struct {
	All   bool
	Roots map[GroupID]bool // administered groups; descendants are implied
}

// ScopeOf computes the administration scope of a user from their memberships.
func ScopeOf(u User, memberships []Membership) Scope {
	if u.IsPlatformAdmin() {
		return Scope{All: true}
	}
	s := Scope{Roots: map[GroupID]bool{}}
	if !u.Active() {
		return s
	}
	for _, m := range memberships {
		if m.UserID == u.ID && m.Role.Administers() {
			s.Roots[m.GroupID] = true
		}
	}
	return s
}

// Empty reports whether the scope administers nothing.
func (s Scope) Empty() bool { return !s.All && len(s.Roots) == 0 }

// Covering returns the administered groups whose subtree contains at least one
// of the given groups (a user's groups).
func (s Scope) Covering(tree *GroupTree, userGroups []GroupID) map[GroupID]bool {
	out := map[GroupID]bool{}
	for _, g := range userGroups {
		for _, a := range tree.AncestorsOrSelf(g) {
			if s.Roots[a] {
				out[a] = true
			}
		}
	}
	return out
}

// CoversUser reports whether a user in the given groups is inside the scope.
func (s Scope) CoversUser(tree *GroupTree, userGroups []GroupID) bool {
	return s.All || len(s.Covering(tree, userGroups)) > 0
}

// CoversPair reports whether the scope lets its holder link a manager and a
// managee: a platform admin anywhere; otherwise one administered group must
// contain both of them (as members of it or of its descendants). Two users
// in two unrelated administered groups are not a pair any one group admin
// is responsible for, so that is refused.
func (s Scope) CoversPair(tree *GroupTree, managerGroups, manageeGroups []GroupID) bool {
	if s.All {
		return true
	}
	a := s.Covering(tree, managerGroups)
	if len(a) == 0 {
		return false
	}
	for g := range s.Covering(tree, manageeGroups) {
		if a[g] {
			return true
		}
	}
	return false
}
