package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"reportline"
	"reportline/usecase"
)

// The operator page's sign-in (docs/tenants.md, "Built: step 4, part 2").
// Operators are above tenants: their accounts and sessions live in global
// tables the OperatorStore reaches (store.DB implements it). Sign-in goes
// through the same throttle as a tenant user's (throttle.go), counted in
// the implicit tenant under keys of their own, and the same hashing slots.

// OperatorStore is what operator sign-in needs of the store.
type OperatorStore interface {
	CreateOperator(ctx context.Context, actor, email, passwordHash string) (reportline.Operator, error)
	SetOperatorPassword(ctx context.Context, actor, email, passwordHash string) (reportline.Operator, error)
	OperatorByEmail(ctx context.Context, email string) (reportline.Operator, string, error)
	CreateOperatorSession(ctx context.Context, hash []byte, operator int64, now, expires time.Time) error
	OperatorSession(ctx context.Context, hash []byte, now time.Time) (reportline.Operator, error)
	DeleteOperatorSession(ctx context.Context, hash []byte) error
}

// OperatorSessionTTL is how long an operator session lasts: shorter than
// a tenant user's, as the page can delete tenants.
const OperatorSessionTTL = 8 * time.Hour

// CreateOperator creates an operator, or gives an existing one a new
// password (which ends their sessions). actor is who ran it (the CLI's
// OS user). It says whether the operator existed.
func (a *App) CreateOperator(ctx context.Context, ops OperatorStore, actor, email, password string) (reportline.Operator, bool, error) {
	email, err := reportline.NormalizeEmail(email)
	if err != nil {
		return reportline.Operator{}, false, err
	}
	if err := checkPasswordStrength(password); err != nil {
		return reportline.Operator{}, false, err
	}
	hash, err := a.hashNew(ctx, password)
	if err != nil {
		return reportline.Operator{}, false, err
	}
	op, err := ops.CreateOperator(ctx, actor, email, hash)
	if reportline.IsCode(err, reportline.Conflict) {
		op, err = ops.SetOperatorPassword(ctx, actor, email, hash)
		return op, true, err
	}
	return op, false, err
}

// operatorLoginKeys are the throttle's counters of an operator sign-in:
// distinct from a tenant user's with the same address.
func operatorLoginKeys(email, client string) []throttleKey {
	keys := []throttleKey{throttled("operator-login-account", email, LoginPerAccount)}
	if client != "" {
		keys = append(keys, throttled("operator-login-client", client, LoginPerClient))
	}
	return keys
}

// OperatorLogin checks an operator's address and password and opens an
// operator session; it returns the session's secret (for the cookie).
// Failures look alike, an unknown address costs a hash like a known one,
// and attempts are throttled as a tenant user's are.
func (a *App) OperatorLogin(ctx context.Context, ops OperatorStore, email, password, client string) (string, reportline.Operator, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	keys := operatorLoginKeys(email, client)
	tctx := reportline.WithTenant(ctx, reportline.ImplicitTenant)
	if err := a.takeAttempts(tctx, "sign-in attempts", keys); err != nil {
		return "", reportline.Operator{}, err
	}
	if len(password) > MaxPasswordLength {
		password = password[:MaxPasswordLength+1]
	}
	op, hash, err := ops.OperatorByEmail(ctx, email)
	if err != nil && !reportline.IsCode(err, reportline.NotFound) {
		return "", op, err
	}
	known := err == nil && hash != ""
	if !known {
		hash = dummyHash()
	}
	var ok bool
	var cerr error
	if err := a.hashing(ctx, func() { ok, cerr = checkPassword(password, hash) }); err != nil {
		return "", reportline.Operator{}, err
	}
	if cerr != nil {
		return "", op, fmt.Errorf("operator login %s: %w", email, cerr)
	}
	if !known || !ok || len(password) > MaxPasswordLength {
		return "", reportline.Operator{}, reportline.Errorf(reportline.Unauthenticated, "wrong email or password").Say("error.signin.wrong_password", nil)
	}
	if err := a.throttleStore().Write(tctx, func(tx throttleTx) error { return a.loginSucceeded(tctx, tx, keys) }); err != nil {
		return "", op, fmt.Errorf("operator login %s: %w", email, err)
	}
	secret, hashed := usecase.NewSecret("rlo_")
	if err := ops.CreateOperatorSession(ctx, hashed, op.ID, a.now(), a.now().Add(OperatorSessionTTL)); err != nil {
		return "", op, fmt.Errorf("operator login %s: %w", email, err)
	}
	return secret, op, nil
}

// OperatorOf returns the operator of a live operator session. A tenant
// user's session secret is never one (it is not in the operators'
// sessions).
func (a *App) OperatorOf(ctx context.Context, ops OperatorStore, secret string) (reportline.Operator, error) {
	op, err := ops.OperatorSession(ctx, usecase.HashSecret(secret), a.now())
	if err != nil {
		if reportline.IsCode(err, reportline.NotFound) {
			return op, reportline.Errorf(reportline.Unauthenticated, "your session has ended; sign in again").Say("error.signin.session_ended", nil)
		}
		return op, err
	}
	return op, nil
}

// OperatorLogout ends an operator session.
func (a *App) OperatorLogout(ctx context.Context, ops OperatorStore, secret string) error {
	return ops.DeleteOperatorSession(ctx, usecase.HashSecret(secret))
}
