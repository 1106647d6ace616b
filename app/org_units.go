package app

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"reportline"
	"reportline/policy"
	"reportline/usecase"
)

// Org units form a tree. Users belong to a unit by naming it in their
// OrgUnit field (as HR directories send it), compared as reportline.OrgKey
// does; so unit names are unique in that sense.

// ListOrgUnits returns every org unit, ordered by name.
func (a *App) ListOrgUnits(ctx context.Context, actor Actor) ([]reportline.OrgUnit, error) {
	if err := usecase.AuthorizeActor(actor, policy.ReadSettings); err != nil {
		return nil, err
	}
	var out []reportline.OrgUnit
	err := a.orgUnitsStore().Read(ctx, func(tx orgUnitsTx) error {
		var err error
		out, err = tx.OrgUnits(ctx)
		return err
	})
	return out, err
}

// OrgUnitInfo is a unit with what the org structure shows about it.
type OrgUnitInfo struct {
	reportline.OrgUnit
	Path     []reportline.OrgUnit // from the root down to the unit's parent
	Counts   reportline.OrgCounts // the users who name the unit
	Managers []reportline.User    // its active holders of a manager position, by name
	Children []reportline.OrgUnit // its sub-units, by name
}

// OrgUnitInfo returns one unit, where it sits, who is in it and who manages
// it.
func (a *App) OrgUnitInfo(ctx context.Context, actor Actor, id reportline.OrgUnitID) (OrgUnitInfo, error) {
	if err := usecase.AuthorizeActor(actor, policy.ReadSettings); err != nil {
		return OrgUnitInfo{}, err
	}
	var out OrgUnitInfo
	err := a.orgUnitsStore().Read(ctx, func(tx orgUnitsTx) error {
		chain, err := tx.OrgUnitAncestors(ctx, id)
		if err != nil {
			return err
		}
		out.OrgUnit = chain[0]
		out.Path = slices.Clone(chain[1:])
		slices.Reverse(out.Path)
		if out.Children, err = tx.OrgUnitChildren(ctx, []reportline.OrgUnitID{id}); err != nil {
			return err
		}
		nodes, err := describeUnits(ctx, tx, []reportline.OrgUnit{out.OrgUnit})
		if err != nil {
			return err
		}
		out.Counts, out.Managers = nodes[0].Counts, nodes[0].Managers
		return nil
	})
	return out, err
}

// OrgNode is a unit of an OrgTree.
type OrgNode struct {
	reportline.OrgUnit
	Counts   reportline.OrgCounts
	Managers []reportline.User // active holders of a manager position, by name
	Children []*OrgNode
	// Hidden counts the sub-units not shown (below the depth asked for,
	// or past the size limit); 0 when every sub-unit is in Children.
	Hidden int
}

// OrgTree is part of the org structure: the units under a unit (or the top
// units) down to a depth.
type OrgTree struct {
	Under *reportline.OrgUnit  // the unit the tree hangs from; nil for the top
	Path  []reportline.OrgUnit // from the root down to Under, included
	Nodes []*OrgNode
	// Hidden counts the units right under Under not in Nodes (past the
	// size limit).
	Hidden int
	Units  int // every unit of the structure
}

// MaxOrgTreeNodes bounds the units one OrgTree shows.
const MaxOrgTreeNodes = 500

// OrgStructure returns the units under a unit (0: the top units), depth
// levels down, at most MaxOrgTreeNodes of them, with their counts and
// managers. Deeper units are counted in Hidden, so a page can offer to
// look further down.
func (a *App) OrgStructure(ctx context.Context, actor Actor, under reportline.OrgUnitID, depth int) (OrgTree, error) {
	if err := usecase.AuthorizeActor(actor, policy.ReadSettings); err != nil {
		return OrgTree{}, err
	}
	depth = max(depth, 1)
	var out OrgTree
	err := a.orgUnitsStore().Read(ctx, func(tx orgUnitsTx) error {
		var err error
		if out.Units, err = tx.CountOrgUnits(ctx); err != nil {
			return err
		}
		if under != 0 {
			chain, err := tx.OrgUnitAncestors(ctx, under)
			if err != nil {
				return err
			}
			out.Under = &chain[0]
			out.Path = slices.Clone(chain)
			slices.Reverse(out.Path)
		}
		// Level by level, so that the size limit cuts the deepest units.
		var shown []reportline.OrgUnit
		nodes := map[reportline.OrgUnitID]*OrgNode{}
		level := []reportline.OrgUnitID{under}
		for d := 0; d < depth && len(level) > 0 && len(shown) < MaxOrgTreeNodes; d++ {
			children, err := tx.OrgUnitChildren(ctx, level)
			if err != nil {
				return err
			}
			level = nil
			for _, c := range children {
				if len(shown) >= MaxOrgTreeNodes || nodes[c.ID] != nil || c.ID == under {
					continue
				}
				n := &OrgNode{OrgUnit: c}
				nodes[c.ID] = n
				shown = append(shown, c)
				if parent := nodes[c.ParentID]; parent != nil {
					parent.Children = append(parent.Children, n)
				} else {
					out.Nodes = append(out.Nodes, n)
				}
				level = append(level, c.ID)
			}
		}
		ids := []reportline.OrgUnitID{under}
		for id := range nodes {
			ids = append(ids, id)
		}
		counts, err := tx.OrgUnitChildCounts(ctx, ids)
		if err != nil {
			return err
		}
		for id, n := range nodes {
			n.Hidden = counts[id] - len(n.Children)
		}
		out.Hidden = counts[under] - len(out.Nodes)
		described, err := describeUnits(ctx, tx, shown)
		if err != nil {
			return err
		}
		for _, d := range described {
			nodes[d.ID].Counts, nodes[d.ID].Managers = d.Counts, d.Managers
		}
		return nil
	})
	return out, err
}

// describeUnits counts the users of units and finds their managers.
func describeUnits(ctx context.Context, tx orgUnitsTx, units []reportline.OrgUnit) ([]OrgNode, error) {
	keys := make([]string, len(units))
	for i, u := range units {
		keys[i] = reportline.OrgKey(u.Name)
	}
	counts, err := tx.OrgCounts(ctx, keys)
	if err != nil {
		return nil, err
	}
	holders, err := tx.OrgMembers(ctx, reportline.OrgMemberFilter{UnitKeys: keys, ActiveOnly: true, HoldersOnly: true})
	if err != nil {
		return nil, err
	}
	ids := make([]reportline.UserID, len(holders))
	for i, h := range holders {
		ids[i] = h.User
	}
	users, err := tx.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	managers := map[string][]reportline.User{}
	for _, h := range holders {
		managers[h.UnitKey] = append(managers[h.UnitKey], users[h.User])
	}
	out := make([]OrgNode, len(units))
	for i, u := range units {
		ms := managers[keys[i]]
		slices.SortFunc(ms, func(x, y reportline.User) int {
			return strings.Compare(strings.ToLower(x.Name()), strings.ToLower(y.Name()))
		})
		out[i] = OrgNode{OrgUnit: u, Counts: counts[keys[i]], Managers: ms}
	}
	return out, nil
}

// FindOrgUnit returns the unit with the given name, compared as
// reportline.OrgKey does.
func (a *App) FindOrgUnit(ctx context.Context, actor Actor, name string) (reportline.OrgUnit, error) {
	if err := usecase.AuthorizeActor(actor, policy.ReadSettings); err != nil {
		return reportline.OrgUnit{}, err
	}
	var out reportline.OrgUnit
	err := a.orgUnitsStore().Read(ctx, func(tx orgUnitsTx) error {
		var err error
		out, err = tx.OrgUnitByKey(ctx, reportline.OrgKey(name))
		if reportline.IsCode(err, reportline.NotFound) {
			return reportline.Errorf(reportline.NotFound, "there is no org unit named %q", strings.TrimSpace(name)).
				Say("error.org_unit.unknown", map[string]any{"Name": strings.TrimSpace(name)})
		}
		return err
	})
	return out, err
}

// OrgUnitInput is a new org unit.
type OrgUnitInput struct {
	Name     string
	ParentID reportline.OrgUnitID // 0 for a top unit
}

// CreateOrgUnit adds a unit to the org structure. Users who already name it
// in their OrgUnit belong to it at once.
func (a *App) CreateOrgUnit(ctx context.Context, actor Actor, in OrgUnitInput) (reportline.OrgUnit, error) {
	if err := usecase.AuthorizeActor(actor, policy.ChangeSettings); err != nil {
		return reportline.OrgUnit{}, err
	}
	name, err := reportline.NormalizeOrgName("name", in.Name)
	if err != nil {
		return reportline.OrgUnit{}, err
	}
	u := reportline.OrgUnit{Name: name, ParentID: in.ParentID}
	err = a.orgUnitsStore().Write(ctx, func(tx orgUnitsTx) error {
		if u.ParentID != 0 {
			if _, err := tx.OrgUnit(ctx, u.ParentID); reportline.IsCode(err, reportline.NotFound) {
				return reportline.FieldError("parent_id", fmt.Sprint(u.ParentID), "parent org unit %d does not exist", u.ParentID)
			} else if err != nil {
				return err
			}
		}
		return tx.CreateOrgUnit(ctx, &u)
	})
	if err == nil {
		a.log.InfoContext(ctx, "org unit created", "actor_id", actor.ID(), "unit_id", u.ID, "name", u.Name, "parent_id", u.ParentID)
	}
	return u, err
}

// OrgUnitPatch renames or moves a unit; nil fields stay as they are.
type OrgUnitPatch struct {
	Name     *string
	ParentID *reportline.OrgUnitID // 0 makes it a top unit
}

// OrgUnitChange is what UpdateOrgUnit did.
type OrgUnitChange struct {
	Unit reportline.OrgUnit
	// MembersRenamed counts the users whose OrgUnit was rewritten to the
	// new name, so that they stay in the unit.
	MembersRenamed int64
}

// UpdateOrgUnit renames and/or moves a unit. A rename carries the unit's
// users along: their OrgUnit is rewritten to the new name (a rename that
// changes only letter case or spacing leaves them as they are, since they
// match already). A move under the unit itself or one of its sub-units is
// refused, naming the path.
func (a *App) UpdateOrgUnit(ctx context.Context, actor Actor, id reportline.OrgUnitID, p OrgUnitPatch) (OrgUnitChange, error) {
	if err := usecase.AuthorizeActor(actor, policy.ChangeSettings); err != nil {
		return OrgUnitChange{}, err
	}
	var out OrgUnitChange
	err := a.orgUnitsStore().Write(ctx, func(tx orgUnitsTx) error {
		old, err := tx.OrgUnit(ctx, id)
		if err != nil {
			return err
		}
		u := old
		if p.Name != nil {
			if u.Name, err = reportline.NormalizeOrgName("name", *p.Name); err != nil {
				return err
			}
		}
		if p.ParentID != nil && *p.ParentID != old.ParentID {
			u.ParentID = *p.ParentID
			if err := checkMove(ctx, tx, u); err != nil {
				return err
			}
		}
		if u == old {
			out.Unit = u
			return nil
		}
		if err := tx.UpdateOrgUnit(ctx, u); err != nil {
			return err
		}
		if oldKey := reportline.OrgKey(old.Name); oldKey != reportline.OrgKey(u.Name) {
			if out.MembersRenamed, err = tx.RenameOrgUnitMembers(ctx, oldKey, u.Name); err != nil {
				return err
			}
		}
		out.Unit = u
		return nil
	})
	if err == nil {
		a.log.InfoContext(ctx, "org unit changed", "actor_id", actor.ID(), "unit_id", id, "name", out.Unit.Name,
			"parent_id", out.Unit.ParentID, "members_renamed", out.MembersRenamed)
	}
	return out, err
}

// checkMove refuses a parent that does not exist or that would close a loop.
func checkMove(ctx context.Context, tx orgUnitsTx, u reportline.OrgUnit) error {
	if u.ParentID == 0 {
		return nil
	}
	chain, err := tx.OrgUnitAncestors(ctx, u.ParentID)
	if reportline.IsCode(err, reportline.NotFound) {
		return reportline.FieldError("parent_id", fmt.Sprint(u.ParentID), "parent org unit %d does not exist", u.ParentID)
	}
	if err != nil {
		return err
	}
	for i, c := range chain {
		if c.ID == u.ID {
			names := make([]string, 0, i+2)
			for j := i; j >= 0; j-- {
				names = append(names, chain[j].Name)
			}
			return reportline.FieldError("parent_id", fmt.Sprint(u.ParentID),
				"%q cannot move under %q, which is inside it (%s)", u.Name, chain[0].Name, strings.Join(names, " → "))
		}
	}
	return nil
}

// DeleteOrgUnit removes a unit that has no sub-units. Its users keep their
// OrgUnit text; they belong to no unit until one of that name exists again.
func (a *App) DeleteOrgUnit(ctx context.Context, actor Actor, id reportline.OrgUnitID) error {
	if err := usecase.AuthorizeActor(actor, policy.ChangeSettings); err != nil {
		return err
	}
	var name string
	err := a.orgUnitsStore().Write(ctx, func(tx orgUnitsTx) error {
		u, err := tx.OrgUnit(ctx, id)
		if err != nil {
			return err
		}
		name = u.Name
		children, err := tx.OrgUnitChildren(ctx, []reportline.OrgUnitID{id})
		if err != nil {
			return err
		}
		if len(children) > 0 {
			return reportline.Errorf(reportline.Conflict, "%q has %d sub-units; move or delete them first", u.Name, len(children)).
				Say("error.org_unit.has_children", map[string]any{"Name": u.Name, "Count": len(children)})
		}
		return tx.DeleteOrgUnit(ctx, id)
	})
	if err == nil {
		a.log.InfoContext(ctx, "org unit deleted", "actor_id", actor.ID(), "unit_id", id, "name", name)
	}
	return err
}
