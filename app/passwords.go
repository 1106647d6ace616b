package app

import (
	"context"

	"reportline"
	"reportline/policy"
	"reportline/usecase"
)

// PasswordChange is a new password for a user and what else it ends.
type PasswordChange struct {
	User     reportline.UserID
	Password string
	// RevokeTokens also revokes every API token of the user (a password
	// changed because it leaked may have leaked with the tokens).
	RevokeTokens bool
	// KeepSession is the caller's own session secret when they change
	// their own password from a page: that one session stays open, every
	// other one ends.
	KeepSession string
}

// SetPassword sets a user's password and ends all their sessions. Users set
// their own; platform admins and the operator set anybody's.
func (a *App) SetPassword(ctx context.Context, actor Actor, user reportline.UserID, password string) error {
	return a.ChangePassword(ctx, actor, PasswordChange{User: user, Password: password})
}

// ChangePassword sets a user's password, ends their other sessions (every
// session but c.KeepSession), voids their pending reset links and, when
// asked, revokes their API tokens, all in one transaction.
func (a *App) ChangePassword(ctx context.Context, actor Actor, c PasswordChange) error {
	if err := checkPasswordStrength(c.Password); err != nil {
		return err
	}
	if err := mayChangePassword(actor, c.User); err != nil {
		return err
	}
	hash, err := a.hashNew(ctx, c.Password)
	if err != nil {
		return err
	}
	return a.passwordStore().Write(ctx, func(tx passwordTx) error {
		if _, err := tx.User(ctx, c.User); err != nil {
			return err
		}
		return a.replacePassword(ctx, tx, actor, c, hash)
	})
}

// mayChangePassword is who may set a user's password: the user, platform
// admins and the operator (CLI).
func mayChangePassword(actor Actor, user reportline.UserID) error {
	return usecase.AuthorizeOwn(actor, policy.ManageOwnAccount, user)
}

// replacePassword stores the new hash and ends what the old password
// opened: other sessions, pending reset links and, if asked, tokens.
func (a *App) replacePassword(ctx context.Context, tx passwordTx, actor Actor, c PasswordChange, hash string) error {
	now := a.now()
	if err := tx.SetPasswordHash(ctx, c.User, hash); err != nil {
		return err
	}
	var keep []byte
	if c.KeepSession != "" {
		keep = usecase.HashSecret(c.KeepSession)
	}
	ended, err := tx.DeleteUserSessions(ctx, c.User, keep)
	if err != nil {
		return err
	}
	if err := tx.DeletePasswordResets(ctx, c.User, now); err != nil {
		return err
	}
	revoked := 0
	if c.RevokeTokens {
		if revoked, err = tx.RevokeUserTokens(ctx, c.User, now); err != nil {
			return err
		}
	}
	a.log.Info("password changed", "user", c.User, "sessions_ended", ended, "tokens_revoked", revoked)
	return a.record(ctx, tx, actor, policy.ManageOwnAccount, reportline.Change{What: "password", UserID: c.User,
		After: usecase.JSON(map[string]any{"sessions_ended": ended, "tokens_revoked": revoked})})
}

// hashNew hashes a new password in one of the hashing slots.
func (a *App) hashNew(ctx context.Context, password string) (string, error) {
	var hash string
	var herr error
	if err := a.hashing(ctx, func() { hash, herr = hashPassword(password, a.pw) }); err != nil {
		return "", err
	}
	return hash, herr
}

// OwnPasswordChange is a signed-in user changing their own password.
type OwnPasswordChange struct {
	Current      string // checked, and counted like a sign-in attempt
	New          string
	Session      string // the caller's session secret: kept open
	Client       string // the client address, for the throttle
	RevokeTokens bool
}

// ChangeOwnPassword checks the caller's current password, then sets the
// new one: their other sessions end, and their tokens are revoked if asked.
// Checking the current password goes through the sign-in throttle, so a
// stolen session cannot be used to guess it.
func (a *App) ChangeOwnPassword(ctx context.Context, actor Actor, c OwnPasswordChange) error {
	if actor.System || actor.User.ID == 0 {
		return usecase.Forbidden("only a signed-in user changes their own password").Say("error.forbidden.own_password", nil)
	}
	if err := checkPasswordStrength(c.New); err != nil {
		return err
	}
	if err := a.takeAttempts(ctx, "sign-in attempts", loginKeys(actor.User.Email, c.Client)); err != nil {
		return err
	}
	var hash string
	err := a.passwordStore().Read(ctx, func(tx passwordTx) error {
		var err error
		hash, err = tx.PasswordHash(ctx, actor.User.ID)
		return err
	})
	if reportline.IsCode(err, reportline.NotFound) {
		hash, err = dummyHash(), nil
	}
	if err != nil {
		return err
	}
	var ok bool
	var cerr error
	if err := a.hashing(ctx, func() { ok, cerr = checkPassword(c.Current, hash) }); err != nil {
		return err
	}
	if cerr != nil || !ok || len(c.Current) > MaxPasswordLength {
		return reportline.FieldError("current", "", "the current password is wrong")
	}
	return a.ChangePassword(ctx, actor, PasswordChange{User: actor.User.ID, Password: c.New, KeepSession: c.Session, RevokeTokens: c.RevokeTokens})
}
