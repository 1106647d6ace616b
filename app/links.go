package app

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"reportline"
	"reportline/directory"
	"reportline/policy"
	"reportline/usecase"
)

// LinkedUser is one side of a link, as listed on a user's page: the link
// and the other user.
type LinkedUser struct {
	Link reportline.Link
	User reportline.User
	// Removable says whether the actor may remove the link, so pages
	// offer only what will be allowed. Set by ListUserLinks.
	Removable bool
	// CoveringFor is, for a delegate's link made for an absence, the
	// manager they cover for, until CoverUntil (docs/absences.md).
	CoveringFor reportline.User
	CoverUntil  time.Time
}

// CoverLastDay is the last day of the cover (its end is excluded).
func (l LinkedUser) CoverLastDay() time.Time { return l.CoverUntil.Add(-time.Microsecond) }

// UserLinks is what "Show managers" shows: a user, their managers and the
// users they manage.
type UserLinks struct {
	User     reportline.User
	Managers []LinkedUser
	Managees []LinkedUser
}

// ListUserLinks returns a user's managers and managees, sorted by name. The
// user themself, whoever administers them, and their managers may look.
func (a *App) ListUserLinks(ctx context.Context, actor Actor, user reportline.UserID) (UserLinks, error) {
	return a.listLinks(ctx, actor, user, reportline.Managers, reportline.Managees)
}

// ListLinks returns one side of a user's links, with the same rules as
// ListUserLinks: what the API's managers and managees lists need.
func (a *App) ListLinks(ctx context.Context, actor Actor, user reportline.UserID, dir reportline.Direction) (UserLinks, error) {
	if !dir.Valid() {
		return UserLinks{}, reportline.FieldError("direction", string(dir), "direction must be managers or managees")
	}
	return a.listLinks(ctx, actor, user, dir)
}

func (a *App) listLinks(ctx context.Context, actor Actor, user reportline.UserID, dirs ...reportline.Direction) (UserLinks, error) {
	if out, ok, err := a.listLinksOnce(ctx, actor, user, dirs); ok {
		return out, err
	}
	var out UserLinks
	err := a.linkListStore().Read(ctx, func(tx linkListTx) error {
		ac, err := usecase.LoadAuthority(ctx, tx, actor)
		if err != nil {
			return err
		}
		ok, err := a.mayView(ctx, tx, ac, user)
		if err != nil {
			return err
		}
		if !ok {
			return usecase.NotVisible()
		}
		me, sides, err := tx.UserWithLinks(ctx, user, dirs...)
		if err != nil {
			return err
		}
		if out, err = a.userLinks(ctx, tx, ac, me, dirs, sides); err != nil {
			return err
		}
		return nil
	})
	return out, err
}

// listLinksOnce answers listLinks in one statement without a transaction
// (no BEGIN or COMMIT: the Q1 path, docs/benchmarks.md) when nothing else
// needs reading: the actor is the service or a platform admin, whose
// authority and right to view anyone read nothing (usecase.LoadAuthority,
// mayView), and no manager link could carry an absence's cover note (only
// a link with both dates can). ok is false when it cannot; listLinks then
// reads in a transaction, as before.
func (a *App) listLinksOnce(ctx context.Context, actor Actor, user reportline.UserID, dirs []reportline.Direction) (out UserLinks, ok bool, err error) {
	if !actor.System && !actor.User.IsPlatformAdmin() {
		return UserLinks{}, false, nil
	}
	ac, err := usecase.LoadAuthority(ctx, nil, actor) // reads nothing for these actors
	if err != nil {
		return UserLinks{}, false, nil
	}
	var covered bool
	err = a.linkListStore().(narrowed[linkListTx]).ReadOnce(ctx, func(tx linkListTx) error {
		// The same rule as listLinks' (for these actors it reads nothing).
		if ok, err := a.mayView(ctx, tx, ac, user); err != nil || !ok {
			return cmp.Or(err, usecase.NotVisible())
		}
		me, sides, err := tx.UserWithLinks(ctx, user, dirs...)
		if err != nil {
			return err
		}
		for i, dir := range dirs {
			if dir == reportline.Managers && slices.ContainsFunc(sides[i], func(lu reportline.LinkedUser) bool {
				return !lu.Link.ValidFrom.IsZero() && !lu.Link.ValidUntil.IsZero()
			}) {
				covered = true
				return nil
			}
		}
		out, err = a.userLinks(ctx, tx, ac, me, dirs, sides)
		return err
	})
	if covered {
		return UserLinks{}, false, nil
	}
	return out, true, err
}

// userLinks completes what listLinks read (the user and one side of their
// links per dir): sorted by name, with the absences' cover notes on the
// managers, and what the actor may remove.
func (a *App) userLinks(ctx context.Context, tx linkListTx, ac *usecase.Authority, me reportline.User, dirs []reportline.Direction,
	sides [][]reportline.LinkedUser) (UserLinks, error) {
	out := UserLinks{User: me}
	ids := []reportline.UserID{me.ID}
	for i, dir := range dirs {
		side := sortedLinked(sides[i])
		for _, l := range side {
			ids = append(ids, l.User.ID)
		}
		if dir == reportline.Managers {
			if err := coverNotes(ctx, tx, me.ID, side, a.now()); err != nil {
				return UserLinks{}, err
			}
			out.Managers = side
		} else {
			out.Managees = side
		}
	}
	if err := ac.NeedGroups(ctx, tx, ids...); err != nil {
		return UserLinks{}, err
	}
	for _, side := range [][]LinkedUser{out.Managers, out.Managees} {
		for i := range side {
			side[i].Removable = ac.Actor.User.Active() && ac.MayLink(side[i].Link.Pair()) || ac.Actor.System
		}
	}
	return out, nil
}

// linkedUsers reads one side of a user's links with the users on the far
// side, sorted by name.
func linkedUsers(ctx context.Context, tx linkedUsersTx, user reportline.UserID, dir reportline.Direction) ([]LinkedUser, error) {
	rows, err := tx.LinkedUsers(ctx, user, dir)
	if err != nil {
		return nil, err
	}
	return sortedLinked(rows), nil
}

// sortedLinked makes the rows of one side LinkedUsers sorted by name (then
// id, so that the order does not depend on the order the rows came in).
func sortedLinked(rows []reportline.LinkedUser) []LinkedUser {
	out := make([]LinkedUser, len(rows))
	for i, r := range rows {
		out[i] = LinkedUser{Link: r.Link, User: r.User}
	}
	slices.SortFunc(out, func(x, y LinkedUser) int {
		if c := strings.Compare(strings.ToLower(x.User.Name()), strings.ToLower(y.User.Name())); c != 0 {
			return c
		}
		return cmp.Compare(x.User.ID, y.User.ID)
	})
	return out
}

// far returns the user on the side of a link that dir names.
func far(l reportline.Link, dir reportline.Direction) reportline.UserID {
	if dir == reportline.Managers {
		return l.ManagerID
	}
	return l.ManageeID
}

// pairWith builds the pair between the page's user and another user.
func pairWith(user, other reportline.UserID, dir reportline.Direction) reportline.Pair {
	if dir == reportline.Managers {
		return reportline.Pair{ManagerID: other, ManageeID: user}
	}
	return reportline.Pair{ManagerID: user, ManageeID: other}
}

// RemoveLink deletes one link, if the actor may link that pair.
func (a *App) RemoveLink(ctx context.Context, actor Actor, p reportline.Pair) error {
	return a.linkRemoveStore().Write(ctx, func(tx linkRemoveTx) error {
		ac, err := usecase.LoadAuthority(ctx, tx, actor)
		if err != nil {
			return err
		}
		if err := ac.NeedGroups(ctx, tx, p.ManagerID, p.ManageeID); err != nil {
			return err
		}
		if err := ac.Authorize(policy.ChangeLink, policy.Target{Manager: ac.Known(p.ManagerID), Managee: ac.Known(p.ManageeID)}); err != nil {
			return err
		}
		old, err := tx.Link(ctx, p)
		if err != nil {
			return err
		}
		on, err := a.SourcesOn(ctx, tx)
		if err != nil {
			return err
		}
		if owner, ok := directory.Owned(old, actor, on); ok {
			return (&reportline.Error{Code: reportline.Conflict, Message: directory.OwnedMessage("this manager", owner)}).
				Say("error.link.directory_owned_manager", map[string]any{"Source": string(owner)})
		}
		if err := tx.DeleteLink(ctx, p); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, []reportline.AuditEntry{{
			At: a.now(), ActorID: actor.ID(), Source: actor.Source, Action: reportline.ActionRemove,
			ManagerID: p.ManagerID, ManageeID: p.ManageeID, Before: &old,
		}})
	})
}

// Audit returns entries of the audit log, newest first. Platform admins read
// all of it; admins and user admins read the entries about a user they
// administrate (Filter.UserID is then required).
func (a *App) Audit(ctx context.Context, actor Actor, f reportline.AuditFilter) ([]reportline.AuditEntry, error) {
	var out []reportline.AuditEntry
	err := a.auditLogStore().Read(ctx, func(tx auditLogTx) error {
		ac, err := usecase.LoadAuthority(ctx, tx, actor)
		if err != nil {
			return err
		}
		if err := ac.AuthorizeAbout(ctx, tx, policy.ReadAudit, f.UserID); err != nil {
			return err
		}
		out, err = tx.Audit(ctx, f)
		if err != nil {
			return fmt.Errorf("read audit: %w", err)
		}
		return nil
	})
	return out, err
}
