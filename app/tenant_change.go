package app

import (
	"context"

	"reportline"
	"reportline/policy"
	"reportline/secret"
	"reportline/usecase"
)

// tenantSettingsChange is a change of a tenant's own configuration (an
// identity provider, the sign-in rules, the directory sources, the mail
// relay) for setTenantSettings.
type tenantSettingsChange struct {
	what string // the audit's name of the change
	// implicit is the refusal for the implicit tenant, whose configuration
	// is the environment's.
	implicit error
	// settings checks the change and lists the settings it writes.
	settings func() ([][2]string, error)
	// then, when not nil, runs in the transaction after the settings are
	// written: what else the change keeps (a secret, a key pair) and checks
	// of the whole; it adds what it changes to after.
	then func(tx tenantTx, before, after map[string]string) error
}

// readTenantConfig is the one way a tenant's own configuration is read for
// its platform admins (policy tenant.configure): read, in one read
// transaction, after the actor is authorized.
func readTenantConfig[T any](ctx context.Context, a *App, actor Actor, read func(context.Context, tenantTx) (T, error)) (T, error) {
	var out T
	if err := usecase.AuthorizeActor(actor, policy.ConfigureTenant); err != nil {
		return out, err
	}
	err := a.tenantStore().Read(ctx, func(tx tenantTx) error {
		var err error
		out, err = read(ctx, tx)
		return err
	})
	return out, err
}

// setTenantSettings is the one way a tenant's own configuration changes:
// platform admins of the tenant only (policy tenant.configure), not the
// implicit tenant, the settings checked before the transaction and written
// in it, and the change audited when something changed.
func (a *App) setTenantSettings(ctx context.Context, actor Actor, c tenantSettingsChange) error {
	if err := usecase.AuthorizeActor(actor, policy.ConfigureTenant); err != nil {
		return err
	}
	if id, ok := reportline.TenantOf(ctx); !ok || id == reportline.ImplicitTenant {
		return c.implicit
	}
	fields, err := c.settings()
	if err != nil {
		return err
	}
	return a.tenantStore().Write(ctx, func(tx tenantTx) error {
		ac, err := usecase.LoadAuthority(ctx, tx, actor)
		if err != nil {
			return err
		}
		if err := ac.Authorize(policy.ConfigureTenant, policy.Target{}); err != nil {
			return err
		}
		before, after, err := putSettings(ctx, tx, fields)
		if err != nil {
			return err
		}
		if c.then != nil {
			if err := c.then(tx, before, after); err != nil {
				return err
			}
		}
		if len(after) == 0 {
			return nil
		}
		return a.record(ctx, tx, actor, policy.ConfigureTenant, reportline.Change{What: c.what,
			Before: usecase.JSON(before), After: usecase.JSON(after)})
	})
}

// putSettings writes the settings that change and returns their values
// before and after, for the audit.
func putSettings(ctx context.Context, tx tenantTx, fields [][2]string) (before, after map[string]string, err error) {
	before, after = map[string]string{}, map[string]string{}
	get := settingReader(ctx, tx)
	for _, f := range fields {
		old, err := get(f[0])
		if err != nil {
			return nil, nil, err
		}
		if old == f[1] {
			continue
		}
		before[f[0]], after[f[0]] = old, f[1]
		if err := tx.PutSetting(ctx, f[0], f[1]); err != nil {
			return nil, nil, err
		}
	}
	return before, after, nil
}

// changeSecret stores the secret name when the change gives one (v not nil)
// and has the audit say "set" or "removed", never its value.
func (a *App) changeSecret(ctx context.Context, tx tenantTx, name, field string, v *secret.Value, after map[string]string) error {
	if v == nil {
		return nil
	}
	if err := a.putSecret(ctx, tx, name, field, *v); err != nil {
		return err
	}
	after[name] = "set"
	if v.Reveal() == "" {
		after[name] = "removed"
	}
	return nil
}
