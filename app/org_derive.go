package app

import (
	"cmp"
	"context"
	"slices"
	"time"

	"reportline"
)

// Derivation of line managers from the org structure, in positions mode:
// the rules are in effective.go's comment.

// unitChains resolves the units that users' OrgUnit names, and the
// ancestors of each, in one query: chains[OrgKey] is the unit, its parent,
// …, the root. Keys that name no unit are absent.
func (v *linkView) unitChains(ctx context.Context, users map[reportline.UserID]reportline.User) (map[string][]reportline.OrgUnit, error) {
	var keys []string
	seen := map[string]bool{"": true}
	for _, u := range users {
		if k := reportline.OrgKey(u.OrgUnit); !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	return v.tx.OrgUnitChainsByKeys(ctx, keys)
}

// derivedManagers returns the derived line managers of each user, ordered
// by id. Users with none are absent.
func (v *linkView) derivedManagers(ctx context.Context, ids []reportline.UserID) (map[reportline.UserID][]reportline.UserID, error) {
	users, err := v.tx.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	chains, err := v.unitChains(ctx, users)
	if err != nil {
		return nil, err
	}
	var keys []string
	seen := map[string]bool{}
	for _, chain := range chains {
		for _, unit := range chain {
			if k := reportline.OrgKey(unit.Name); !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	if len(keys) == 0 {
		return nil, nil
	}
	holders, err := v.tx.OrgMembers(ctx, reportline.OrgMemberFilter{UnitKeys: keys, ActiveOnly: true, HoldersOnly: true})
	if err != nil {
		return nil, err
	}
	managers := map[string][]reportline.UserID{} // unit key → its managers, by id
	for _, h := range holders {
		managers[h.UnitKey] = append(managers[h.UnitKey], h.User)
	}
	out := map[reportline.UserID][]reportline.UserID{}
	for id, u := range users {
		chain := chains[reportline.OrgKey(u.OrgUnit)]
		if len(chain) > 0 && v.holder(u) {
			chain = chain[1:] // a manager's managers are above their unit
		}
		for _, unit := range chain {
			ms := slices.DeleteFunc(slices.Clone(managers[reportline.OrgKey(unit.Name)]), func(m reportline.UserID) bool { return m == id })
			if len(ms) > 0 {
				slices.Sort(ms)
				out[id] = ms
				break
			}
		}
	}
	return out, nil
}

// derivedManagees returns, for each of managers, the users they manage
// through the org structure, ordered by id: if they are an active holder of
// a manager position, the members of their unit who hold none, the holders
// of its sub-units, and, through sub-units without an active holder, the
// people below them. Managers with none are absent. The holders of one
// unit share their managees, which are found once per unit.
func (v *linkView) derivedManagees(ctx context.Context, managers []reportline.UserID) (map[reportline.UserID][]reportline.UserID, error) {
	users, err := v.tx.UsersByIDs(ctx, managers)
	if err != nil {
		return nil, err
	}
	out := map[reportline.UserID][]reportline.UserID{}
	byUnit := map[string][]reportline.UserID{}
	for id, u := range users {
		if !u.Active() || !v.holder(u) {
			continue
		}
		k := reportline.OrgKey(u.OrgUnit)
		managees, done := byUnit[k]
		if !done {
			if managees, err = v.unitManagees(ctx, k); err != nil {
				return nil, err
			}
			byUnit[k] = managees
		}
		if len(managees) > 0 {
			out[id] = managees
		}
	}
	return out, nil
}

// unitManagees returns the users the active holders of a manager position
// in the unit with the given key manage, ordered by id.
func (v *linkView) unitManagees(ctx context.Context, key string) ([]reportline.UserID, error) {
	unit, err := v.tx.OrgUnitByKey(ctx, key)
	if reportline.IsCode(err, reportline.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []reportline.UserID
	own, err := v.tx.OrgMembers(ctx, reportline.OrgMemberFilter{UnitKeys: []string{key}})
	if err != nil {
		return nil, err
	}
	for _, m := range own {
		if !m.Holder {
			out = append(out, m.User)
		}
	}
	visited := map[reportline.OrgUnitID]bool{unit.ID: true}
	frontier := []reportline.OrgUnitID{unit.ID}
	for len(frontier) > 0 {
		children, keys, err := v.childrenOf(ctx, frontier, visited)
		if err != nil {
			return nil, err
		}
		frontier = nil
		members, err := v.tx.OrgMembers(ctx, reportline.OrgMemberFilter{UnitKeys: keys})
		if err != nil {
			return nil, err
		}
		byUnit := map[string][]reportline.OrgMember{}
		for _, m := range members {
			byUnit[m.UnitKey] = append(byUnit[m.UnitKey], m)
		}
		for _, c := range children {
			ms := byUnit[reportline.OrgKey(c.Name)]
			managed := slices.ContainsFunc(ms, func(m reportline.OrgMember) bool { return m.Holder && m.Active })
			for _, m := range ms {
				// A sub-unit's holders report here; its members too when
				// it has no manager of its own.
				if m.Holder || !managed {
					out = append(out, m.User)
				}
			}
			if !managed {
				frontier = append(frontier, c.ID)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// childrenOf returns the sub-units of parents not visited yet, and their
// keys, and marks them visited (so that corrupt data cannot loop).
func (v *linkView) childrenOf(ctx context.Context, parents []reportline.OrgUnitID, visited map[reportline.OrgUnitID]bool) ([]reportline.OrgUnit, []string, error) {
	if len(parents) == 0 {
		return nil, nil, nil
	}
	all, err := v.tx.OrgUnitChildren(ctx, parents)
	if err != nil {
		return nil, nil, err
	}
	var children []reportline.OrgUnit
	var keys []string
	for _, c := range all {
		if !visited[c.ID] {
			visited[c.ID] = true
			children = append(children, c)
			keys = append(keys, reportline.OrgKey(c.Name))
		}
	}
	return children, keys, nil
}

// each calls fn for every effective link.
func (v *linkView) each(ctx context.Context, fn func(reportline.Link) error) error {
	if !v.derives() {
		return v.tx.EachLink(ctx, fn)
	}
	s, err := v.loadStructure(ctx)
	if err != nil {
		return err
	}
	for _, m := range s.members {
		for _, h := range s.managersOf(m) {
			if err := fn(derivedLink(h, m.id)); err != nil {
				return err
			}
		}
	}
	// Stored line links count for nothing here, and are most of the
	// links: only the functional ones are read.
	links, err := v.tx.Links(ctx, reportline.LinkFilter{Kind: reportline.Functional})
	if err != nil {
		return err
	}
	for _, l := range links {
		if !s.derived(l.Pair()) {
			if err := fn(l); err != nil {
				return err
			}
		}
	}
	return nil
}

// structure is the whole org structure in memory, for questions about
// everybody at once: ~40 bytes per user.
type structure struct {
	members []structMember // ordered by id
}

type structMember struct {
	id     reportline.UserID
	unit   *structUnit
	holder bool
}

type structUnit struct {
	parent   *structUnit
	managers []reportline.UserID // active holders, by id
	nearest  *structUnit         // memo: this unit or the nearest above with managers; nil when none
	resolved bool
}

// loadStructure reads every unit and every user that names one.
func (v *linkView) loadStructure(ctx context.Context) (*structure, error) {
	list, err := v.tx.OrgUnits(ctx)
	if err != nil {
		return nil, err
	}
	byID := make(map[reportline.OrgUnitID]*structUnit, len(list))
	byKey := make(map[string]*structUnit, len(list))
	for _, u := range list {
		n := &structUnit{}
		byID[u.ID], byKey[reportline.OrgKey(u.Name)] = n, n
	}
	for _, u := range list {
		byID[u.ID].parent = byID[u.ParentID]
	}
	s := &structure{}
	err = v.tx.EachOrgMember(ctx, func(m reportline.OrgMember) error {
		unit := byKey[m.UnitKey]
		if unit == nil {
			return nil
		}
		s.members = append(s.members, structMember{id: m.User, unit: unit, holder: m.Holder})
		if m.Holder && m.Active {
			unit.managers = append(unit.managers, m.User)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(s.members, func(x, y structMember) int { return cmp.Compare(x.id, y.id) })
	for _, u := range byID {
		slices.Sort(u.managers)
	}
	return s, nil
}

// nearestManaged returns u or the nearest unit above it with managers, nil
// when there is none. Answers are remembered on every unit walked through.
func nearestManaged(u *structUnit) *structUnit {
	var found *structUnit
	var path []*structUnit
	for n := u; n != nil && len(path) <= maxOrgWalk; n = n.parent {
		if n.resolved {
			found = n.nearest
			break
		}
		path = append(path, n)
		if len(n.managers) > 0 {
			found = n
			break
		}
	}
	for _, n := range path {
		n.nearest, n.resolved = found, true
	}
	return found
}

// maxOrgWalk bounds walks up the unit tree.
const maxOrgWalk = 1000

// managersOf returns a member's derived managers.
func (s *structure) managersOf(m structMember) []reportline.UserID {
	start := m.unit
	if m.holder {
		start = start.parent
	}
	if start == nil {
		return nil
	}
	n := nearestManaged(start)
	if n == nil {
		return nil
	}
	if !slices.Contains(n.managers, m.id) {
		return n.managers
	}
	return slices.DeleteFunc(slices.Clone(n.managers), func(h reportline.UserID) bool { return h == m.id })
}

// derived reports whether the org structure links the pair.
func (s *structure) derived(p reportline.Pair) bool {
	i, ok := slices.BinarySearchFunc(s.members, p.ManageeID, func(m structMember, id reportline.UserID) int { return cmp.Compare(m.id, id) })
	return ok && slices.Contains(s.managersOf(s.members[i]), p.ManagerID)
}

// stars returns which of users have, at instant at, an active line managee
// in effect under the mode (the manager star). Functional links never give
// a star.
func (v *linkView) stars(ctx context.Context, ids []reportline.UserID, at time.Time) (map[reportline.UserID]bool, error) {
	if !v.derives() {
		return v.tx.ManagersWithLineManagees(ctx, ids, at)
	}
	users, err := v.tx.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := map[reportline.UserID]bool{}
	byUnit := map[string]bool{} // memo: does an active holder of this unit have an active managee
	for id, u := range users {
		if !u.Active() || !v.holder(u) {
			continue
		}
		k := reportline.OrgKey(u.OrgUnit)
		has, done := byUnit[k]
		if !done {
			if has, err = v.unitHasActiveManagee(ctx, k); err != nil {
				return nil, err
			}
			byUnit[k] = has
		}
		if has {
			out[id] = true
		}
	}
	return out, nil
}

// unitHasActiveManagee reports whether the managers of the unit with the
// given key have an active managee: an active member of the unit who holds
// no manager position, or an active user in a sub-unit (its holder, or a
// member when it has no manager), or further down through sub-units with
// nobody active.
func (v *linkView) unitHasActiveManagee(ctx context.Context, key string) (bool, error) {
	unit, err := v.tx.OrgUnitByKey(ctx, key)
	if reportline.IsCode(err, reportline.NotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	counts, err := v.tx.OrgCounts(ctx, []string{key})
	if err != nil {
		return false, err
	}
	if c := counts[key]; c.Active > c.ActiveHolders {
		return true, nil
	}
	visited := map[reportline.OrgUnitID]bool{unit.ID: true}
	frontier := []reportline.OrgUnitID{unit.ID}
	for len(frontier) > 0 {
		children, keys, err := v.childrenOf(ctx, frontier, visited)
		if err != nil || len(children) == 0 {
			return false, err
		}
		frontier = nil
		counts, err := v.tx.OrgCounts(ctx, keys)
		if err != nil {
			return false, err
		}
		for _, c := range children {
			if counts[reportline.OrgKey(c.Name)].Active > 0 {
				return true, nil
			}
			frontier = append(frontier, c.ID)
		}
	}
	return false, nil
}
