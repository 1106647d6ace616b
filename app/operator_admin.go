package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"

	"reportline"
	"reportline/policy"
	"reportline/usecase"
)

// The operator gives a tenant its first platform admin from the operator
// page, as `reportline tenant create --admin` does from the CLI: the same
// account (putPlatformAdmin) and the same onboarding, a generated password
// shown once to the operator, who hands it over; the admin changes it on
// their own page or through "Forgot password?". Only while the tenant has
// no active platform admin: once it has one, its admins run it, and the
// operator has no say over its people (docs/tenants.md, "The operator").

// NewPassword is a generated password (18 random bytes, base64url: 24
// characters), the one the CLI gives when none is typed and the operator
// page gives a tenant's first admin.
func NewPassword() string {
	b := make([]byte, 18)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// FirstAdmin is the first platform admin the operator created, with the
// generated password to hand over (shown once, kept nowhere).
type FirstAdmin struct {
	User     reportline.User
	Password string
}

// firstAdminTx is what the first admin's creation reads and writes in the
// tenant: the account, its password, the change log and the operator log.
type firstAdminTx interface {
	signInTx
	usecase.ChangeTx
	operatorLogTx
	PlatformAdmins(ctx context.Context) ([]reportline.User, error)
}

var errTenantHasAdmin = reportline.Errorf(reportline.Conflict,
	"this tenant has a platform admin already: its admins add others from its own pages").Say("operator.admin.exists", nil)

// CreateFirstAdmin creates the tenant's first platform admin (email, name
// "First Last") for the operator op, with a generated password it returns
// once. Refused when the tenant has an active platform admin. The policy
// decides (tenants.operate, an operator actor); recorded in the tenant's
// change log and the operator log, in the same transaction.
func (a *App) CreateFirstAdmin(ctx context.Context, op reportline.Operator, tenant reportline.TenantID, email, name string) (FirstAdmin, error) {
	if err := policy.Decide(policy.Actor{Operator: true}, policy.OperateTenants, policy.Target{}).Err(); err != nil {
		return FirstAdmin{}, err
	}
	email, err := reportline.NormalizeEmail(email)
	if err != nil {
		return FirstAdmin{}, err
	}
	out := FirstAdmin{Password: NewPassword()}
	hash, err := a.hashNew(ctx, out.Password)
	if err != nil {
		return FirstAdmin{}, err
	}
	by := "operator:" + op.Email
	actor := Actor{Source: reportline.SourceUI, System: true, Label: by}
	ctx = reportline.WithTenant(ctx, tenant)
	err = narrow(a.store, func(tx Tx) firstAdminTx { return tx }).Write(ctx, func(tx firstAdminTx) error {
		admins, err := tx.PlatformAdmins(ctx)
		if err != nil {
			return err
		}
		if len(admins) > 0 {
			return errTenantHasAdmin
		}
		if out.User, _, err = a.putPlatformAdmin(ctx, tx, actor, email, hash, name); err != nil {
			return err
		}
		if err := a.record(ctx, tx, actor, policy.OperateTenants, reportline.Change{What: "first platform admin", UserID: out.User.ID,
			After: usecase.JSON(map[string]string{"email": out.User.Email, "by": by})}); err != nil {
			return err
		}
		return tx.RecordOperatorLog(ctx, by, "tenant.admin.create", out.User.Email)
	})
	if err != nil {
		return FirstAdmin{}, err
	}
	return out, nil
}
