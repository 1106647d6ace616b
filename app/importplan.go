package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"reportline"
)

// importPlan is what an import would do: the rejected lines and the link
// changes, per managee.
type importPlan struct {
	file     *importFile
	ids      []reportline.UserID // per address of file.emails; 0 when unknown or invalid
	active   []bool
	badEmail []string // per address: why it is not an address, "" when fine
	groups   map[groupKey]*manageeGroup
	order    []groupKey // groups in the order the file lists them
	rejected []RejectedLine
	counts   reportline.ImportCounts
	emailOf  map[reportline.UserID]string // every user the changes name
}

// groupKey is one managee's managers of one kind: the unit an import
// replaces.
type groupKey struct {
	managee reportline.UserID
	kind    reportline.Kind
}

// manageeGroup collects the lines about one groupKey and, once planned, the
// changes they make. A group with any rejected line is skipped whole: the
// managee keeps the managers they had, so a file is never half-applied to
// one person.
type manageeGroup struct {
	rows    []int32 // rows listing a manager
	clears  []int32 // rows with an empty manager cell
	skipped string  // why the group is skipped, "" when it applies
	skipRow int32   // the row whose rejection skipped it, -1 if none

	add       []reportline.Link
	update    []reportline.Link // new terms; before holds the old ones
	before    []reportline.Link
	remove    []reportline.Link
	unchanged int
}

// planImport resolves, authorises, diffs and cycle-checks a parsed file
// against the store as tx sees it.
func (a *App) planImport(ctx context.Context, tx Tx, ac *access, f *importFile) (*importPlan, error) {
	p := &importPlan{file: f, groups: map[groupKey]*manageeGroup{}, rejected: f.rejected}
	p.counts.Lines = f.lines
	if err := p.resolve(ctx, tx, ac); err != nil {
		return nil, err
	}
	p.group(ac)
	current, err := p.currentLinks(ctx, tx)
	if err != nil {
		return nil, err
	}
	if !ac.scope.All {
		// Replacing removes current links: their managers' groups decide
		// whether the actor may.
		var managers []reportline.UserID
		for _, links := range current {
			for _, l := range links {
				managers = append(managers, l.ManagerID)
			}
		}
		if err := ac.needGroups(ctx, tx, managers...); err != nil {
			return nil, err
		}
	}
	for _, k := range p.order {
		if g := p.groups[k]; g.skipped == "" {
			p.diff(k, g, current[k.managee], ac, a.now())
		}
	}
	if err := p.checkCycles(ctx, tx, current); err != nil {
		return nil, err
	}
	p.finish()
	if err := p.nameRemovedManagers(ctx, tx); err != nil {
		return nil, err
	}
	return p, nil
}

// nameRemovedManagers finds the addresses of managers the import removes
// but the file does not name, for the list of changes.
func (p *importPlan) nameRemovedManagers(ctx context.Context, tx Tx) error {
	p.emailOf = make(map[reportline.UserID]string, len(p.ids))
	for i, id := range p.ids {
		if id != 0 {
			p.emailOf[id] = p.file.emails[i]
		}
	}
	var missing []reportline.UserID
	for _, g := range p.groups {
		for _, l := range g.remove {
			if _, ok := p.emailOf[l.ManagerID]; !ok {
				missing = append(missing, l.ManagerID)
			}
		}
	}
	users, err := tx.UsersByIDs(ctx, missing)
	for id, u := range users {
		p.emailOf[id] = u.Email
	}
	return err
}

// resolve finds the user of every distinct address, and loads the group
// memberships the authorisation needs.
func (p *importPlan) resolve(ctx context.Context, tx Tx, ac *access) error {
	n := len(p.file.emails)
	p.ids, p.active, p.badEmail = make([]reportline.UserID, n), make([]bool, n), make([]string, n)
	for i, e := range p.file.emails {
		if _, err := reportline.NormalizeEmail(e); err != nil {
			p.badEmail[i] = reportline.ErrorMessage(err)
		}
	}
	// Reading every user's key once is cheaper than a query per address
	// for large files, and a few hundred milliseconds for the largest
	// organisations when the file is small.
	err := tx.EachUserKey(ctx, func(k reportline.UserKey) error {
		if i, ok := p.file.index[k.Email]; ok && p.badEmail[i] == "" {
			p.ids[i], p.active[i] = k.ID, k.Status == reportline.StatusActive
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("resolve addresses: %w", err)
	}
	if ac.scope.All {
		return nil
	}
	var known []reportline.UserID
	for _, id := range p.ids {
		if id != 0 {
			known = append(known, id)
		}
	}
	return ac.needGroups(ctx, tx, known...)
}

// reject records a rejected row.
func (p *importPlan) reject(row importRow, reason, format string, args ...any) {
	p.rejected = append(p.rejected, RejectedLine{Line: int(row.line), Manager: p.email(row.manager), Managee: p.email(row.managee),
		Reason: reason, Message: fmt.Sprintf(format, args...)})
}

func (p *importPlan) email(i int32) string {
	if i < 0 {
		return ""
	}
	return p.file.emails[i]
}

// group sorts rows by managee and kind, rejecting the rows that name
// nobody, an inactive account, the managee themself or a pair outside the
// actor's groups.
func (p *importPlan) group(ac *access) {
	type seenKey struct {
		groupKey
		manager reportline.UserID
	}
	seen := map[seenKey]int32{} // → row index of the first line listing the pair
	rows := p.file.rows
	for ri, r := range rows {
		if msg := p.addressProblem(r.managee); msg != "" {
			p.reject(r, p.addressReason(r.managee), "managee %s", msg)
			continue
		}
		k := groupKey{p.ids[r.managee], r.kind}
		g := p.groups[k]
		if g == nil {
			g = &manageeGroup{skipRow: -1}
			p.groups[k] = g
			p.order = append(p.order, k)
		}
		if r.manager < 0 {
			g.clears = append(g.clears, int32(ri))
			continue
		}
		var reason, msg string
		switch m := p.addressProblem(r.manager); {
		case m != "":
			reason, msg = p.addressReason(r.manager), "manager "+m
		case p.ids[r.manager] == k.managee:
			reason, msg = reasonSelf, fmt.Sprintf("%s cannot be their own manager", p.email(r.manager))
		case !ac.mayLink(reportline.Pair{ManagerID: p.ids[r.manager], ManageeID: k.managee}):
			reason, msg = reasonOutOfScope, fmt.Sprintf("%s and %s are not both in a group you administrate", p.email(r.manager), p.email(r.managee))
		}
		if reason != "" {
			p.reject(r, reason, "%s", msg)
			p.skip(g, int32(ri), "another line for this managee was rejected")
			continue
		}
		sk := seenKey{k, p.ids[r.manager]}
		if first, dup := seen[sk]; dup {
			if p.file.termsOf(rows[first]) != p.file.termsOf(r) {
				p.reject(r, reasonConflict, "line %d lists the same manager with other dates", rows[first].line)
				p.skip(g, int32(ri), "two lines for this managee disagree")
				continue
			}
			p.counts.Duplicate++
			p.reject(r, reasonDuplicate, "repeats line %d; counted once", rows[first].line)
			continue
		}
		seen[sk] = int32(ri)
		g.rows = append(g.rows, int32(ri))
	}
	for _, k := range p.order {
		g := p.groups[k]
		if len(g.clears) > 0 && len(g.rows) > 0 {
			r := rows[g.clears[0]]
			p.reject(r, reasonConflict, "an empty manager cell says %s has no managers, but line %d lists one", p.email(r.managee), rows[g.rows[0]].line)
			p.skip(g, g.clears[0], "the file both clears and lists this managee's managers")
		}
	}
}

// addressProblem says what is wrong with an address, "" when it names an
// active account.
func (p *importPlan) addressProblem(i int32) string {
	switch {
	case p.badEmail[i] != "":
		return p.badEmail[i]
	case p.ids[i] == 0:
		return fmt.Sprintf("%s: no account has this address", p.email(i))
	}
	return ""
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

func (p *importPlan) addressReason(i int32) string {
	switch {
	case p.badEmail[i] != "":
		return reasonInvalidEmail
	}
	return reasonUnknown
}

// skip marks a group as left unchanged because of one of its rows.
func (p *importPlan) skip(g *manageeGroup, row int32, why string) {
	if g.skipped == "" {
		g.skipped, g.skipRow = why, row
	}
	g.add, g.update, g.before, g.remove, g.unchanged = nil, nil, nil, nil, 0
}

// currentLinks reads the links of every managee in the file, and the whole
// line graph for the cycle check.
func (p *importPlan) currentLinks(ctx context.Context, tx Tx) (map[reportline.UserID][]reportline.Link, error) {
	listed := make(map[reportline.UserID]bool, len(p.groups))
	for k := range p.groups {
		listed[k.managee] = true
	}
	current := map[reportline.UserID][]reportline.Link{}
	err := tx.EachLink(ctx, func(l reportline.Link) error {
		if listed[l.ManageeID] {
			current[l.ManageeID] = append(current[l.ManageeID], l)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read current links: %w", err)
	}
	return current, nil
}

// diff compares a group's listed managers with the managee's current links
// of that kind.
func (p *importPlan) diff(k groupKey, g *manageeGroup, current []reportline.Link, ac *access, now time.Time) {
	rows := p.file.rows
	have := make(map[reportline.UserID]reportline.Link, len(current))
	for _, l := range current {
		have[l.ManagerID] = l
	}
	listed := make(map[reportline.UserID]bool, len(g.rows))
	for _, ri := range g.rows {
		r := rows[ri]
		m := p.ids[r.manager]
		listed[m] = true
		t := p.file.termsOf(r)
		want := reportline.Link{ManagerID: m, ManageeID: k.managee, Kind: k.kind, Source: ac.actor.Source,
			ValidFrom: t.from, ValidUntil: t.until, CreatedBy: ac.actor.id(), CreatedAt: now}
		old, exists := have[m]
		changes := !exists || !old.ValidFrom.Equal(t.from) || !old.ValidUntil.Equal(t.until)
		if who := p.inactive(r); changes && who != "" {
			p.reject(r, reasonInactive, "%s is an inactive account; links may only be made between active users", who)
			p.skip(g, ri, "another line for this managee was rejected")
			return
		}
		switch {
		case !exists:
			g.add = append(g.add, want)
		case old.Kind != k.kind:
			p.reject(r, reasonConflict, "%s is already a %s manager of %s; remove that link first", p.email(r.manager), old.Kind, p.email(r.managee))
			p.skip(g, ri, "another line for this managee was rejected")
			return
		case old.ValidFrom.Equal(t.from) && old.ValidUntil.Equal(t.until):
			g.unchanged++
		default:
			upd := old
			upd.ValidFrom, upd.ValidUntil, upd.Source = t.from, t.until, ac.actor.Source
			g.update = append(g.update, upd)
			g.before = append(g.before, old)
		}
	}
	for _, l := range current {
		if l.Kind != k.kind || listed[l.ManagerID] {
			continue
		}
		if !ac.mayLink(l.Pair()) {
			r := rows[firstRow(g)]
			p.reject(r, reasonOutOfScope, "%s's current manager (user %d) is outside the groups you administrate, so the managee's managers cannot be replaced",
				p.email(r.managee), l.ManagerID)
			p.skip(g, firstRow(g), "another line for this managee was rejected")
			return
		}
		g.remove = append(g.remove, l)
	}
}

func firstRow(g *manageeGroup) int32 {
	if len(g.rows) > 0 {
		return g.rows[0]
	}
	return g.clears[0]
}

// checkCycles builds the line graph as it would be after the import and
// skips the managees whose new links close a cycle, until none is left.
func (p *importPlan) checkCycles(ctx context.Context, tx Tx, current map[reportline.UserID][]reportline.Link) error {
	var base []reportline.Edge // line links the import does not touch
	err := tx.EachLink(ctx, func(l reportline.Link) error {
		if l.Kind == reportline.Line {
			if g := p.groups[groupKey{l.ManageeID, reportline.Line}]; g == nil || g.skipped != "" {
				base = append(base, reportline.Edge{From: l.ManagerID, To: l.ManageeID})
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read line links: %w", err)
	}
	for {
		edges := slices.Clip(base)
		newEdge := map[reportline.Edge]int32{} // edge → the row that adds it
		for _, k := range p.order {
			g := p.groups[k]
			if k.kind != reportline.Line {
				continue
			}
			if g.skipped != "" {
				continue
			}
			for _, ri := range g.rows {
				e := reportline.Edge{From: p.ids[p.file.rows[ri].manager], To: k.managee}
				edges = append(edges, e)
				newEdge[e] = ri
			}
		}
		cycles := reportline.CycleGroups(edges)
		if len(cycles) == 0 {
			return nil
		}
		emails, err := p.emailsOf(ctx, tx, cycles)
		if err != nil {
			return err
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
			// Skip every managee of the cycle group whose listed manager
			// is in the group too: an old link cannot be the culprit, the
			// graph was acyclic before.
			var culprits []reportline.Edge
			for e := range newEdge {
				if in[e.From] && in[e.To] {
					culprits = append(culprits, e)
				}
			}
			slices.SortFunc(culprits, func(a, b reportline.Edge) int { return int(newEdge[a] - newEdge[b]) })
			for _, e := range culprits {
				ri := newEdge[e]
				g := p.groups[groupKey{e.To, reportline.Line}]
				if g.skipped != "" {
					continue
				}
				r := p.file.rows[ri]
				path := reportline.CycleThrough(inside, e)
				names := make([]string, len(path))
				for i, u := range path {
					names[i] = emails[u]
				}
				p.reject(r, reasonCycle, "this would close a cycle of managers: %s", strings.Join(names, " → "))
				p.skip(g, ri, "another line for this managee closes a cycle")
				skipped = true
				// Its current line links stay, so they are part of the
				// graph in the next round.
				for _, l := range current[e.To] {
					if l.Kind == reportline.Line {
						base = append(base, reportline.Edge{From: l.ManagerID, To: l.ManageeID})
					}
				}
			}
		}
		if !skipped {
			// Only links the import does not change are on these cycles:
			// they predate it (written before the rule, or by hand in the
			// database), and refusing the import would not remove them.
			return nil
		}
	}
}

// emailsOf returns the addresses of the users of the cycle groups.
func (p *importPlan) emailsOf(ctx context.Context, tx Tx, groups [][]reportline.UserID) (map[reportline.UserID]string, error) {
	out := map[reportline.UserID]string{}
	var missing []reportline.UserID
	byID := make(map[reportline.UserID]string, len(p.ids))
	for i, id := range p.ids {
		if id != 0 {
			byID[id] = p.file.emails[i]
		}
	}
	for _, g := range groups {
		for _, u := range g {
			if e, ok := byID[u]; ok {
				out[u] = e
			} else {
				missing = append(missing, u)
			}
		}
	}
	if len(missing) > 0 {
		users, err := tx.UsersByIDs(ctx, missing)
		if err != nil {
			return nil, err
		}
		for id, u := range users {
			out[id] = u.Email
		}
	}
	return out, nil
}

// finish rejects the remaining lines of skipped groups and counts.
func (p *importPlan) finish() {
	rows := p.file.rows
	for _, k := range p.order {
		g := p.groups[k]
		if g.skipped == "" {
			p.counts.Add += len(g.add)
			p.counts.Update += len(g.update)
			p.counts.Remove += len(g.remove)
			p.counts.Unchanged += g.unchanged
			continue
		}
		for _, ri := range append(slices.Clone(g.rows), g.clears...) {
			if ri == g.skipRow {
				continue
			}
			p.reject(rows[ri], reasonManageeSkipped, "%s; line %d: %s's managers were left as they are", g.skipped,
				rows[g.skipRow].line, p.email(rows[ri].managee))
		}
	}
	p.counts.Managees = len(p.groups)
	slices.SortStableFunc(p.rejected, func(a, b RejectedLine) int { return a.Line - b.Line })
	for _, r := range p.rejected {
		if r.Reason != reasonDuplicate {
			p.counts.Rejected++
		}
	}
}

// changes returns the plan's writes, with their audit entries.
func (p *importPlan) changes(ac *access, batch int64, now time.Time) reportline.LinkChanges {
	var c reportline.LinkChanges
	audit := func(action reportline.Action, before, after *reportline.Link, pair reportline.Pair) {
		c.Audit = append(c.Audit, reportline.AuditEntry{At: now, ActorID: ac.actor.id(), Source: ac.actor.Source, BatchID: batch,
			Action: action, ManagerID: pair.ManagerID, ManageeID: pair.ManageeID, Before: before, After: after})
	}
	for _, k := range p.order {
		g := p.groups[k]
		if g.skipped != "" {
			continue
		}
		for i := range g.remove {
			c.Remove = append(c.Remove, g.remove[i].Pair())
			audit(reportline.ActionRemove, &g.remove[i], nil, g.remove[i].Pair())
		}
		for i := range g.update {
			c.Update = append(c.Update, g.update[i])
			audit(reportline.ActionUpdate, &g.before[i], &g.update[i], g.update[i].Pair())
		}
		for i := range g.add {
			c.Insert = append(c.Insert, g.add[i])
			audit(reportline.ActionAdd, nil, &g.add[i], g.add[i].Pair())
		}
	}
	return c
}
