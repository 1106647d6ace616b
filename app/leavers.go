package app

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"reportline"
	"reportline/policy"
	"reportline/usecase"
)

// Movers and leavers (issue 20, docs/absences.md). Deactivating a manager
// proposes what happens to their reports: move them to the leaver's own
// line manager, to a named successor, or leave them flagged (leaver_flags:
// the links stay, granting nothing while the manager is inactive, so a
// reactivation restores them, as UpdateUser always did). An admin confirms
// in the UI or the API (ConfirmLeaver). Deactivations that do not wait (a
// directory sync, SCIM, a users CSV, a plain status change) are swept on
// the scheduler's tick (RunLeavers), which applies the setting
// leaver.sync: "flag" (the default) or "manager". People whose manager
// changes are told by the "manager added" notice of the audit log's
// notifications (link_events.go), through the outbox.

// settingLeaverSync is what the sweep does to the reports of a manager
// deactivated without a confirmation.
const settingLeaverSync = "leaver.sync"

// LeaverProposal is what deactivating a manager proposes.
type LeaverProposal struct {
	User reportline.User
	// Reports are the active people the leaver manages through a stored
	// link in effect.
	Reports []reportline.User
	// Manager is the leaver's own active line manager (ID 0: none), whom
	// the choice "manager" moves the reports to.
	Manager reportline.User
	// Choice and Successor are what was applied (ConfirmLeaver).
	Choice    reportline.LeaverChoice
	Successor reportline.User
}

// LeaverRequest is an admin's choice.
type LeaverRequest struct {
	Choice reportline.LeaverChoice
	// Successor is the successor's email, for LeaverToSuccessor.
	Successor string
}

// ProposeLeaver says what deactivating user would do to their reports,
// for whoever may deactivate them.
func (a *App) ProposeLeaver(ctx context.Context, actor Actor, user reportline.UserID) (LeaverProposal, error) {
	var p LeaverProposal
	err := a.leaverProposalStore().Read(ctx, func(tx leaverProposalTx) error {
		ac, err := usecase.LoadAuthority(ctx, tx, actor)
		if err != nil {
			return err
		}
		p, _, err = a.leaverProposal(ctx, tx, ac, user)
		return err
	})
	return p, err
}

func (a *App) leaverProposal(ctx context.Context, tx leaverProposalTx, ac *usecase.Authority, user reportline.UserID) (LeaverProposal, []reportline.Link, error) {
	var p LeaverProposal
	u, err := tx.User(ctx, user)
	if reportline.IsCode(err, reportline.NotFound) {
		return p, nil, usecase.NotVisible()
	}
	if err != nil {
		return p, nil, err
	}
	if !ac.Actor.System {
		if ok, err := a.mayView(ctx, tx, ac, u.ID); err != nil || !ok {
			if err == nil {
				err = usecase.NotVisible()
			}
			return p, nil, err
		}
		person, err := ac.Person(ctx, tx, u)
		if err != nil {
			return p, nil, err
		}
		if err := ac.Authorize(policy.EditUser, policy.Target{User: person, Deactivating: true}); err != nil {
			return p, nil, err
		}
	}
	p.User = u
	links, err := tx.Links(ctx, reportline.LinkFilter{ManagerID: u.ID})
	if err != nil {
		return p, nil, err
	}
	var ids []reportline.UserID
	for _, l := range links {
		ids = append(ids, l.ManageeID)
	}
	users, err := tx.UsersByIDs(ctx, ids)
	if err != nil {
		return p, nil, err
	}
	now := a.now()
	var kept []reportline.Link
	for _, l := range links {
		if r := users[l.ManageeID]; r.Active() && l.InEffect(now) {
			kept = append(kept, l)
			p.Reports = append(p.Reports, r)
		}
	}
	slices.SortFunc(p.Reports, func(x, y reportline.User) int { return strings.Compare(x.Name(), y.Name()) })
	p.Manager, err = a.lineManagerOf(ctx, tx, u.ID)
	return p, kept, err
}

// lineManagerOf is the user's active line manager in effect with the
// lowest id; ID 0 when none.
func (a *App) lineManagerOf(ctx context.Context, tx effectiveTx, user reportline.UserID) (reportline.User, error) {
	above, err := a.managersOf(ctx, tx, user)
	if err != nil {
		return reportline.User{}, err
	}
	var line []reportline.UserID
	for _, l := range above {
		if l.Kind == reportline.Line && l.InEffect(a.now()) {
			line = append(line, l.ManagerID)
		}
	}
	slices.Sort(line)
	users, err := tx.UsersByIDs(ctx, line)
	if err != nil {
		return reportline.User{}, err
	}
	for _, id := range line {
		if users[id].Active() {
			return users[id], nil
		}
	}
	return reportline.User{}, nil
}

// leaverConfirmTx is the transaction of ConfirmLeaver in three views of
// it: the leaver, their manager and the successor named, as the caller may
// see them; the reports' links moved under the link lock with their
// audit; and the leaver deactivated, with the change logged.
type leaverConfirmTx struct {
	who interface {
		leaverProposalTx
		UserByEmail(ctx context.Context, email string) (reportline.User, error)
	}
	links linkChangeTx
	user  interface {
		usecase.ChangeTx
		UpdateUser(ctx context.Context, u *reportline.User) error
	}
}

func (a *App) leaverConfirmStore() usecase.Store[leaverConfirmTx] {
	return narrow(a.store, func(tx Tx) leaverConfirmTx { return leaverConfirmTx{who: tx, links: tx, user: tx} })
}

// ConfirmLeaver deactivates a manager and applies the choice to their
// reports, all in one transaction: moved to their manager or a successor
// (a new link of the same kind each, the leaver's link removed; a report
// the target already manages just loses the leaver's link), or flagged.
// Refused: a successor the caller may not link to a report, a move that
// would close a cycle, "manager" for a leaver without one.
func (a *App) ConfirmLeaver(ctx context.Context, actor Actor, user reportline.UserID, req LeaverRequest) (LeaverProposal, error) {
	if !req.Choice.Valid() {
		return LeaverProposal{}, reportline.FieldError("choice", string(req.Choice), "choose %q, %q or %q",
			reportline.LeaverToManager, reportline.LeaverToSuccessor, reportline.LeaverFlag)
	}
	var p LeaverProposal
	err := a.leaverConfirmStore().Write(ctx, func(tx leaverConfirmTx) error {
		if err := tx.links.LockLinks(ctx); err != nil {
			return err
		}
		ac, err := usecase.LoadAuthority(ctx, tx.who, actor)
		if err != nil {
			return err
		}
		var links []reportline.Link
		if p, links, err = a.leaverProposal(ctx, tx.who, ac, user); err != nil {
			return err
		}
		// A manager already deactivated (by a users CSV import, SCIM, a
		// plain status change) whose reports are still linked to them gets
		// the choice applied to those reports; with nobody left, there is
		// nothing to do.
		wasActive := p.User.Active()
		if !wasActive && len(links) == 0 {
			return (&reportline.Error{Code: reportline.Conflict, Message: fmt.Sprintf("%s is already inactive and nobody reports to them any more", p.User.Email)}).
				Say("error.leaver.already_left", map[string]any{"Email": p.User.Email})
		}
		p.Choice = req.Choice
		var target reportline.User
		switch req.Choice {
		case reportline.LeaverToManager:
			if p.Manager.ID == 0 {
				return reportline.FieldError("choice", string(req.Choice), "%s has no active line manager: name a successor or leave the reports flagged", p.User.Email)
			}
			target = p.Manager
		case reportline.LeaverToSuccessor:
			if target, err = a.successor(ctx, tx.who, ac, p.User, req.Successor); err != nil {
				return err
			}
			p.Successor = target
		}
		if err := a.moveReports(ctx, tx.links, ac, actor, p.User, links, target); err != nil {
			return err
		}
		if !wasActive {
			return a.record(ctx, tx.user, actor, policy.EditUser, reportline.Change{What: fmt.Sprintf("reports of %s, who left: %s", p.User.Email, req.Choice)})
		}
		before := userDoc(p.User)
		p.User.Status = reportline.StatusInactive
		if err := tx.user.UpdateUser(ctx, &p.User); err != nil {
			return err
		}
		return a.recordUserChange(ctx, tx.user, actor, p.User.ID, before, userDoc(p.User))
	})
	return p, err
}

// successor resolves a named successor: someone the caller may see,
// active, not the leaver.
func (a *App) successor(ctx context.Context, tx namedPersonTx, ac *usecase.Authority, leaver reportline.User, named string) (reportline.User, error) {
	refuse := reportline.FieldError("successor", named, "no active account you can see matches %s", named)
	email, err := reportline.NormalizeEmail(named)
	if err != nil {
		return reportline.User{}, reportline.FieldError("successor", named, "name the successor by email")
	}
	s, err := tx.UserByEmail(ctx, email)
	if reportline.IsCode(err, reportline.NotFound) {
		return s, refuse
	}
	if err != nil {
		return s, err
	}
	if ok, err := a.mayView(ctx, tx, ac, s.ID); err != nil || !ok || !s.Active() {
		if err == nil {
			err = refuse
		}
		return s, err
	}
	if s.ID == leaver.ID {
		return s, reportline.FieldError("successor", named, "%s cannot succeed themself", leaver.Email)
	}
	return s, nil
}

// moveReports moves the leaver's links to target, or flags the reports
// when target is nobody (ID 0). Each move is audited as a link removed and
// a link added; the added one carries a comment naming the leaver.
func (a *App) moveReports(ctx context.Context, tx linkChangeTx, ac *usecase.Authority, actor Actor, leaver reportline.User, links []reportline.Link, target reportline.User) error {
	now := a.now()
	if target.ID == 0 {
		var ids []reportline.UserID
		for _, l := range links {
			ids = append(ids, l.ManageeID)
		}
		return tx.FlagLeaverReports(ctx, leaver.ID, ids, now)
	}
	var audit []reportline.AuditEntry
	var flag []reportline.UserID
	for _, old := range links {
		if old.ManageeID == target.ID {
			flag = append(flag, old.ManageeID) // a report succeeding their manager keeps a flag
			continue
		}
		if err := ac.NeedGroups(ctx, tx, target.ID, old.ManageeID); err != nil {
			return err
		}
		if !ac.Actor.System && !ac.MayLink(reportline.Pair{ManagerID: target.ID, ManageeID: old.ManageeID}) {
			return usecase.Forbidden("you may only move reports to someone in a group you administrate together with them").Say("error.forbidden.move_reports", nil)
		}
		p := reportline.Pair{ManagerID: target.ID, ManageeID: old.ManageeID}
		_, err := tx.Link(ctx, p)
		switch {
		case reportline.IsCode(err, reportline.NotFound):
			if old.Kind == reportline.Line {
				cycle, err := reportline.FindCycle(ctx, p.ManagerID, p.ManageeID, tx.LineManagers)
				if err != nil {
					return fmt.Errorf("cycle check: %w", err)
				}
				if cycle != nil {
					msg, err := describeCycle(ctx, tx, ac, cycle)
					if err != nil {
						return err
					}
					return reportline.FieldError("successor", target.Email, "moving the reports to %s would close a cycle of managers: %s", target.Email, msg)
				}
			}
			l := reportline.Link{ManagerID: p.ManagerID, ManageeID: p.ManageeID, Kind: old.Kind, Source: actor.Source,
				Comment: fmt.Sprintf("moved from %s, who left", leaver.Email), CreatedBy: actor.ID(), CreatedAt: now}
			if err := tx.InsertLink(ctx, l); err != nil {
				return err
			}
			audit = append(audit, reportline.AuditEntry{At: now, ActorID: actor.ID(), Source: actor.Source, Action: reportline.ActionAdd,
				ManagerID: l.ManagerID, ManageeID: l.ManageeID, After: &l})
		case err != nil:
			return err
		}
		if err := tx.DeleteLink(ctx, old.Pair()); err != nil {
			return err
		}
		o := old
		audit = append(audit, reportline.AuditEntry{At: now, ActorID: actor.ID(), Source: actor.Source, Action: reportline.ActionRemove,
			ManagerID: o.ManagerID, ManageeID: o.ManageeID, Before: &o})
	}
	if err := tx.AppendAudit(ctx, audit); err != nil {
		return err
	}
	return tx.FlagLeaverReports(ctx, leaver.ID, flag, now)
}

// leaverSweepTx is the transaction of RunLeavers in two views of it: the
// leavers' links not handled yet, moved or flagged with their audit; and
// the links that count, where each leaver's own line manager is found.
type leaverSweepTx struct {
	moves interface {
		linkChangeTx
		LeaverLinks(ctx context.Context, limit int) ([]reportline.Link, error)
	}
	lines effectiveTx
}

func (a *App) leaverSweepStore() usecase.Store[leaverSweepTx] {
	return narrow(a.store, func(tx Tx) leaverSweepTx { return leaverSweepTx{moves: tx, lines: tx} })
}

// RunLeavers applies the setting leaver.sync to the reports of managers
// deactivated without a confirmation (a directory sync, SCIM, a users CSV,
// a plain status change): "flag" records them, "manager" moves them to the
// leaver's own line manager (flagged when there is none). The scheduler's
// tick calls it (through RunLinkEvents); each report is handled once.
func (a *App) RunLeavers(ctx context.Context) (int, error) {
	n := 0
	err := a.leaverSweepStore().Write(ctx, func(tx leaverSweepTx) error {
		n = 0
		links, err := tx.moves.LeaverLinks(ctx, 500)
		if err != nil || len(links) == 0 {
			return err
		}
		mode, err := leaverSync(ctx, tx.moves)
		if err != nil {
			return err
		}
		byLeaver := map[reportline.UserID][]reportline.Link{}
		for _, l := range links {
			byLeaver[l.ManagerID] = append(byLeaver[l.ManagerID], l)
		}
		sysActor := usecase.SystemActor(reportline.SourceAPI)
		ac, err := usecase.LoadAuthority(ctx, tx.moves, sysActor)
		if err != nil {
			return err
		}
		for _, id := range sortedKeys(byLeaver) {
			leaver, err := tx.moves.User(ctx, id)
			if err != nil {
				return err
			}
			var target reportline.User
			if mode == reportline.LeaverToManager {
				if target, err = a.lineManagerOf(ctx, tx.lines, id); err != nil {
					return err
				}
			}
			if err := a.moveReports(ctx, tx.moves, ac, sysActor, leaver, byLeaver[id], target); err != nil {
				// A move refused (a cycle): flag them instead.
				if !reportline.IsCode(err, reportline.Invalid) {
					return err
				}
				if err := a.moveReports(ctx, tx.moves, ac, sysActor, leaver, byLeaver[id], reportline.User{}); err != nil {
					return err
				}
			}
			n += len(byLeaver[id])
		}
		return nil
	})
	return n, err
}

// leaverSync reads the setting leaver.sync.
func leaverSync(ctx context.Context, tx settingReadTx) (reportline.LeaverChoice, error) {
	v, err := tx.Setting(ctx, settingLeaverSync)
	if reportline.IsCode(err, reportline.NotFound) || (err == nil && v != string(reportline.LeaverToManager)) {
		return reportline.LeaverFlag, nil
	}
	return reportline.LeaverChoice(v), err
}

// SetLeaverSync changes what the sweep does to the reports of managers
// deactivated without a confirmation: "flag" or "manager".
func (a *App) SetLeaverSync(ctx context.Context, actor Actor, c reportline.LeaverChoice) error {
	if c != reportline.LeaverFlag && c != reportline.LeaverToManager {
		return reportline.FieldError("leaver_sync", string(c), "must be %q or %q", reportline.LeaverFlag, reportline.LeaverToManager)
	}
	return a.leaverSettingsStore().Write(ctx, func(tx leaverSettingsTx) error {
		if err := usecase.AuthorizeActor(actor, policy.ChangeSettings); err != nil {
			return err
		}
		old, err := leaverSync(ctx, tx)
		if err != nil {
			return err
		}
		if err := tx.PutSetting(ctx, settingLeaverSync, string(c)); err != nil {
			return err
		}
		return a.record(ctx, tx, actor, policy.ChangeSettings, reportline.Change{What: "setting " + settingLeaverSync,
			Before: usecase.JSON(string(old)), After: usecase.JSON(string(c))})
	})
}

// LeaverFlags lists the reports flagged when their manager left (the
// health centre's query): platform admins.
func (a *App) LeaverFlags(ctx context.Context, actor Actor) ([]reportline.LeaverFlagRow, error) {
	var out []reportline.LeaverFlagRow
	err := a.leaverSettingsStore().Read(ctx, func(tx leaverSettingsTx) error {
		if err := usecase.AuthorizeActor(actor, policy.ReadSettings); err != nil {
			return err
		}
		var err error
		out, err = tx.LeaverFlags(ctx, 0)
		return err
	})
	return out, err
}
