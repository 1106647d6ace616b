package usecase

import (
	"context"
	"fmt"

	"reportline"
	"reportline/policy"
)

// AuthorityTx is the storage loading an authority reads.
type AuthorityTx interface {
	Memberships(ctx context.Context, f reportline.MembershipFilter) ([]reportline.Membership, error)
	Groups(ctx context.Context) ([]reportline.Group, error)
}

// Authority is an actor's authority, loaded once per use case: the group
// tree, what the actor administers, and the groups of the users the use case
// touches (loaded on demand). It gathers the facts the policy's rows read;
// the policy (package policy) decides.
type Authority struct {
	Actor Actor
	// Tree is the group tree; nil for platform admins, the system and
	// actors who administer nothing.
	Tree *reportline.GroupTree
	// Scope is what the actor administers.
	Scope reportline.Scope
	// Mine is the actor's own memberships.
	Mine []reportline.Membership
	// Groups and Members are the loaded users' groups and memberships
	// (NeedGroups, LoadMembers).
	Groups  map[reportline.UserID][]reportline.GroupID
	Members map[reportline.UserID][]reportline.Membership
}

// LoadAuthority reads what the actor administers.
func LoadAuthority(ctx context.Context, tx AuthorityTx, actor Actor) (*Authority, error) {
	ac := &Authority{Actor: actor, Groups: map[reportline.UserID][]reportline.GroupID{},
		Members: map[reportline.UserID][]reportline.Membership{}}
	if actor.System || actor.SCIM || actor.User.IsPlatformAdmin() {
		ac.Scope = reportline.Scope{All: actor.System || actor.User.IsPlatformAdmin()}
		return ac, nil
	}
	if !actor.User.Active() || actor.User.ID == 0 {
		ac.Scope = reportline.Scope{}
		return ac, nil
	}
	ms, err := tx.Memberships(ctx, reportline.MembershipFilter{UserIDs: []reportline.UserID{actor.User.ID}})
	if err != nil {
		return nil, fmt.Errorf("load scope: %w", err)
	}
	ac.Mine = ms
	ac.Scope = reportline.ScopeOf(actor.User, ms)
	if ac.Scope.Empty() {
		return ac, nil
	}
	groups, err := tx.Groups(ctx)
	if err != nil {
		return nil, fmt.Errorf("load scope: %w", err)
	}
	ac.Tree = reportline.NewGroupTree(groups)
	return ac, nil
}

// NeedGroups loads the group memberships of users not loaded yet. Platform
// admins and empty scopes need none.
func (ac *Authority) NeedGroups(ctx context.Context, tx AuthorityTx, users ...reportline.UserID) error {
	if ac.Scope.All || ac.Scope.Empty() {
		return nil
	}
	return ac.LoadMembers(ctx, tx, users...)
}

// LoadMembers loads the memberships of users not loaded yet, whoever the
// actor is.
func (ac *Authority) LoadMembers(ctx context.Context, tx AuthorityTx, users ...reportline.UserID) error {
	var missing []reportline.UserID
	for _, u := range users {
		if _, ok := ac.Groups[u]; !ok {
			missing = append(missing, u)
			ac.Groups[u] = nil
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
		ac.Groups[m.UserID] = append(ac.Groups[m.UserID], m.GroupID)
		ac.Members[m.UserID] = append(ac.Members[m.UserID], m)
	}
	return nil
}

// Administers reports whether the actor administers the user (is a platform
// admin, or admin / user admin of a group the user belongs to, descendants
// included). NeedGroups must have loaded the user.
func (ac *Authority) Administers(u reportline.UserID) bool {
	return ac.Scope.All || (!ac.Scope.Empty() && ac.Scope.CoversUser(ac.Tree, ac.Groups[u]))
}

// MayLink reports whether the actor may create or remove the link between a
// manager and a managee. NeedGroups must have loaded both.
func (ac *Authority) MayLink(p reportline.Pair) bool {
	return ac.Decide(policy.ChangeLink, policy.Target{Manager: ac.Known(p.ManagerID), Managee: ac.Known(p.ManageeID)}).Allowed
}

// PolicyActor is the actor as the policy sees it.
func (ac *Authority) PolicyActor() policy.Actor {
	return policy.Actor{System: ac.Actor.System, SCIM: ac.Actor.SCIM, User: ac.Actor.User, Memberships: ac.Mine, Tree: ac.Tree, Scope: &ac.Scope}
}

// Decide asks the policy.
func (ac *Authority) Decide(action policy.Action, t policy.Target) policy.Decision {
	return policy.Decide(ac.PolicyActor(), action, t)
}

// Authorize asks the policy and returns its refusal as a Forbidden error.
func (ac *Authority) Authorize(action policy.Action, t policy.Target) error {
	return ac.Decide(action, t).Err()
}

// Known is a person whose memberships are loaded, with only the id known of
// the user: enough for the rows that look at groups.
func (ac *Authority) Known(id reportline.UserID) *policy.Person {
	return ac.KnownIn(new(policy.Person), id)
}

// KnownIn is Known written into p, which a caller deciding many times
// reuses (the policy keeps and changes no target): a batch of decisions
// then builds no person per decision. p is zero or was written by KnownIn
// alone: only the fields Known sets are written (the person's whole row
// showed in a batch's profile).
func (ac *Authority) KnownIn(p *policy.Person, id reportline.UserID) *policy.Person {
	p.User.ID, p.User.Status, p.Memberships = id, reportline.StatusActive, ac.Members[id]
	return p
}

// Person loads what the policy reads about a user: the row and their
// memberships.
func (ac *Authority) Person(ctx context.Context, tx AuthorityTx, u reportline.User) (*policy.Person, error) {
	if err := ac.LoadMembers(ctx, tx, u.ID); err != nil {
		return nil, err
	}
	return &policy.Person{User: u, Memberships: ac.Members[u.ID]}, nil
}

// AuthorizeAbout asks a row about one user (0: about nobody in particular),
// loading the user's groups first.
func (ac *Authority) AuthorizeAbout(ctx context.Context, tx AuthorityTx, action policy.Action, user reportline.UserID) error {
	var t policy.Target
	if user != 0 {
		if err := ac.NeedGroups(ctx, tx, user); err != nil {
			return err
		}
		t.User = ac.Known(user)
	}
	return ac.Authorize(action, t)
}

// AuthorizeActor asks the policy about a row that looks at the actor alone
// (the platform admins' rows), before any transaction.
func AuthorizeActor(actor Actor, action policy.Action) error {
	return policy.Decide(policy.Actor{System: actor.System, SCIM: actor.SCIM, User: actor.User}, action, policy.Target{}).Err()
}

// AuthorizeOwn asks a row about the actor's own account (or, for platform
// admins, anyone's).
func AuthorizeOwn(actor Actor, action policy.Action, user reportline.UserID) error {
	t := policy.Target{User: &policy.Person{User: reportline.User{ID: user}}}
	return policy.Decide(policy.Actor{System: actor.System, SCIM: actor.SCIM, User: actor.User}, action, t).Err()
}

// Forbidden is the error for a refused action; it says why. Callers name
// its message for the pages (.Say, docs/i18n.md).
func Forbidden(format string, args ...any) *reportline.Error {
	return reportline.Errorf(reportline.Forbidden, format, args...)
}

// NotVisible is the refusal about a user the caller may not see: the same
// whether or not the user exists, and naming nothing about them.
func NotVisible() error {
	return reportline.Errorf(reportline.Forbidden, "you may not see this user: you may see yourself, the people you manage and the members of groups you administrate").
		Say("error.not_visible", nil)
}
