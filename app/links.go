package app

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"reportline"
)

// LinkedUser is one side of a link, as listed on a user's page: the link
// and the other user.
type LinkedUser struct {
	Link reportline.Link
	User reportline.User
	// Removable says whether the actor may remove the link, so pages
	// offer only what will be allowed. Set by ShowManagers.
	Removable bool
}

// UserLinks is what "Show managers" shows: a user, their managers and the
// users they manage.
type UserLinks struct {
	User     reportline.User
	Managers []LinkedUser
	Managees []LinkedUser
}

// ShowManagers returns a user's managers and managees, sorted by name. The
// user themself, whoever administers them, and their managers may look.
func (a *App) ShowManagers(ctx context.Context, actor Actor, user reportline.UserID) (UserLinks, error) {
	var out UserLinks
	err := a.store.Read(ctx, func(tx Tx) error {
		ac, err := loadAccess(ctx, tx, actor)
		if err != nil {
			return err
		}
		if out.User, err = tx.User(ctx, user); err != nil {
			return err
		}
		ok, err := a.mayView(ctx, tx, ac, user)
		if err != nil {
			return err
		}
		if !ok {
			return forbidden("you may see the managers of yourself, of the people you manage and of members of groups you administrate")
		}
		if out.Managers, err = linkedUsers(ctx, tx, reportline.LinkFilter{ManageeID: user}, reportline.Managers); err != nil {
			return err
		}
		if out.Managees, err = linkedUsers(ctx, tx, reportline.LinkFilter{ManagerID: user}, reportline.Managees); err != nil {
			return err
		}
		ids := []reportline.UserID{user}
		for _, l := range append(slices.Clone(out.Managers), out.Managees...) {
			ids = append(ids, l.User.ID)
		}
		if err := ac.needGroups(ctx, tx, ids...); err != nil {
			return err
		}
		for _, side := range [][]LinkedUser{out.Managers, out.Managees} {
			for i := range side {
				side[i].Removable = ac.actor.User.Active() && ac.mayLink(side[i].Link.Pair()) || ac.actor.System
			}
		}
		return nil
	})
	return out, err
}

// linkedUsers reads links and the users on their far side.
func linkedUsers(ctx context.Context, tx Tx, f reportline.LinkFilter, dir reportline.Direction) ([]LinkedUser, error) {
	links, err := tx.Links(ctx, f)
	if err != nil {
		return nil, err
	}
	ids := make([]reportline.UserID, len(links))
	for i, l := range links {
		ids[i] = far(l, dir)
	}
	users, err := tx.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]LinkedUser, len(links))
	for i, l := range links {
		out[i] = LinkedUser{Link: l, User: users[far(l, dir)]}
	}
	slices.SortFunc(out, func(x, y LinkedUser) int {
		return strings.Compare(strings.ToLower(x.User.Name()), strings.ToLower(y.User.Name()))
	})
	return out, nil
}

// far returns the user on the side of a link that dir names.
func far(l reportline.Link, dir reportline.Direction) reportline.UserID {
	if dir == reportline.Managers {
		return l.ManagerID
	}
	return l.ManageeID
}

// pairWith builds the pair between the page's user and another user.
func pairWith(user, other reportline.UserID, dir reportline.Direction) reportline.Pair {
	if dir == reportline.Managers {
		return reportline.Pair{ManagerID: other, ManageeID: user}
	}
	return reportline.Pair{ManagerID: user, ManageeID: other}
}

// RemoveLink deletes one link, if the actor may link that pair.
func (a *App) RemoveLink(ctx context.Context, actor Actor, p reportline.Pair) error {
	return a.store.Write(ctx, func(tx Tx) error {
		ac, err := loadAccess(ctx, tx, actor)
		if err != nil {
			return err
		}
		old, err := tx.Link(ctx, p)
		if err != nil {
			return err
		}
		if err := ac.needGroups(ctx, tx, p.ManagerID, p.ManageeID); err != nil {
			return err
		}
		if !ac.mayLink(p) {
			return forbidden("you may only remove links between members of a group you administrate")
		}
		if err := tx.DeleteLink(ctx, p); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, []reportline.AuditEntry{{
			At: a.now(), ActorID: actor.id(), Source: actor.Source, Action: reportline.ActionRemove,
			ManagerID: p.ManagerID, ManageeID: p.ManageeID, Before: &old,
		}})
	})
}

// Audit returns entries of the audit log, newest first. Platform admins read
// all of it; admins and user admins read the entries about a user they
// administrate (Filter.UserID is then required).
func (a *App) Audit(ctx context.Context, actor Actor, f reportline.AuditFilter) ([]reportline.AuditEntry, error) {
	var out []reportline.AuditEntry
	err := a.store.Read(ctx, func(tx Tx) error {
		ac, err := loadAccess(ctx, tx, actor)
		if err != nil {
			return err
		}
		if !ac.scope.All {
			if f.UserID == 0 {
				return forbidden("only platform admins may read the whole audit log; name a user you administrate")
			}
			if err := ac.needGroups(ctx, tx, f.UserID); err != nil {
				return err
			}
			if !ac.administers(f.UserID) {
				return forbidden("you may only read the audit log of members of groups you administrate")
			}
		}
		out, err = tx.Audit(ctx, f)
		if err != nil {
			return fmt.Errorf("read audit: %w", err)
		}
		return nil
	})
	return out, err
}
