package directory

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"reportline"
)

// bulkLinkThreshold is the number of synced users above which a sync reads
// every link in one scan instead of the synced users' links by key: a big
// batch touches most of them anyway, and the cycle check then walks the
// reporting line in memory instead of one query per level and per link.
const bulkLinkThreshold = 1000

// syncLinks makes each synced user's links of the batch's source be exactly
// their directory manager, leaving every other source's links alone.
func (s *syncer) syncLinks(ctx context.Context, tx Tx) error {
	var managees []*syncEntry
	var stored []reportline.UserID
	for _, e := range s.entries {
		if e.action == reportline.SyncSkipped {
			continue
		}
		managees = append(managees, e)
		if e.user.ID > 0 {
			stored = append(stored, e.user.ID)
		}
	}
	g := &lineGraph{tx: tx, up: make(map[reportline.UserID][]reportline.UserID, len(stored))}
	var incoming map[reportline.UserID][]reportline.Link
	if len(stored) > bulkLinkThreshold {
		g.all = true
		want := make(map[reportline.UserID]bool, len(stored))
		for _, id := range stored {
			want[id] = true
		}
		incoming = make(map[reportline.UserID][]reportline.Link, len(stored))
		if err := tx.EachLink(ctx, func(l reportline.Link) error {
			if l.Kind == reportline.Line {
				g.up[l.ManageeID] = append(g.up[l.ManageeID], l.ManagerID)
			}
			if want[l.ManageeID] {
				incoming[l.ManageeID] = append(incoming[l.ManageeID], l)
			}
			return nil
		}); err != nil {
			return err
		}
	} else {
		// The stored links themselves, whatever the Assign role mode: the
		// sync owns stored links, not the links in effect.
		var err error
		if incoming, err = tx.LinksOfManagees(ctx, stored); err != nil {
			return err
		}
		for _, id := range stored {
			up := []reportline.UserID{}
			for _, l := range incoming[id] {
				if l.Kind == reportline.Line {
					up = append(up, l.ManagerID)
				}
			}
			g.up[id] = up
		}
	}

	var ch reportline.LinkChanges
	audit := func(action reportline.Action, p reportline.Pair, before, after *reportline.Link) {
		ch.Audit = append(ch.Audit, reportline.AuditEntry{At: s.now, ActorID: s.actor.ID(), Source: s.batch.Source,
			Action: action, ManagerID: p.ManagerID, ManageeID: p.ManageeID, Before: before, After: after})
	}
	type candidate struct {
		e      *syncEntry
		link   reportline.Link
		before *reportline.Link // the source's link of the same pair, of another kind or terms
	}
	var adds []candidate
	for _, e := range managees {
		want, keep := s.resolveManager(e)
		if keep {
			// The directory names a manager we cannot find (a DN renamed
			// without referential integrity, an entry out of the filter):
			// the link it made before stays, and the problem says why.
			for _, l := range incoming[e.user.ID] {
				if l.Source == s.batch.Source {
					s.report.LinksUnchanged++
				}
			}
			continue
		}
		have := false
		for _, l := range incoming[e.user.ID] {
			if want != 0 && l.ManagerID == want {
				have = true
				if l.Source != s.batch.Source {
					// Made by hand or by another source: not ours to change.
					s.report.LinksUnchanged++
					continue
				}
				target := s.link(want, e.user.ID)
				target.CreatedBy, target.CreatedAt = l.CreatedBy, l.CreatedAt
				if l.SameTerms(target) {
					s.report.LinksUnchanged++
					continue
				}
				adds = append(adds, candidate{e: e, link: target, before: &l})
				continue
			}
			if l.Source == s.batch.Source {
				ch.Remove = append(ch.Remove, l.Pair())
				audit(reportline.ActionRemove, l.Pair(), &l, nil)
				if l.Kind == reportline.Line {
					g.remove(l.ManagerID, l.ManageeID)
				}
				s.report.LinksRemoved++
			}
		}
		if want != 0 && !have {
			adds = append(adds, candidate{e: e, link: s.link(want, e.user.ID)})
		}
	}
	// Removals first: they can only break cycles. Each addition is then
	// checked against the graph as it stands with the ones accepted before.
	for _, c := range adds {
		if c.before == nil || c.before.Kind != reportline.Line {
			cycle, err := reportline.FindCycle(ctx, c.link.ManagerID, c.link.ManageeID, g.managersOf)
			if err != nil {
				return err
			}
			if cycle != nil {
				s.problem(c.e.in, "manager", reportline.ProblemCycle, "the manager link would close a reporting-line cycle: %s", s.names(cycle))
				continue
			}
			g.add(c.link.ManagerID, c.link.ManageeID)
		}
		after := c.link
		if c.before != nil {
			ch.Update = append(ch.Update, c.link)
			audit(reportline.ActionUpdate, c.link.Pair(), c.before, &after)
			s.report.LinksUpdated++
			continue
		}
		ch.Insert = append(ch.Insert, c.link)
		audit(reportline.ActionAdd, c.link.Pair(), nil, &after)
		s.report.LinksAdded++
	}
	if !s.dryRun {
		if err := tx.ApplyLinkChanges(ctx, ch); err != nil {
			return err
		}
	}
	s.reportLinks(ch.Audit)
	return nil
}

// reportLinks lists the link changes in the report, with the users' emails.
func (s *syncer) reportLinks(audit []reportline.AuditEntry) {
	if len(audit) == 0 {
		return
	}
	email := make(map[reportline.UserID]string, len(s.entries))
	for _, e := range s.entries {
		if e.action != reportline.SyncSkipped {
			email[e.user.ID] = e.user.Email
		}
	}
	name := func(id reportline.UserID) (reportline.UserID, string) {
		e, ok := email[id]
		if !ok {
			e = s.users[id].Email
		}
		return max(id, 0), e
	}
	s.report.Links = make([]reportline.SyncLinkChange, len(audit))
	for i, a := range audit {
		c := &s.report.Links[i]
		c.Action = a.Action
		c.ManagerID, c.ManagerEmail = name(a.ManagerID)
		c.ManageeID, c.ManageeEmail = name(a.ManageeID)
	}
}

// link is the line link the sync makes between a manager and a managee.
func (s *syncer) link(manager, managee reportline.UserID) reportline.Link {
	return reportline.Link{ManagerID: manager, ManageeID: managee, Kind: reportline.Line, Source: s.batch.Source,
		CreatedBy: s.actor.ID(), CreatedAt: s.now}
}

// resolveManager returns the user id of the entry's directory manager, 0
// when it has none, or keep when the manager it names cannot be used (a
// problem is then recorded and the user's link of this source is kept).
func (s *syncer) resolveManager(e *syncEntry) (id reportline.UserID, keep bool) {
	d := e.in
	const kept = " (the current manager link, if any, is kept)"
	switch {
	case d.ManagerID != 0:
		if _, ok := s.users[d.ManagerID]; !ok {
			s.problem(d, "manager", reportline.ProblemManagerMissing, "manager id %d is not a user"+kept, d.ManagerID)
			return 0, true
		}
		id = d.ManagerID
	case d.ManagerExternalID != "":
		ext := d.ManagerExternalID
		if m := s.byExt[ext]; m != nil {
			id = m.user.ID
		} else if s.present[ext] {
			s.problem(d, "manager", reportline.ProblemManagerMissing, "manager %q was skipped by this sync (see its own problem)"+kept, ext)
			return 0, true
		} else if known, ok := s.ident[ext]; ok && !s.batch.Full && !slices.Contains(s.batch.Removed, ext) {
			id = known // synced before; a delta batch need not repeat it
		} else {
			s.problem(d, "manager", reportline.ProblemManagerMissing, "manager %q is not in the directory"+kept, ext)
			return 0, true
		}
	default:
		return 0, false
	}
	if id == e.user.ID {
		s.problem(d, "manager", reportline.ProblemInvalid, "the directory names this user as their own manager"+kept)
		return 0, true
	}
	return id, false
}

// names spells a cycle with the users' emails.
func (s *syncer) names(ids []reportline.UserID) string {
	byID := make(map[reportline.UserID]string, len(ids))
	for _, e := range s.entries {
		if slices.Contains(ids, e.user.ID) && e.action != reportline.SyncSkipped {
			byID[e.user.ID] = e.user.Email
		}
	}
	parts := make([]string, len(ids))
	for i, id := range ids {
		switch {
		case byID[id] != "":
			parts[i] = byID[id]
		case s.users[id].Email != "":
			parts[i] = s.users[id].Email
		default:
			parts[i] = fmt.Sprintf("user %d", id)
		}
	}
	return strings.Join(parts, " → ")
}

// lineGraph is the reporting line as the sync changes it: the line managers
// of each user, read from the store on demand (or all at once when all is
// set), with the sync's removals and additions applied.
type lineGraph struct {
	tx  Tx
	all bool // up holds every line link; a user absent from it has none
	up  map[reportline.UserID][]reportline.UserID
}

// managersOf is the reportline.ManagersFunc of the graph.
func (g *lineGraph) managersOf(ctx context.Context, users []reportline.UserID) (map[reportline.UserID][]reportline.UserID, error) {
	if !g.all {
		var missing []reportline.UserID
		for _, u := range users {
			if _, ok := g.up[u]; !ok && u > 0 {
				missing = append(missing, u)
			}
		}
		if len(missing) > 0 {
			got, err := g.tx.LineManagers(ctx, missing)
			if err != nil {
				return nil, err
			}
			for _, u := range missing {
				g.up[u] = got[u]
			}
		}
	}
	out := make(map[reportline.UserID][]reportline.UserID, len(users))
	for _, u := range users {
		out[u] = g.up[u]
	}
	return out, nil
}

func (g *lineGraph) add(manager, managee reportline.UserID) {
	g.up[managee] = append(g.up[managee], manager)
}

func (g *lineGraph) remove(manager, managee reportline.UserID) {
	g.up[managee] = slices.DeleteFunc(slices.Clone(g.up[managee]), func(m reportline.UserID) bool { return m == manager })
}
