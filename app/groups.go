package app

import (
	"context"
	"strings"

	"reportline"
)

// GroupView is a group as listed for an actor.
type GroupView struct {
	reportline.Group
	Administered bool // the actor may manage its members' links
}

// Groups lists the groups the actor administrates (all of them for
// platform admins) and those they belong to.
func (a *App) Groups(ctx context.Context, actor Actor) ([]GroupView, error) {
	var out []GroupView
	err := a.store.Read(ctx, func(tx Tx) error {
		ac, err := loadAccess(ctx, tx, actor)
		if err != nil {
			return err
		}
		all, err := tx.Groups(ctx)
		if err != nil {
			return err
		}
		tree := reportline.NewGroupTree(all)
		member := map[reportline.GroupID]bool{}
		if !ac.scope.All && actor.User.ID != 0 {
			ms, err := tx.Memberships(ctx, reportline.MembershipFilter{UserIDs: []reportline.UserID{actor.User.ID}})
			if err != nil {
				return err
			}
			for _, m := range ms {
				member[m.GroupID] = true
			}
		}
		for _, g := range all {
			adm := ac.scope.All || (!ac.scope.Empty() && ac.scope.CoversUser(tree, []reportline.GroupID{g.ID}))
			if adm || member[g.ID] {
				out = append(out, GroupView{Group: g, Administered: adm})
			}
		}
		return nil
	})
	return out, err
}

// CreateGroup creates a group. Platform admins create anywhere; group admins
// (not user admins) create subgroups of groups they administrate.
func (a *App) CreateGroup(ctx context.Context, actor Actor, name string, parent reportline.GroupID) (reportline.Group, error) {
	g := reportline.Group{Name: strings.TrimSpace(name), ParentID: parent}
	if g.Name == "" {
		return g, reportline.FieldError("name", "", "a group needs a name")
	}
	if err := reportline.CheckField("name", g.Name, reportline.MaxNameLength); err != nil {
		return g, err
	}
	err := a.store.Write(ctx, func(tx Tx) error {
		ac, err := loadAccess(ctx, tx, actor)
		if err != nil {
			return err
		}
		if parent != 0 {
			if _, err := tx.Group(ctx, parent); err != nil {
				return reportline.FieldError("parent_id", "", "parent group %d does not exist", parent)
			}
		}
		if !ac.scope.All {
			ok, err := isGroupAdmin(ctx, tx, ac, parent)
			if err != nil {
				return err
			}
			if !ok {
				return forbidden("only platform admins, and admins of the parent group, may create groups")
			}
		}
		return tx.CreateGroup(ctx, &g)
	})
	return g, err
}

// isGroupAdmin reports whether the actor holds the admin role (not user
// admin) on g or one of its ancestors.
func isGroupAdmin(ctx context.Context, tx Tx, ac *access, g reportline.GroupID) (bool, error) {
	if g == 0 || ac.scope.Empty() {
		return false, nil
	}
	ms, err := tx.Memberships(ctx, reportline.MembershipFilter{UserIDs: []reportline.UserID{ac.actor.User.ID}})
	if err != nil {
		return false, err
	}
	for _, m := range ms {
		if m.Role == reportline.AdminRole && ac.tree.IsAncestorOrSelf(m.GroupID, g) {
			return true, nil
		}
	}
	return false, nil
}

// SetMember adds a user to a group or changes their role. Platform admins
// and the group's admins may; user admins may add plain members only.
func (a *App) SetMember(ctx context.Context, actor Actor, m reportline.Membership) error {
	if m.Role == "" {
		m.Role = reportline.MemberRole
	}
	if !m.Role.Valid() {
		return reportline.FieldError("role", string(m.Role), "role must be member, user_admin or admin")
	}
	return a.store.Write(ctx, func(tx Tx) error {
		ac, err := loadAccess(ctx, tx, actor)
		if err != nil {
			return err
		}
		if _, err := tx.Group(ctx, m.GroupID); err != nil {
			return err
		}
		if _, err := tx.User(ctx, m.UserID); err != nil {
			return err
		}
		if err := a.mayChangeMembers(ctx, tx, ac, m.GroupID, m.Role); err != nil {
			return err
		}
		return tx.SetMembership(ctx, m)
	})
}

// RemoveMember removes a user from a group. Their links stay: they are about
// people, not groups.
func (a *App) RemoveMember(ctx context.Context, actor Actor, group reportline.GroupID, user reportline.UserID) error {
	return a.store.Write(ctx, func(tx Tx) error {
		ac, err := loadAccess(ctx, tx, actor)
		if err != nil {
			return err
		}
		if err := a.mayChangeMembers(ctx, tx, ac, group, reportline.MemberRole); err != nil {
			return err
		}
		return tx.DeleteMembership(ctx, group, user)
	})
}

func (a *App) mayChangeMembers(ctx context.Context, tx Tx, ac *access, g reportline.GroupID, role reportline.GroupRole) error {
	if ac.scope.All {
		return nil
	}
	if ac.scope.Empty() || !ac.scope.CoversUser(ac.tree, []reportline.GroupID{g}) {
		return forbidden("you may only change the members of groups you administrate")
	}
	if role == reportline.MemberRole {
		return nil
	}
	ok, err := isGroupAdmin(ctx, tx, ac, g)
	if err != nil {
		return err
	}
	if !ok {
		return forbidden("only group admins may grant the %s role", role)
	}
	return nil
}

// Members lists a group's memberships (that group only), for those who
// administrate it.
func (a *App) Members(ctx context.Context, actor Actor, group reportline.GroupID) ([]reportline.Membership, error) {
	var out []reportline.Membership
	err := a.store.Read(ctx, func(tx Tx) error {
		ac, err := loadAccess(ctx, tx, actor)
		if err != nil {
			return err
		}
		if _, err := tx.Group(ctx, group); err != nil {
			return err
		}
		if !ac.scope.All && (ac.scope.Empty() || !ac.scope.CoversUser(ac.tree, []reportline.GroupID{group})) {
			return forbidden("you do not administrate this group")
		}
		out, err = tx.Memberships(ctx, reportline.MembershipFilter{GroupIDs: []reportline.GroupID{group}})
		return err
	})
	return out, err
}
