package app

import (
	"context"
	"slices"
	"strings"
	"time"

	"reportline"
	"reportline/policy"
	"reportline/usecase"
)

// This file holds the Assign role mode and the positions mapping; the org
// units are in org_units.go, the effective links they decide in
// effective.go. All of it is platform admins' business: the setting and
// the structure decide who manages whom across every group.

// AssignMode returns the Assign role mode. It is not secret: every caller
// may read it (an integrator learns whether their imports count).
func (a *App) AssignMode(ctx context.Context) (reportline.AssignMode, error) {
	var m reportline.AssignMode
	err := a.orgAdminStore().Read(ctx, func(tx orgAdminTx) error {
		var err error
		m, err = assignMode(ctx, tx)
		return err
	})
	return m, err
}

// SetAssignMode switches the Assign role mode. Only platform admins may. The
// switch takes effect at once and loses nothing: stored line links are
// kept in positions mode, and the org structure is kept in import mode.
func (a *App) SetAssignMode(ctx context.Context, actor Actor, mode reportline.AssignMode) error {
	if err := usecase.AuthorizeActor(actor, policy.ChangeSettings); err != nil {
		return err
	}
	if !mode.Valid() {
		return reportline.FieldError("mode", string(mode), "the assign role mode must be %q or %q", reportline.AssignByPositions, reportline.AssignByImport)
	}
	var old reportline.AssignMode
	err := a.orgAdminStore().Write(ctx, func(tx orgAdminTx) error {
		var err error
		if old, err = assignMode(ctx, tx); err != nil || old == mode {
			return err
		}
		if err := tx.PutSetting(ctx, settingAssignMode, string(mode)); err != nil {
			return err
		}
		return a.record(ctx, tx, actor, policy.ChangeSettings, reportline.Change{What: "setting " + settingAssignMode,
			Before: usecase.JSON(map[string]string{"mode": string(old)}), After: usecase.JSON(map[string]string{"mode": string(mode)})})
	})
	a.forgetAssignMode()
	if err == nil && old != mode {
		a.log.InfoContext(ctx, "assign role mode changed", "actor_id", actor.ID(), "source", actor.Source, "from", old, "to", mode)
	}
	return err
}

// SubordinatesPolicy is what the Policies → Subordinates settings show: the
// mode, and whether the org structure is ready to derive managers.
type SubordinatesPolicy struct {
	Mode             reportline.AssignMode
	OrgUnits         int
	ManagerPositions []string
}

// SubordinatesPolicy returns the Assign role mode and the state of the org
// structure, for platform admins.
func (a *App) SubordinatesPolicy(ctx context.Context, actor Actor) (SubordinatesPolicy, error) {
	if err := usecase.AuthorizeActor(actor, policy.ReadSettings); err != nil {
		return SubordinatesPolicy{}, err
	}
	var out SubordinatesPolicy
	err := a.orgAdminStore().Read(ctx, func(tx orgAdminTx) error {
		var err error
		if out.Mode, err = assignMode(ctx, tx); err != nil {
			return err
		}
		units, err := tx.OrgUnits(ctx)
		if err != nil {
			return err
		}
		out.OrgUnits = len(units)
		out.ManagerPositions, err = tx.ManagerPositions(ctx)
		return err
	})
	return out, err
}

// LineLinksInEffect reports whether stored line links (imported, assigned,
// synced) count as line managers, which they do in import mode only. An
// import made in positions mode is kept, and says it is not in effect.
func (a *App) LineLinksInEffect(ctx context.Context) (bool, error) {
	var ok bool
	err := a.orgAdminStore().Read(ctx, func(tx orgAdminTx) error {
		var err error
		ok, err = a.lineLinksInEffect(ctx, tx)
		return err
	})
	return ok, err
}

// ManagerPositions returns the positions mapping: the position titles that
// are manager positions, ordered by title.
func (a *App) ManagerPositions(ctx context.Context, actor Actor) ([]string, error) {
	if err := usecase.AuthorizeActor(actor, policy.ReadSettings); err != nil {
		return nil, err
	}
	var out []string
	err := a.orgAdminStore().Read(ctx, func(tx orgAdminTx) error {
		var err error
		out, err = tx.ManagerPositions(ctx)
		return err
	})
	return out, err
}

// MaxManagerPositions bounds the positions mapping.
const MaxManagerPositions = 1000

// SetManagerPositions replaces the positions mapping with titles, trimmed;
// titles are compared as reportline.OrgKey does, so "Head of Sales" and
// "head of sales" are one position and are listed once. It returns the
// mapping as stored.
func (a *App) SetManagerPositions(ctx context.Context, actor Actor, titles []string) ([]string, error) {
	if err := usecase.AuthorizeActor(actor, policy.ChangeSettings); err != nil {
		return nil, err
	}
	if len(titles) > MaxManagerPositions {
		return nil, reportline.FieldError("titles", "", "at most %d manager positions, not %d", MaxManagerPositions, len(titles))
	}
	clean := make([]string, 0, len(titles))
	seen := map[string]bool{}
	var details []reportline.Detail
	for i, t := range titles {
		if strings.TrimSpace(t) == "" {
			continue // a blank line of a pasted list
		}
		n, err := reportline.NormalizeOrgName("title", t)
		if err != nil {
			details = append(details, reportline.Detail{Line: i + 1, Field: "titles", Value: t, Reason: "invalid", Message: reportline.ErrorMessage(err)})
			continue
		}
		if k := reportline.OrgKey(n); !seen[k] {
			seen[k] = true
			clean = append(clean, n)
		}
	}
	if details != nil {
		return nil, (&reportline.Error{Code: reportline.Invalid, Field: "titles", Message: "some position titles are not valid", Details: details}).
			Say("error.org.titles", nil)
	}
	var out, old []string
	err := a.orgAdminStore().Write(ctx, func(tx orgAdminTx) error {
		var err error
		if old, err = tx.ManagerPositions(ctx); err != nil {
			return err
		}
		if err := tx.SetManagerPositions(ctx, clean); err != nil {
			return err
		}
		if out, err = tx.ManagerPositions(ctx); err != nil || slices.Equal(old, out) {
			return err
		}
		return a.record(ctx, tx, actor, policy.ChangeSettings, reportline.Change{What: "setting manager positions",
			Before: usecase.JSON(map[string][]string{"titles": old}), After: usecase.JSON(map[string][]string{"titles": out})})
	})
	if err == nil && !slices.Equal(old, out) {
		a.log.InfoContext(ctx, "positions mapping changed", "actor_id", actor.ID(), "source", actor.Source, "from", old, "to", out)
	}
	return out, err
}

// HeldPositions returns the positions users hold, the most held first (at
// most limit), for the positions mapping editor. It reads every user.
func (a *App) HeldPositions(ctx context.Context, actor Actor, limit int) ([]reportline.PositionCount, error) {
	if err := usecase.AuthorizeActor(actor, policy.ReadSettings); err != nil {
		return nil, err
	}
	var out []reportline.PositionCount
	err := a.orgAdminStore().Read(ctx, func(tx orgAdminTx) error {
		var err error
		out, err = tx.HeldPositions(ctx, max(1, min(limit, 1000)))
		return err
	})
	return out, err
}

// ManagerStars returns which of users carry the manager star: active users
// who, today and under the current Assign role mode, are the line manager
// of at least one active user (by a stored line link in effect in import
// mode, through the org structure in positions mode). Functional links
// never give a star. It grants nothing, so it asks for no actor: callers
// show it next to users they were allowed to list.
func (a *App) ManagerStars(ctx context.Context, users []reportline.UserID) (map[reportline.UserID]bool, error) {
	var out map[reportline.UserID]bool
	err := a.orgAdminStore().Read(ctx, func(tx orgAdminTx) error {
		v, err := a.linkView(ctx, tx)
		if err != nil {
			return err
		}
		out, err = v.stars(ctx, users, a.now())
		return err
	})
	return out, err
}

// EffectiveLinks is what a user's links amount to under the Assign role
// mode.
type EffectiveLinks struct {
	User reportline.User
	Mode reportline.AssignMode
	// At is the instant of the answer: Link.InEffect(At) says whether a
	// link grants anything now.
	At time.Time
	// Managers and Managees are the effective links: the ones that count
	// under Mode, in effect or not (Link.InEffect says), sorted by name.
	// Links derived from the org structure have source orgstructure and
	// are never Removable.
	Managers []LinkedUser
	Managees []LinkedUser
	// KeptManagers and KeptManagees are the stored line links that count
	// for nothing in positions mode: kept, and in effect again once the
	// mode is switched back to import. Empty in import mode.
	KeptManagers []LinkedUser
	KeptManagees []LinkedUser
	// ManagerStar says whether the user carries the manager star.
	ManagerStar bool
}

// EffectiveManagers returns a user's effective managers and managees. The
// user themself, whoever administers them, and their managers may look, as
// for ListUserLinks.
func (a *App) EffectiveManagers(ctx context.Context, actor Actor, user reportline.UserID) (EffectiveLinks, error) {
	var out EffectiveLinks
	err := a.orgAdminStore().Read(ctx, func(tx orgAdminTx) error {
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
		if out.User, err = tx.User(ctx, user); err != nil {
			return err
		}
		v, err := a.linkView(ctx, tx)
		if err != nil {
			return err
		}
		out.Mode, out.At = v.mode, a.now()
		managers, err := v.managersOf(ctx, user)
		if err != nil {
			return err
		}
		managees, err := v.manageesOf(ctx, user)
		if err != nil {
			return err
		}
		var keptUp, keptDown []reportline.Link
		if v.derives() {
			if keptUp, err = tx.Links(ctx, reportline.LinkFilter{ManageeID: user, Kind: reportline.Line}); err != nil {
				return err
			}
			if keptDown, err = tx.Links(ctx, reportline.LinkFilter{ManagerID: user, Kind: reportline.Line}); err != nil {
				return err
			}
		}
		sides := []struct {
			links []reportline.Link
			dir   reportline.Direction
			dst   *[]LinkedUser
		}{
			{managers, reportline.Managers, &out.Managers}, {managees, reportline.Managees, &out.Managees},
			{keptUp, reportline.Managers, &out.KeptManagers}, {keptDown, reportline.Managees, &out.KeptManagees},
		}
		for _, s := range sides {
			if *s.dst, err = a.linkedFrom(ctx, tx, ac, s.links, s.dir); err != nil {
				return err
			}
		}
		stars, err := v.stars(ctx, []reportline.UserID{user}, out.At)
		out.ManagerStar = stars[user]
		return err
	})
	return out, err
}

// linkedFrom pairs links with the users on their far side, sorted by name,
// and says which the actor may remove (never a derived one).
func (a *App) linkedFrom(ctx context.Context, tx orgAdminTx, ac *usecase.Authority, links []reportline.Link, dir reportline.Direction) ([]LinkedUser, error) {
	if len(links) == 0 {
		return nil, nil
	}
	ids := make([]reportline.UserID, len(links))
	for i, l := range links {
		ids[i] = far(l, dir)
	}
	users, err := tx.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	if err := ac.NeedGroups(ctx, tx, append(ids, far(links[0], opposite(dir)))...); err != nil {
		return nil, err
	}
	out := make([]LinkedUser, len(links))
	for i, l := range links {
		stored := l.Source != reportline.SourceOrgStructure
		out[i] = LinkedUser{Link: l, User: users[far(l, dir)],
			Removable: stored && (ac.Actor.System || ac.Actor.User.Active() && ac.MayLink(l.Pair()))}
	}
	slices.SortFunc(out, func(x, y LinkedUser) int {
		return strings.Compare(strings.ToLower(x.User.Name()), strings.ToLower(y.User.Name()))
	})
	return out, nil
}

// opposite returns the other side.
func opposite(dir reportline.Direction) reportline.Direction {
	if dir == reportline.Managers {
		return reportline.Managees
	}
	return reportline.Managers
}
