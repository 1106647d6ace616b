package app

import (
	"context"

	"reportline"
	"reportline/policy"
	"reportline/usecase"
)

// EndSSOSessions ends the sessions an identity provider's single logout
// names: those of the person whose subject it is at provider, among which
// match chooses (by Method and LogoutHint, which the protocol layer
// wrote at sign-in). The identity provider speaks for the person, who is
// the actor in the change log. An unknown subject, or no session left to
// end, ends nothing and is no error. It returns how many it ended.
func (a *App) EndSSOSessions(ctx context.Context, provider, subject string, match func(reportline.Session) bool) (int, error) {
	var n int
	err := a.ssoLogoutStore().Write(ctx, func(tx ssoLogoutTx) error {
		link, err := tx.SSOLink(ctx, provider, subject)
		if reportline.IsCode(err, reportline.NotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		u, err := tx.User(ctx, link.UserID)
		if err != nil {
			return err
		}
		actor := UserActor(u, reportline.SourceSSO)
		if err := usecase.AuthorizeOwn(actor, policy.EndSessions, u.ID); err != nil {
			return err
		}
		ss, err := tx.UserSessions(ctx, u.ID, a.now())
		if err != nil {
			return err
		}
		for _, s := range ss {
			if !match(s) {
				continue
			}
			if err := tx.DeleteSession(ctx, s.Hash); err != nil {
				return err
			}
			n++
		}
		if n == 0 {
			return nil
		}
		return a.record(ctx, tx, actor, policy.EndSessions, reportline.Change{What: "sessions ended by " + provider + " single logout", UserID: u.ID,
			After: usecase.JSON(map[string]any{"ended": n, "provider": provider, "subject": subject})})
	})
	if err != nil {
		n = 0
	}
	return n, err
}

// authorizeSessions asks the policy's session.manage row about a user's
// sessions: their own, anyone's for platform admins, and the people they
// administrate for group and user admins (their groups loaded first).
func (a *App) authorizeSessions(ctx context.Context, actor Actor, user reportline.UserID) error {
	return a.ssoLogoutStore().Read(ctx, func(tx ssoLogoutTx) error {
		ac, err := usecase.LoadAuthority(ctx, tx, actor)
		if err != nil {
			return err
		}
		return ac.AuthorizeAbout(ctx, tx, policy.EndSessions, user)
	})
}

// MayManageSessions says whether the actor may see and end a user's
// sessions (for a page to offer it; the actions ask again).
func (a *App) MayManageSessions(ctx context.Context, actor Actor, user reportline.UserID) bool {
	return a.authorizeSessions(ctx, actor, user) == nil
}
