package app

import (
	"context"
	"maps"
	"slices"
	"time"

	"reportline"
	"reportline/orggraph"
	"reportline/usecase"
)

// The searches answer the two questions the other way round from
// CheckAccess: who may do C about U (SearchSubjects), and whom may A do C
// about (SearchResources). They apply the same rules, so that every user
// they return gets an allowed decision from CheckAccess at the same
// instant, with the same grant; and they return every such user.

// SearchPage asks for one page of a search: the users with an id above
// After, at most Limit of them.
type SearchPage struct {
	After reportline.UserID
	Limit int // DefaultSearchLimit when 0; at most MaxSearchLimit
}

// The page sizes of a search.
const (
	DefaultSearchLimit = 100
	MaxSearchLimit     = 500
)

// SearchHit is one user a search found, with what grants the access.
type SearchHit struct {
	User  reportline.UserID
	Grant Grant
}

// SearchResult is one page of a search, ordered by user id.
type SearchResult struct {
	Hits  []SearchHit
	Total int               // every user the search finds, all pages together
	Next  reportline.UserID // pass as SearchPage.After for the next page; 0 on the last page
}

// SearchSubjects returns the users who may do capability c about resource
// at instant at (zero: now): themself, platform admins, their managers (or
// managees, for see_mbo_goals), the users above them in the reporting line
// (view_reports), and the admins of their groups, as the rules of
// CheckAccess say. The same people as CheckAccess may ask it, about the
// resource: the service, platform admins, the resource themself and their
// admins. An unknown resource has no results. The walk up (view_reports)
// reads the index when it is current in the search's transaction, as the
// walk down of SearchResources does; else the database's ancestry.
func (a *App) SearchSubjects(ctx context.Context, actor Actor, c reportline.Capability, resource reportline.UserID,
	at time.Time, page SearchPage) (SearchResult, error) {
	return a.searchSubjects(ctx, actor, c, resource, at, false, page)
}

func (a *App) searchSubjects(ctx context.Context, actor Actor, c reportline.Capability, resource reportline.UserID,
	at time.Time, history bool, page SearchPage) (SearchResult, error) {
	var out SearchResult
	if _, err := reportline.ParseCapability(string(c)); err != nil {
		return out, err
	}
	err := a.checkStore().Read(ctx, func(tx checkTx) error {
		ch, err := a.searchChecker(ctx, tx, actor, &at, history)
		if err != nil {
			return err
		}
		if ok, err := ch.mayAsk(ctx, resource); err != nil || !ok {
			if err == nil {
				err = usecase.Forbidden("you may ask who has access to yourself and, as an admin, to the users you administrate; the LMS asks with a platform admin's token").Say("error.forbidden.who_has_access", nil)
			}
			return err
		}
		hits, err := ch.subjectsOf(ctx, c, resource, at)
		if err != nil {
			return err
		}
		out = pageOf(hits, page)
		return nil
	})
	return out, err
}

// subjectsOf gathers who may do c about resource, in the order of the rules
// so that each keeps the grant CheckAccess would report.
func (ch *checker) subjectsOf(ctx context.Context, c reportline.Capability, resource reportline.UserID, at time.Time) (map[reportline.UserID]Grant, error) {
	hits := map[reportline.UserID]Grant{}
	add := func(u reportline.UserID, g Grant) {
		if _, ok := hits[u]; !ok {
			hits[u] = g
		}
	}
	if err := ch.loadUsers(ctx, resource); err != nil {
		return nil, err
	}
	r := ch.users[resource]
	if r == nil {
		return hits, nil
	}
	if c.SelfGranted() && r.Active() {
		add(r.ID, Grant{By: GrantSelf})
	}
	if c.AdminRole() {
		admins, err := ch.tx.PlatformAdmins(ctx)
		if err != nil {
			return nil, err
		}
		for _, u := range admins {
			add(u.ID, Grant{By: GrantPlatformAdmin})
		}
	}
	walks := c.Transitive() && !c.ManageeHolds() && ch.matrix.Allows(reportline.Line, c)
	if r.Active() && walks && ch.g != nil {
		// The index, current in this transaction: the resource's own links
		// from the database (their grants name the whole link), the walk
		// up from the index.
		up, err := ch.managersOf(ctx, []reportline.UserID{r.ID})
		if err != nil {
			return nil, err
		}
		if err := ch.grantingLinks(ctx, c, at, up[r.ID], false, add); err != nil {
			return nil, err
		}
		w := ch.g.WalkUp(r.ID, at)
		for _, u := range w.Order() {
			if ch.g.Active(u) {
				add(u, chainGrant(w.Chain(u)))
			}
		}
	} else if r.Active() && walks {
		an, err := ch.ancestryOf(ctx, r.ID)
		if err != nil {
			return nil, err
		}
		if err := ch.loadStatuses(ctx, an.managers()); err != nil {
			return nil, err
		}
		if err := ch.grantingLinks(ctx, c, at, an.links[r.ID], false, add); err != nil {
			return nil, err
		}
		via, order := an.walkUp(at, ch.isActive, 0)
		for _, u := range order {
			if ch.status[u] {
				add(u, chainGrant(an.chainTo(via, u)))
			}
		}
	} else if r.Active() {
		var links []reportline.Link
		if c.ManageeHolds() {
			down, err := ch.view.manageesOfMany(ctx, []reportline.UserID{r.ID})
			if err != nil {
				return nil, err
			}
			links = down[r.ID]
		} else {
			up, err := ch.managersOf(ctx, []reportline.UserID{r.ID})
			if err != nil {
				return nil, err
			}
			links = up[r.ID]
		}
		if err := ch.grantingLinks(ctx, c, at, links, c.ManageeHolds(), add); err != nil {
			return nil, err
		}
	}
	if c.AdminRole() {
		if err := ch.groupAdminsOf(ctx, r.ID, add); err != nil {
			return nil, err
		}
	}
	return hits, nil
}

// grantingLinks adds the far user of each link that grants c at instant
// at: a kind the matrix lets grant c, in effect, far user active. far is
// the managee when managees is true, else the manager.
func (ch *checker) grantingLinks(ctx context.Context, c reportline.Capability, at time.Time, links []reportline.Link,
	managees bool, add func(reportline.UserID, Grant)) error {
	far := func(l reportline.Link) reportline.UserID {
		if managees {
			return l.ManageeID
		}
		return l.ManagerID
	}
	var ids []reportline.UserID
	for _, l := range links {
		ids = append(ids, far(l))
	}
	if err := ch.loadStatuses(ctx, ids); err != nil {
		return err
	}
	for _, l := range links {
		if ch.matrix.Allows(l.Kind, c) && l.InEffect(at) && ch.status[far(l)] {
			add(far(l), Grant{By: GrantLink, Link: searchLink(l)})
		}
	}
	return nil
}

// groupAdminsOf adds the active admins and user admins of the groups
// holding the user (their groups and those groups' ancestors), each with
// the group CheckAccess would name.
func (ch *checker) groupAdminsOf(ctx context.Context, user reportline.UserID, add func(reportline.UserID, Grant)) error {
	ms, err := ch.tx.Memberships(ctx, reportline.MembershipFilter{UserIDs: []reportline.UserID{user}})
	if err != nil || len(ms) == 0 {
		return err
	}
	groups, err := ch.tx.Groups(ctx)
	if err != nil {
		return err
	}
	tree := reportline.NewGroupTree(groups)
	above := map[reportline.GroupID]bool{}
	for _, m := range ms {
		for _, g := range tree.AncestorsOrSelf(m.GroupID) {
			above[g] = true
		}
	}
	admins, err := ch.tx.GroupAdmins(ctx, slices.Sorted(maps.Keys(above)))
	if err != nil {
		return err
	}
	first := map[reportline.UserID]reportline.GroupID{} // admins come ordered by group id: the first is the smallest
	var ids []reportline.UserID
	for _, m := range admins {
		if _, ok := first[m.UserID]; !ok {
			first[m.UserID] = m.GroupID
			ids = append(ids, m.UserID)
		}
	}
	if err := ch.loadStatuses(ctx, ids); err != nil {
		return err
	}
	for _, u := range ids {
		if ch.status[u] {
			add(u, Grant{By: GrantGroupAdmin, Group: first[u]})
		}
	}
	return nil
}

// SearchResources returns the users about whom subject may do capability c
// at instant at (zero: now): themself, everyone for a platform admin, their
// managees (or managers, for see_mbo_goals), everyone below them in the
// reporting line (view_reports), and the members of the groups they
// administrate, as the rules of CheckAccess say. The same people as
// CheckAccess may ask it, about the subject. An unknown or inactive subject
// has no results.
//
// For view_reports each page walks the subject's whole subtree: in the
// index in memory when it is current in the search's transaction (the
// rule of every check inside a transaction of its own, graph_index.go),
// building the chains of the page only; else in the database, one query
// per level and per 500 users. A platform admin's "everyone" is read a
// page at a time.
func (a *App) SearchResources(ctx context.Context, actor Actor, subject reportline.UserID, c reportline.Capability,
	at time.Time, page SearchPage) (SearchResult, error) {
	return a.searchResources(ctx, actor, subject, c, at, false, page)
}

func (a *App) searchResources(ctx context.Context, actor Actor, subject reportline.UserID, c reportline.Capability,
	at time.Time, history bool, page SearchPage) (SearchResult, error) {
	var out SearchResult
	if _, err := reportline.ParseCapability(string(c)); err != nil {
		return out, err
	}
	page.Limit = searchLimit(page.Limit)
	err := a.checkStore().Read(ctx, func(tx checkTx) error {
		ch, err := a.searchChecker(ctx, tx, actor, &at, history)
		if err != nil {
			return err
		}
		if ok, err := ch.mayAsk(ctx, subject); err != nil || !ok {
			if err == nil {
				err = usecase.Forbidden("you may ask about your own access and, as an admin, about the users you administrate; the LMS asks with a platform admin's token").Say("error.policy.access_check", nil)
			}
			return err
		}
		if err := ch.loadUsers(ctx, subject); err != nil {
			return err
		}
		s := ch.users[subject]
		if s == nil || !s.Active() {
			return nil
		}
		if c.AdminRole() && s.IsPlatformAdmin() {
			out, err = ch.everyone(ctx, s.ID, page)
			return err
		}
		f, err := ch.resourcesOf(ctx, c, s, at)
		if err != nil {
			return err
		}
		out = f.page(page)
		return nil
	})
	return out, err
}

// found is what a search for resources found: hits by user, and, when the
// index walked the subtree (view_reports), the walk, whose users are not
// copied into hits: each has the chain grant unless hits holds them (a
// rule before the walk: a direct link), and the rules after the walk add
// only users it did not reach. A page then reads the users in id
// order from both, and builds the chains of that page alone.
type found struct {
	hits map[reportline.UserID]Grant
	walk *orggraph.Reach
}

// resourcesOf gathers whom s may do c about, in the order of the rules.
func (ch *checker) resourcesOf(ctx context.Context, c reportline.Capability, s *reportline.User, at time.Time) (found, error) {
	f := found{hits: map[reportline.UserID]Grant{}}
	hits := f.hits
	add := func(u reportline.UserID, g Grant) {
		if _, ok := hits[u]; !ok && (f.walk == nil || !f.walk.Has(u)) {
			hits[u] = g
		}
	}
	if c.SelfGranted() {
		add(s.ID, Grant{By: GrantSelf})
	}
	var links []reportline.Link
	if c.ManageeHolds() {
		up, err := ch.managersOf(ctx, []reportline.UserID{s.ID})
		if err != nil {
			return f, err
		}
		links = up[s.ID]
	} else {
		down, err := ch.manageesOf(ctx, []reportline.UserID{s.ID})
		if err != nil {
			return f, err
		}
		links = down[s.ID]
	}
	if err := ch.grantingLinks(ctx, c, at, links, !c.ManageeHolds(), add); err != nil {
		return f, err
	}
	if c.Transitive() && !c.ManageeHolds() && ch.matrix.Allows(reportline.Line, c) {
		if ch.g != nil {
			// The index, current in this transaction: the walk is kept
			// as it is, and a page builds its own chains (found.page).
			f.walk = ch.g.Walk(s.ID, at)
		} else {
			// A subtree may hold most of the organisation: its links are
			// read level by level without being kept.
			w, err := ch.walkDown(ctx, s.ID, at, ch.view.manageesOfMany)
			if err != nil {
				return f, err
			}
			for _, u := range w.order {
				if _, ok := hits[u]; !ok {
					add(u, chainGrant(w.chain(u)))
				}
			}
		}
	}
	if c.AdminRole() {
		ac, err := usecase.LoadAuthority(ctx, ch.tx, UserActor(*s, ""))
		if err != nil {
			return f, err
		}
		if !ac.Scope.Empty() {
			groups, err := visibleGroups(ctx, ch.tx, ac, 0)
			if err != nil {
				return f, err
			}
			ms, err := ch.tx.Memberships(ctx, reportline.MembershipFilter{GroupIDs: groups})
			if err != nil {
				return f, err
			}
			of := map[reportline.UserID][]reportline.GroupID{}
			for _, m := range ms {
				of[m.UserID] = append(of[m.UserID], m.GroupID)
			}
			for _, u := range slices.Sorted(maps.Keys(of)) {
				covering := ac.Scope.Covering(ac.Tree, of[u])
				if len(covering) > 0 {
					add(u, Grant{By: GrantGroupAdmin, Group: slices.Min(slices.Collect(maps.Keys(covering)))})
				}
			}
		}
	}
	return f, nil
}

// chainGrant is the grant of a chain of line links from a subject down,
// each a searchLink.
func chainGrant(chain []reportline.Link) Grant {
	for i := range chain {
		chain[i] = searchLink(chain[i])
	}
	return Grant{By: GrantChain, Link: chain[0], Chain: chain}
}

// searchLink is a link as a search's grant names it: its pair, kind,
// source and dates, not its comment nor who made it and when (AuthZEN's
// grant shows no more). As the index holds links, and as the database's
// ancestry read gives them (LineAncestry), so that a search answers the
// same from the index and from the database whichever read found a link.
func searchLink(l reportline.Link) reportline.Link {
	l.Comment, l.CreatedBy, l.CreatedAt = "", 0, time.Time{}
	return l
}

// everyone is a platform admin's search for an admin capability: every
// user, read one page at a time.
func (ch *checker) everyone(ctx context.Context, admin reportline.UserID, page SearchPage) (SearchResult, error) {
	// One more than the page says whether another page follows.
	users, total, err := ch.tx.FindUsers(ctx, reportline.UserFilter{AfterID: page.After, Limit: page.Limit + 1})
	if err != nil {
		return SearchResult{}, err
	}
	out := SearchResult{Total: total}
	if len(users) > page.Limit {
		users = users[:page.Limit]
		out.Next = users[len(users)-1].ID
	}
	for _, u := range users {
		g := Grant{By: GrantPlatformAdmin}
		if u.ID == admin {
			g.By = GrantSelf
		}
		out.Hits = append(out.Hits, SearchHit{User: u.ID, Grant: g})
	}
	return out, nil
}

// pageOf cuts one page out of a search's hits, ordered by user id.
func pageOf(hits map[reportline.UserID]Grant, page SearchPage) SearchResult {
	return found{hits: hits}.page(page)
}

// page cuts one page out of what a search found, ordered by user id: the
// hits' ids sorted, merged with the walk's, which come in id order
// (orggraph.Reach.Each), reading one more than the page to know whether
// another follows. Only the page's chains are built.
func (f found) page(page SearchPage) SearchResult {
	limit := searchLimit(page.Limit)
	ids := slices.Sorted(maps.Keys(f.hits))
	out := SearchResult{Total: len(ids)}
	i, _ := slices.BinarySearch(ids, page.After+1)
	ids = ids[i:]
	var rest []reportline.UserID
	if f.walk == nil {
		rest = ids[:min(len(ids), limit+1)]
	} else {
		// A user found by a rule before the walk (a direct link) may be
		// reached by it too: counted and listed once, with the hit's grant.
		out.Total += f.walk.Len()
		for u := range f.hits {
			if f.walk.Has(u) {
				out.Total--
			}
		}
		rest = make([]reportline.UserID, 0, limit+1)
		f.walk.Each(page.After, func(u reportline.UserID) bool {
			for len(ids) > 0 && ids[0] <= u && len(rest) <= limit {
				rest, ids = append(rest, ids[0]), ids[1:]
			}
			if _, hit := f.hits[u]; !hit && len(rest) <= limit {
				rest = append(rest, u)
			}
			return len(rest) <= limit
		})
		for len(ids) > 0 && len(rest) <= limit {
			rest, ids = append(rest, ids[0]), ids[1:]
		}
	}
	if len(rest) > limit {
		rest = rest[:limit]
		out.Next = rest[len(rest)-1]
	}
	if len(rest) > 0 {
		out.Hits = make([]SearchHit, 0, len(rest))
	}
	for _, id := range rest {
		g, ok := f.hits[id]
		if !ok {
			g = chainGrant(f.walk.Chain(id))
		}
		out.Hits = append(out.Hits, SearchHit{User: id, Grant: g})
	}
	return out
}

func searchLimit(n int) int {
	switch {
	case n <= 0:
		return DefaultSearchLimit
	case n > MaxSearchLimit:
		return MaxSearchLimit
	}
	return n
}
