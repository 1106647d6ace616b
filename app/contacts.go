package app

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"reportline"
	"reportline/policy"
	"reportline/usecase"
)

// Contact is one of a user's managers as their Contacts page shows them.
type Contact struct {
	User reportline.User // the manager
	Link reportline.Link // kind, source and dates of the link
}

// ContactsView is a user's Contacts page: their managers.
type ContactsView struct {
	User     reportline.User
	Managers []Contact
	// Grant says why the actor may see the page (themself, a manager,
	// an admin). The service acting on its own has no grant.
	Grant Grant
}

// Contacts returns a user's managers as of now: the effective links in
// effect today whose kind grants the contacts capability, to active
// managers, line managers first, then by name. An inactive user's links
// grant nothing, so their page lists nobody.
//
// Who may see it is the contacts capability (see CheckAccess): the user
// themself, their managers (links that grant contacts) and their admins.
func (a *App) Contacts(ctx context.Context, actor Actor, user reportline.UserID) (ContactsView, error) {
	var out ContactsView
	err := a.checkStore().Read(ctx, func(tx checkTx) error {
		ch, err := a.newChecker(ctx, tx, actor)
		if err != nil {
			return err
		}
		if err := ch.loadUsers(ctx, user); err != nil {
			return err
		}
		u := ch.users[user]
		if u == nil {
			if !ch.actor.Scope.All {
				return usecase.NotVisible()
			}
			return reportline.Errorf(reportline.NotFound, "user %d not found", user).
				Say("error.not_found.user", map[string]any{"Key": user})
		}
		out.User = *u
		if !actor.System {
			var d Decision
			if actor.User.Active() {
				if d, err = ch.decide(ctx, AccessQuery{Subject: actor.User.ID, Capability: reportline.Contacts, Resource: user, At: ch.now}); err != nil {
					return err
				}
			}
			if err := ch.actor.Authorize(policy.ReadContacts, policy.Target{Granted: d.Allowed}); err != nil {
				return err
			}
			out.Grant = d.Grant
		}
		if !u.Active() {
			return nil
		}
		links, err := ch.view.managersOf(ctx, user)
		if err != nil {
			return err
		}
		var ids []reportline.UserID
		for _, l := range links {
			ids = append(ids, l.ManagerID)
		}
		if err := ch.loadUsers(ctx, ids...); err != nil {
			return err
		}
		for _, l := range links {
			m := ch.users[l.ManagerID]
			if m != nil && m.Active() && l.InEffect(ch.now) && ch.matrix.Allows(l.Kind, reportline.Contacts) {
				out.Managers = append(out.Managers, Contact{User: *m, Link: l})
			}
		}
		slices.SortFunc(out.Managers, func(x, y Contact) int {
			if x.Link.Kind != y.Link.Kind {
				return cmp.Compare(kindOrder(x.Link.Kind), kindOrder(y.Link.Kind))
			}
			return cmp.Or(strings.Compare(strings.ToLower(x.User.Name()), strings.ToLower(y.User.Name())), cmp.Compare(x.User.ID, y.User.ID))
		})
		return nil
	})
	return out, err
}

// kindOrder puts line managers before functional ones.
func kindOrder(k reportline.Kind) int {
	if k == reportline.Line {
		return 0
	}
	return 1
}
