package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"reportline"
	"reportline/policy"
	"reportline/usecase"
)

// The access check answers "may user A do capability C about user U at
// instant T": allowed or not, what grants it (a link, a chain of line links,
// an admin role, or being U), and why not when it is refused. Every page
// and endpoint about another user's data asks it, and the LMS asks it
// through the AuthZEN decision point (package api).
//
// The rules, in the order they are tried:
//
//  1. Nobody unknown and nobody inactive is granted anything.
//  2. About oneself, a user holds the capabilities a user has over their
//     own data (Capability.SelfGranted: statistics and the Contacts page);
//     nobody is their own manager, so nothing else.
//  3. Platform admins hold the admin capabilities (Capability.AdminRole:
//     view_reports and contacts) about everyone.
//  4. A direct effective link (effective.go) between A and U grants C when
//     its kind grants C in the capability matrix, it is in effect at T (a
//     temporary link grants nothing outside its dates), and both of its
//     users are active (an inactive user's links are kept but dormant). For
//     every capability A is the manager and U the managee, except
//     see_mbo_goals, where A is the managee and U the manager.
//  5. view_reports is transitive: A holds it about U when A is above U in
//     the reporting line, through line links that grant it, are in effect
//     at T and join active users. The walk goes up from U (access_walk.go:
//     one recursive query when the effective links are the stored ones,
//     one query per level when the org structure derives them), at most
//     maxWalkDepth levels, and never visits a user twice, so corrupt data
//     with a cycle cannot loop it. Functional links are not part of the
//     reporting line: a functional manager sees their direct managees'
//     reports, and their own managers do not inherit that.
//  6. Group admins and user admins hold the admin capabilities about the
//     members of the groups they administrate (descendants included).

// maxWalkDepth bounds a walk along the reporting line. The reference
// organisation has 8 levels; real ones rarely pass 15.
const maxWalkDepth = 64

// AccessQuery asks whether Subject may do Capability about Resource at At.
type AccessQuery struct {
	Subject    reportline.UserID
	Capability reportline.Capability
	Resource   reportline.UserID
	At         time.Time // zero: now
	// History decides against the reporting line as the link history had
	// it at At (AuthZEN's context.as_of; docs/orgchart.md), not today's
	// links at At. Statuses, roles and groups are today's: they have no
	// history. Without it every answer is today's, as before.
	History bool
}

// GrantKind says what grants an allowed access.
type GrantKind string

// What may grant a capability.
const (
	GrantLink          GrantKind = "link"           // a direct link between the two users
	GrantChain         GrantKind = "chain"          // line links from the subject down to the resource (view_reports)
	GrantPlatformAdmin GrantKind = "platform_admin" // the subject is a platform admin
	GrantGroupAdmin    GrantKind = "group_admin"    // the subject administrates a group of the resource
	GrantSelf          GrantKind = "self"           // the subject is the resource
)

// Grant is what grants an allowed access.
type Grant struct {
	By GrantKind
	// Link is the granting link: for GrantLink the link between the two
	// users, for GrantChain the subject's own link at the top of the chain.
	Link reportline.Link
	// Chain is, for GrantChain, every link from the subject down to the
	// resource, each manager managing the next.
	Chain []reportline.Link
	// Group is, for GrantGroupAdmin, the administrated group that holds
	// the resource (itself or through a descendant).
	Group reportline.GroupID
}

// Users returns, for a chain, the users from the subject down to the
// resource.
func (g Grant) Users() []reportline.UserID {
	var out []reportline.UserID
	for i, l := range g.Chain {
		if i == 0 {
			out = append(out, l.ManagerID)
		}
		out = append(out, l.ManageeID)
	}
	return out
}

// Refusal codes say why an access is refused. (An allowed decision's code
// is its GrantKind.)
const (
	RefusedUnknownSubject   = "unknown_subject"
	RefusedUnknownResource  = "unknown_resource"
	RefusedInactiveSubject  = "inactive_subject"
	RefusedInactiveResource = "inactive_resource"
	RefusedSelf             = "not_own_manager"
	RefusedNotLinked        = "not_linked"
	RefusedNotInEffect      = "not_in_effect"
	RefusedKind             = "kind_not_granted"
	RefusedInactiveChain    = "inactive_in_chain"
	RefusedInvalid          = "invalid"
	RefusedForbidden        = "forbidden"
)

// Decision is the answer to an AccessQuery.
type Decision struct {
	AccessQuery
	Allowed bool
	Grant   Grant  // what grants it, when Allowed
	Code    string // the GrantKind when allowed, a Refused… code when not
	// Reason says in one sentence what grants the access or why it is
	// refused, naming the users and the link: for administrators and logs.
	Reason string
	// Err is set, in a batch, on a query that could not be answered (an
	// unknown capability, a subject the caller may not ask about); the
	// decision is then a refusal.
	Err error
}

// CheckAccess answers whether subject may do capability c about resource at
// instant at (zero: now), with what grants it or why not.
//
// Who may ask: the service itself, platform admins (the LMS or gateway
// asks with a platform admin's token), a user about themself as the
// subject, and admins about the subjects they administrate. Others are
// refused with a Forbidden error. An unknown capability is an Invalid
// error; unknown users are a refusal, not an error.
func (a *App) CheckAccess(ctx context.Context, actor Actor, subject reportline.UserID, c reportline.Capability,
	resource reportline.UserID, at time.Time) (Decision, error) {
	q := AccessQuery{Subject: subject, Capability: c, Resource: resource, At: at}
	if _, err := reportline.ParseCapability(string(c)); err != nil {
		return Decision{AccessQuery: q, Code: RefusedInvalid, Reason: reportline.ErrorMessage(err)}, err
	}
	var d Decision
	g := a.graph(ctx)
	err := a.withChecker(ctx, actor, g, []reportline.UserID{subject, resource}, false, func(ch *checker) error {
		var err error
		if d, err = ch.answer(ctx, q); err != nil {
			return err
		}
		if err := ch.fullLink(ctx, &d); err != nil {
			return err
		}
		return d.Err
	})
	a.afterDecision(ctx, g)
	return d, err
}

// CheckAccessBatch answers many queries in one transaction, in order. A
// query that cannot be answered (an unknown capability, a subject the
// caller may not ask about) gets a refusal with Err set; the others are
// still answered. The error return is for failures of the whole batch.
func (a *App) CheckAccessBatch(ctx context.Context, actor Actor, qs []AccessQuery) ([]Decision, error) {
	return a.checkBatch(ctx, actor, qs, true)
}

// Evaluate is CheckAccessBatch for the decision point: a granting link
// carries its pair, kind, source and dates only (not its comment nor who
// made it and when), which the in-memory index answers without reading
// the database.
func (a *App) Evaluate(ctx context.Context, actor Actor, qs []AccessQuery) ([]Decision, error) {
	return a.checkBatch(ctx, actor, qs, false)
}

func (a *App) checkBatch(ctx context.Context, actor Actor, qs []AccessQuery, full bool) ([]Decision, error) {
	if slices.ContainsFunc(qs, func(q AccessQuery) bool { return q.History }) {
		return a.checkHistory(ctx, actor, qs, full)
	}
	if !full {
		if out, ok := a.evaluateInMemory(ctx, actor, qs); ok {
			return out, nil
		}
	}
	out := make([]Decision, len(qs))
	g := a.graph(ctx)
	// Every user the batch names, in one read rather than one per query.
	ids := make([]reportline.UserID, 0, 2*len(qs))
	for _, q := range qs {
		ids = append(ids, q.Subject, q.Resource)
	}
	err := a.withChecker(ctx, actor, g, ids, true, func(ch *checker) error {
		for i, q := range qs {
			if err := ch.answerIn(ctx, q, &out[i]); err != nil {
				return err
			}
			if full {
				if err := ch.fullLink(ctx, &out[i]); err != nil {
					return err
				}
			}
		}
		return nil
	})
	a.afterDecision(ctx, g)
	return out, err
}

// errNeedDB: a decision from the index alone needs what the index does not
// hold (a group admin's groups); the batch reads the database.
var errNeedDB = errors.New("the decision needs the database")

// evaluateInMemory answers a batch from the index alone, reading no
// database (one snapshot for the whole batch), when the index is fresh
// (graph_index.go) and the caller's authority needs no read: the service
// and platform admins (the decision point's callers), who may ask about
// everyone and see every reason. The users come from the snapshot too.
// ok is false when it cannot: the caller then reads the database.
func (a *App) evaluateInMemory(ctx context.Context, actor Actor, qs []AccessQuery) ([]Decision, bool) {
	if !actor.System && !actor.User.IsPlatformAdmin() {
		return nil, false
	}
	ig := a.freshOrConfirmed(ctx)
	if ig == nil {
		return nil, false
	}
	ac, err := usecase.LoadAuthority(ctx, nil, actor) // reads nothing for these actors
	if err != nil || !ac.Scope.All {
		return nil, false
	}
	g := ig.g
	ch := &checker{a: a, view: &linkView{mode: g.Mode()}, actor: ac, now: a.now(), matrix: g.Matrix(), g: g,
		users: make(map[reportline.UserID]*reportline.User, 2*len(qs)), status: make(map[reportline.UserID]bool, 2*len(qs))}
	rows := make([]reportline.User, 0, 2*len(qs)) // one allocation for every user's row
	for _, q := range qs {
		for _, id := range [2]reportline.UserID{q.Subject, q.Resource} {
			if _, ok := ch.users[id]; ok {
				continue
			}
			if u, ok := g.User(id); ok {
				rows = append(rows, u)
				ch.users[id], ch.status[id] = &rows[len(rows)-1], u.Active()
			} else {
				ch.users[id], ch.status[id] = nil, false
			}
		}
	}
	out := make([]Decision, len(qs))
	for i, q := range qs {
		if err := ch.answerIn(ctx, q, &out[i]); err != nil {
			return nil, false // errNeedDB
		}
	}
	return out, true
}

// errStaleIndex: the index turned out stale during a read without a
// transaction; the decision is made again in a read transaction.
var errStaleIndex = errors.New("the reporting graph index is stale")

// withChecker runs fn with a checker. When the index ig is likely current,
// it reads without a transaction (no BEGIN or COMMIT): first the users the
// decisions name (ids), then graph_version; if the version is ig's, no
// change to what the index holds (statuses included) was committed before
// those reads, so the users' rows and the index agree, and fn decides from
// them. Otherwise (or with no index) it runs in a read transaction, as
// before, reading the users first only when preload is set.
func (a *App) withChecker(ctx context.Context, actor Actor, ig *indexedGraph, ids []reportline.UserID, preload bool, fn func(*checker) error) error {
	if ig != nil {
		err := a.checkOnceStore().Read(ctx, func(tx checkTx) error {
			ch, err := a.newDBChecker(ctx, tx, actor)
			if err != nil {
				return err
			}
			ch.g, ch.matrix = ig.g, ig.g.Matrix()
			if err := ch.loadUsers(ctx, ids...); err != nil {
				return err
			}
			g, err := tx.current(ctx, ig)
			if err != nil {
				return err
			}
			if g == nil { // a change was committed since ig (its version recorded)
				return errStaleIndex
			}
			return fn(ch)
		})
		if !errors.Is(err, errStaleIndex) {
			return err
		}
		ig = nil
	}
	return a.checkStore().Read(ctx, func(tx checkTx) error {
		ch, err := a.newIndexedChecker(ctx, tx, actor, ig)
		if err != nil {
			return err
		}
		if preload {
			if err := ch.loadUsers(ctx, ids...); err != nil {
				return err
			}
		}
		return fn(ch)
	})
}

// readOnce runs fn without a transaction when the store can (Adapt's
// fourth function), else in a read transaction.
func (a *App) readOnce(ctx context.Context, fn func(Tx) error) error {
	return readOnce(a.store, ctx, fn)
}

// readOnce is App.readOnce on store (narrowed.ReadOnce's too).
func readOnce(store Store, ctx context.Context, fn func(Tx) error) error {
	if s, ok := store.(indexedStore); ok {
		if o, ok := s.Store.(interface {
			ReadOnce(context.Context, func(Tx) error) error
		}); ok {
			return o.ReadOnce(ctx, fn)
		}
	}
	return store.Read(ctx, fn)
}

// fullLink completes, when the index answered, a direct link grant with
// what the index does not hold (comment, created by, created at), as the
// database walk reads it.
func (ch *checker) fullLink(ctx context.Context, d *Decision) error {
	if ch.g == nil || !d.Allowed || d.Grant.By != GrantLink || d.Grant.Link.ManagerID == 0 ||
		!ch.view.derives() && d.Capability.Transitive() && !d.Capability.ManageeHolds() && ch.matrix.Allows(reportline.Line, d.Capability) {
		return nil // the database walk reads the ancestry's links lean too
	}
	l, err := ch.tx.Link(ctx, d.Grant.Link.Pair())
	if err != nil {
		if reportline.IsCode(err, reportline.NotFound) {
			return nil // a derived link: nothing more to say
		}
		return fmt.Errorf("access check: %w", err)
	}
	d.Grant.Link.Comment, d.Grant.Link.CreatedBy, d.Grant.Link.CreatedAt = l.Comment, l.CreatedBy, l.CreatedAt
	return nil
}

// answer checks that the caller may ask, then decides. Only a storage
// failure is returned as an error; a query the caller may not make is a
// refusal with Err set.
func (ch *checker) answer(ctx context.Context, q AccessQuery) (Decision, error) {
	var d Decision
	err := ch.answerIn(ctx, q, &d)
	return d, err
}

// answerIn is answer writing the decision in d: a batch writes each in
// its place, where copying decisions (~330 bytes, with pointers the
// collector follows) showed in its profile (docs/benchmarks.md, A4 per-item
// costs).
func (ch *checker) answerIn(ctx context.Context, q AccessQuery, d *Decision) error {
	if q.At.IsZero() {
		q.At = ch.now
	}
	if _, err := reportline.ParseCapability(string(q.Capability)); err != nil {
		*d = Decision{AccessQuery: q, Code: RefusedInvalid, Reason: reportline.ErrorMessage(err), Err: err}
		return nil
	}
	ok, err := ch.mayAsk(ctx, q.Subject)
	if err != nil {
		*d = Decision{}
		return err
	}
	if !ok {
		err := ch.actor.Authorize(policy.AskAccess, policy.Target{})
		*d = Decision{AccessQuery: q, Code: RefusedForbidden, Reason: reportline.ErrorMessage(err), Err: err}
		return nil
	}
	if err := ch.decideIn(ctx, q, d); err != nil {
		return err
	}
	return ch.redact(ctx, d)
}

// redact keeps a decision's reason from naming what the caller may not
// read: about a resource the caller may not see, unknown, inactive and
// unlinked all read the same, and no email appears. The service and
// platform admins get the full reason.
func (ch *checker) redact(ctx context.Context, d *Decision) error {
	ac := ch.actor
	if ac.Actor.System || ac.Scope.All {
		return nil
	}
	visible := false
	if d.Resource != 0 {
		var err error
		if visible, err = ch.a.mayView(ctx, visibleThrough{effectiveTx: ch.view.tx, AuthorityTx: ch.tx}, ac, d.Resource); err != nil {
			return err
		}
	}
	if visible {
		if u := ch.users[d.Resource]; u == nil {
			visible = false
		}
	}
	if visible {
		return nil
	}
	if d.Subject != ac.Actor.User.ID {
		// An admin asking about someone they administrate: the subject may
		// be named, the resource may not.
		d.Reason = "the subject holds no grant about this person that you may see"
	} else {
		d.Reason = "you hold no grant about this person"
	}
	if !d.Allowed {
		d.Code = RefusedNotLinked
	}
	d.Grant = Grant{By: d.Grant.By}
	return nil
}

// mayAsk reports whether the caller may ask about a subject's access: the
// policy's access.ask row.
func (ch *checker) mayAsk(ctx context.Context, subject reportline.UserID) (bool, error) {
	ac := ch.actor
	if err := ac.NeedGroups(ctx, ch.tx, subject); err != nil {
		return false, err
	}
	return ac.Decide(policy.AskAccess, policy.Target{User: ac.KnownIn(&ch.asked, subject)}).Allowed, nil
}

// decide applies the rules at the top of this file. It assumes the caller
// may ask and the capability is valid.
func (ch *checker) decide(ctx context.Context, q AccessQuery) (Decision, error) {
	var d Decision
	err := ch.decideIn(ctx, q, &d)
	return d, err
}

// decideIn is decide writing the decision in d (answerIn).
func (ch *checker) decideIn(ctx context.Context, q AccessQuery, d *Decision) error {
	*d = Decision{AccessQuery: q}
	refuse := func(code, format string, args ...any) error {
		d.Code, d.Reason = code, fmt.Sprintf(format, args...)
		return nil
	}
	// grant is allow with its reason written: the reasons of the common
	// answers (a link, a chain, no link) are joined rather than formatted,
	// a fifth of a decision's time in a batch's profile (docs/benchmarks.md, A4).
	grant := func(g Grant, reason string) error {
		d.Allowed, d.Grant, d.Code, d.Reason = true, g, string(g.By), reason
		return nil
	}
	allow := func(g Grant, format string, args ...any) error {
		return grant(g, fmt.Sprintf(format, args...))
	}
	c := q.Capability
	walks := c.Transitive() && !c.ManageeHolds() && ch.matrix.Allows(reportline.Line, c)
	if walks && ch.g == nil {
		if err := ch.prefetch(ctx, q.Subject, q.Resource); err != nil {
			return err
		}
	}
	if err := ch.loadUsers(ctx, q.Subject, q.Resource); err != nil {
		return err
	}
	s, r := ch.users[q.Subject], ch.users[q.Resource]
	switch {
	case s == nil:
		return refuse(RefusedUnknownSubject, "there is no user %d", q.Subject)
	case r == nil:
		return refuse(RefusedUnknownResource, "there is no user %d", q.Resource)
	case !s.Active():
		return refuse(RefusedInactiveSubject, "%s is inactive, and inactive users are granted nothing", s.Email)
	}
	if s.ID == r.ID {
		if c.SelfGranted() {
			return allow(Grant{By: GrantSelf}, "every user may %s themself", verb(c))
		}
		return refuse(RefusedSelf, "nobody is their own manager, so nobody may %s themself", verb(c))
	}
	if c.AdminRole() && s.IsPlatformAdmin() {
		return allow(Grant{By: GrantPlatformAdmin}, "%s is a platform admin, and admins may %s everyone", s.Email, verb(c))
	}

	// Links. miss keeps the most telling reason a link did not grant.
	missCode, missReason := RefusedNotLinked, ""
	if !r.Active() {
		missCode, missReason = RefusedInactiveResource, fmt.Sprintf("%s is inactive, and links to inactive users grant nothing", r.Email)
	} else {
		manager, managee := s, r
		if c.ManageeHolds() {
			manager, managee = r, s
		}
		// A transitive capability reads the resource's whole ancestry at
		// once, their own links included; the others, the managee's links.
		var an *ancestry
		var own []reportline.Link
		var buf [2]reportline.Link // the index's links of the pair, on the stack
		if ch.g != nil {
			own = ch.g.AppendLinks(buf[:0], manager.ID, managee.ID)
		} else if walks {
			var err error
			if an, err = ch.ancestryOf(ctx, r.ID); err != nil {
				return err
			}
			own = an.links[r.ID]
		} else {
			links, err := ch.managersOf(ctx, []reportline.UserID{managee.ID})
			if err != nil {
				return err
			}
			own = links[managee.ID]
		}
		for _, l := range own {
			if l.ManagerID != manager.ID {
				continue
			}
			switch {
			case !ch.matrix.Allows(l.Kind, c):
				missCode, missReason = RefusedKind, fmt.Sprintf("%s manages %s through a %s link, and %s links do not grant %s",
					manager.Email, managee.Email, l.Kind, l.Kind, c)
			case !l.InEffect(q.At):
				missCode, missReason = RefusedNotInEffect, fmt.Sprintf("the link %s → %s is temporary (%s) and grants nothing at %s",
					manager.Email, managee.Email, period(l), q.At.UTC().Format(time.RFC3339))
			default:
				return grant(Grant{By: GrantLink, Link: l}, manager.Email+" manages "+managee.Email+" through a "+string(l.Kind)+
					" link (source "+string(l.Source)+"), which grants "+string(c))
			}
		}
		if walks {
			var chain []reportline.Link
			var inactive bool
			if ch.g != nil {
				chain, inactive = ch.g.Above(s.ID, r.ID, q.At)
			} else {
				var err error
				if chain, inactive, err = ch.chainAbove(ctx, an, q.At, s.ID); err != nil {
					return err
				}
			}
			if chain != nil {
				return grant(Grant{By: GrantChain, Link: chain[0], Chain: chain}, s.Email+" is above "+r.Email+
					" in the reporting line ("+strconv.Itoa(len(chain))+" line links), which grants "+string(c))
			}
			if inactive && missReason == "" {
				missCode, missReason = RefusedInactiveChain, fmt.Sprintf("%s is above %s only through inactive users", s.Email, r.Email)
			}
		}
		if missReason == "" {
			if c.Transitive() {
				missReason = s.Email + " is not above " + r.Email + " in the reporting line"
			} else if c.ManageeHolds() {
				missReason = r.Email + " is not a manager of " + s.Email
			} else {
				missReason = s.Email + " is not a manager of " + r.Email
			}
		}
	}

	if c.AdminRole() {
		g, err := ch.administeringGroup(ctx, s, r.ID)
		if err != nil {
			return err
		}
		if g != 0 {
			return allow(Grant{By: GrantGroupAdmin, Group: g}, "%s administrates group %d, which holds %s, and admins may %s its members",
				s.Email, g, r.Email, verb(c))
		}
	}
	d.Code, d.Reason = missCode, missReason
	return nil
}

// resolveTx finds users by their email or external uid (ResolveUsers).
type resolveTx interface {
	UsersByEmails(ctx context.Context, emails []string) (map[string]reportline.User, error)
	UsersByExternalUIDs(ctx context.Context, uids []string) (map[string]reportline.User, error)
}

func (a *App) resolveStore() usecase.Store[resolveTx] {
	return narrow(a.store, func(tx Tx) resolveTx { return tx })
}

// UserKey names a user by one of their keys: the internal id, the external
// uid (from the HRIS) or the email address. Exactly one is set.
type UserKey struct {
	ID          reportline.UserID
	ExternalUID string
	Email       string
}

// ResolveUsers returns the internal id of each key, 0 for a user that does
// not exist, in order. Ids are taken as they are (CheckAccess says whether
// they exist). Only the service and platform admins may resolve: it is for
// the decision point, whose callers hold a platform admin's token.
func (a *App) ResolveUsers(ctx context.Context, actor Actor, keys []UserKey) ([]reportline.UserID, error) {
	if err := policy.Decide(policy.Actor{System: actor.System, User: actor.User}, policy.ResolveUserKeys, policy.Target{}).Err(); err != nil {
		return nil, err
	}
	out := make([]reportline.UserID, len(keys))
	var norm []string // normalised addresses, when there are any
	var emails, uids []string
	for i, k := range keys {
		switch {
		case k.ID != 0:
			out[i] = k.ID
		case k.Email != "":
			if e, err := reportline.NormalizeEmail(k.Email); err == nil { // else nobody has it
				if norm == nil {
					norm = make([]string, len(keys))
				}
				norm[i] = e
				emails = append(emails, e)
			}
		case k.ExternalUID != "":
			uids = append(uids, k.ExternalUID)
		}
	}
	if len(emails) == 0 && len(uids) == 0 {
		return out, nil
	}
	err := a.resolveStore().Read(ctx, func(tx resolveTx) error {
		byEmail, err := tx.UsersByEmails(ctx, emails)
		if err != nil {
			return err
		}
		byUID, err := tx.UsersByExternalUIDs(ctx, uids)
		if err != nil {
			return err
		}
		for i, k := range keys {
			switch {
			case k.ID != 0:
			case norm != nil && norm[i] != "":
				out[i] = byEmail[norm[i]].ID
			case k.ExternalUID != "":
				out[i] = byUID[k.ExternalUID].ID
			}
		}
		return nil
	})
	return out, err
}
