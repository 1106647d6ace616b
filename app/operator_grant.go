package app

import (
	"context"
	"fmt"
	"time"

	"reportline"
	"reportline/policy"
	"reportline/usecase"
)

// The operator sees no tenant's people unless the tenant grants it
// (docs/tenants.md, "The operator"): a platform admin of the tenant lets
// the operator list its people for a few hours (policy
// tenant.operator_grant), and the operator page may list them while the
// grant runs (tenants.people.read). The grant is two settings of the
// tenant (no table of its own: it is one value per tenant, exported and
// deleted with the tenant), and every grant, revocation and listing is
// recorded in the operator log, the grant and revocation in the tenant's
// change log too, in the same transaction.

// The settings keys of the grant.
const (
	settingOperatorGrantUntil = "operator.grant.until" // RFC 3339, UTC; "" when none
	settingOperatorGrantBy    = "operator.grant.by"    // the granting admin's address
)

// MaxOperatorGrant is the longest grant a tenant may give at once.
const MaxOperatorGrant = 72 * time.Hour

// OperatorGrant is a tenant's grant of access to its people to the
// operator. Until is zero when the tenant never granted it or revoked it.
type OperatorGrant struct {
	Until time.Time
	By    string // who granted it
}

// Running reports whether the grant lets the operator in at now.
func (g OperatorGrant) Running(now time.Time) bool { return now.Before(g.Until) }

// operatorLogTx writes the operator log in the tenant's transaction, so
// that a grant is recorded there and in the tenant's change log together.
type operatorLogTx interface {
	RecordOperatorLog(ctx context.Context, actor, action, detail string) error
}

// operatorGrantTx is what the grant's use cases read and write: the
// tenant's settings, the change log, the operator log and, while a grant
// runs, the people the operator lists.
type operatorGrantTx interface {
	tenantTx
	operatorLogTx
	FindUsers(ctx context.Context, f reportline.UserFilter) ([]reportline.User, int, error)
}

func (a *App) operatorGrantStore() usecase.Store[operatorGrantTx] {
	return narrow(a.store, func(tx Tx) operatorGrantTx { return tx })
}

func readOperatorGrant(ctx context.Context, tx tenantTx) (OperatorGrant, error) {
	get := settingReader(ctx, tx)
	var until string
	var g OperatorGrant
	if err := readSettings(get, map[string]*string{settingOperatorGrantUntil: &until, settingOperatorGrantBy: &g.By}); err != nil {
		return g, err
	}
	if until != "" {
		t, err := time.Parse(time.RFC3339, until)
		if err != nil {
			return g, fmt.Errorf("the setting %s: %w", settingOperatorGrantUntil, err)
		}
		g.Until = t
	}
	return g, nil
}

// OperatorGrant returns the context's tenant's grant to the operator as
// its platform admins see it; a grant that ended reads as none.
func (a *App) OperatorGrant(ctx context.Context, actor Actor) (OperatorGrant, error) {
	if err := usecase.AuthorizeActor(actor, policy.GrantOperator); err != nil {
		return OperatorGrant{}, err
	}
	var g OperatorGrant
	err := a.operatorGrantStore().Read(ctx, func(tx operatorGrantTx) error {
		var err error
		g, err = readOperatorGrant(ctx, tx)
		return err
	})
	if !g.Running(a.now()) {
		g = OperatorGrant{}
	}
	return g, err
}

// GrantOperatorAccess lets the operator list the context's tenant's
// people for hours (1 to 72) from now, replacing a grant that runs.
// Platform admins of the tenant; recorded in the tenant's change log and
// the operator log.
func (a *App) GrantOperatorAccess(ctx context.Context, actor Actor, hours int) (OperatorGrant, error) {
	if hours < 1 || time.Duration(hours)*time.Hour > MaxOperatorGrant {
		return OperatorGrant{}, reportline.FieldError("hours", fmt.Sprint(hours), "a grant lasts from 1 to %d hours", int(MaxOperatorGrant.Hours()))
	}
	g := OperatorGrant{Until: a.now().Add(time.Duration(hours) * time.Hour).UTC().Truncate(time.Second), By: granter(actor)}
	err := a.changeOperatorGrant(ctx, actor, g, "operator.grant", "until "+g.Until.Format(time.RFC3339))
	return g, err
}

// granter names actor in the grant and the operator log: the admin's
// address, or the system (the CLI's label).
func granter(actor Actor) string {
	switch {
	case !actor.System:
		return actor.User.Email
	case actor.Label != "":
		return actor.Label
	}
	return "system"
}

// RevokeOperatorAccess ends the context's tenant's grant to the operator
// at once; platform admins of the tenant; recorded as the grant is.
func (a *App) RevokeOperatorAccess(ctx context.Context, actor Actor) error {
	return a.changeOperatorGrant(ctx, actor, OperatorGrant{}, "operator.revoke", "")
}

func (a *App) changeOperatorGrant(ctx context.Context, actor Actor, g OperatorGrant, action, detail string) error {
	until := ""
	if !g.Until.IsZero() {
		until = g.Until.Format(time.RFC3339)
	}
	return a.operatorGrantStore().Write(ctx, func(tx operatorGrantTx) error {
		ac, err := usecase.LoadAuthority(ctx, tx, actor)
		if err != nil {
			return err
		}
		if err := ac.Authorize(policy.GrantOperator, policy.Target{}); err != nil {
			return err
		}
		before, after, err := putSettings(ctx, tx, [][2]string{{settingOperatorGrantUntil, until}, {settingOperatorGrantBy, g.By}})
		if err != nil {
			return err
		}
		if len(after) == 0 {
			return nil // revoking no grant changes nothing
		}
		if err := a.record(ctx, tx, actor, policy.GrantOperator, reportline.Change{What: "operator access",
			Before: usecase.JSON(before), After: usecase.JSON(after)}); err != nil {
			return err
		}
		return tx.RecordOperatorLog(ctx, "tenant:"+granter(actor), action, detail)
	})
}

// OperatorPeople lists up to limit of a tenant's people (from after, by
// id) for the operator page, read-only, while the tenant's grant runs;
// refused otherwise (policy tenants.people.read). Each listing is
// recorded in the operator log.
func (a *App) OperatorPeople(ctx context.Context, op reportline.Operator, tenant reportline.TenantID, after reportline.UserID, limit int) ([]reportline.User, OperatorGrant, error) {
	ctx = reportline.WithTenant(ctx, tenant)
	var users []reportline.User
	var g OperatorGrant
	err := a.operatorGrantStore().Write(ctx, func(tx operatorGrantTx) error {
		var err error
		if g, err = readOperatorGrant(ctx, tx); err != nil {
			return err
		}
		d := policy.Decide(policy.Actor{Operator: true}, policy.OperatorReadPeople, policy.Target{OperatorGranted: g.Running(a.now())})
		if err := d.Err(); err != nil {
			return err
		}
		if users, _, err = tx.FindUsers(ctx, reportline.UserFilter{AfterID: after, Limit: limit}); err != nil {
			return err
		}
		return tx.RecordOperatorLog(ctx, "operator:"+op.Email, "operator.people.read", fmt.Sprintf("%d people listed", len(users)))
	})
	return users, g, err
}
