package orggraph

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"

	"reportline"
)

// The reference walks: the database walks of package app (access_walk.go)
// over a plain slice of links.

func refUp(links []reportline.Link, u reportline.UserID) []reportline.Link {
	var out []reportline.Link
	for _, l := range links {
		if l.ManageeID == u {
			out = append(out, l)
		}
	}
	slices.SortFunc(out, func(x, y reportline.Link) int { return cmp.Compare(x.ManagerID, y.ManagerID) })
	return out
}

func refWalkUp(links []reportline.Link, user reportline.UserID, at time.Time, active func(reportline.UserID) bool, stop reportline.UserID) map[reportline.UserID]reportline.Link {
	via := map[reportline.UserID]reportline.Link{}
	frontier := []reportline.UserID{user}
	for depth := 0; depth < MaxDepth && len(frontier) > 0; depth++ {
		var next []reportline.UserID
		for _, u := range frontier {
			for _, l := range refUp(links, u) {
				m := l.ManagerID
				if l.Kind != reportline.Line || !l.InEffect(at) || m == user {
					continue
				}
				if _, seen := via[m]; seen {
					continue
				}
				via[m] = l
				if m == stop {
					return via
				}
				if active == nil || active(m) {
					next = append(next, m)
				}
			}
		}
		frontier = next
	}
	return via
}

func refChainTo(via map[reportline.UserID]reportline.Link, top, user reportline.UserID) []reportline.Link {
	var out []reportline.Link
	for u := top; u != user; {
		l, ok := via[u]
		if !ok {
			return nil
		}
		out = append(out, l)
		u = l.ManageeID
	}
	return out
}

func refAbove(links []reportline.Link, status map[reportline.UserID]bool, top, user reportline.UserID, at time.Time) ([]reportline.Link, bool) {
	via := refWalkUp(links, user, at, nil, top)
	chain := refChainTo(via, top, user)
	if chain == nil {
		return nil, false
	}
	ok := true
	for _, l := range chain[1:] {
		ok = ok && status[l.ManagerID]
	}
	if ok {
		return chain, false
	}
	via = refWalkUp(links, user, at, func(u reportline.UserID) bool { return status[u] }, top)
	chain = refChainTo(via, top, user)
	return chain, chain == nil
}

func refBelow(links []reportline.Link, status map[reportline.UserID]bool, top reportline.UserID, at time.Time) *Subtree {
	s := &Subtree{Top: top, Via: map[reportline.UserID]reportline.Link{}}
	frontier := []reportline.UserID{top}
	for depth := 0; depth < MaxDepth && len(frontier) > 0; depth++ {
		var next []reportline.UserID
		for _, u := range frontier {
			var down []reportline.Link
			for _, l := range links {
				if l.ManagerID == u {
					down = append(down, l)
				}
			}
			slices.SortFunc(down, func(x, y reportline.Link) int { return cmp.Compare(x.ManageeID, y.ManageeID) })
			for _, l := range down {
				e := l.ManageeID
				if l.Kind != reportline.Line || !l.InEffect(at) || e == top {
					continue
				}
				if _, seen := s.Via[e]; seen {
					continue
				}
				s.Via[e] = l
				next = append(next, e)
			}
		}
		next = slices.DeleteFunc(next, func(u reportline.UserID) bool { return !status[u] })
		slices.Sort(next)
		s.Order = append(s.Order, next...)
		frontier = next
	}
	return s
}

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

// randomGraph makes n users (ids 1..n, some inactive, id n+1 named by links
// only) and random links: line and functional, some temporary, cycles
// allowed (corrupt data).
func randomGraph(r *rand.Rand, n int) Input {
	in := Input{Users: map[reportline.UserID]bool{}, Mode: reportline.AssignByImport, Emails: map[reportline.UserID]string{},
		PlatformAdmins: map[reportline.UserID]bool{}, GroupAdmins: map[reportline.UserID]bool{}}
	for i := 1; i <= n; i++ {
		id := reportline.UserID(i)
		in.Users[id] = r.IntN(8) != 0
		if r.IntN(6) != 0 { // some users have no email in the input: ""
			in.Emails[id] = fmt.Sprintf("user-%d-%s@example.com", i, string(rune('a'+r.IntN(26))))
		}
		in.PlatformAdmins[id] = r.IntN(5) == 0
		in.GroupAdmins[id] = r.IntN(4) == 0
	}
	// Profiles of users absent from Users are ignored.
	in.Emails[reportline.UserID(n+1)] = "ghost@example.com"
	in.PlatformAdmins[reportline.UserID(n+1)] = true
	in.GroupAdmins[reportline.UserID(n+1)] = true
	pairs := map[reportline.Pair]bool{}
	for k := r.IntN(3 * n); k > 0; k-- {
		p := reportline.Pair{ManagerID: reportline.UserID(1 + r.IntN(n+1)), ManageeID: reportline.UserID(1 + r.IntN(n+1))}
		if p.ManagerID == p.ManageeID || pairs[p] {
			continue
		}
		pairs[p] = true
		l := reportline.Link{ManagerID: p.ManagerID, ManageeID: p.ManageeID, Kind: reportline.Line,
			Source: reportline.Sources[r.IntN(len(reportline.Sources))]}
		if r.IntN(4) == 0 {
			l.Kind = reportline.Functional
		}
		switch r.IntN(5) {
		case 0:
			l.ValidFrom = t0.Add(time.Duration(r.IntN(5)-2) * time.Hour)
		case 1:
			l.ValidUntil = t0.Add(time.Duration(r.IntN(5)-2) * time.Hour)
		case 2:
			l.ValidFrom = t0.Add(-time.Duration(1+r.IntN(3)) * time.Hour)
			l.ValidUntil = t0.Add(time.Duration(r.IntN(3)) * time.Hour)
		}
		in.Links = append(in.Links, l)
	}
	return in
}

// TestWalksAgree checks every answer of the graph against the reference
// walks, on random graphs with cycles, temporary and functional links,
// inactive users and a user named only by links.
func TestWalksAgree(t *testing.T) {
	t.Parallel()
	for seed := uint64(1); seed <= 300; seed++ {
		r := rand.New(rand.NewPCG(seed, 15))
		n := 2 + r.IntN(14)
		in := randomGraph(r, n)
		g := Build(in)
		at := t0.Add(time.Duration(r.IntN(5)-2) * time.Hour)
		for a := reportline.UserID(0); a <= reportline.UserID(n+2); a++ {
			if got, want := g.Known(a), a >= 1 && a <= reportline.UserID(n); got != want {
				t.Fatalf("seed %d: Known(%d) = %v", seed, a, got)
			}
			if got, want := g.Active(a), in.Users[a]; got != want {
				t.Fatalf("seed %d: Active(%d) = %v", seed, a, got)
			}
			// What a decision reads of a user: as the input says, for
			// known users only.
			u, ok := g.User(a)
			want := reportline.User{}
			if act, known := in.Users[a]; known {
				want = reportline.User{ID: a, Email: in.Emails[a], Status: reportline.StatusInactive}
				if act {
					want.Status = reportline.StatusActive
				}
				if in.PlatformAdmins[a] {
					want.PlatformRole = reportline.PlatformAdminRole
				}
			}
			if ok != g.Known(a) || u != want {
				t.Fatalf("seed %d: User(%d) = %+v %v, want %+v", seed, a, u, ok, want)
			}
			if got, want := g.GroupAdmin(a), g.Known(a) && in.GroupAdmins[a]; got != want {
				t.Fatalf("seed %d: GroupAdmin(%d) = %v", seed, a, got)
			}
			up := refUp(in.Links, a)
			if got := g.ManagersOf(a); !slices.Equal(got, up) {
				t.Fatalf("seed %d: ManagersOf(%d) = %v, want %v", seed, a, got, up)
			}
			if got, want := g.Below(a, at), refBelow(in.Links, in.Users, a, at); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("seed %d: Below(%d) = %v, want %v", seed, a, got, want)
			}
			// Walk: the users reached in id order (from any id on), each
			// with the chain the reference walk gives.
			ref, w := refBelow(in.Links, in.Users, a, at), g.Walk(a, at)
			sorted := slices.Sorted(slices.Values(ref.Order))
			for after := reportline.UserID(0); after <= reportline.UserID(n+2); after++ {
				var got []reportline.UserID
				w.Each(after, func(u reportline.UserID) bool { got = append(got, u); return true })
				want := slices.DeleteFunc(slices.Clone(sorted), func(u reportline.UserID) bool { return u <= after })
				if !slices.Equal(got, want) {
					t.Fatalf("seed %d: Walk(%d).Each(%d) = %v, want %v", seed, a, after, got, want)
				}
			}
			if w.Len() != len(ref.Order) {
				t.Fatalf("seed %d: Walk(%d).Len() = %d, want %d", seed, a, w.Len(), len(ref.Order))
			}
			for u := reportline.UserID(0); u <= reportline.UserID(n+2); u++ {
				if got, want := w.Has(u), slices.Contains(ref.Order, u); got != want {
					t.Fatalf("seed %d: Walk(%d).Has(%d) = %v", seed, a, u, got)
				}
				if got, want := w.Chain(u), ref.Chain(u); !slices.Equal(got, want) {
					t.Fatalf("seed %d: Walk(%d).Chain(%d) = %v, want %v", seed, a, u, got, want)
				}
			}
			for u := reportline.UserID(0); u <= reportline.UserID(n+2); u++ {
				gc, gi := g.Above(a, u, at)
				wc, wi := refAbove(in.Links, in.Users, a, u, at)
				if a == u {
					wc, wi = nil, false
				}
				if !slices.Equal(gc, wc) || gi != wi {
					t.Fatalf("seed %d: Above(%d, %d) = %v %v, want %v %v\nlinks %v", seed, a, u, gc, gi, wc, wi, in.Links)
				}
				l, ok := g.Link(a, u)
				wl, wok := reportline.Link{}, false
				for _, x := range in.Links {
					if x.ManagerID == a && x.ManageeID == u {
						wl, wok = x, true
					}
				}
				if ok != wok || l != wl {
					t.Fatalf("seed %d: Link(%d, %d) = %v %v, want %v %v", seed, a, u, l, ok, wl, wok)
				}
				for _, c := range reportline.Capabilities {
					want := wok && reportline.DefaultMatrix().Allows(wl.Kind, c) && wl.InEffect(at) && in.Users[a] && in.Users[u]
					if got := g.Grants(a, u, c, at); got != want {
						t.Fatalf("seed %d: Grants(%d, %d, %s) = %v", seed, a, u, c, got)
					}
				}
			}
		}
	}
}

// TestAboveStopsOnCycle: a cycle of line links above the user ends the walk.
func TestAboveStopsOnCycle(t *testing.T) {
	t.Parallel()
	l := func(m, e reportline.UserID) reportline.Link {
		return reportline.Link{ManagerID: m, ManageeID: e, Kind: reportline.Line}
	}
	g := Build(Input{Users: map[reportline.UserID]bool{1: true, 2: true, 3: true, 4: true},
		Links: []reportline.Link{l(1, 2), l(2, 3), l(3, 1)}})
	if c, _ := g.Above(4, 3, t0); c != nil {
		t.Fatalf("4 above 3: %v", c)
	}
	if c, _ := g.Above(1, 3, t0); len(c) != 2 {
		t.Fatalf("1 above 3: %v", c)
	}
}

// referenceLinks makes a tree of n users with fan-out 5 plus one extra
// link per user to a manager two levels up: ~2 links per user, like the
// reference organisation.
func referenceLinks(n int) Input {
	in := Input{Users: make(map[reportline.UserID]bool, n)}
	for i := 1; i <= n; i++ {
		in.Users[reportline.UserID(i)] = true
		if i > 1 {
			p := (i-2)/5 + 1
			in.Links = append(in.Links, reportline.Link{ManagerID: reportline.UserID(p), ManageeID: reportline.UserID(i), Kind: reportline.Line, Source: reportline.SourceCSV})
			if p > 1 {
				in.Links = append(in.Links, reportline.Link{ManagerID: reportline.UserID((p-2)/5 + 1), ManageeID: reportline.UserID(i), Kind: reportline.Functional, Source: reportline.SourceCSV})
			}
		}
	}
	return in
}

// BenchmarkMemory reports the bytes a snapshot of 1M links holds (about
// 500k users): heap in use after Build, minus before, per link.
func BenchmarkMemory(b *testing.B) {
	in := referenceLinks(500_000)
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		g := Build(in)
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc), "bytes")
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(g.Links()), "bytes/link")
		b.ReportMetric(float64(len(g.up)*8*2)/float64(g.Links()), "edge-bytes/link")
		runtime.KeepAlive(g)
	}
}

// BenchmarkBuild is the time to build a snapshot of ~1M links.
func BenchmarkBuild(b *testing.B) {
	in := referenceLinks(500_000)
	for b.Loop() {
		Build(in)
	}
}

// BenchmarkAbove is an in-process transitive decision at depth ~7 on ~500k
// users (the worst case: the top manager above a leaf).
func BenchmarkAbove(b *testing.B) {
	in := referenceLinks(500_000)
	g := Build(in)
	r := rand.New(rand.NewPCG(1, 2))
	for b.Loop() {
		u := reportline.UserID(100_000 + r.IntN(400_000))
		if c, _ := g.Above(1, u, t0); c == nil {
			b.Fatal("not above")
		}
	}
}

// BenchmarkDirect is an in-process direct decision.
func BenchmarkDirect(b *testing.B) {
	g := Build(referenceLinks(500_000))
	r := rand.New(rand.NewPCG(1, 2))
	for b.Loop() {
		u := 2 + r.IntN(499_998)
		if !g.Grants(reportline.UserID((u-2)/5+1), reportline.UserID(u), reportline.ViewReports, t0) {
			b.Fatal("no grant")
		}
	}
}

// TestSparseIDs: ids far apart (kept in a map, not a dense array) answer
// as dense ones do.
func TestSparseIDs(t *testing.T) {
	t.Parallel()
	for seed := uint64(1); seed <= 50; seed++ {
		r := rand.New(rand.NewPCG(seed, 16))
		n := 2 + r.IntN(14)
		in := randomGraph(r, n)
		dense := Build(in)
		in.Users[1<<40] = true
		sparse := Build(in)
		if sparse.dense != nil || dense.dense == nil {
			t.Fatal("the test does not exercise both representations")
		}
		for a := reportline.UserID(0); a <= reportline.UserID(n+2); a++ {
			du, _ := dense.User(a)
			su, _ := sparse.User(a)
			if dense.Active(a) != sparse.Active(a) || du != su || dense.GroupAdmin(a) != sparse.GroupAdmin(a) ||
				!slices.Equal(dense.ManageesOf(a), sparse.ManageesOf(a)) {
				t.Fatalf("seed %d: user %d differs", seed, a)
			}
			for u := reportline.UserID(0); u <= reportline.UserID(n+2); u++ {
				c1, i1 := dense.Above(a, u, t0)
				c2, i2 := sparse.Above(a, u, t0)
				if !slices.Equal(c1, c2) || i1 != i2 {
					t.Fatalf("seed %d: Above(%d, %d) differs", seed, a, u)
				}
			}
		}
	}
}

// BenchmarkWalk is Q2 in memory on ~500k users (~1M links): the walk down
// from the top manager (everybody) and from a manager with 780 reports
// (the nearest to 1,000 this tree has), then the first page of 500 in id
// order and its chains, as the access search reads them.
func BenchmarkWalk(b *testing.B) {
	const n = 500_000
	g := Build(referenceLinks(n))
	// below counts the users under top in referenceLinks' tree (the
	// managees of p are 5p-3 … 5p+1).
	below := func(top int) int {
		count, lo, hi := 0, top, top
		for lo <= n {
			lo, hi = 5*lo-3, min(5*hi+1, n)
			if lo <= hi {
				count += hi - lo + 1
			}
		}
		return count
	}
	for _, c := range []struct {
		name string
		top  int
	}{{"top", 1}, {"manager-780", 161}} {
		b.Run(c.name, func(b *testing.B) {
			want := below(c.top)
			for b.Loop() {
				r := g.Walk(reportline.UserID(c.top), t0)
				if r.Len() != want {
					b.Fatalf("walk from %d: %d users, want %d", c.top, r.Len(), want)
				}
				k := 0
				r.Each(0, func(u reportline.UserID) bool {
					if r.Chain(u) == nil {
						b.Fatal("no chain")
					}
					k++
					return k < 500
				})
			}
			b.ReportMetric(float64(want), "reports")
		})
	}
}
