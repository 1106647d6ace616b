package orggraph

import (
	"slices"
	"sort"
	"time"

	"reportline"
)

// Reach is a walk down the reporting line from one user (Walk): everybody
// below them through line links in effect at one instant and active
// users, and the link by which each was first reached.
//
// It is kept by dense user index (three arrays of the graph's size: 9
// bytes a user), not in maps: the users reached come out in id order by a
// scan (Each), without sorting them, which is the order the searches page
// in; a page of 500 out of 100,000 reached reads ~500 entries. The level
// order (Order) is sorted only when asked.
type Reach struct {
	g   *Graph
	top uint32
	// level[i] is the level at which user i was reached (1: a direct
	// report), 0 when not reached; from[i] is 1 + the dense index of the
	// manager it was first reached from, meta[i] that link's meta.
	level []uint8
	from  []uint32
	meta  []uint32
	// levels are the active users reached, level by level, as reached.
	levels [][]uint32
	n      int
}

// Walk walks down from top as app's walk level by level does (and Below):
// breadth first, through line links in effect at instant at, into every
// user but only through active ones, at most MaxDepth levels, never
// reaching a user twice (a cycle ends it) nor top.
//
// The walk level by level reads each level in id order and keeps the first
// link that reaches a user: the link from the manager with the smallest id
// among those of the level above. Walk keeps that one without sorting the
// levels: a user reached again in the same level from a manager with a
// smaller id takes that link instead.
func (g *Graph) Walk(top reportline.UserID, at time.Time) *Reach {
	r := &Reach{g: g}
	t, ok := g.idx(top)
	if !ok {
		return r
	}
	n := len(g.ids)
	r.top, r.level, r.from, r.meta = t, make([]uint8, n), make([]uint32, n), make([]uint32, n)
	frontier := []uint32{t}
	for depth := 0; depth < MaxDepth && len(frontier) > 0; depth++ {
		mark := uint8(depth + 1)
		var next []uint32
		for _, x := range frontier {
			for _, e := range g.down[g.downOff[x]:g.downOff[x+1]] {
				y := e.other
				if e.meta&metaFunctional != 0 || y == t || !g.inEffect(e.meta, at) {
					continue
				}
				switch {
				case r.level[y] == 0:
					r.level[y], r.from[y], r.meta[y] = mark, x+1, e.meta
					if g.isActive(y) {
						next = append(next, y)
					}
				case r.level[y] == mark && x+1 < r.from[y]:
					r.from[y], r.meta[y] = x+1, e.meta
				}
			}
		}
		if len(next) > 0 {
			r.levels = append(r.levels, next)
			r.n += len(next)
		}
		frontier = next
	}
	return r
}

// Len is the number of active users reached.
func (r *Reach) Len() int { return r.n }

// Has reports whether u is an active user reached.
func (r *Reach) Has(u reportline.UserID) bool {
	i, ok := r.g.idx(u)
	return ok && r.level != nil && r.level[i] != 0 && r.g.isActive(i)
}

// Each calls fn with the active users reached whose id is above after, in
// id order, until fn returns false.
func (r *Reach) Each(after reportline.UserID, fn func(reportline.UserID) bool) {
	if r.n == 0 {
		return
	}
	ids := r.g.ids
	for i := sort.Search(len(ids), func(k int) bool { return ids[k] > after }); i < len(ids); i++ {
		if r.level[i] != 0 && r.g.isActive(uint32(i)) && !fn(ids[i]) {
			return
		}
	}
}

// Order is the active users reached, level by level, in id order within a
// level (app's subtree order).
func (r *Reach) Order() []reportline.UserID {
	out := make([]reportline.UserID, 0, r.n)
	for _, lv := range r.levels {
		lv = slices.Clone(lv)
		slices.Sort(lv)
		for _, i := range lv {
			out = append(out, r.g.ids[i])
		}
	}
	return out
}

// Chain returns the links from top down to a user reached (active or
// not), nil for another user.
func (r *Reach) Chain(u reportline.UserID) []reportline.Link {
	i, ok := r.g.idx(u)
	if !ok || r.level == nil || r.level[i] == 0 {
		return nil
	}
	out := make([]reportline.Link, r.level[i])
	for k := len(out) - 1; k >= 0; k-- {
		m := r.from[i] - 1
		out[k] = r.g.link(m, i, r.meta[i])
		i = m
	}
	return out
}

// eachReached calls fn with every user reached, active or not, in id
// order, and the link by which it was first reached.
func (r *Reach) eachReached(fn func(reportline.UserID, reportline.Link)) {
	for i := range r.level {
		if r.level[i] != 0 {
			fn(r.g.ids[i], r.g.link(r.from[i]-1, uint32(i), r.meta[i]))
		}
	}
}

// UpWalk is a walk up the reporting line from one user (WalkUp): every
// manager above them, each with the link by which it was first reached.
type UpWalk struct {
	g    *Graph
	user uint32
	via  visits
}

// noUser is a dense index no user has: a walk up that stops nowhere.
const noUser = ^uint32(0)

// WalkUp walks up from user as app's ancestry walk does for a search of
// who is above them: breadth first, through line links in effect at
// instant at, into every manager but on only through active ones, at most
// MaxDepth levels, never reaching a user twice (a cycle ends it) nor user;
// managers of one managee in id order, so that the first link to reach a
// manager is the database walk's.
func (g *Graph) WalkUp(user reportline.UserID, at time.Time) *UpWalk {
	w := &UpWalk{g: g}
	u, ok := g.idx(user)
	if !ok {
		return w
	}
	w.user = u
	g.walkUp(&w.via, u, noUser, at, true)
	return w
}

// Order is the managers reached, active or not, in the order reached.
func (w *UpWalk) Order() []reportline.UserID {
	out := make([]reportline.UserID, len(w.via.steps))
	for i, s := range w.via.steps {
		out[i] = w.g.ids[s.user]
	}
	return out
}

// Chain returns the links from manager m down to the walk's user, nil when
// the walk did not reach m.
func (w *UpWalk) Chain(m reportline.UserID) []reportline.Link {
	t, ok := w.g.idx(m)
	if !ok {
		return nil
	}
	if _, reached := w.via.find(t); !reached {
		return nil
	}
	return w.g.chain(&w.via, t, w.user)
}
