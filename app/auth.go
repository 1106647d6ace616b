package app

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"reportline"
	"reportline/usecase"
)

// Login checks an email and password and opens a session. It returns the
// session's secret (for the cookie) and the user. Every attempt is counted
// in the database before the password is hashed (throttle.go), per
// address typed and per client address, and hashing runs in one of a few
// slots; failures all look alike and an unknown address costs the same
// work as a known one, so nothing reveals which accounts exist.
func (a *App) Login(ctx context.Context, email, password, client string) (string, reportline.User, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	keys := loginKeys(email, client)
	if err := a.takeAttempts(ctx, "sign-in attempts", keys); err != nil {
		return "", reportline.User{}, err
	}
	fail := func() (string, reportline.User, error) {
		return "", reportline.User{}, reportline.Errorf(reportline.Unauthenticated, "wrong email or password").Say("error.signin.wrong_password", nil)
	}
	rule, err := a.passwordRule(ctx)
	if err != nil {
		return "", reportline.User{}, err
	}
	if !rule.allowsAddress(email) {
		return "", reportline.User{}, errSSOOnly
	}
	if len(password) > MaxPasswordLength {
		password = password[:MaxPasswordLength+1] // still spend a hash: same cost as any failure
	}
	var u reportline.User
	var hash string
	err = a.signInStore().Read(ctx, func(tx signInTx) error {
		var err error
		if u, err = tx.UserByEmail(ctx, email); err != nil {
			return err
		}
		hash, err = tx.PasswordHash(ctx, u.ID)
		return err
	})
	if err != nil && !reportline.IsCode(err, reportline.NotFound) {
		return "", u, err
	}
	known := hash != ""
	if !known {
		// Spend the same time as a real check, so timing does not tell
		// unknown addresses from wrong passwords.
		hash = dummyHash()
	}
	var ok bool
	var cerr error
	if err := a.hashing(ctx, func() { ok, cerr = checkPassword(password, hash) }); err != nil {
		return "", reportline.User{}, err
	}
	if cerr != nil {
		return "", u, fmt.Errorf("login %d: %w", u.ID, cerr)
	}
	good := known && ok && u.Active() && len(password) <= MaxPasswordLength
	if rule.ssoOnly && rule.glass == "" && (!good || !rule.allowsUser(u)) {
		// A tenant's SSO-only mode: the same answer whether the address,
		// the password or the role was wrong, so it tells nothing.
		return "", reportline.User{}, errSSOOnly
	}
	if !good {
		return fail()
	}
	if !rule.allowsUser(u) {
		return "", reportline.User{}, errSSOOnly
	}
	secret, hashed := usecase.NewSecret("rls_")
	now := a.now()
	err = a.signInStore().Write(ctx, func(tx signInTx) error {
		if err := a.loginSucceeded(ctx, tx, keys); err != nil {
			return err
		}
		if err := tx.DeleteExpiredSessions(ctx, now); err != nil {
			return err
		}
		return tx.CreateSession(ctx, reportline.Session{Hash: hashed, UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(a.ttl)})
	})
	if err != nil {
		return "", u, fmt.Errorf("open session: %w", err)
	}
	return secret, u, nil
}

// errSSOOnly refuses a password in SSO-only mode. It depends only on the
// address typed, so it tells nothing about which accounts exist.
var errSSOOnly = reportline.Errorf(reportline.Unauthenticated, "this site signs in with single sign-on only: use your organisation's sign-in button").Say("error.signin.sso_only", nil)

// dummyHash is checked against when an account has no password; it is
// computed on first use so that start-up does not pay for it.
var dummyHash = sync.OnceValue(func() string {
	h, _ := hashPassword("reportline-dummy-password", DefaultPasswordParams)
	return h
})

// SessionTTL is how long a session lasts; the cookie should last as long.
func (a *App) SessionTTL() time.Duration { return a.ttl }

// SessionUser returns the active user of a live session.
func (a *App) SessionUser(ctx context.Context, secret string) (reportline.User, error) {
	var u reportline.User
	err := a.signInStore().Read(ctx, func(tx signInTx) error {
		s, err := tx.SessionByHash(ctx, usecase.HashSecret(secret))
		if err != nil || !a.now().Before(s.ExpiresAt) {
			return reportline.Errorf(reportline.Unauthenticated, "your session has ended; sign in again").Say("error.signin.session_ended", nil)
		}
		u, err = tx.User(ctx, s.UserID)
		return err
	})
	if err == nil && !u.Active() {
		err = reportline.Errorf(reportline.Unauthenticated, "this account is inactive").Say("error.signin.inactive", nil)
	}
	return u, err
}

// Logout ends a session.
func (a *App) Logout(ctx context.Context, secret string) error {
	return a.signInStore().Write(ctx, func(tx signInTx) error { return tx.DeleteSession(ctx, usecase.HashSecret(secret)) })
}

// TokenUser returns the active user an API token belongs to.
func (a *App) TokenUser(ctx context.Context, token string) (reportline.User, error) {
	hash := usecase.HashSecret(token)
	tenant := a.ctxTenant(ctx)
	e, gen, ok := a.tokens.get(tenant, hash, a.now(), a.confirmedVersion(ctx))
	if ok && a.now().Sub(e.token.LastUsedAt) <= time.Minute {
		return e.user, nil
	}
	var u reportline.User
	var t reportline.APIToken
	var version int64
	read := a.now()
	err := a.signInStore().Read(ctx, func(tx signInTx) error {
		var err error
		if t, u, err = tx.TokenUser(ctx, hash); reportline.IsCode(err, reportline.NotFound) {
			return reportline.Errorf(reportline.Unauthenticated, "unknown API token")
		} else if err != nil {
			return err
		}
		version, err = tx.GraphVersion(ctx)
		return err
	})
	if err != nil {
		return u, err
	}
	// Recording use is best effort and at most once a minute per token,
	// so API reads do not each become a write; it is written off the
	// request's path (token_touch.go), and the entry cached as used now.
	now := a.now()
	usable := u.Active() && t.Status(now) == reportline.TokenActive
	if usable && now.Sub(t.LastUsedAt) > time.Minute {
		a.touchToken(tenant, t.ID, now)
		t.LastUsedAt = now
	}
	if usable && now.Sub(t.LastUsedAt) <= time.Minute {
		a.tokens.put(tenant, hash, gen, cachedToken{token: t, user: u, read: read, version: version})
	}
	if !u.Active() {
		return u, reportline.Errorf(reportline.Unauthenticated, "the token's account is inactive")
	}
	switch t.Status(a.now()) {
	case reportline.TokenRevoked:
		return u, reportline.Errorf(reportline.Unauthenticated, "this API token was revoked")
	case reportline.TokenExpired:
		return u, reportline.Errorf(reportline.Unauthenticated, "this API token has expired")
	}
	return u, nil
}

// CreateToken makes a new API token, without expiry, for the user with
// the given email and returns it; only its hash is kept. See CreateAPIToken.
func (a *App) CreateToken(ctx context.Context, actor Actor, email, name string) (string, error) {
	c, err := a.CreateAPIToken(ctx, actor, NewToken{Email: email, Name: name})
	return c.Secret, err
}

// AdminRecovery says what CreatePlatformAdmin found: a new account, or an
// existing one it recovered (promoted, reactivated, re-addressed).
type AdminRecovery struct {
	Existed     bool   // the account existed: no second one was created
	WasAdmin    bool   // it was a platform admin already
	WasInactive bool   // it was deactivated, and is active again
	FormerEmail string // the address a directory had given it, now put back to the one asked ("" when unchanged)
}

// CreatePlatformAdmin creates a platform admin with a password, or
// recovers an existing account rather than creating a second one: the user
// with that address, or else the platform admin whose address a directory
// changed away from it, is made a platform admin again, reactivated, given
// the address and the new password. It is the operator's bootstrap and the
// way back in for a locked-out admin, run from the CLI.
func (a *App) CreatePlatformAdmin(ctx context.Context, email, password string) (reportline.User, error) {
	u, _, err := a.RecoverPlatformAdmin(ctx, email, password)
	return u, err
}

// RecoverPlatformAdmin is CreatePlatformAdmin, saying what it found.
func (a *App) RecoverPlatformAdmin(ctx context.Context, email, password string) (reportline.User, AdminRecovery, error) {
	var rec AdminRecovery
	email, err := reportline.NormalizeEmail(email)
	if err != nil {
		return reportline.User{}, rec, err
	}
	if err := checkPasswordStrength(password); err != nil {
		return reportline.User{}, rec, err
	}
	hash, err := a.hashNew(ctx, password)
	if err != nil {
		return reportline.User{}, rec, err
	}
	var u reportline.User
	err = a.signInStore().Write(ctx, func(tx signInTx) error {
		u, rec, err = a.putPlatformAdmin(ctx, tx, SystemActor(reportline.SourceCLI), email, hash, "")
		return err
	})
	return u, rec, err
}

// putPlatformAdmin is RecoverPlatformAdmin's work in tx, for actor, with
// the address normalized and the password hashed: it creates the admin
// (named name, "First Last", when not "") or recovers the account.
func (a *App) putPlatformAdmin(ctx context.Context, tx signInTx, actor Actor, email, hash, name string) (reportline.User, AdminRecovery, error) {
	var rec AdminRecovery
	u, err := tx.UserByEmail(ctx, email)
	if reportline.IsCode(err, reportline.NotFound) {
		// A directory may have re-addressed the admin (before the guard,
		// or with it switched off): recover that account.
		var id reportline.UserID
		if id, err = tx.FormerAdminWithEmail(ctx, email); err == nil {
			if u, err = tx.User(ctx, id); err == nil {
				rec.FormerEmail = u.Email
			}
		}
	}
	switch {
	case reportline.IsCode(err, reportline.NotFound):
		u = reportline.User{Email: email, Status: reportline.StatusActive, PlatformRole: reportline.PlatformAdminRole}
		u.FirstName, u.LastName, _ = strings.Cut(strings.Join(strings.Fields(name), " "), " ")
		if err := tx.CreateUser(ctx, &u); err != nil {
			return u, rec, err
		}
	case err != nil:
		return u, rec, err
	default:
		rec.Existed, rec.WasAdmin, rec.WasInactive = true, u.IsPlatformAdmin(), !u.Active()
		u.PlatformRole, u.Status, u.Email = reportline.PlatformAdminRole, reportline.StatusActive, email
		if err := tx.UpdateUser(ctx, &u); err != nil {
			return u, rec, err
		}
	}
	return u, rec, a.replacePassword(ctx, tx, actor, PasswordChange{User: u.ID}, hash)
}

func checkPasswordStrength(pw string) error {
	if len(pw) < MinPasswordLength {
		return reportline.FieldError("password", "", "password must have at least %d characters", MinPasswordLength)
	}
	if len(pw) > MaxPasswordLength {
		return reportline.FieldError("password", "", "password must have at most %d characters", MaxPasswordLength)
	}
	return nil
}

// CredentialHash is the hash a credential (an API or SCIM token, a session
// secret) is stored and routed by.
func CredentialHash(secret string) []byte { return usecase.HashSecret(secret) }
