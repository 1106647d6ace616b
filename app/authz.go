package app

import (
	"context"

	"reportline"
	"reportline/policy"
	"reportline/usecase"
)

// actorManages reports whether the actor manages the user now, through a
// link in effect, stored or derived from the org structure.
func (a *App) actorManages(ctx context.Context, tx effectiveTx, ac *usecase.Authority, user reportline.UserID) (bool, error) {
	links, err := a.managersOf(ctx, tx, user)
	if err != nil {
		return false, err
	}
	now := a.now()
	for _, l := range links {
		if l.ManagerID == ac.Actor.User.ID && l.InEffect(now) {
			return true, nil
		}
	}
	return false, nil
}

// mayView reports whether the actor may see a user (their profile and
// links): the user themself, whoever administers them, and their own
// managers. An unknown user is not visible.
func (a *App) mayView(ctx context.Context, tx visibilityTx, ac *usecase.Authority, user reportline.UserID) (bool, error) {
	if ac.Actor.System || ac.Scope.All {
		return true, nil
	}
	if !ac.Actor.User.Active() {
		return false, nil
	}
	if ac.Actor.User.ID == user {
		return true, nil
	}
	if err := ac.NeedGroups(ctx, tx, user); err != nil {
		return false, err
	}
	p := ac.Known(user)
	if ac.Administers(user) {
		return ac.Decide(policy.ReadUser, policy.Target{User: p}).Allowed, nil
	}
	var err error
	if p.Managed, err = a.actorManages(ctx, tx, ac, user); err != nil {
		return false, err
	}
	return ac.Decide(policy.ReadUser, policy.Target{User: p}).Allowed, nil
}

// record appends a change to the change log for the actor, now.
func (a *App) record(ctx context.Context, tx usecase.ChangeTx, actor Actor, action policy.Action, c reportline.Change) error {
	return usecase.Record(ctx, tx, a.now(), actor, action, c)
}

// Changes returns change-log entries (every mutation but link changes),
// newest first, as the policy's audit.read row allows: platform admins
// everything; group and user admins the entries about a user they
// administrate (Filter.UserID is then required).
func (a *App) Changes(ctx context.Context, actor Actor, f reportline.ChangeFilter) ([]reportline.Change, error) {
	var out []reportline.Change
	err := a.auditReadStore().Read(ctx, func(tx auditReadTx) error {
		ac, err := usecase.LoadAuthority(ctx, tx, actor)
		if err != nil {
			return err
		}
		if err := ac.AuthorizeAbout(ctx, tx, policy.ReadAudit, f.UserID); err != nil {
			return err
		}
		out, err = tx.Changes(ctx, f)
		return err
	})
	return out, err
}

// May reports whether the actor may do an action about group (0: none in
// particular), for pages that offer only what the caller may do. It is the
// display: every use case asks again when it runs.
func (a *App) May(ctx context.Context, actor Actor, action policy.Action, group reportline.GroupID) (bool, error) {
	// The actor alone decides most platform admins' questions: no read.
	d := policy.Decide(policy.Actor{System: actor.System, SCIM: actor.SCIM, User: actor.User}, action, policy.Target{Group: group})
	if d.Allowed || actor.System || actor.SCIM || !actor.User.Active() || actor.User.IsPlatformAdmin() {
		return d.Allowed, nil
	}
	return a.mayRead(ctx, actor, action, group)
}

// mayRead is May when the answer depends on the actor's groups. (Its own
// function, so that May's common path does not allocate the closure's
// captured variables.)
func (a *App) mayRead(ctx context.Context, actor Actor, action policy.Action, group reportline.GroupID) (bool, error) {
	var d policy.Decision
	err := a.auditReadStore().Read(ctx, func(tx auditReadTx) error {
		ac, err := usecase.LoadAuthority(ctx, tx, actor)
		if err != nil {
			return err
		}
		d = ac.Decide(action, policy.Target{Group: group})
		return nil
	})
	return d.Allowed, err
}
