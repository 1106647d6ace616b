package app

import (
	"context"
	"strings"

	"reportline"
	"reportline/policy"
	"reportline/usecase"
)

// GroupView is a group as listed for an actor.
type GroupView struct {
	reportline.Group
	Administered bool // the actor may manage its members' links
}

// ListGroups lists the groups the actor administrates (all of them for
// platform admins) and those they belong to.
func (a *App) ListGroups(ctx context.Context, actor Actor) ([]GroupView, error) {
	var out []GroupView
	err := a.groupAdminStore().Read(ctx, func(tx groupAdminTx) error {
		ac, err := usecase.LoadAuthority(ctx, tx, actor)
		if err != nil {
			return err
		}
		all, err := tx.Groups(ctx)
		if err != nil {
			return err
		}
		tree := reportline.NewGroupTree(all)
		member := map[reportline.GroupID]bool{}
		if !ac.Scope.All && actor.User.ID != 0 {
			ms, err := tx.Memberships(ctx, reportline.MembershipFilter{UserIDs: []reportline.UserID{actor.User.ID}})
			if err != nil {
				return err
			}
			for _, m := range ms {
				member[m.GroupID] = true
			}
		}
		for _, g := range all {
			adm := ac.Scope.All || (!ac.Scope.Empty() && ac.Scope.CoversUser(tree, []reportline.GroupID{g.ID}))
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
	err := a.groupAdminStore().Write(ctx, func(tx groupAdminTx) error {
		ac, err := usecase.LoadAuthority(ctx, tx, actor)
		if err != nil {
			return err
		}
		if parent != 0 {
			if _, err := tx.Group(ctx, parent); err != nil {
				return reportline.FieldError("parent_id", "", "parent group %d does not exist", parent)
			}
		}
		if err := ac.Authorize(policy.CreateGroup, policy.Target{Group: parent}); err != nil {
			return err
		}
		if err := tx.CreateGroup(ctx, &g); err != nil {
			return err
		}
		return a.record(ctx, tx, actor, policy.CreateGroup, reportline.Change{GroupID: g.ID, After: usecase.JSON(g)})
	})
	return g, err
}

// SetMember adds a user to a group or changes their role, as the policy's
// group.members.change row allows: platform admins anywhere; an admin of the
// group for people they already administrate (or accounts they created that
// have never belonged to a group), below their own role, granting a role below it.
func (a *App) SetMember(ctx context.Context, actor Actor, m reportline.Membership) error {
	if m.Role == "" {
		m.Role = reportline.MemberRole
	}
	if !m.Role.Valid() {
		return reportline.FieldError("role", string(m.Role), "role must be member, user_admin or admin")
	}
	return a.groupAdminStore().Write(ctx, func(tx groupAdminTx) error {
		ac, before, err := a.membershipChange(ctx, tx, actor, m.GroupID, m.UserID, m.Role)
		if err != nil {
			return err
		}
		if before != nil && before.Role == m.Role {
			return nil
		}
		if err := tx.SetMembership(ctx, m); err != nil {
			return err
		}
		return a.record(ctx, tx, ac.Actor, policy.ChangeMember, reportline.Change{UserID: m.UserID, GroupID: m.GroupID,
			Before: usecase.RoleJSON(before), After: usecase.RoleJSON(&m)})
	})
}

// RemoveMember removes a user from a group. Their links stay: they are about
// people, not groups.
func (a *App) RemoveMember(ctx context.Context, actor Actor, group reportline.GroupID, user reportline.UserID) error {
	return a.groupAdminStore().Write(ctx, func(tx groupAdminTx) error {
		ac, before, err := a.membershipChange(ctx, tx, actor, group, user, "")
		if err != nil {
			return err
		}
		if before == nil {
			return reportline.Errorf(reportline.NotFound, "user %d is not a member of group %d", user, group).
				Say("error.group.not_member", map[string]any{"User": user, "Group": group})
		}
		if err := tx.DeleteMembership(ctx, group, user); err != nil {
			return err
		}
		return a.record(ctx, tx, ac.Actor, policy.ChangeMember, reportline.Change{UserID: user, GroupID: group, Before: usecase.RoleJSON(before)})
	})
}

// membershipChange authorizes a change of user's membership of group (role
// "" for a removal) and returns the membership it replaces, nil when none.
// A user the actor may not see is refused the same way whether or not it
// exists.
func (a *App) membershipChange(ctx context.Context, tx groupAdminTx, actor Actor, group reportline.GroupID, user reportline.UserID,
	role reportline.GroupRole) (*usecase.Authority, *reportline.Membership, error) {
	ac, err := usecase.LoadAuthority(ctx, tx, actor)
	if err != nil {
		return nil, nil, err
	}
	if _, err := tx.Group(ctx, group); err != nil {
		if reportline.ErrorCode(err) == reportline.NotFound && !ac.Scope.All {
			return nil, nil, usecase.Forbidden("you may only change the members of groups you administrate").Say("error.policy.change_members", nil)
		}
		return nil, nil, err
	}
	u, err := tx.User(ctx, user)
	if err != nil {
		if reportline.ErrorCode(err) == reportline.NotFound && !ac.Scope.All {
			return nil, nil, usecase.NotVisible()
		}
		return nil, nil, err
	}
	p, err := ac.Person(ctx, tx, u)
	if err != nil {
		return nil, nil, err
	}
	if !ac.Scope.All && len(p.Memberships) == 0 {
		if p.CreatedByActor, err = a.createdBy(ctx, tx, user, ac.Actor.ID()); err != nil {
			return nil, nil, err
		}
	}
	if err := ac.Authorize(policy.ChangeMember, policy.Target{User: p, Group: group, Role: role}); err != nil {
		return nil, nil, err
	}
	for _, m := range p.Memberships {
		if m.GroupID == group {
			return ac, &m, nil
		}
	}
	return ac, nil, nil
}

// createdBy reports whether actor created the user (the change log's
// user.create entry) and nobody has changed the user's memberships since:
// an account someone took out of a group does not fall back to its creator.
func (a *App) createdBy(ctx context.Context, tx groupAdminTx, user, actor reportline.UserID) (bool, error) {
	if actor == 0 {
		return false, nil
	}
	cs, err := tx.Changes(ctx, reportline.ChangeFilter{UserID: user, Action: string(policy.CreateUser), Limit: 1})
	if err != nil || len(cs) != 1 || cs[0].ActorID != actor || cs[0].GroupID != 0 {
		return false, err
	}
	moved, err := tx.Changes(ctx, reportline.ChangeFilter{UserID: user, Action: string(policy.ChangeMember), Limit: 1})
	return len(moved) == 0, err
}

// ListMembers lists a group's memberships (that group only), for those who
// administrate it.
func (a *App) ListMembers(ctx context.Context, actor Actor, group reportline.GroupID) ([]reportline.Membership, error) {
	var out []reportline.Membership
	err := a.groupAdminStore().Read(ctx, func(tx groupAdminTx) error {
		ac, err := usecase.LoadAuthority(ctx, tx, actor)
		if err != nil {
			return err
		}
		if _, err := tx.Group(ctx, group); err != nil {
			return err
		}
		if err := ac.Authorize(policy.ReadMembers, policy.Target{Group: group}); err != nil {
			return err
		}
		out, err = tx.Memberships(ctx, reportline.MembershipFilter{GroupIDs: []reportline.GroupID{group}})
		return err
	})
	return out, err
}
