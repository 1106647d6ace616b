package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"reportline"
	"reportline/policy"
	"reportline/usecase"
	"reportline/webhook"
)

// Cover during absences (issue 20, docs/absences.md). A manager away names
// a delegate (or the fallback chain picks one); for the absence's dates the
// delegate holds a temporary link to each of the manager's reports, of the
// kind the manager's link has, marked as made on the manager's behalf. The
// links carry the absence's dates, so at the end everything returns without
// anyone acting: a temporary link past its end grants nothing
// (Link.InEffect). The events of the dates (delegation.started / ended and
// the links' own) fire when the scheduler's tick reaches them, through
// schedule.TakeEffect (RunWebhookEffects).

// absenceTx is the storage of absences and of reports flagged when their
// manager left.
type absenceTx interface {
	// CreateAbsence stores an absence with its managees and sets its ID.
	CreateAbsence(ctx context.Context, a *reportline.Absence) error
	// EndAbsence moves an absence's end to ends, recording at as when
	// someone ended it.
	EndAbsence(ctx context.Context, id reportline.AbsenceID, ends, at time.Time) error
	Absence(ctx context.Context, id reportline.AbsenceID) (reportline.Absence, error)
	// Absences returns the absences a filter selects, by start.
	Absences(ctx context.Context, f reportline.AbsenceFilter) ([]reportline.Absence, error)
	// AbsencesStartingOrEnding returns the absences whose start or end is
	// in (from, to].
	AbsencesStartingOrEnding(ctx context.Context, from, to time.Time) ([]reportline.Absence, error)
	// FlagLeaverReports, LeaverFlags and ClearLeaverFlags keep the reports
	// left without a manager when theirs was deactivated.
	FlagLeaverReports(ctx context.Context, leaver reportline.UserID, managees []reportline.UserID, at time.Time) error
	LeaverFlags(ctx context.Context, leaver reportline.UserID) ([]reportline.LeaverFlagRow, error)
	ClearLeaverFlags(ctx context.Context, managee reportline.UserID) error
	// LeaverLinks returns stored links from inactive managers to active
	// managees that no flag records yet.
	LeaverLinks(ctx context.Context, limit int) ([]reportline.Link, error)
}

// settingCoverNotify is the setting that says whether a covered manager's
// digest and notifications go to the delegate with the manager (default)
// or instead of them.
const settingCoverNotify = "cover.notify"

// AbsenceRequest marks an absence. From and To are days (2026-12-07), To
// included, in the tenant's time zone; or RFC 3339 instants, To then
// excluded.
type AbsenceRequest struct {
	Manager reportline.UserID
	// Delegate is the delegate's email; "" lets the fallback chain choose.
	Delegate string
	From, To string
}

// AbsenceView is an absence with its people, as pages and the API show it.
type AbsenceView struct {
	reportline.Absence
	Manager, Delegate reportline.User
	// From and To are the absence's first and last days in the tenant's
	// time zone.
	From, To string
}

// days fills the days of an absence view.
func (v *AbsenceView) days(zone *time.Location) {
	v.From, v.To = v.Starts.In(zone).Format(time.DateOnly), lastDay(v.Ends, zone)
}

// absenceSetTx is the transaction of SetAbsence in three views of it: the
// people as the caller may see them (the manager, their absences and team,
// the delegate named), the delegate's links changed under the link lock
// with their audit, and the absence recorded with its change and event.
type absenceSetTx struct {
	who interface {
		absenceViewTx
		UserByEmail(ctx context.Context, email string) (reportline.User, error)
	}
	links linkChangeTx
	rec   absenceRecordTx
}

// absenceRecordTx is an absence stored, its change logged and its start
// emitted to the webhook subscribers.
type absenceRecordTx interface {
	usecase.ChangeTx
	webhook.Tx
	CreateAbsence(ctx context.Context, a *reportline.Absence) error
}

func (a *App) absenceSetStore() usecase.Store[absenceSetTx] {
	return narrow(a.store, func(tx Tx) absenceSetTx { return absenceSetTx{who: tx, links: tx, rec: tx} })
}

// absenceEndTx is the transaction of EndAbsence in two views of it: the
// manager as the caller may see them, and what ending the absence writes.
type absenceEndTx struct {
	who absenceViewTx
	end absenceEndWriteTx
}

// absenceEndWriteTx is an absence ended: the delegate's links ended (or
// removed, when it had not started) with their audit, the absence's end,
// its change and its event.
type absenceEndWriteTx interface {
	usecase.ChangeTx
	webhook.Tx
	Absence(ctx context.Context, id reportline.AbsenceID) (reportline.Absence, error)
	AppendAudit(ctx context.Context, entries []reportline.AuditEntry) error
	DeleteLink(ctx context.Context, p reportline.Pair) error
	EndAbsence(ctx context.Context, id reportline.AbsenceID, ends, at time.Time) error
	Link(ctx context.Context, p reportline.Pair) (reportline.Link, error)
	UpdateLink(ctx context.Context, l reportline.Link) error
	User(ctx context.Context, id reportline.UserID) (reportline.User, error)
}

func (a *App) absenceEndStore() usecase.Store[absenceEndTx] {
	return narrow(a.store, func(tx Tx) absenceEndTx { return absenceEndTx{who: tx, end: tx} })
}

// SetAbsence marks a manager's absence and makes the delegate's temporary
// links, all or nothing. Refused: dates reversed or already past, an
// absence overlapping another of the same manager, the manager as their own
// delegate, a delegate the caller may not see or who is inactive, a
// delegate whose line link to a report would close a cycle; and a manager
// with no report in effect (nothing to cover).
func (a *App) SetAbsence(ctx context.Context, actor Actor, req AbsenceRequest) (AbsenceView, error) {
	zone, err := a.tenantZone(ctx)
	if err != nil {
		return AbsenceView{}, err
	}
	now := a.now()
	var out AbsenceView
	err = a.absenceSetStore().Write(ctx, func(tx absenceSetTx) error {
		// The delegate's line links are checked for cycles against every
		// committed line link.
		if err := tx.links.LockLinks(ctx); err != nil {
			return err
		}
		ac, err := usecase.LoadAuthority(ctx, tx.who, actor)
		if err != nil {
			return err
		}
		mgr, err := a.absenceManager(ctx, tx.who, ac, req.Manager)
		if err != nil {
			return err
		}
		// The dates are checked once the caller may act for the manager.
		starts, ends, err := absenceDates(req.From, req.To, zone)
		if err != nil {
			return err
		}
		if !ends.After(now) {
			return reportline.FieldError("to", req.To, "the absence would already be over")
		}
		ab := reportline.Absence{ManagerID: mgr.ID, Starts: starts, Ends: ends, CreatedBy: actor.ID(), CreatedAt: now}
		others, err := tx.who.Absences(ctx, reportline.AbsenceFilter{ManagerID: mgr.ID, After: now})
		if err != nil {
			return err
		}
		for _, o := range others {
			if o.Overlaps(ab) {
				return (&reportline.Error{Code: reportline.Conflict, Field: "from", Message: fmt.Sprintf(
					"%s is already away from %s to %s (absence %d): end or change that one first",
					mgr.Email, o.Starts.In(zone).Format(time.DateOnly), lastDay(o.Ends, zone), o.ID)}).
					Say("error.absence.overlap", map[string]any{"Email": mgr.Email, "From": o.Starts.In(zone).Format(time.DateOnly), "To": lastDay(o.Ends, zone), "ID": o.ID})
			}
		}
		team, err := a.coveredLinks(ctx, tx.who, mgr.ID, starts)
		if err != nil {
			return err
		}
		if len(team) == 0 {
			return reportline.FieldError("manager", mgr.Email, "%s manages nobody in effect on %s: there is no team to cover",
				mgr.Email, starts.In(zone).Format(time.DateOnly))
		}
		del, err := a.absenceDelegate(ctx, tx.who, ac, mgr, req.Delegate, team, &ab)
		if err != nil {
			return err
		}
		links, err := a.delegateLinks(ctx, tx.links, ac, mgr, del, team, ab, actor)
		if err != nil {
			return err
		}
		for _, c := range links {
			ab.Managees = append(ab.Managees, c.link.ManageeID)
		}
		if err := tx.rec.CreateAbsence(ctx, &ab); err != nil {
			return err
		}
		audit := make([]reportline.AuditEntry, len(links))
		for i := range links {
			l := &links[i].link
			l.Comment = onBehalfOf(mgr, ab.ID)
			audit[i] = reportline.AuditEntry{At: now, ActorID: actor.ID(), Source: actor.Source, Action: reportline.ActionAdd,
				ManagerID: l.ManagerID, ManageeID: l.ManageeID, After: l}
			if old := links[i].old; old != nil {
				audit[i].Action, audit[i].Before = reportline.ActionUpdate, old
				if err := tx.links.UpdateLink(ctx, *l); err != nil {
					return err
				}
			} else if err := tx.links.InsertLink(ctx, *l); err != nil {
				return err
			}
		}
		if err := tx.links.AppendAudit(ctx, audit); err != nil {
			return err
		}
		if err := a.record(ctx, tx.rec, actor, policy.SetAbsence, reportline.Change{What: fmt.Sprintf("absence %d", ab.ID), UserID: mgr.ID,
			After: usecase.JSON(absenceJSON(ab, mgr, del))}); err != nil {
			return err
		}
		if ab.InEffect(now) {
			// Already on: its start is an event now (a later start is the
			// scheduler's, when it comes).
			if err := emitDelegation(ctx, tx.rec, ab, true, now, now); err != nil {
				return err
			}
		}
		out = AbsenceView{Absence: ab, Manager: mgr, Delegate: del}
		out.days(zone)
		return nil
	})
	return out, err
}

// onBehalfOf is the comment of a delegate's link: what the audit and the
// managers lists show.
func onBehalfOf(mgr reportline.User, id reportline.AbsenceID) string {
	return fmt.Sprintf("on behalf of %s (absence %d)", mgr.Email, id)
}

func absenceJSON(ab reportline.Absence, mgr, del reportline.User) map[string]any {
	return map[string]any{"manager": mgr.Email, "delegate": del.Email, "delegate_from": ab.DelegateFrom,
		"starts": ab.Starts.Format(time.RFC3339), "ends": ab.Ends.Format(time.RFC3339), "managees": len(ab.Managees)}
}

// absenceManager reads the manager and asks the policy.
func (a *App) absenceManager(ctx context.Context, tx absenceViewTx, ac *usecase.Authority, id reportline.UserID) (reportline.User, error) {
	mgr, err := tx.User(ctx, id)
	if err != nil {
		if reportline.IsCode(err, reportline.NotFound) {
			return mgr, usecase.NotVisible()
		}
		return mgr, err
	}
	p, err := ac.Person(ctx, tx, mgr)
	if err != nil {
		return mgr, err
	}
	if err := ac.Authorize(policy.SetAbsence, policy.Target{User: p}); err != nil {
		if !ac.Administers(mgr.ID) && ac.Actor.User.ID != mgr.ID {
			if ok, _ := a.mayView(ctx, tx, ac, mgr.ID); !ok {
				return mgr, usecase.NotVisible()
			}
		}
		return mgr, err
	}
	if !mgr.Active() {
		return mgr, reportline.FieldError("manager", mgr.Email, "%s is inactive", mgr.Email)
	}
	return mgr, nil
}

// coveredLinks are the manager's links to the team that the delegate
// takes over: those in effect at the absence's start (a link that ends
// before it, or starts after it, is not covered), to active people.
func (a *App) coveredLinks(ctx context.Context, tx effectiveTx, manager reportline.UserID, starts time.Time) ([]reportline.Link, error) {
	links, err := a.manageesOf(ctx, tx, manager)
	if err != nil {
		return nil, err
	}
	var ids []reportline.UserID
	for _, l := range links {
		ids = append(ids, l.ManageeID)
	}
	users, err := tx.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	at := starts
	if now := a.now(); at.Before(now) {
		at = now
	}
	var out []reportline.Link
	for _, l := range links {
		if l.InEffect(at) && users[l.ManageeID].Active() {
			out = append(out, l)
		}
	}
	slices.SortFunc(out, func(x, y reportline.Link) int { return int(x.ManageeID - y.ManageeID) })
	return out, nil
}

// absenceDelegate resolves the named delegate, or applies the fallback
// chain when none is named: the team's second manager (the active person
// other than the manager who manages most of the covered reports, the
// lowest id on a tie), then the manager's own line manager (the lowest
// id of those in effect and active).
func (a *App) absenceDelegate(ctx context.Context, tx namedPersonTx, ac *usecase.Authority, mgr reportline.User, named string,
	team []reportline.Link, ab *reportline.Absence) (reportline.User, error) {
	named = strings.TrimSpace(named)
	if named != "" {
		ab.DelegateFrom = reportline.DelegateNamed
		refuse := reportline.FieldError("delegate", named, "no active account you can see matches %s", named)
		email, err := reportline.NormalizeEmail(named)
		if err != nil {
			return reportline.User{}, reportline.FieldError("delegate", named, "%s is not an email address", named)
		}
		del, err := tx.UserByEmail(ctx, email)
		if reportline.IsCode(err, reportline.NotFound) {
			return del, refuse
		}
		if err != nil {
			return del, err
		}
		visible, err := a.mayView(ctx, tx, ac, del.ID)
		if err != nil {
			return del, err
		}
		if !visible && !ac.Actor.System {
			// One's own managers are on one's own page, so they are seen.
			mine, err := a.managersOf(ctx, tx, ac.Actor.User.ID)
			if err != nil {
				return del, err
			}
			visible = slices.ContainsFunc(mine, func(l reportline.Link) bool { return l.ManagerID == del.ID && l.InEffect(a.now()) })
		}
		switch {
		case !visible:
			return del, refuse
		case del.ID == mgr.ID:
			return del, reportline.FieldError("delegate", named, "%s cannot cover for themself", mgr.Email)
		case !del.Active():
			return del, refuse
		}
		ab.DelegateID = del.ID
		return del, nil
	}
	// The second manager.
	count := map[reportline.UserID]int{}
	var ids []reportline.UserID
	for _, l := range team {
		ids = append(ids, l.ManageeID)
	}
	others, err := a.managersOfMany(ctx, tx, ids)
	if err != nil {
		return reportline.User{}, err
	}
	for _, links := range others {
		for _, l := range links {
			if l.ManagerID != mgr.ID && l.InEffect(ab.Starts.Add(time.Microsecond)) && l.InEffect(a.now()) {
				count[l.ManagerID]++
			}
		}
	}
	candidates := sortedKeys(count)
	slices.SortStableFunc(candidates, func(x, y reportline.UserID) int { return count[y] - count[x] })
	users, err := tx.UsersByIDs(ctx, candidates)
	if err != nil {
		return reportline.User{}, err
	}
	for _, id := range candidates {
		if users[id].Active() {
			ab.DelegateID, ab.DelegateFrom = id, reportline.DelegateSecondManager
			return users[id], nil
		}
	}
	// The manager's manager.
	up, err := a.lineManagerOf(ctx, tx, mgr.ID)
	if err != nil {
		return reportline.User{}, err
	}
	if up.ID != 0 {
		ab.DelegateID, ab.DelegateFrom = up.ID, reportline.DelegateManagerManager
		return up, nil
	}
	return reportline.User{}, reportline.FieldError("delegate", "", "name a delegate: %s's team has no second manager and %s has no active line manager",
		mgr.Email, mgr.Email)
}

// coverLink is one link a delegate gets, and the delegate's old link to
// that report when it is reused (a link that has ended: one pair has one
// link).
type coverLink struct {
	link reportline.Link
	old  *reportline.Link
}

// delegateLinks are the temporary links the delegate gets: one per
// covered report, of the manager's link's kind, with the absence's dates.
// The delegate's own link (they are one of the reports) and reports the
// delegate manages already are left out; a link of theirs that has ended
// is reused. A line link that would close a cycle refuses the whole
// absence, as does a link kept for another absence that is not over.
func (a *App) delegateLinks(ctx context.Context, tx linkChangeTx, ac *usecase.Authority, mgr, del reportline.User, team []reportline.Link,
	ab reportline.Absence, actor Actor) ([]coverLink, error) {
	existing, err := tx.Links(ctx, reportline.LinkFilter{ManagerID: del.ID})
	if err != nil {
		return nil, err
	}
	now := a.now()
	has := map[reportline.UserID]reportline.Link{}
	for _, l := range existing {
		has[l.ManageeID] = l
	}
	var out []coverLink
	for _, t := range team {
		if t.ManageeID == del.ID {
			continue
		}
		c := coverLink{link: reportline.Link{ManagerID: del.ID, ManageeID: t.ManageeID, Kind: t.Kind, Source: actor.Source,
			ValidFrom: ab.Starts, ValidUntil: ab.Ends, CreatedBy: actor.ID(), CreatedAt: now}}
		if old, ok := has[t.ManageeID]; ok {
			switch {
			case !old.ValidUntil.IsZero() && !old.ValidUntil.After(now):
				c.old = &old // ended: reused
			case strings.HasPrefix(old.Comment, "on behalf of "):
				return nil, (&reportline.Error{Code: reportline.Conflict, Field: "delegate", Message: fmt.Sprintf(
					"%s already covers this team for another absence until %s: one delegate covers one absence of a team at a time; end that one or name someone else",
					del.Email, old.ValidUntil.Format(time.DateOnly))}).
					Say("error.absence.delegate_busy", map[string]any{"Email": del.Email, "Until": old.ValidUntil.Format(time.DateOnly)})
			default:
				continue // already manages them
			}
		}
		if c.link.Kind == reportline.Line && (c.old == nil || c.old.Kind != reportline.Line) {
			cycle, err := reportline.FindCycle(ctx, c.link.ManagerID, c.link.ManageeID, tx.LineManagers)
			if err != nil {
				return nil, fmt.Errorf("cycle check: %w", err)
			}
			if cycle != nil {
				msg, err := describeCycle(ctx, tx, ac, cycle)
				if err != nil {
					return nil, err
				}
				return nil, reportline.FieldError("delegate", del.Email,
					"%s reports to someone in %s's team: covering would close a cycle of managers: %s", del.Email, mgr.Email, msg).
					Say("error.absence.cycle", map[string]any{"Cycle": msg})
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// EndAbsence ends an absence now: an absence on ends at once (its links'
// end moves to now, so they grant nothing from now on), one not started
// yet is cancelled (its links removed). An absence already over is
// refused.
func (a *App) EndAbsence(ctx context.Context, actor Actor, id reportline.AbsenceID) (AbsenceView, error) {
	var out AbsenceView
	err := a.absenceEndStore().Write(ctx, func(tx absenceEndTx) error {
		ac, err := usecase.LoadAuthority(ctx, tx.who, actor)
		if err != nil {
			return err
		}
		ab, err := tx.end.Absence(ctx, id)
		if reportline.IsCode(err, reportline.NotFound) {
			return usecase.NotVisible()
		}
		if err != nil {
			return err
		}
		mgr, err := a.absenceManager(ctx, tx.who, ac, ab.ManagerID)
		if err != nil && !reportline.IsCode(err, reportline.Invalid) {
			return err
		}
		now := a.now()
		if !ab.Ends.After(now) {
			return (&reportline.Error{Code: reportline.Conflict, Message: fmt.Sprintf("absence %d is already over", id)}).
				Say("error.absence.over", map[string]any{"ID": id})
		}
		started := !ab.Starts.After(now)
		ends := now
		if !started {
			ends = ab.Starts // cancelled: never in effect
		}
		var audit []reportline.AuditEntry
		for _, m := range ab.Managees {
			p := reportline.Pair{ManagerID: ab.DelegateID, ManageeID: m}
			old, err := tx.end.Link(ctx, p)
			if reportline.IsCode(err, reportline.NotFound) {
				continue // removed by hand meanwhile
			}
			if err != nil {
				return err
			}
			if !old.ValidFrom.Equal(ab.Starts) || !old.ValidUntil.Equal(ab.Ends) {
				continue // changed by hand meanwhile: no longer the absence's
			}
			e := reportline.AuditEntry{At: now, ActorID: actor.ID(), Source: actor.Source, ManagerID: p.ManagerID, ManageeID: p.ManageeID, Before: &old}
			if started {
				l := old
				l.ValidUntil = now
				if err := tx.end.UpdateLink(ctx, l); err != nil {
					return err
				}
				e.Action, e.After = reportline.ActionUpdate, &l
			} else {
				if err := tx.end.DeleteLink(ctx, p); err != nil {
					return err
				}
				e.Action = reportline.ActionRemove
			}
			audit = append(audit, e)
		}
		if err := tx.end.AppendAudit(ctx, audit); err != nil {
			return err
		}
		if err := tx.end.EndAbsence(ctx, id, ends, now); err != nil {
			return err
		}
		before := ab
		ab.Ends, ab.EndedAt = ends, now
		del, err := tx.end.User(ctx, ab.DelegateID)
		if err != nil {
			return err
		}
		if err := a.record(ctx, tx.end, actor, policy.SetAbsence, reportline.Change{What: fmt.Sprintf("absence %d", id), UserID: mgr.ID,
			Before: usecase.JSON(absenceJSON(before, mgr, del)), After: usecase.JSON(absenceJSON(ab, mgr, del))}); err != nil {
			return err
		}
		if started {
			if err := emitDelegation(ctx, tx.end, ab, false, now, now); err != nil {
				return err
			}
		}
		out = AbsenceView{Absence: ab, Manager: mgr, Delegate: del}
		return nil
	})
	return out, err
}

// ListAbsences returns a manager's absences that are not over, with the
// people: for whoever may see the manager.
func (a *App) ListAbsences(ctx context.Context, actor Actor, manager reportline.UserID) ([]AbsenceView, error) {
	var out []AbsenceView
	zone, err := a.tenantZone(ctx)
	if err != nil {
		return nil, err
	}
	err = a.absenceViewStore().Read(ctx, func(tx absenceViewTx) error {
		ac, err := usecase.LoadAuthority(ctx, tx, actor)
		if err != nil {
			return err
		}
		ok, err := a.mayView(ctx, tx, ac, manager)
		if err != nil {
			return err
		}
		if !ok {
			return usecase.NotVisible()
		}
		list, err := tx.Absences(ctx, reportline.AbsenceFilter{ManagerID: manager, After: a.now()})
		if err != nil {
			return err
		}
		out, err = absenceViews(ctx, tx, list)
		for i := range out {
			out[i].days(zone)
		}
		return err
	})
	return out, err
}

func absenceViews(ctx context.Context, tx absenceViewTx, list []reportline.Absence) ([]AbsenceView, error) {
	var ids []reportline.UserID
	for _, ab := range list {
		ids = append(ids, ab.ManagerID, ab.DelegateID)
	}
	users, err := tx.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]AbsenceView, 0, len(list))
	for _, ab := range list {
		if ab.Starts.Equal(ab.Ends) {
			continue // cancelled
		}
		out = append(out, AbsenceView{Absence: ab, Manager: users[ab.ManagerID], Delegate: users[ab.DelegateID]})
	}
	return out, nil
}

// Cover says who covers for a manager at an instant, and where the
// manager's digest and notifications go.
type Cover struct {
	Absence  reportline.Absence
	Delegate reportline.UserID
	// Instead is the setting cover.notify: true when the delegate gets
	// the manager's digest and notifications instead of the manager,
	// false when with them.
	Instead bool
}

// CoverFor reports whether manager is away at at, and who covers. The
// digest calls it for each manager it writes to (docs/absences.md).
func (a *App) CoverFor(ctx context.Context, manager reportline.UserID, at time.Time) (Cover, bool, error) {
	var c Cover
	var ok bool
	err := a.coverSettingsStore().Read(ctx, func(tx coverSettingsTx) error {
		var err error
		c, ok, err = a.coverFor(ctx, tx, manager, at)
		return err
	})
	return c, ok, err
}

func (a *App) coverFor(ctx context.Context, tx coverSettingsTx, manager reportline.UserID, at time.Time) (Cover, bool, error) {
	list, err := tx.Absences(ctx, reportline.AbsenceFilter{ManagerID: manager, After: at})
	if err != nil {
		return Cover{}, false, err
	}
	for _, ab := range list {
		if ab.InEffect(at) {
			mode, err := coverNotify(ctx, tx)
			return Cover{Absence: ab, Delegate: ab.DelegateID, Instead: mode == reportline.CoverNotifyInstead}, true, err
		}
	}
	return Cover{}, false, nil
}

// coverNotify reads the setting cover.notify.
func coverNotify(ctx context.Context, tx coverSettingsTx) (reportline.CoverNotify, error) {
	v, err := tx.Setting(ctx, settingCoverNotify)
	if reportline.IsCode(err, reportline.NotFound) || (err == nil && !reportline.CoverNotify(v).Valid()) {
		return reportline.CoverNotifyWith, nil
	}
	return reportline.CoverNotify(v), err
}

// SetCoverNotify changes who gets a covered manager's digest and
// notifications during an absence.
func (a *App) SetCoverNotify(ctx context.Context, actor Actor, mode reportline.CoverNotify) error {
	if !mode.Valid() {
		return reportline.FieldError("cover_notify", string(mode), "must be %q or %q", reportline.CoverNotifyWith, reportline.CoverNotifyInstead)
	}
	return a.coverSettingsStore().Write(ctx, func(tx coverSettingsTx) error {
		if err := usecase.AuthorizeActor(actor, policy.ChangeSettings); err != nil {
			return err
		}
		old, err := coverNotify(ctx, tx)
		if err != nil {
			return err
		}
		if err := tx.PutSetting(ctx, settingCoverNotify, string(mode)); err != nil {
			return err
		}
		return a.record(ctx, tx, actor, policy.ChangeSettings, reportline.Change{What: "setting " + settingCoverNotify,
			Before: usecase.JSON(string(old)), After: usecase.JSON(string(mode))})
	})
}

// absenceDates reads an absence's days (To included) or instants (To
// excluded) in the tenant's zone.
func absenceDates(from, to string, zone *time.Location) (time.Time, time.Time, error) {
	parse := func(field, s string, end bool) (time.Time, error) {
		s = strings.TrimSpace(s)
		if s == "" {
			return time.Time{}, reportline.FieldError(field, s, "a date is required (2026-12-07)")
		}
		if d, err := time.ParseInLocation(time.DateOnly, s, zone); err == nil {
			if end {
				d = d.AddDate(0, 0, 1)
			}
			return d.UTC(), nil
		}
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return t, reportline.FieldError(field, s, "not a date (2026-12-07) or an RFC 3339 time")
		}
		return t.UTC(), nil
	}
	starts, err := parse("from", from, false)
	if err != nil {
		return starts, starts, err
	}
	ends, err := parse("to", to, true)
	if err != nil {
		return starts, ends, err
	}
	if !ends.After(starts) {
		return starts, ends, reportline.FieldError("to", to, "the absence ends before it starts (from %s to %s)", from, to)
	}
	return starts, ends, nil
}

// lastDay is the last day of an absence ending at ends (excluded).
func lastDay(ends time.Time, zone *time.Location) string {
	return ends.In(zone).Add(-time.Microsecond).Format(time.DateOnly)
}

// MaySetAbsence reports whether the actor may mark the manager's absences,
// for pages that offer the form only to those SetAbsence will allow.
func (a *App) MaySetAbsence(ctx context.Context, actor Actor, manager reportline.UserID) bool {
	err := a.absenceViewStore().Read(ctx, func(tx absenceViewTx) error {
		ac, err := usecase.LoadAuthority(ctx, tx, actor)
		if err != nil {
			return err
		}
		_, err = a.absenceManager(ctx, tx, ac, manager)
		return err
	})
	return err == nil
}

// coverNotes marks, among a user's managers, the delegates covering for
// someone now: "covering for X until D".
func coverNotes(ctx context.Context, tx coverNotesTx, user reportline.UserID, side []LinkedUser, now time.Time) error {
	if len(side) == 0 {
		return nil
	}
	list, err := tx.Absences(ctx, reportline.AbsenceFilter{ManageeID: user, After: now})
	if err != nil || len(list) == 0 {
		return err
	}
	var ids []reportline.UserID
	for _, ab := range list {
		ids = append(ids, ab.ManagerID)
	}
	users, err := tx.UsersByIDs(ctx, ids)
	if err != nil {
		return err
	}
	for i := range side {
		l := side[i].Link
		for _, ab := range list {
			if ab.DelegateID == l.ManagerID && l.ValidFrom.Equal(ab.Starts) && l.ValidUntil.Equal(ab.Ends) && ab.Starts.Before(ab.Ends) {
				side[i].CoveringFor, side[i].CoverUntil = users[ab.ManagerID], ab.Ends
			}
		}
	}
	return nil
}
