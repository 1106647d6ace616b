package app

import (
	"context"
	"encoding/json"
	"fmt"

	"reportline"
	"reportline/policy"
)

// access is an actor's authority, loaded once per use case: the group tree,
// what the actor administers, and the groups of the users the use case
// touches (loaded on demand). It gathers the facts the policy's rows read;
// the policy (package policy) decides.
type access struct {
	actor   Actor
	tree    *reportline.GroupTree
	scope   reportline.Scope
	mine    []reportline.Membership // the actor's own memberships
	groups  map[reportline.UserID][]reportline.GroupID
	members map[reportline.UserID][]reportline.Membership
}

// loadAccess reads what the actor administers.
func loadAccess(ctx context.Context, tx Tx, actor Actor) (*access, error) {
	ac := &access{actor: actor, groups: map[reportline.UserID][]reportline.GroupID{},
		members: map[reportline.UserID][]reportline.Membership{}}
	if actor.System || actor.SCIM || actor.User.IsPlatformAdmin() {
		ac.scope = reportline.Scope{All: actor.System || actor.User.IsPlatformAdmin()}
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
	ac.mine = ms
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
	return ac.loadMembers(ctx, tx, users...)
}

// loadMembers loads the memberships of users not loaded yet, whoever the
// actor is.
func (ac *access) loadMembers(ctx context.Context, tx Tx, users ...reportline.UserID) error {
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
		ac.members[m.UserID] = append(ac.members[m.UserID], m)
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
	return ac.decide(policy.ChangeLink, policy.Target{Manager: ac.known(p.ManagerID), Managee: ac.known(p.ManageeID)}).Allowed
}

// policyActor is the actor as the policy sees it.
func (ac *access) policyActor() policy.Actor {
	return policy.Actor{System: ac.actor.System, SCIM: ac.actor.SCIM, User: ac.actor.User, Memberships: ac.mine, Tree: ac.tree, Scope: &ac.scope}
}

// decide asks the policy.
func (ac *access) decide(action policy.Action, t policy.Target) policy.Decision {
	return policy.Decide(ac.policyActor(), action, t)
}

// authorize asks the policy and returns its refusal as a Forbidden error.
func (ac *access) authorize(action policy.Action, t policy.Target) error {
	return ac.decide(action, t).Err()
}

// known is a person whose memberships are loaded, with only the id known of
// the user: enough for the rows that look at groups.
func (ac *access) known(id reportline.UserID) *policy.Person {
	return &policy.Person{User: reportline.User{ID: id, Status: reportline.StatusActive}, Memberships: ac.members[id]}
}

// person loads what the policy reads about a user: the row and their
// memberships.
func (a *App) person(ctx context.Context, tx Tx, ac *access, u reportline.User) (*policy.Person, error) {
	if err := ac.loadMembers(ctx, tx, u.ID); err != nil {
		return nil, err
	}
	return &policy.Person{User: u, Memberships: ac.members[u.ID]}, nil
}

// actorManages reports whether the actor manages the user now, through a
// link in effect, stored or derived from the org structure.
func (a *App) actorManages(ctx context.Context, tx Tx, ac *access, user reportline.UserID) (bool, error) {
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

// forbidden is the error for a refused action; it says why.
func forbidden(format string, args ...any) error {
	return reportline.Errorf(reportline.Forbidden, format, args...)
}

// mayView reports whether the actor may see a user (their profile and
// links): the user themself, whoever administers them, and their own
// managers. An unknown user is not visible.
func (a *App) mayView(ctx context.Context, tx Tx, ac *access, user reportline.UserID) (bool, error) {
	if ac.actor.System || ac.scope.All {
		return true, nil
	}
	if !ac.actor.User.Active() {
		return false, nil
	}
	if ac.actor.User.ID == user {
		return true, nil
	}
	if err := ac.needGroups(ctx, tx, user); err != nil {
		return false, err
	}
	p := ac.known(user)
	if ac.administers(user) {
		return ac.decide(policy.ReadUser, policy.Target{User: p}).Allowed, nil
	}
	var err error
	if p.Managed, err = a.actorManages(ctx, tx, ac, user); err != nil {
		return false, err
	}
	return ac.decide(policy.ReadUser, policy.Target{User: p}).Allowed, nil
}

// notVisible is the refusal about a user the caller may not see: the same
// whether or not the user exists, and naming nothing about them.
func notVisible() error {
	return forbidden("you may not see this user: you may see yourself, the people you manage and the members of groups you administrate")
}

// record appends entries to the change log for the actor.
func (a *App) record(ctx context.Context, tx Tx, actor Actor, action policy.Action, c reportline.Change) error {
	c.At = a.now()
	c.ActorID = actor.id()
	c.Source = actor.Source
	c.Action = string(action)
	return tx.AppendChanges(ctx, []reportline.Change{c})
}

// asJSON renders a change's before or after document; nil gives "".
func asJSON(v any) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%q", fmt.Sprint(v))
	}
	return string(b)
}

// authorizeActor asks the policy about a row that looks at the actor alone
// (the platform admins' rows), before any transaction.
func authorizeActor(actor Actor, action policy.Action) error {
	return policy.Decide(policy.Actor{System: actor.System, SCIM: actor.SCIM, User: actor.User}, action, policy.Target{}).Err()
}

// authorizeOwn asks a row about the actor's own account (or, for platform
// admins, anyone's).
func authorizeOwn(actor Actor, action policy.Action, user reportline.UserID) error {
	t := policy.Target{User: &policy.Person{User: reportline.User{ID: user}}}
	return policy.Decide(policy.Actor{System: actor.System, SCIM: actor.SCIM, User: actor.User}, action, t).Err()
}

// authorizeAbout asks a row about one user (0: about nobody in particular),
// loading the user's groups first.
func (ac *access) authorizeAbout(ctx context.Context, tx Tx, action policy.Action, user reportline.UserID) error {
	var t policy.Target
	if user != 0 {
		if err := ac.needGroups(ctx, tx, user); err != nil {
			return err
		}
		t.User = ac.known(user)
	}
	return ac.authorize(action, t)
}

// Changes returns change-log entries (every mutation but link changes),
// newest first, as the policy's audit.read row allows: platform admins
// everything; group and user admins the entries about a user they
// administrate (Filter.UserID is then required).
func (a *App) Changes(ctx context.Context, actor Actor, f reportline.ChangeFilter) ([]reportline.Change, error) {
	var out []reportline.Change
	err := a.store.Read(ctx, func(tx Tx) error {
		ac, err := loadAccess(ctx, tx, actor)
		if err != nil {
			return err
		}
		if err := ac.authorizeAbout(ctx, tx, policy.ReadAudit, f.UserID); err != nil {
			return err
		}
		out, err = tx.Changes(ctx, f)
		return err
	})
	return out, err
}

// May reports whether the actor may do an action about group (0: none in
// particular), for pages that offer only what the caller may do. It is the
// display: every use case asks again when it runs.
func (a *App) May(ctx context.Context, actor Actor, action policy.Action, group reportline.GroupID) (bool, error) {
	// The actor alone decides most platform admins' questions: no read.
	d := policy.Decide(policy.Actor{System: actor.System, SCIM: actor.SCIM, User: actor.User}, action, policy.Target{Group: group})
	if d.Allowed || actor.System || actor.SCIM || !actor.User.Active() || actor.User.IsPlatformAdmin() {
		return d.Allowed, nil
	}
	err := a.store.Read(ctx, func(tx Tx) error {
		ac, err := loadAccess(ctx, tx, actor)
		if err != nil {
			return err
		}
		d = ac.decide(action, policy.Target{Group: group})
		return nil
	})
	return d.Allowed, err
}
