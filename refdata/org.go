package refdata

import (
	"fmt"
	"time"

	"reportline"
)

// ReferenceUsers is the size of the reference organisation, the one whose
// figures count (BENCHMARKS.md).
const ReferenceUsers = 500_000

// referenceLevels are the level sizes of the reference organisation, top
// (one chief executive) to bottom. The last level takes whatever is left.
var referenceLevels = [...]int{1, 7, 45, 290, 1_900, 12_300, 80_000, 405_457}

// Levels is the depth of the org tree.
const Levels = len(referenceLevels)

// DefaultEpoch is the creation time written on every generated row, so that
// loaded databases are identical too.
var DefaultEpoch = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

// Config says which organisation to generate.
type Config struct {
	Users int       // total number of users, at least Levels
	Seed  uint64    // the same seed gives the same organisation
	Epoch time.Time // created_at of every row; DefaultEpoch when zero
}

// Org is a generated organisation. Users have ids 1..Users. Every user but
// the root has one line manager on the level just above, and, from the third
// level down, one extra line manager one to three levels above (chosen
// anywhere in the organisation, like a matrix or dotted-line manager). Every
// link points from a higher level to a lower one, so the links form a DAG.
type Org struct {
	cfg    Config
	levels [][]reportline.UserID // the ids on each level, top first
	level  []uint8               // level[id]
	line   []int32               // line[id]: the line manager, 0 for the root
	extra  []int32               // extra[id]: the extra manager, 0 when none
	pairs  []reportline.Pair     // every link, shuffled
}

// LevelSizes returns the level sizes of an organisation of n users: the
// reference sizes scaled by n/ReferenceUsers and rounded, at least one per
// level, the bottom level taking the remainder.
func LevelSizes(n int) ([]int, error) {
	sizes := make([]int, Levels)
	rest := n
	for l := range Levels - 1 {
		s := int((int64(referenceLevels[l])*int64(n) + ReferenceUsers/2) / ReferenceUsers)
		sizes[l] = max(s, 1)
		rest -= sizes[l]
	}
	if rest < 1 {
		return nil, fmt.Errorf("refdata: %d users are too few for %d levels", n, Levels)
	}
	sizes[Levels-1] = rest
	return sizes, nil
}

// Generate builds the organisation that cfg names. It holds ~16 bytes per
// link and ~17 per user (users themselves are made on demand): about 25 MB
// for the reference size.
func Generate(cfg Config) (*Org, error) {
	if cfg.Epoch.IsZero() {
		cfg.Epoch = DefaultEpoch
	}
	sizes, err := LevelSizes(cfg.Users)
	if err != nil {
		return nil, err
	}
	n := cfg.Users
	o := &Org{cfg: cfg, levels: make([][]reportline.UserID, Levels),
		level: make([]uint8, n+1), line: make([]int32, n+1), extra: make([]int32, n+1)}

	// Positions are numbered level by level; a seeded permutation turns
	// them into ids, so an id says nothing about rank and a team's members
	// are not neighbours in the tables (as in a real import).
	ids := make([]int32, n)
	for i := range ids {
		ids[i] = int32(i + 1)
	}
	newRNG(cfg.Seed, 1).shuffle(n, func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	start := 0
	for l, s := range sizes {
		o.levels[l] = make([]reportline.UserID, s)
		for i := range s {
			id := ids[start+i]
			o.levels[l][i] = reportline.UserID(id)
			o.level[id] = uint8(l)
		}
		start += s
	}

	// Line managers: every user of the level above gets at least one
	// report, the rest are spread at random, so team sizes vary.
	r := newRNG(cfg.Seed, 2)
	for l := 1; l < Levels; l++ {
		above := o.levels[l-1]
		for i, u := range o.levels[l] {
			p := i
			if i >= len(above) {
				p = r.intN(len(above))
			}
			o.line[u] = int32(above[p])
		}
	}

	// Extra managers, one to three levels up. On the second level only the
	// root is above, and it is already the line manager.
	r = newRNG(cfg.Seed, 3)
	for l := 2; l < Levels; l++ {
		for _, u := range o.levels[l] {
			for range 4 { // a few tries: a one-person level may hold only the line manager
				up := o.levels[l-1-r.intN(min(3, l))]
				m := int32(up[r.intN(len(up))])
				if m != o.line[u] {
					o.extra[u] = m
					break
				}
			}
		}
	}

	o.pairs = make([]reportline.Pair, 0, 2*n)
	for id := 1; id <= n; id++ {
		if m := o.line[id]; m != 0 {
			o.pairs = append(o.pairs, reportline.Pair{ManagerID: reportline.UserID(m), ManageeID: reportline.UserID(id)})
		}
		if m := o.extra[id]; m != 0 {
			o.pairs = append(o.pairs, reportline.Pair{ManagerID: reportline.UserID(m), ManageeID: reportline.UserID(id)})
		}
	}
	newRNG(cfg.Seed, 4).shuffle(len(o.pairs), func(i, j int) { o.pairs[i], o.pairs[j] = o.pairs[j], o.pairs[i] })
	return o, nil
}

// Config returns the configuration the organisation was generated from,
// with defaults filled in.
func (o *Org) Config() Config { return o.cfg }

// Size returns the number of users.
func (o *Org) Size() int { return o.cfg.Users }

// Root returns the user at the top of the tree.
func (o *Org) Root() reportline.UserID { return o.levels[0][0] }

// Level returns the ids on level l (0 is the top), in generation order. The
// caller must not modify the slice.
func (o *Org) Level(l int) []reportline.UserID { return o.levels[l] }

// LevelOf returns the level of a user.
func (o *Org) LevelOf(id reportline.UserID) int { return int(o.level[id]) }

// LineManager returns the user's manager on the level just above, 0 for the root.
func (o *Org) LineManager(id reportline.UserID) reportline.UserID {
	return reportline.UserID(o.line[id])
}

// Managers returns the user's managers: the line manager first, then the
// extra one, if any.
func (o *Org) Managers(id reportline.UserID) []reportline.UserID {
	var out []reportline.UserID
	if m := o.line[id]; m != 0 {
		out = append(out, reportline.UserID(m))
	}
	if m := o.extra[id]; m != 0 {
		out = append(out, reportline.UserID(m))
	}
	return out
}

// Pairs returns every manager–managee pair, in the shuffled order of the
// CSV. The caller must not modify the slice.
func (o *Org) Pairs() []reportline.Pair { return o.pairs }

// Sample returns n ids drawn uniformly, with repetition, from the users of
// the given levels, or from all users when no level is given. The draw
// depends on the org's seed and on stream, so callers that need different
// samples pass different streams.
func (o *Org) Sample(stream uint64, n int, levels ...int) []reportline.UserID {
	r := newRNG(o.cfg.Seed, 1000+stream)
	if len(levels) == 0 {
		levels = make([]int, Levels)
		for l := range levels {
			levels[l] = l
		}
	}
	total := 0
	for _, l := range levels {
		total += len(o.levels[l])
	}
	out := make([]reportline.UserID, n)
	for i := range out {
		k := r.intN(total)
		for _, l := range levels {
			if k < len(o.levels[l]) {
				out[i] = o.levels[l][k]
				break
			}
			k -= len(o.levels[l])
		}
	}
	return out
}

// Managees returns the users the given user manages, in id order. It scans
// every link: fine for tests and set-up, not for a loop.
func (o *Org) Managees(id reportline.UserID) []reportline.UserID {
	var out []reportline.UserID
	for e := 1; e <= o.cfg.Users; e++ {
		if o.line[e] == int32(id) || o.extra[e] == int32(id) {
			out = append(out, reportline.UserID(e))
		}
	}
	return out
}
