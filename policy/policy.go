// Package policy is Reportline's one authorization policy: a table with one
// row per action the product has, saying who may do it and on which
// targets, and one pure function, Decide, from (actor, action, target) to a
// decision with a reason.
//
// Nothing else decides. The use cases (package app) load the facts a row
// needs (the actor's roles, the target's groups, whether a link or the
// access check grants something) and ask Decide; the web pages ask the same
// function what to offer; the AuthZEN decision point answers capability
// questions through the access check, which the statistics row names.
//
// Decide reads no database and no clock, so every row is table-tested
// without storage (policy_test.go). To add an action: add a constant, a row
// in rules (rules.go) with its "who" sentence, and a case in the test table;
// then call Decide from the use case.
package policy

import (
	"fmt"
	"strings"

	"reportline"
)

// Action names one thing a caller may do.
type Action string

// Decision is the answer to Decide.
type Decision struct {
	Allowed bool
	// Reason says why, in one sentence, naming only what the caller may
	// read: the rule, never another person's email, uid, status or name.
	Reason string
	// MsgID names Reason in the pages' catalogues (reportline.Error.MsgID),
	// for a refusal a page shows in the reader's language.
	MsgID string
}

// say names the decision's reason in the pages' catalogues.
func (d Decision) say(id string) Decision {
	d.MsgID = id
	return d
}

// Err returns nil when the decision allows, else a Forbidden error carrying
// the reason.
func (d Decision) Err() error {
	if d.Allowed {
		return nil
	}
	return reportline.Errorf(reportline.Forbidden, "%s", d.Reason).Say(d.MsgID, nil)
}

// Actor is who asks, with the facts every rule may need about them.
type Actor struct {
	System bool // the service itself (demo loader, schedulers, CLI without --as)
	User   reportline.User
	// Memberships are the actor's own group memberships, with their roles.
	Memberships []reportline.Membership
	// Tree is the group tree; needed when the actor administers a group.
	Tree *reportline.GroupTree
	// SCIM is set for a provisioning client acting through /scim/v2.
	SCIM bool
	// Operator is set for an operator signed in on the operator page: above
	// tenants, and no user of any of them.
	Operator bool
	// Scope, when set, is the actor's administration scope computed from
	// Memberships, so that bulk paths do not compute it per decision.
	Scope *reportline.Scope
}

// Person is what a rule knows of a user it is about.
type Person struct {
	User reportline.User
	// Memberships are the person's group memberships, with their roles.
	Memberships []reportline.Membership
	// Managed is set when the actor manages the person through a link in
	// effect (any kind, stored or derived from the org structure).
	Managed bool
	// CreatedByActor is set when the actor created this account and it has
	// never been a member of a group since: once someone took it out of a
	// group, it no longer falls back to its creator.
	CreatedByActor bool
}

// Target is what an action is about. A rule reads the fields it needs.
type Target struct {
	User *Person // the person read or changed
	// Manager and Managee are the two ends of a link being changed.
	Manager, Managee *Person
	Group            reportline.GroupID   // the group acted on
	Role             reportline.GroupRole // the role a membership change grants; "" for a removal
	Mode             reportline.AssignMode
	// Granted is the access check's answer for capability rows
	// (statistics): a link or a chain of line links grants it.
	Granted bool
	// PlatformAdminsWritable is the operator's setting that lets directory
	// sources change platform admins (off by default).
	PlatformAdminsWritable bool
	// Deactivating is set when a user change deactivates the user.
	Deactivating bool
	// OperatorGranted is set when the tenant acted in granted the operator
	// access to its people and the grant has not ended (operator rows).
	OperatorGranted bool
	// Personal is set when a user change touches only the person's own
	// details (names, locale, time zone, birthday), which they may change
	// themself.
	Personal bool
}

// Decide answers whether actor may do action on target. An unknown action
// is refused: a use case that forgot its row cannot slip through.
func Decide(a Actor, action Action, t Target) Decision {
	r, ok := ruleOf[action]
	if !ok {
		return refuse("%s is not an action of the policy", action)
	}
	if r.scim && !a.SCIM {
		// Provisioning rows belong to the provisioning clients, not even
		// to the service acting on its own.
		return refuse("only a provisioning client may do this").say("error.policy.client_only")
	}
	if a.System {
		return allow("the service itself")
	}
	if r.operator != a.Operator {
		if a.Operator {
			return refuse("an operator acts on tenants, not inside one").say("error.policy.operator_outside")
		}
		return refuse("only an operator may do this").say("error.policy.operator_only")
	}
	if a.Operator {
		return r.decide(a, t)
	}
	if a.SCIM != r.scim {
		if a.SCIM {
			return refuse("a provisioning client may only provision users").say("error.policy.client_provisions")
		}
		return refuse("only a provisioning client may do this").say("error.policy.client_only")
	}
	d := r.decide(a, t)
	if !a.SCIM && (a.User.ID == 0 || !a.User.Active()) && d.Allowed {
		// An inactive account is granted nothing, not even about itself;
		// a refusal keeps the row's reason.
		return refuse("sign in with an active account").say("error.policy.active_account")
	}
	return d
}

// allow and refuse keep a constant reason as it is (most rows give one):
// formatting copied it on every decision, and the decision point asks
// access.ask once per evaluation of a batch (docs/benchmarks.md, A4
// per-item costs).
func allow(format string, args ...any) Decision {
	if len(args) == 0 && !strings.Contains(format, "%") {
		return Decision{Allowed: true, Reason: format}
	}
	return Decision{Allowed: true, Reason: fmt.Sprintf(format, args...)}
}

func refuse(format string, args ...any) Decision {
	if len(args) == 0 && !strings.Contains(format, "%") {
		return Decision{Reason: format}
	}
	return Decision{Reason: fmt.Sprintf(format, args...)}
}

// Rank orders the roles a person may hold, for the rule that nobody changes
// someone whose role is equal to or above their own.
type Rank int

// The ranks, lowest first.
const (
	RankMember Rank = iota
	RankUserAdmin
	RankGroupAdmin
	RankPlatformAdmin
)

func rankOf(r reportline.GroupRole) Rank {
	switch r {
	case reportline.AdminRole:
		return RankGroupAdmin
	case reportline.UserAdminRole:
		return RankUserAdmin
	}
	return RankMember
}

// RankOf is a person's highest role anywhere. A platform admin's role counts
// whether or not the account is active: reactivating it must not be a way
// around the rule.
func RankOf(p *Person) Rank {
	if p.User.PlatformRole == reportline.PlatformAdminRole {
		return RankPlatformAdmin
	}
	best := RankMember
	for _, m := range p.Memberships {
		if r := rankOf(m.Role); r > best {
			best = r
		}
	}
	return best
}

func groupsOf(ms []reportline.Membership) []reportline.GroupID {
	out := make([]reportline.GroupID, len(ms))
	for i, m := range ms {
		out[i] = m.GroupID
	}
	return out
}

// platformAdmin reports whether the actor is an active platform admin.
func (a Actor) platformAdmin() bool { return a.User.IsPlatformAdmin() }

// roleOver is the highest admin role the actor holds on group g or one of
// its ancestors; RankMember when none.
func (a Actor) roleOver(g reportline.GroupID) Rank {
	if a.Tree == nil {
		return RankMember
	}
	best := RankMember
	for _, m := range a.Memberships {
		if m.UserID != a.User.ID || !m.Role.Administers() {
			continue
		}
		if a.Tree.IsAncestorOrSelf(m.GroupID, g) {
			if r := rankOf(m.Role); r > best {
				best = r
			}
		}
	}
	return best
}

// coveringRank is the highest admin role the actor holds over any group of
// the person; RankMember when the actor administers none of them.
func (a Actor) coveringRank(p *Person) Rank {
	best := RankMember
	for _, m := range p.Memberships {
		if r := a.roleOver(m.GroupID); r > best {
			best = r
		}
	}
	return best
}

// Administers reports whether the actor administers the person: a platform
// admin, or an admin or user admin of a group the person belongs to
// (descendants included).
func (a Actor) Administers(p *Person) bool {
	return a.platformAdmin() || a.coveringRank(p) > RankMember
}

// outranks reports whether the actor may change the person: platform admins
// change anyone (platform admins included); others only people whose highest
// role is strictly below the role the actor holds over them.
func (a Actor) outranks(p *Person) bool {
	if a.platformAdmin() {
		return true
	}
	if p.User.ID == a.User.ID {
		return false
	}
	c := a.coveringRank(p)
	return c > RankMember && c > RankOf(p)
}

// coversPair reports whether one group the actor administers holds both
// people.
func (a Actor) coversPair(m, e *Person) bool {
	if a.platformAdmin() {
		return true
	}
	if a.Tree == nil {
		return false
	}
	s := a.Scope
	if s == nil {
		sc := reportline.ScopeOf(a.User, a.Memberships)
		s = &sc
	}
	return s.CoversPair(a.Tree, groupsOf(m.Memberships), groupsOf(e.Memberships))
}

// isAdmin reports whether the actor holds any admin role.
func (a Actor) isAdmin() bool {
	if a.platformAdmin() {
		return true
	}
	for _, m := range a.Memberships {
		if m.UserID == a.User.ID && m.Role.Administers() {
			return true
		}
	}
	return false
}

// isGroupAdmin reports whether the actor holds the admin role (not user
// admin) over group g.
func (a Actor) isGroupAdmin(g reportline.GroupID) bool {
	return a.roleOver(g) >= RankGroupAdmin
}

func self(a Actor, p *Person) bool { return p != nil && p.User.ID == a.User.ID }
