package bulkimport

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"reportline"
	"reportline/directory"
	"reportline/usecase"
)

// importPlan is what an import would do. It is built to stay within a few
// hundred megabytes for a million-line file: rows are sorted by managee and
// walked in place, current links are held as packed keys sorted the same
// way, so the two are merged rather than looked up in maps, and the
// changes themselves are never all in memory at once — they are computed
// again, for the groups that change, when they are written (see emit).
type importPlan struct {
	file     *importFile
	ids      []reportline.UserID // per address of file.emails; 0 when unknown or invalid
	active   []bool
	badEmail map[int32]string // address → why it is not one; the few that are not

	order  []int32      // rows in groups, by (managee, kind, manager, line)
	groups []groupState // one per (managee, kind), by key

	snap *snapshot
	// owned: the current links owned by a directory source that is on,
	// which only that source changes (directory.Owned).
	owned map[reportline.Pair]reportline.Source

	rejected    []RejectedLine
	rejectedRow map[int32]bool
	counts      reportline.ImportCounts
	now         time.Time
}

// A group is one managee's managers of one kind, the unit an import
// replaces. A group with any refused line is skipped whole: the managee
// keeps the managers they had, so a file is never half-applied to one
// person.
type groupState struct {
	key       int64 // managee << 1 | 1 for functional
	first, n  int32 // its rows: order[first : first+n]
	links     int32 // the managee's current links (of both kinds): snap.links[links : links+nLinks]
	nLinks    int32
	unchanged int32 // listed links that stay as they are
	changes   bool  // whether applying the group changes a link
	skipRow   int32 // the row whose rejection skipped it, -1 when it applies
	skipWhy   string
}

func groupKeyOf(managee reportline.UserID, kind reportline.Kind) int64 {
	k := int64(managee) << 1
	if kind == reportline.Functional {
		k |= 1
	}
	return k
}

func (g *groupState) managee() reportline.UserID { return reportline.UserID(g.key >> 1) }

func (g *groupState) kind() reportline.Kind {
	if g.key&1 == 1 {
		return reportline.Functional
	}
	return reportline.Line
}

// groupIndex returns the position of a group in p.groups.
func (p *importPlan) groupIndex(key int64) (int, bool) {
	return slices.BinarySearchFunc(p.groups, key, func(g groupState, key int64) int { return cmp.Compare(g.key, key) })
}

// planImport resolves, authorises, diffs and cycle-checks a parsed file
// against the store as tx sees it.
func (im *Importer) planImport(ctx context.Context, tx Tx, ac *usecase.Authority, f *importFile, snap *snapshot) (*importPlan, error) {
	var err error
	p := &importPlan{file: f, rejected: f.rejected, rejectedRow: map[int32]bool{}, now: im.now(), snap: snap}
	p.counts.Lines = f.lines
	// Each step's time goes to the debug log: where a large import spends
	// its time is the first question when one is slow.
	step := time.Now()
	timed := func(name string) {
		im.log.Debug("import step", "step", name, "duration", time.Since(step).Round(time.Millisecond))
		step = time.Now()
	}
	if err := p.resolve(ctx, tx, ac, snap.users); err != nil {
		return nil, err
	}
	if p.owned, err = im.dirs.OwnedLinks(ctx, tx, ac.Actor); err != nil {
		return nil, err
	}
	timed("resolve addresses")
	p.group(ac)
	timed("group lines")
	if err := p.indexLinks(ctx, tx, ac); err != nil {
		return nil, err
	}
	timed("index current links")
	for gi := range p.groups {
		if p.groups[gi].skipRow < 0 {
			p.diff(gi, ac, nil)
		}
	}
	timed("diff")
	p.checkCycles()
	timed("cycle check")
	p.finish()
	return p, nil
}

// resolve finds the user of every distinct address, and loads the group
// memberships the authorisation needs.
func (p *importPlan) resolve(ctx context.Context, tx Tx, ac *usecase.Authority, users []userKey) error {
	n := len(p.file.emails)
	p.ids, p.active, p.badEmail = make([]reportline.UserID, n), make([]bool, n), map[int32]string{}
	for i, e := range p.file.emails {
		if _, err := reportline.NormalizeEmail(e); err != nil {
			p.badEmail[int32(i)] = reportline.ErrorMessage(err)
		}
	}
	// Every user's key was read once: cheaper than a query per address for
	// large files, and a few hundred milliseconds for the largest
	// organisations when the file is small.
	for _, k := range users {
		if i, ok := p.file.index[k.email]; ok && p.badEmail[i] == "" {
			p.ids[i], p.active[i] = k.id, k.active
		}
	}
	p.file.index = nil // no longer needed; a million-line file's index is large
	if ac.Scope.All {
		return nil
	}
	var known []reportline.UserID
	for _, id := range p.ids {
		if id != 0 {
			known = append(known, id)
		}
	}
	return ac.NeedGroups(ctx, tx, known...)
}

// reject records a rejected row.
func (p *importPlan) reject(ri int32, reason, format string, args ...any) {
	p.rejectedRow[ri] = true
	r := p.file.rows[ri]
	p.rejected = append(p.rejected, RejectedLine{Line: int(r.line), Manager: p.email(r.manager), Managee: p.email(r.managee),
		Reason: reason, Message: fmt.Sprintf(format, args...)})
}

func (p *importPlan) email(i int32) string {
	if i < 0 {
		return ""
	}
	return p.file.emails[i]
}

// managerID returns the user a row names as manager, 0 for an empty cell.
func (p *importPlan) managerID(r importRow) reportline.UserID {
	if r.manager < 0 {
		return 0
	}
	return p.ids[r.manager]
}

// group rejects the rows that name nobody, the managee themself or a pair
// outside the actor's groups, and sorts the others into groups.
func (p *importPlan) group(ac *usecase.Authority) {
	rows := p.file.rows
	p.order = make([]int32, 0, len(rows))
	for ri, r := range rows {
		if msg := p.addressProblem(r.managee); msg != "" {
			p.reject(int32(ri), p.addressReason(r.managee), "managee %s", msg)
			continue
		}
		p.order = append(p.order, int32(ri))
	}
	// Sorting on precomputed keys is several times faster than looking
	// ids up in every comparison. Rows are in file order, so the row
	// breaks ties as the line would.
	type sortKey struct {
		group uint64 // the group's key
		rest  uint64 // manager << 32 | row
	}
	keys := make([]sortKey, len(p.order))
	for i, ri := range p.order {
		r := rows[ri]
		keys[i] = sortKey{uint64(groupKeyOf(p.ids[r.managee], r.kind())), uint64(p.managerID(r))<<32 | uint64(ri)}
	}
	slices.SortFunc(keys, func(a, b sortKey) int {
		if a.group != b.group {
			return cmp.Compare(a.group, b.group)
		}
		return cmp.Compare(a.rest, b.rest)
	})
	for i, k := range keys {
		p.order[i] = int32(uint32(k.rest))
	}
	keys = nil
	for i := 0; i < len(p.order); {
		r := rows[p.order[i]]
		g := groupState{key: groupKeyOf(p.ids[r.managee], r.kind()), first: int32(i), skipRow: -1}
		for i < len(p.order) && groupKeyOf(p.ids[rows[p.order[i]].managee], rows[p.order[i]].kind()) == g.key {
			i++
		}
		g.n = int32(i) - g.first
		p.groups = append(p.groups, g)
	}
	for gi := range p.groups {
		p.checkRows(gi, ac)
	}
}

// checkRows checks the rows of one group on their own.
func (p *importPlan) checkRows(gi int, ac *usecase.Authority) {
	g := &p.groups[gi]
	rows := p.file.rows
	members := p.order[g.first : g.first+g.n]
	var clears, listed int32 = -1, -1
	for i, ri := range members {
		r := rows[ri]
		if r.manager < 0 {
			clears = ri
			continue
		}
		listed = ri
		var reason, msg string
		switch m := p.addressProblem(r.manager); {
		case m != "":
			reason, msg = p.addressReason(r.manager), "manager "+m
		case p.ids[r.manager] == g.managee():
			reason, msg = reasonSelf, fmt.Sprintf("%s cannot be their own manager", p.email(r.manager))
		case !ac.MayLink(reportline.Pair{ManagerID: p.ids[r.manager], ManageeID: g.managee()}):
			reason, msg = reasonOutOfScope, fmt.Sprintf("%s and %s are not both in a group you administrate", p.email(r.manager), p.email(r.managee))
		case i > 0 && p.managerID(rows[members[i-1]]) == p.ids[r.manager]:
			first := rows[members[i-1]]
			for j := i - 1; j > 0 && p.managerID(rows[members[j-1]]) == p.ids[r.manager]; j-- {
				first = rows[members[j-1]]
			}
			if p.file.termsOf(first) != p.file.termsOf(r) {
				reason, msg = reasonConflict, fmt.Sprintf("line %d lists the same manager with other dates", first.line)
				break
			}
			p.counts.Duplicate++
			p.reject(ri, reasonDuplicate, "repeats line %d; counted once", first.line)
			continue
		}
		if reason != "" {
			p.reject(ri, reason, "%s", msg)
			p.skip(g, ri, "another line for this managee was rejected")
		}
	}
	if clears >= 0 && listed >= 0 {
		p.reject(clears, reasonConflict, "an empty manager cell says %s has no managers, but line %d lists one",
			p.email(rows[clears].managee), rows[listed].line)
		p.skip(g, clears, "the file both clears and lists this managee's managers")
	}
}

// addressProblem says what is wrong with an address, "" when it names an
// account.
func (p *importPlan) addressProblem(i int32) string {
	switch {
	case p.badEmail[i] != "":
		return p.badEmail[i]
	case p.ids[i] == 0:
		return fmt.Sprintf("%s: no account has this address", p.email(i))
	}
	return ""
}

func (p *importPlan) addressReason(i int32) string {
	if p.badEmail[i] != "" {
		return reasonInvalidEmail
	}
	return reasonUnknown
}

// inactive names the inactive side of a row that would make a new link
// (an existing one may keep naming a deactivated user: that is how
// reactivation restores links), or "" when both are active.
func (p *importPlan) inactive(r importRow) string {
	for _, i := range []int32{r.manager, r.managee} {
		if !p.active[i] {
			return p.email(i)
		}
	}
	return ""
}

// skip marks a group as left unchanged because of one of its rows.
func (p *importPlan) skip(g *groupState, row int32, why string) {
	if g.skipRow < 0 {
		g.skipRow, g.skipWhy = row, why
	}
}

// indexLinks finds each listed managee's current links, merging the two
// lists sorted by managee, and the groups of their managers (for the scope
// check).
func (p *importPlan) indexLinks(ctx context.Context, tx Tx, ac *usecase.Authority) error {
	links := p.snap.links
	var managers []reportline.UserID
	li := 0
	for gi := range p.groups {
		g := &p.groups[gi]
		m := uint64(g.managee())
		for li < len(links) && links[li].key>>32 < m {
			li++
		}
		end := li
		for end < len(links) && links[end].key>>32 == m {
			end++
		}
		g.links, g.nLinks = int32(li), int32(end-li)
		if !ac.Scope.All && (gi == 0 || p.groups[gi-1].managee() != g.managee()) {
			for _, l := range links[li:end] {
				managers = append(managers, l.manager())
			}
		}
	}
	if ac.Scope.All {
		return nil
	}
	return ac.NeedGroups(ctx, tx, managers...)
}

// change is one link change handed to an emitter: the link as it will be
// (as it is, for a removal). An apply reads the rest of an updated or
// removed link when it writes it.
type change struct {
	action           reportline.Action
	manager, managee reportline.UserID
	kind             reportline.Kind
	from, until      int64  // Unix microseconds, 0 for none
	managerEmail     string // addresses, for the list of changes
	manageeEmail     string
}

// diff compares a group's listed managers with the managee's current links
// of that kind. With emit nil it decides whether the group applies
// (rejecting rows that conflict) and whether it changes anything; with
// emit set it hands over the changes of a group that applies.
func (p *importPlan) diff(gi int, ac *usecase.Authority, emit func(change) error) error {
	g := &p.groups[gi]
	rows := p.file.rows
	managee, kind := g.managee(), g.kind()
	current := p.snap.links[g.links : g.links+g.nLinks]
	// A managee has a handful of managers: scanning beats building maps,
	// a hundred thousand times over.
	have := func(m reportline.UserID) (currentLink, bool) {
		for _, l := range current {
			if l.manager() == m {
				return l, true
			}
		}
		return currentLink{dates: -1}, false
	}
	members := p.order[g.first : g.first+g.n]
	listed := func(m reportline.UserID) bool {
		for _, ri := range members {
			if p.managerID(rows[ri]) == m {
				return true
			}
		}
		return false
	}
	var unchanged int32
	changes := false
	var prev reportline.UserID
	for _, ri := range members {
		r := rows[ri]
		m := p.managerID(r)
		if m == 0 || m == prev {
			continue // an empty cell, or a duplicate line (rows are sorted by manager)
		}
		prev = m
		t := p.file.termsOf(r)
		from, until := toMicros(t.from), toMicros(t.until)
		old, exists := have(m)
		oldFrom, oldUntil := p.snap.datesOf(old)
		changed := !exists || oldFrom != from || oldUntil != until
		switch who := p.inactive(r); {
		case changed && who != "":
			if emit == nil {
				p.reject(ri, reasonInactive, "%s is an inactive account; links may only be made between active users", who)
				p.skip(g, ri, "another line for this managee was rejected")
			}
			return nil
		case exists && old.kind() != kind:
			if emit == nil {
				p.reject(ri, reasonConflict, "%s is already a %s manager of %s; remove that link first", p.email(r.manager), old.kind(), p.email(r.managee))
				p.skip(g, ri, "another line for this managee was rejected")
			}
			return nil
		case !changed:
			unchanged++
		case exists && p.owned[reportline.Pair{ManagerID: m, ManageeID: managee}] != "":
			if emit == nil {
				p.reject(ri, reasonDirectoryOwned, "%s", directory.OwnedMessage(p.email(r.manager), p.owned[reportline.Pair{ManagerID: m, ManageeID: managee}]))
				p.skip(g, ri, "another line for this managee was rejected")
			}
			return nil
		default:
			changes = true
			if emit != nil {
				c := change{action: reportline.ActionAdd, manager: m, managee: managee, kind: kind, from: from, until: until,
					managerEmail: p.email(r.manager), manageeEmail: p.email(r.managee)}
				if exists {
					c.action = reportline.ActionUpdate
				}
				if err := emit(c); err != nil {
					return err
				}
			}
		}
	}
	for _, l := range current {
		if l.kind() != kind || listed(l.manager()) {
			continue
		}
		if owner := p.owned[reportline.Pair{ManagerID: l.manager(), ManageeID: managee}]; owner != "" {
			// Left in place, and said so: only its directory changes it.
			if emit == nil {
				ri := p.order[g.first]
				p.rejected = append(p.rejected, RejectedLine{Line: int(rows[ri].line), Manager: p.snap.emailOf(l.manager()), Managee: p.email(rows[ri].managee),
					Reason: reasonDirectoryKept, Message: directory.OwnedMessage(p.snap.emailOf(l.manager()), owner) + "; the import left it in place"})
			}
			continue
		}
		if !ac.MayLink(reportline.Pair{ManagerID: l.manager(), ManageeID: managee}) {
			if emit == nil {
				ri := p.order[g.first]
				p.reject(ri, reasonOutOfScope, "%s's current manager (user %d) is outside the groups you administrate, so their managers cannot be replaced",
					p.email(rows[ri].managee), l.manager())
				p.skip(g, ri, "another line for this managee was rejected")
			}
			return nil
		}
		changes = true
		if emit != nil {
			from, until := p.snap.datesOf(l)
			c := change{action: reportline.ActionRemove, manager: l.manager(), managee: managee, kind: kind, from: from, until: until,
				managerEmail: p.snap.emailOf(l.manager()), manageeEmail: p.email(rows[members[0]].managee)}
			if err := emit(c); err != nil {
				return err
			}
		}
	}
	if emit == nil {
		g.unchanged, g.changes = unchanged, changes
	}
	return nil
}

// checkCycles builds the line graph as it would be after the import and
// skips the managees whose new links close a cycle, until none is left.
func (p *importPlan) checkCycles() {
	rows := p.file.rows
	for {
		// The graph after the import: current line links of managees the
		// import does not replace, and the listed managers of those it does.
		// Links and groups are both sorted by managee: one merge finds
		// the line groups that replace a link.
		edges := make([]reportline.Edge, 0, len(p.snap.links))
		gi := 0
		for _, l := range p.snap.links {
			if l.functional {
				continue
			}
			key := groupKeyOf(l.managee(), reportline.Line)
			for gi < len(p.groups) && p.groups[gi].key < key {
				gi++
			}
			if gi < len(p.groups) && p.groups[gi].key == key && p.groups[gi].skipRow < 0 {
				continue
			}
			edges = append(edges, reportline.Edge{From: l.manager(), To: l.managee()})
		}
		for _, g := range p.groups {
			if g.skipRow >= 0 || g.kind() != reportline.Line {
				continue
			}
			var prev reportline.UserID
			for _, ri := range p.order[g.first : g.first+g.n] {
				if m := p.managerID(rows[ri]); m != 0 && m != prev {
					edges = append(edges, reportline.Edge{From: m, To: g.managee()})
					prev = m
				}
			}
		}
		cycles := reportline.CycleGroups(edges)
		if len(cycles) == 0 {
			return
		}
		skipped := false
		for _, c := range cycles {
			in := make(map[reportline.UserID]bool, len(c))
			for _, u := range c {
				in[u] = true
			}
			var inside []reportline.Edge // the cycle group's own edges, to name a cycle quickly
			for _, e := range edges {
				if in[e.From] && in[e.To] {
					inside = append(inside, e)
				}
			}
			// Every listed link inside the cycle group is refused with its
			// managee (the graph was acyclic before, so the cycle needs
			// one), in file order so the report is stable.
			type culprit struct {
				e   reportline.Edge
				row int32
			}
			var culprits []culprit
			for _, u := range c {
				gi, ok := p.groupIndex(groupKeyOf(u, reportline.Line))
				if !ok || p.groups[gi].skipRow >= 0 {
					continue
				}
				g := p.groups[gi]
				for _, ri := range p.order[g.first : g.first+g.n] {
					if m := p.managerID(rows[ri]); in[m] {
						culprits = append(culprits, culprit{reportline.Edge{From: m, To: u}, ri})
					}
				}
			}
			slices.SortFunc(culprits, func(a, b culprit) int { return cmp.Compare(rows[a.row].line, rows[b.row].line) })
			for _, cu := range culprits {
				e := cu.e
				gi, _ := p.groupIndex(groupKeyOf(e.To, reportline.Line))
				g := &p.groups[gi]
				if g.skipRow >= 0 {
					continue
				}
				path := reportline.CycleThrough(inside, e)
				names := make([]string, len(path))
				for i, u := range path {
					names[i] = p.snap.emailOf(u)
				}
				p.reject(cu.row, reasonCycle, "this would close a cycle of managers: %s", strings.Join(names, " → "))
				p.skip(g, cu.row, "another line for this managee closes a cycle")
				skipped = true
			}
		}
		if !skipped {
			// Only links the import does not change are on these cycles:
			// they predate it (written before the rule, or by hand in the
			// database), and refusing the import would not remove them.
			return
		}
	}
}

// finish rejects the remaining lines of skipped groups.
func (p *importPlan) finish() {
	rows := p.file.rows
	for _, g := range p.groups {
		if g.skipRow < 0 {
			continue
		}
		for _, ri := range p.order[g.first : g.first+g.n] {
			if p.rejectedRow[ri] {
				continue
			}
			p.reject(ri, reasonManageeSkipped, "%s (line %d), so %s's managers were left as they are", g.skipWhy,
				rows[g.skipRow].line, p.email(rows[ri].managee))
		}
	}
	p.counts.Managees = len(p.groups)
	slices.SortStableFunc(p.rejected, func(a, b RejectedLine) int { return a.Line - b.Line })
	for _, r := range p.rejected {
		if r.Reason != reasonDuplicate && r.Reason != reasonDirectoryKept {
			p.counts.Rejected++
		}
	}
}

// emit hands every change of the groups that apply to fn, managee by
// managee, and counts them.
func (p *importPlan) emit(ac *usecase.Authority, fn func(change) error) error {
	var lastChanged reportline.UserID
	for gi := range p.groups {
		g := &p.groups[gi]
		if g.skipRow >= 0 {
			continue
		}
		// Planning diffed every group once already: only those that
		// change are diffed again.
		p.counts.Unchanged += int(g.unchanged)
		if !g.changes {
			continue
		}
		managee := p.groups[gi].managee()
		err := p.diff(gi, ac, func(c change) error {
			// A managee's two groups (line, functional) are adjacent.
			if managee != lastChanged {
				lastChanged = managee
				p.counts.Changed++
			}
			switch c.action {
			case reportline.ActionAdd:
				p.counts.Add++
			case reportline.ActionUpdate:
				p.counts.Update++
			case reportline.ActionRemove:
				p.counts.Remove++
			}
			return fn(c)
		})
		if err != nil {
			return err
		}
	}
	return nil
}
