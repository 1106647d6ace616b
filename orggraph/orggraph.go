// Package orggraph holds the reporting graph in memory: an immutable,
// versioned snapshot of the effective links (both directions, with their
// kind, source and dates), the users' statuses, the capability matrix and
// the Assign role mode, answering "who manages whom" without the database.
//
// A Graph is built once from everything it holds and never changes; a
// change makes a new Graph (Build again), so readers need no lock. Users
// are numbered densely in id order; each direction is a CSR array: off[i]
// .. off[i+1] index the edges of user i, each edge 8 bytes (the far user's
// index and a word for kind, source and dates), so a link costs 16 bytes
// in both directions, plus the dates of temporary links (kept apart, 48
// bytes each). See BenchmarkMemory.
//
// The walks answer exactly as the database walks of package app do
// (access_walk.go): breadth first, managers in id order, at most MaxDepth
// levels, never visiting a user twice, so a cycle in corrupt data ends a
// walk; the package's property test checks them against a plain walk over
// the links.
package orggraph

import (
	"slices"
	"sort"
	"strings"
	"time"

	"reportline"
)

// MaxDepth bounds a walk along the reporting line (app's maxWalkDepth).
const MaxDepth = 64

// edge is one link seen from one side: the user on the far side and meta.
type edge struct {
	other uint32 // dense index of the far user
	meta  uint32 // bit 31: functional; bits 27–30: source; bits 0–26: dates index + 1 (0: no dates)
}

const (
	metaFunctional = 1 << 31
	sourceShift    = 27
	sourceMask     = 0xf
	datesMask      = 1<<sourceShift - 1
)

// period is a temporary link's dates.
type period struct{ from, until time.Time }

// Graph is one snapshot. Its zero value is an empty graph.
type Graph struct {
	version uint64
	ids     []reportline.UserID // dense index → id, ascending
	// dense[id] is 1 + the dense index of id when ids are dense enough
	// (the usual sequence of a database), else index maps them.
	dense   []uint32
	index   map[reportline.UserID]uint32
	active  []uint64 // bitset by dense index
	known   []uint64 // bitset: in Input.Users (not only named by a link)
	upOff   []uint32 // managers of user i: up[upOff[i]:upOff[i+1]], by manager id
	up      []edge
	downOff []uint32 // managees of user i: down[downOff[i]:downOff[i+1]], by managee id
	down    []edge
	dates   []period
	matrix  reportline.Matrix
	mode    reportline.AssignMode
	// emails[emailOff[i]:emailOff[i+1]] is user i's email, in one string
	// (no pointer per user for the collector to scan).
	emails   string
	emailOff []uint32
	platform []uint64 // bitset: holds the platform admin role
	admins   []uint64 // bitset: administrates a group
}

// Input is what a Graph is built from.
type Input struct {
	Version uint64
	// Users maps every user to whether they are active.
	Users map[reportline.UserID]bool
	// Links are the effective links (in either mode). A link naming a
	// user absent from Users is kept; that user counts as unknown.
	Links  []reportline.Link
	Matrix reportline.Matrix // nil: the default
	Mode   reportline.AssignMode
	// Emails, PlatformAdmins and GroupAdmins describe users of Users
	// further, for a decision that reads nothing else (User, GroupAdmin):
	// their email, who holds the platform admin role, who holds an
	// administrating role in some group. Optional; others are ignored.
	Emails         map[reportline.UserID]string
	PlatformAdmins map[reportline.UserID]bool
	GroupAdmins    map[reportline.UserID]bool
}

// Build makes a snapshot. It keeps nothing of in.
func Build(in Input) *Graph {
	g := &Graph{version: in.Version, matrix: in.Matrix, mode: in.Mode}
	if g.matrix == nil {
		g.matrix = reportline.DefaultMatrix()
	} else {
		g.matrix = in.Matrix.Clone()
	}
	ids := make([]reportline.UserID, 0, len(in.Users)+len(in.Links)/4)
	for id := range in.Users {
		ids = append(ids, id)
	}
	for _, l := range in.Links {
		if _, ok := in.Users[l.ManagerID]; !ok {
			ids = append(ids, l.ManagerID)
		}
		if _, ok := in.Users[l.ManageeID]; !ok {
			ids = append(ids, l.ManageeID)
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	g.ids = slices.Clip(ids)
	if len(ids) > 0 && ids[0] >= 0 && int64(ids[len(ids)-1]) <= 4*int64(len(ids))+1024 {
		g.dense = make([]uint32, ids[len(ids)-1]+1)
		for i, id := range ids {
			g.dense[id] = uint32(i) + 1
		}
	} else {
		g.index = make(map[reportline.UserID]uint32, len(ids))
		for i, id := range ids {
			g.index[id] = uint32(i)
		}
	}
	g.active = make([]uint64, (len(ids)+63)/64)
	g.known = make([]uint64, (len(ids)+63)/64)
	for id, act := range in.Users {
		i := g.at(id)
		g.known[i/64] |= 1 << (i % 64)
		if act {
			g.active[i/64] |= 1 << (i % 64)
		}
	}
	n := len(ids)
	g.platform = make([]uint64, (n+63)/64)
	g.admins = make([]uint64, (n+63)/64)
	for _, set := range []struct {
		in   map[reportline.UserID]bool
		bits []uint64
	}{{in.PlatformAdmins, g.platform}, {in.GroupAdmins, g.admins}} {
		for id, on := range set.in {
			if i, ok := g.idx(id); ok && on && g.known[i/64]&(1<<(i%64)) != 0 {
				set.bits[i/64] |= 1 << (i % 64)
			}
		}
	}
	g.emailOff = make([]uint32, n+1)
	var emails strings.Builder
	for i, id := range ids {
		if g.known[i/64]&(1<<(i%64)) != 0 {
			emails.WriteString(in.Emails[id])
		}
		g.emailOff[i+1] = uint32(emails.Len())
	}
	g.emails = emails.String()
	g.upOff = make([]uint32, n+1)
	g.downOff = make([]uint32, n+1)
	metas := make([]uint32, len(in.Links))
	for k, l := range in.Links {
		g.upOff[g.at(l.ManageeID)+1]++
		g.downOff[g.at(l.ManagerID)+1]++
		var m uint32
		if l.Kind == reportline.Functional {
			m |= metaFunctional
		}
		m |= sourceCode(l.Source) << sourceShift
		if l.Temporary() {
			g.dates = append(g.dates, period{l.ValidFrom, l.ValidUntil})
			m |= uint32(len(g.dates))
		}
		metas[k] = m
	}
	for i := 0; i < n; i++ {
		g.upOff[i+1] += g.upOff[i]
		g.downOff[i+1] += g.downOff[i]
	}
	g.up = make([]edge, len(in.Links))
	g.down = make([]edge, len(in.Links))
	upAt := slices.Clone(g.upOff[:n])
	downAt := slices.Clone(g.downOff[:n])
	for k, l := range in.Links {
		r, e := g.at(l.ManagerID), g.at(l.ManageeID)
		g.up[upAt[e]] = edge{r, metas[k]}
		upAt[e]++
		g.down[downAt[r]] = edge{e, metas[k]}
		downAt[r]++
	}
	for i := 0; i < n; i++ {
		sortEdges(g.up[g.upOff[i]:g.upOff[i+1]])
		sortEdges(g.down[g.downOff[i]:g.downOff[i+1]])
	}
	return g
}

func sortEdges(es []edge) {
	if len(es) > 1 {
		sort.Slice(es, func(i, j int) bool { return es[i].other < es[j].other })
	}
}

func sourceCode(s reportline.Source) uint32 {
	for i, v := range reportline.Sources {
		if v == s {
			return uint32(i + 1)
		}
	}
	return 0
}

// idx returns the dense index of a user.
func (g *Graph) idx(u reportline.UserID) (uint32, bool) {
	if g.dense != nil {
		if u < 0 || int64(u) >= int64(len(g.dense)) || g.dense[u] == 0 {
			return 0, false
		}
		return g.dense[u] - 1, true
	}
	i, ok := g.index[u]
	return i, ok
}

// at is idx for a user known to be there.
func (g *Graph) at(u reportline.UserID) uint32 {
	i, _ := g.idx(u)
	return i
}

// Version is the version the snapshot was built at.
func (g *Graph) Version() uint64 { return g.version }

// Matrix is the capability matrix of the snapshot. Callers must not modify it.
func (g *Graph) Matrix() reportline.Matrix { return g.matrix }

// Mode is the Assign role mode of the snapshot.
func (g *Graph) Mode() reportline.AssignMode { return g.mode }

// Users is the number of users the snapshot knows.
func (g *Graph) Users() int { return len(g.ids) }

// Links is the number of links.
func (g *Graph) Links() int { return len(g.up) }

// Known reports whether the user exists.
func (g *Graph) Known(u reportline.UserID) bool {
	i, ok := g.idx(u)
	return ok && g.known[i/64]&(1<<(i%64)) != 0
}

// Active reports whether the user exists and is active.
func (g *Graph) Active(u reportline.UserID) bool {
	i, ok := g.idx(u)
	return ok && g.isActive(i)
}

// User returns what the snapshot holds of a known user: id, email, status
// and platform role (the rest is zero).
func (g *Graph) User(u reportline.UserID) (reportline.User, bool) {
	i, ok := g.idx(u)
	if !ok || g.known[i/64]&(1<<(i%64)) == 0 {
		return reportline.User{}, false
	}
	out := reportline.User{ID: u, Email: g.emails[g.emailOff[i]:g.emailOff[i+1]], Status: reportline.StatusInactive}
	if g.isActive(i) {
		out.Status = reportline.StatusActive
	}
	if g.platform[i/64]&(1<<(i%64)) != 0 {
		out.PlatformRole = reportline.PlatformAdminRole
	}
	return out, true
}

// GroupAdmin reports whether a known user holds an administrating role in
// some group.
func (g *Graph) GroupAdmin(u reportline.UserID) bool {
	i, ok := g.idx(u)
	return ok && g.admins[i/64]&(1<<(i%64)) != 0
}

func (g *Graph) isActive(i uint32) bool { return g.active[i/64]&(1<<(i%64)) != 0 }

// link rebuilds the link of an edge.
func (g *Graph) link(manager, managee uint32, m uint32) reportline.Link {
	l := reportline.Link{ManagerID: g.ids[manager], ManageeID: g.ids[managee], Kind: reportline.Line}
	if m&metaFunctional != 0 {
		l.Kind = reportline.Functional
	}
	if s := m >> sourceShift & sourceMask; s > 0 {
		l.Source = reportline.Sources[s-1]
	}
	if d := m & datesMask; d > 0 {
		l.ValidFrom, l.ValidUntil = g.dates[d-1].from, g.dates[d-1].until
	}
	return l
}

// inEffect is Link.InEffect on an edge's meta.
func (g *Graph) inEffect(m uint32, at time.Time) bool {
	d := m & datesMask
	if d == 0 {
		return true
	}
	p := g.dates[d-1]
	if !p.from.IsZero() && at.Before(p.from) {
		return false
	}
	if !p.until.IsZero() && !at.Before(p.until) {
		return false
	}
	return true
}

// ManagersOf returns the links of a managee, by manager id.
func (g *Graph) ManagersOf(u reportline.UserID) []reportline.Link {
	i, ok := g.idx(u)
	if !ok {
		return nil
	}
	es := g.up[g.upOff[i]:g.upOff[i+1]]
	out := make([]reportline.Link, len(es))
	for k, e := range es {
		out[k] = g.link(e.other, i, e.meta)
	}
	return out
}

// AppendLinks appends to buf the links from manager to managee, those of
// ManagersOf(managee) whose manager is manager, in the same order. It is
// ManagersOf for a decision that asks about one manager: with a buffer on
// the caller's stack it allocates nothing and builds no other link, where
// ManagersOf cost a slice and every manager's link per decision in a
// batch's profile (docs/benchmarks.md, A4 per-item costs).
func (g *Graph) AppendLinks(buf []reportline.Link, manager, managee reportline.UserID) []reportline.Link {
	r, ok1 := g.idx(manager)
	e, ok2 := g.idx(managee)
	if !ok1 || !ok2 {
		return buf
	}
	es := g.up[g.upOff[e]:g.upOff[e+1]]
	k, _ := slices.BinarySearchFunc(es, r, func(x edge, t uint32) int { return int(x.other) - int(t) })
	for ; k < len(es) && es[k].other == r; k++ {
		buf = append(buf, g.link(r, e, es[k].meta))
	}
	return buf
}

// ManageesOf returns the links of a manager, by managee id.
func (g *Graph) ManageesOf(u reportline.UserID) []reportline.Link {
	i, ok := g.idx(u)
	if !ok {
		return nil
	}
	es := g.down[g.downOff[i]:g.downOff[i+1]]
	out := make([]reportline.Link, len(es))
	for k, e := range es {
		out[k] = g.link(i, e.other, e.meta)
	}
	return out
}

// Link returns the link between a manager and a managee.
func (g *Graph) Link(manager, managee reportline.UserID) (reportline.Link, bool) {
	r, ok1 := g.idx(manager)
	e, ok2 := g.idx(managee)
	if !ok1 || !ok2 {
		return reportline.Link{}, false
	}
	es := g.up[g.upOff[e]:g.upOff[e+1]]
	k, found := slices.BinarySearchFunc(es, r, func(x edge, t uint32) int { return int(x.other) - int(t) })
	if !found {
		return reportline.Link{}, false
	}
	return g.link(r, e, es[k].meta), true
}

// Grants reports whether a direct link from manager to managee is in effect
// at instant at, its kind grants c, and both users are active.
func (g *Graph) Grants(manager, managee reportline.UserID, c reportline.Capability, at time.Time) bool {
	l, ok := g.Link(manager, managee)
	return ok && g.matrix.Allows(l.Kind, c) && l.InEffect(at) && g.Active(manager) && g.Active(managee)
}

// Above looks for line links in effect at instant at from top down to user,
// walking up from user breadth first through active users only (top's and
// user's own statuses are the caller's business), at most MaxDepth levels,
// stopping at top. It returns the chain of links from top down to user, or
// nil; inactive reports that top is above user only through inactive
// users. A direct line link is tried first.
func (g *Graph) Above(top, user reportline.UserID, at time.Time) (chain []reportline.Link, inactive bool) {
	t, ok1 := g.idx(top)
	u, ok2 := g.idx(user)
	if !ok1 || !ok2 || t == u {
		return nil, false
	}
	for _, e := range g.up[g.upOff[u]:g.upOff[u+1]] {
		if e.other == t && e.meta&metaFunctional == 0 && g.inEffect(e.meta, at) {
			return []reportline.Link{g.link(t, u, e.meta)}, false
		}
	}
	// The walk's visits live on this stack unless an ancestry passes 32
	// users: a decision in a batch allocates only its chain.
	var buf [32]step
	via := &visits{steps: buf[:0]}
	if !g.walkUp(via, u, t, at, false) {
		return nil, false
	}
	allActive := true
	for x := via.from(t); x != u; x = via.from(x) {
		if !g.isActive(x) {
			allActive = false
			break
		}
	}
	if allActive {
		return g.chain(via, t, u), false
	}
	if via = (&visits{steps: buf[:0]}); g.walkUp(via, u, t, at, true) {
		return g.chain(via, t, u), false
	}
	return nil, true
}

// step is how a walk first reached a user: the user, from whom (the
// managee) and the edge's meta.
type step struct{ user, from, meta uint32 }

// visits is the set of users a walk up reached. An ancestry is small (tens
// of users), so a slice searched in order beats a map; past 64 users a map
// indexes it.
type visits struct {
	steps []step
	at    map[uint32]int
}

func (v *visits) find(u uint32) (step, bool) {
	if v.at != nil {
		k, ok := v.at[u]
		if !ok {
			return step{}, false
		}
		return v.steps[k], true
	}
	for _, s := range v.steps {
		if s.user == u {
			return s, true
		}
	}
	return step{}, false
}

// from returns the user from whom u was reached.
func (v *visits) from(u uint32) uint32 {
	s, _ := v.find(u)
	return s.from
}

func (v *visits) add(s step) {
	v.steps = append(v.steps, s)
	if v.at == nil && len(v.steps) > 64 {
		v.at = make(map[uint32]int, 2*len(v.steps))
		for k, x := range v.steps {
			v.at[x.user] = k
		}
	} else if v.at != nil {
		v.at[s.user] = len(v.steps) - 1
	}
}

// walkUp walks up from u to t as app's ancestry.walkUp does, through active
// users only when activeOnly is set; it reports whether t was reached, and
// records in via (empty) how each user was first reached.
func (g *Graph) walkUp(via *visits, u, t uint32, at time.Time, activeOnly bool) bool {
	var buf [2][32]uint32
	frontier := append(buf[0][:0], u)
	for depth := 0; depth < MaxDepth && len(frontier) > 0; depth++ {
		next := buf[(depth+1)%2][:0]
		for _, x := range frontier {
			for _, e := range g.up[g.upOff[x]:g.upOff[x+1]] {
				m := e.other
				if e.meta&metaFunctional != 0 || !g.inEffect(e.meta, at) || m == u {
					continue
				}
				if _, seen := via.find(m); seen {
					continue
				}
				via.add(step{m, x, e.meta})
				if m == t {
					return true
				}
				if !activeOnly || g.isActive(m) {
					next = append(next, m)
				}
			}
		}
		frontier = next
	}
	return false
}

// chain follows via from t down to u.
func (g *Graph) chain(via *visits, t, u uint32) []reportline.Link {
	n := 0
	for x := t; x != u; x = via.from(x) {
		n++
	}
	out := make([]reportline.Link, 0, n) // one allocation
	for x := t; x != u; {
		st, _ := via.find(x)
		out = append(out, g.link(x, st.from, st.meta))
		x = st.from
	}
	return out
}

// Subtree is a walk down the reporting line from Top (app's subtree).
type Subtree struct {
	Top reportline.UserID
	// Via[u] is the line link by which u was first reached (u is its
	// managee): breadth first, on a shortest path. It includes inactive
	// users reached, through whom the walk does not go.
	Via map[reportline.UserID]reportline.Link
	// Order is the active users reached, level by level, in id order
	// within a level.
	Order []reportline.UserID
}

// Below walks down from top through line links in effect at instant at and
// active users, at most MaxDepth levels, never reaching a user twice: Walk,
// in maps.
func (g *Graph) Below(top reportline.UserID, at time.Time) *Subtree {
	r := g.Walk(top, at)
	s := &Subtree{Top: top, Via: map[reportline.UserID]reportline.Link{}, Order: r.Order()}
	r.eachReached(func(u reportline.UserID, l reportline.Link) { s.Via[u] = l })
	return s
}

// Chain returns the links from the top down to a user the walk reached.
func (s *Subtree) Chain(reached reportline.UserID) []reportline.Link {
	var out []reportline.Link
	for u := reached; u != s.Top; {
		l, ok := s.Via[u]
		if !ok {
			return nil
		}
		out = append(out, l)
		u = l.ManagerID
	}
	slices.Reverse(out)
	return out
}
