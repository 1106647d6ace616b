package app

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"reportline"
	"reportline/orggraph"
)

// linksFunc reads the effective links of many users on one side.
type linksFunc func(ctx context.Context, users []reportline.UserID) (map[reportline.UserID][]reportline.Link, error)

// subtree is a walk down the reporting line from one user, through the line
// links in effect at one instant and active users only: everybody they are
// above, for the searches.
type subtree struct {
	top reportline.UserID
	at  time.Time
	// via[u] is the line link by which u was first reached (where u is the
	// managee). Breadth first, so it lies on a shortest path.
	via   map[reportline.UserID]reportline.Link
	order []reportline.UserID // users reached, level by level
	// reach is the same walk in the index (ch.g), which via does not copy.
	reach *orggraph.Reach
}

// walkDown walks level by level, one read per level (and one for the
// statuses of the level), at most maxWalkDepth levels, never reaching a
// user twice, so a cycle in corrupt data ends it. When the checker reads
// the index (current in its transaction), the index walks it
// (orggraph.Walk: the same walk, property-tested against this one).
func (ch *checker) walkDown(ctx context.Context, top reportline.UserID, at time.Time, read linksFunc) (*subtree, error) {
	if ch.g != nil {
		r := ch.g.Walk(top, at)
		return &subtree{top: top, at: at, order: r.Order(), reach: r}, nil
	}
	w := &subtree{top: top, at: at, via: map[reportline.UserID]reportline.Link{}}
	frontier := []reportline.UserID{top}
	for depth := 0; depth < maxWalkDepth && len(frontier) > 0; depth++ {
		links, err := read(ctx, frontier)
		if err != nil {
			return nil, err
		}
		var next []reportline.UserID
		for _, u := range frontier {
			for _, l := range links[u] {
				e := l.ManageeID
				if l.Kind != reportline.Line || !l.InEffect(at) || e == top {
					continue
				}
				if _, seen := w.via[e]; seen {
					continue
				}
				w.via[e] = l
				next = append(next, e)
			}
		}
		if err := ch.loadStatuses(ctx, next); err != nil {
			return nil, err
		}
		next = slices.DeleteFunc(next, func(u reportline.UserID) bool { return !ch.status[u] })
		slices.Sort(next)
		w.order = append(w.order, next...)
		frontier = next
	}
	return w, nil
}

// chain returns the links from the top down to a user the walk reached.
func (w *subtree) chain(reached reportline.UserID) []reportline.Link {
	if w.reach != nil {
		return w.reach.Chain(reached)
	}
	var out []reportline.Link
	for u := reached; u != w.top; {
		l, ok := w.via[u]
		if !ok {
			return nil
		}
		out = append(out, l)
		u = l.ManagerID
	}
	slices.Reverse(out)
	return out
}

// ancestry is what a walk up the reporting line from one user can use:
// the user's own effective links (any kind), and the effective line links
// above them, reached through line links, whatever the links' dates: a walk
// checks them at its instant.
type ancestry struct {
	user  reportline.UserID
	links map[reportline.UserID][]reportline.Link // by managee, ordered by manager
	// status of the managers, when the read gave it (import mode).
	status map[reportline.UserID]reportline.Status
}

// lineAncestry reads a user's ancestry. In the "import" Assign role mode
// the effective links are the stored ones, and it reads them in one
// recursive query (TestEffectiveBatchesAgree checks that it says what
// walking managersOf level by level says). In the "positions" mode line
// managers are derived from the org structure, which no query over the
// links can follow: it walks the effective links level by level, one
// managersOfMany per level.
func (a *App) lineAncestry(ctx context.Context, v *linkView, user reportline.UserID) (*ancestry, error) {
	if !v.derives() && v.asOf.IsZero() {
		links, status, err := v.tx.LineAncestry(ctx, user)
		if err != nil {
			return nil, err
		}
		return newAncestry(user, links, status), nil
	}
	var all []reportline.Link
	seen := map[reportline.UserID]bool{user: true}
	frontier := []reportline.UserID{user}
	for depth := 0; depth <= maxWalkDepth && len(frontier) > 0; depth++ {
		links, err := v.managersOfMany(ctx, frontier)
		if err != nil {
			return nil, err
		}
		var next []reportline.UserID
		for _, u := range frontier {
			for _, l := range links[u] {
				line := l.Kind == reportline.Line
				if u == user || line {
					all = append(all, l)
				}
				if line && !seen[l.ManagerID] {
					seen[l.ManagerID] = true
					next = append(next, l.ManagerID)
				}
			}
		}
		frontier = next
	}
	return newAncestry(user, all, nil), nil
}

// newAncestry arranges the links of an ancestry by managee.
func newAncestry(user reportline.UserID, links []reportline.Link, status map[reportline.UserID]reportline.Status) *ancestry {
	an := &ancestry{user: user, links: map[reportline.UserID][]reportline.Link{}, status: status}
	for _, l := range links {
		an.links[l.ManageeID] = append(an.links[l.ManageeID], l)
	}
	for _, ls := range an.links {
		slices.SortFunc(ls, func(x, y reportline.Link) int { return cmp.Compare(x.ManagerID, y.ManagerID) })
	}
	return an
}

// managers returns every manager the ancestry names.
func (an *ancestry) managers() []reportline.UserID {
	var out []reportline.UserID
	for _, ls := range an.links {
		for _, l := range ls {
			out = append(out, l.ManagerID)
		}
	}
	return out
}

// walkUp walks the ancestry breadth first, at most maxWalkDepth levels,
// through the line links in effect at instant at and, when active is set,
// through the users it says are active only. It returns, for every user reached, the link by
// which it was first reached (on a shortest path), and the users reached,
// level by level. It stops when it reaches stop (0: never).
func (an *ancestry) walkUp(at time.Time, active func(reportline.UserID) bool, stop reportline.UserID) (map[reportline.UserID]reportline.Link, []reportline.UserID) {
	via := map[reportline.UserID]reportline.Link{}
	var order []reportline.UserID
	frontier := []reportline.UserID{an.user}
	for depth := 0; depth < maxWalkDepth && len(frontier) > 0; depth++ {
		var next []reportline.UserID
		for _, u := range frontier {
			for _, l := range an.links[u] {
				m := l.ManagerID
				if l.Kind != reportline.Line || !l.InEffect(at) || m == an.user {
					continue
				}
				if _, seen := via[m]; seen {
					continue
				}
				via[m] = l
				order = append(order, m)
				if m == stop {
					return via, order
				}
				if active == nil || active(m) {
					next = append(next, m)
				}
			}
		}
		frontier = next
	}
	return via, order
}

// chainTo returns the links from top down to the ancestry's user, along
// the via links of walkUp; nil when top was not reached.
func (an *ancestry) chainTo(via map[reportline.UserID]reportline.Link, top reportline.UserID) []reportline.Link {
	var out []reportline.Link
	for u := top; u != an.user; {
		l, ok := via[u]
		if !ok {
			return nil
		}
		out = append(out, l)
		u = l.ManageeID
	}
	return out
}

// chainAbove looks in an ancestry for line links in effect at instant at
// from subject down to its user, joining active users (the subject's own
// status is the caller's business). It first walks without statuses; only when that finds the
// subject does it read the statuses of the users in between, and only if
// one is inactive does it read them all and walk again. inactive reports
// that the subject is above only through inactive users.
func (ch *checker) chainAbove(ctx context.Context, an *ancestry, at time.Time, subject reportline.UserID) (chain []reportline.Link, inactive bool, err error) {
	via, _ := an.walkUp(at, nil, subject)
	if chain = an.chainTo(via, subject); chain == nil {
		return nil, false, nil
	}
	var between []reportline.UserID
	for _, l := range chain[1:] {
		between = append(between, l.ManagerID)
	}
	if err := ch.loadStatuses(ctx, between); err != nil {
		return nil, false, err
	}
	if !slices.ContainsFunc(between, func(u reportline.UserID) bool { return !ch.status[u] }) {
		return chain, false, nil
	}
	if err := ch.loadStatuses(ctx, an.managers()); err != nil {
		return nil, false, err
	}
	via, _ = an.walkUp(at, ch.isActive, subject)
	chain = an.chainTo(via, subject)
	return chain, chain == nil, nil
}

// isActive reports whether a user whose status was loaded is active.
func (ch *checker) isActive(u reportline.UserID) bool { return ch.status[u] }

// loadStatuses reads whether each user not known yet is active.
func (ch *checker) loadStatuses(ctx context.Context, ids []reportline.UserID) error {
	var missing []reportline.UserID
	for _, id := range ids {
		if _, ok := ch.status[id]; !ok {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	got, err := ch.tx.UserStatuses(ctx, missing)
	if err != nil {
		return fmt.Errorf("access check: %w", err)
	}
	for _, id := range missing {
		ch.status[id] = got[id] == reportline.StatusActive
	}
	return nil
}
