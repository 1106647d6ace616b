package app

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"reportline"
)

// Effective links are the links that count for what managers get (access,
// the manager star, contacts, notifications):
//
//   - in the "import" Assign role mode, the stored links, line and
//     functional;
//   - in the "positions" mode, line managers derived from the org structure
//     (source orgstructure, no dates, never stored) and the stored
//     functional links. Stored line links are kept, untouched, but count
//     for nothing until the mode is switched back.
//
// Every feature that asks "who manages whom" goes through these functions,
// so the mode is honoured in one place. They return links in effect or not:
// callers check dates with Link.InEffect, and users' status themselves.
//
// # Derivation
//
// A user belongs to the org unit whose name has the OrgKey of their
// OrgUnit, and holds a manager position when the OrgKey of their Position
// is a title of the positions mapping. Then:
//
//   - a member (who holds no manager position) is managed by the active
//     holders of a manager position in their unit;
//   - a holder of a manager position is managed by those of the parent unit.
//
// When that unit has no active holder (a team whose manager left, a
// department with sub-departments only), the managers are those of the
// nearest unit above that has one: the next manager up takes over, as HR
// systems evaluate a vacant chief position. Inactive holders manage nobody;
// a user is never their own manager; a user whose OrgUnit names no unit, or
// whose units up to the root have no manager, has no derived manager.
// Derived links follow the unit tree, which has no cycles, so they form
// none either.
//
// When a stored functional link and a derived line link join the same pair,
// the line link counts: it grants everything the functional one does, and
// the manager star.
//
// # Cost
//
// Nothing is cached across transactions, so a switch of mode or a change of
// the org structure or of a user takes effect at the next request. In
// positions mode one user's managers cost six indexed queries whatever the
// size of the organisation: the mode, the positions mapping, the stored
// links, the user, their unit with its ancestors (one recursive query) and
// the active holders of those units (through the users_org index). A
// batch (managersOfMany) costs the same six queries for up to 500 users.
// A manager's managees cost the same plus one query per level of
// manager-less units below theirs. Every link at once (eachEffectiveLink)
// reads the units and one scan of the users, then derives in memory in
// linear time (~40 bytes per user).
//
// On the reference organisation (500,000 users, 94,543 units; see
// BenchmarkOrgDerivation in org_scale_test.go) one user's managers take
// ~0.5 ms on SQLite and ~1.2 ms on PostgreSQL (0.1–0.7 ms in import mode),
// the manager stars of a page of 25 users 1–2 ms, and all 499,999 derived
// links ~1 s on SQLite and ~1.2 s on PostgreSQL, against ~1.3 s and
// ~0.7 s to read the 1,000,000 stored links in import mode.

// settingAssignMode is the settings key of the Assign role mode.
const settingAssignMode = "assign_mode"

// assignMode reads the Assign role mode from the settings; AssignByImport
// when it was never set. Requests use App.assignMode, which caches it
// (access_cache.go); a switch reads it here, fresh.
func assignMode(ctx context.Context, tx settingReadTx) (reportline.AssignMode, error) {
	v, err := tx.Setting(ctx, settingAssignMode)
	if reportline.IsCode(err, reportline.NotFound) {
		return reportline.AssignByImport, nil
	}
	if err != nil {
		return "", fmt.Errorf("read assign role mode: %w", err)
	}
	m := reportline.AssignMode(v)
	if !m.Valid() {
		return "", fmt.Errorf("read assign role mode: stored value %q is not a mode", v)
	}
	return m, nil
}

// linkView is the effective links as one transaction sees them: the mode
// and, in positions mode, the positions mapping, read once.
type linkView struct {
	tx        effectiveTx
	mode      reportline.AssignMode
	positions map[string]bool // OrgKey of every manager position; positions mode only
	// asOf, when set, makes the view the stored links as the link history
	// had them at that instant (history.go; AuthZEN's context.as_of)
	// instead of today's links. Derived links have no history: in the
	// positions mode such a view holds the stored links only.
	asOf time.Time
}

// historic returns the view of the stored links at an instant, from the
// link history.
func (v *linkView) historic(at time.Time) *linkView {
	return &linkView{tx: v.tx, mode: v.mode, positions: v.positions, asOf: at}
}

// linksAsOf reads one side of many users' links from the history, by user.
func (v *linkView) linksAsOf(ctx context.Context, dir reportline.Direction, users []reportline.UserID) (map[reportline.UserID][]reportline.Link, error) {
	ps, err := v.tx.LinksAsOf(ctx, dir, users, v.asOf)
	if err != nil {
		return nil, err
	}
	out := map[reportline.UserID][]reportline.Link{}
	for _, p := range ps {
		k := p.ManageeID
		if dir == reportline.Managees {
			k = p.ManagerID
		}
		out[k] = append(out[k], p.Link)
	}
	return out, nil
}

// linkView reads what deciding the effective links needs. Use cases that
// ask many questions in one transaction read it once and ask it.
func (a *App) linkView(ctx context.Context, tx effectiveTx) (*linkView, error) {
	mode, err := a.assignMode(ctx, tx)
	if err != nil {
		return nil, err
	}
	v := &linkView{tx: tx, mode: mode}
	if mode == reportline.AssignByPositions {
		titles, err := tx.ManagerPositions(ctx)
		if err != nil {
			return nil, err
		}
		v.positions = make(map[string]bool, len(titles))
		for _, t := range titles {
			v.positions[reportline.OrgKey(t)] = true
		}
	}
	return v, nil
}

// derives reports whether line managers come from the org structure.
func (v *linkView) derives() bool { return v.mode == reportline.AssignByPositions }

// holder reports whether u holds a manager position.
func (v *linkView) holder(u reportline.User) bool { return v.positions[reportline.OrgKey(u.Position)] }

// managersOf returns the effective links where managee is the managee, in
// effect or not: callers check dates with Link.InEffect.
func (a *App) managersOf(ctx context.Context, tx effectiveTx, managee reportline.UserID) ([]reportline.Link, error) {
	v, err := a.linkView(ctx, tx)
	if err != nil {
		return nil, err
	}
	return v.managersOf(ctx, managee)
}

// manageesOf returns the effective links where manager is the manager.
func (a *App) manageesOf(ctx context.Context, tx effectiveTx, manager reportline.UserID) ([]reportline.Link, error) {
	v, err := a.linkView(ctx, tx)
	if err != nil {
		return nil, err
	}
	return v.manageesOf(ctx, manager)
}

// managersOfMany is managersOf for many managees at once (one level of a
// walk up the reporting line): stored links in one query per 500 users,
// and in positions mode the managees' units resolved together. Managees
// with no link are absent.
func (a *App) managersOfMany(ctx context.Context, tx effectiveTx, managees []reportline.UserID) (map[reportline.UserID][]reportline.Link, error) {
	v, err := a.linkView(ctx, tx)
	if err != nil {
		return nil, err
	}
	return v.managersOfMany(ctx, managees)
}

// manageesOfMany is manageesOf for many managers at once (one level of a
// walk down). Managers with no link are absent.
func (a *App) manageesOfMany(ctx context.Context, tx effectiveTx, managers []reportline.UserID) (map[reportline.UserID][]reportline.Link, error) {
	v, err := a.linkView(ctx, tx)
	if err != nil {
		return nil, err
	}
	return v.manageesOfMany(ctx, managers)
}

// eachEffectiveLink calls fn for every effective link, in no particular
// order. fn must not use tx: the links are streamed from it.
func (a *App) eachEffectiveLink(ctx context.Context, tx effectiveTx, fn func(reportline.Link) error) error {
	v, err := a.linkView(ctx, tx)
	if err != nil {
		return err
	}
	return v.each(ctx, fn)
}

// derivedLink is the link the org structure makes.
func derivedLink(manager, managee reportline.UserID) reportline.Link {
	return reportline.Link{ManagerID: manager, ManageeID: managee, Kind: reportline.Line, Source: reportline.SourceOrgStructure}
}

// managersOf returns a managee's effective links, ordered by manager.
func (v *linkView) managersOf(ctx context.Context, managee reportline.UserID) ([]reportline.Link, error) {
	if !v.asOf.IsZero() {
		m, err := v.linksAsOf(ctx, reportline.Managers, []reportline.UserID{managee})
		return m[managee], err
	}
	links, err := v.tx.Links(ctx, reportline.LinkFilter{ManageeID: managee})
	if err != nil || !v.derives() {
		return links, err
	}
	derived, err := v.derivedManagers(ctx, []reportline.UserID{managee})
	if err != nil {
		return nil, err
	}
	return mergeDerived(functional(links), derived[managee], func(m reportline.UserID) reportline.Pair {
		return reportline.Pair{ManagerID: m, ManageeID: managee}
	}), nil
}

// manageesOf returns a manager's effective links, ordered by managee.
func (v *linkView) manageesOf(ctx context.Context, manager reportline.UserID) ([]reportline.Link, error) {
	if !v.asOf.IsZero() {
		m, err := v.linksAsOf(ctx, reportline.Managees, []reportline.UserID{manager})
		return m[manager], err
	}
	links, err := v.tx.Links(ctx, reportline.LinkFilter{ManagerID: manager})
	if err != nil || !v.derives() {
		return links, err
	}
	derived, err := v.derivedManagees(ctx, []reportline.UserID{manager})
	if err != nil {
		return nil, err
	}
	return mergeDerived(functional(links), derived[manager], func(e reportline.UserID) reportline.Pair {
		return reportline.Pair{ManagerID: manager, ManageeID: e}
	}), nil
}

// managersOfMany returns each managee's effective links. Managees with none
// are absent.
func (v *linkView) managersOfMany(ctx context.Context, managees []reportline.UserID) (map[reportline.UserID][]reportline.Link, error) {
	if !v.asOf.IsZero() {
		return v.linksAsOf(ctx, reportline.Managers, managees)
	}
	stored, err := v.tx.LinksOfManagees(ctx, managees)
	if err != nil || !v.derives() {
		return stored, err
	}
	derived, err := v.derivedManagers(ctx, managees)
	if err != nil {
		return nil, err
	}
	return mergeMany(stored, derived, func(managee, m reportline.UserID) reportline.Pair {
		return reportline.Pair{ManagerID: m, ManageeID: managee}
	}), nil
}

// manageesOfMany returns each manager's effective links. Managers with
// none are absent.
func (v *linkView) manageesOfMany(ctx context.Context, managers []reportline.UserID) (map[reportline.UserID][]reportline.Link, error) {
	if !v.asOf.IsZero() {
		return v.linksAsOf(ctx, reportline.Managees, managers)
	}
	stored, err := v.tx.LinksOfManagers(ctx, managers)
	if err != nil || !v.derives() {
		return stored, err
	}
	derived, err := v.derivedManagees(ctx, managers)
	if err != nil {
		return nil, err
	}
	return mergeMany(stored, derived, func(manager, e reportline.UserID) reportline.Pair {
		return reportline.Pair{ManagerID: manager, ManageeID: e}
	}), nil
}

// functional keeps the functional links: in positions mode stored line
// links count for nothing.
func functional(links []reportline.Link) []reportline.Link {
	return slices.DeleteFunc(links, func(l reportline.Link) bool { return l.Kind == reportline.Line })
}

// mergeMany is mergeDerived for each user of a batch: stored[u] are u's
// stored links, derived[u] the users the org structure links u to, and
// pair(u, o) the pair of u and o. Users left with no link are absent.
func mergeMany(stored map[reportline.UserID][]reportline.Link, derived map[reportline.UserID][]reportline.UserID,
	pair func(u, o reportline.UserID) reportline.Pair) map[reportline.UserID][]reportline.Link {
	out := make(map[reportline.UserID][]reportline.Link, len(stored)+len(derived))
	for u, links := range stored {
		if f := functional(links); len(f) > 0 {
			out[u] = f
		}
	}
	for u, others := range derived {
		out[u] = mergeDerived(out[u], others, func(o reportline.UserID) reportline.Pair { return pair(u, o) })
	}
	return out
}

// mergeDerived adds derived links to stored functional ones: a derived line
// link replaces a functional link of the same pair. The result is sorted
// by pair.
func mergeDerived(stored []reportline.Link, others []reportline.UserID, pair func(reportline.UserID) reportline.Pair) []reportline.Link {
	if len(others) == 0 {
		return stored
	}
	derived := make(map[reportline.Pair]bool, len(others))
	out := make([]reportline.Link, 0, len(stored)+len(others))
	for _, o := range others {
		p := pair(o)
		derived[p] = true
		out = append(out, derivedLink(p.ManagerID, p.ManageeID))
	}
	for _, l := range stored {
		if !derived[l.Pair()] {
			out = append(out, l)
		}
	}
	slices.SortFunc(out, func(x, y reportline.Link) int {
		return cmp.Or(cmp.Compare(x.ManagerID, y.ManagerID), cmp.Compare(x.ManageeID, y.ManageeID))
	})
	return out
}

// lineLinksInEffect reports whether stored line links (imported, assigned,
// synced) count as line managers: in import mode only.
func (a *App) lineLinksInEffect(ctx context.Context, tx settingReadTx) (bool, error) {
	m, err := a.assignMode(ctx, tx)
	return m == reportline.AssignByImport, err
}
