package app

import (
	"context"
	"fmt"

	"reportline"
)

// access is an actor's authority, loaded once per use case: the group tree,
// what the actor administers, and the groups of the users the use case
// touches (loaded on demand).
type access struct {
	actor  Actor
	tree   *reportline.GroupTree
	scope  reportline.Scope
	groups map[reportline.UserID][]reportline.GroupID
}

// loadAccess reads what the actor administers.
func loadAccess(ctx context.Context, tx Tx, actor Actor) (*access, error) {
	ac := &access{actor: actor, groups: map[reportline.UserID][]reportline.GroupID{}}
	if actor.System || actor.User.IsPlatformAdmin() {
		ac.scope = reportline.Scope{All: true}
		return ac, nil
	}
	if !actor.User.Active() || actor.User.ID == 0 {
		ac.scope = reportline.Scope{}
		return ac, nil
	}
	ms, err := tx.Memberships(ctx, reportline.MembershipFilter{UserIDs: []reportline.UserID{actor.User.ID}})
	if err != nil {
		return nil, fmt.Errorf("load scope: %w", err)
	}
	ac.scope = reportline.ScopeOf(actor.User, ms)
	if ac.scope.Empty() {
		return ac, nil
	}
	groups, err := tx.Groups(ctx)
	if err != nil {
		return nil, fmt.Errorf("load scope: %w", err)
	}
	ac.tree = reportline.NewGroupTree(groups)
	return ac, nil
}

// needGroups loads the group memberships of users not loaded yet. Platform
// admins and empty scopes need none.
func (ac *access) needGroups(ctx context.Context, tx Tx, users ...reportline.UserID) error {
	if ac.scope.All || ac.scope.Empty() {
		return nil
	}
	var missing []reportline.UserID
	for _, u := range users {
		if _, ok := ac.groups[u]; !ok {
			missing = append(missing, u)
			ac.groups[u] = nil
		}
	}
	if len(missing) == 0 {
		return nil
	}
	ms, err := tx.Memberships(ctx, reportline.MembershipFilter{UserIDs: missing})
	if err != nil {
		return fmt.Errorf("load memberships: %w", err)
	}
	for _, m := range ms {
		ac.groups[m.UserID] = append(ac.groups[m.UserID], m.GroupID)
	}
	return nil
}

// administers reports whether the actor administers the user (is a platform
// admin, or admin / user admin of a group the user belongs to, descendants
// included). needGroups must have loaded the user.
func (ac *access) administers(u reportline.UserID) bool {
	return ac.scope.All || (!ac.scope.Empty() && ac.scope.CoversUser(ac.tree, ac.groups[u]))
}

// mayLink reports whether the actor may create or remove the link between a
// manager and a managee. needGroups must have loaded both.
func (ac *access) mayLink(p reportline.Pair) bool {
	return ac.scope.All || (!ac.scope.Empty() && ac.scope.CoversPair(ac.tree, ac.groups[p.ManagerID], ac.groups[p.ManageeID]))
}

// forbidden is the error for a refused action; it says why.
func forbidden(format string, args ...any) error {
	return reportline.Errorf(reportline.Forbidden, format, args...)
}

// mayView reports whether the actor may see a user's links: the user
// themself, whoever administers them, and their own managers.
func (a *App) mayView(ctx context.Context, tx Tx, ac *access, user reportline.UserID) (bool, error) {
	if ac.actor.System || ac.scope.All || (ac.actor.User.Active() && ac.actor.User.ID == user) {
		return true, nil
	}
	if !ac.actor.User.Active() {
		return false, nil
	}
	if err := ac.needGroups(ctx, tx, user); err != nil {
		return false, err
	}
	if ac.administers(user) {
		return true, nil
	}
	// A manager in effect may look, whether the link is stored or, in
	// positions mode, derived from the org structure.
	links, err := a.managersOf(ctx, tx, user)
	if err != nil {
		return false, err
	}
	now := a.now()
	for _, l := range links {
		if l.ManagerID == ac.actor.User.ID && l.InEffect(now) {
			return true, nil
		}
	}
	return false, nil
}
