package directory

import (
	"context"
	"fmt"
	"strconv"

	"reportline"
)

// A tenant's own directory sources (issue 13; docs/directory-tenants.md).
// The implicit tenant's LDAP and Graph sources, and its guard, are the
// environment's (Guard as New received it). Any other tenant configures
// its sources in its settings (app/tenant_directory.go writes them): a
// source is on for that tenant when its settings name a directory, and
// the hold bounds are the tenant's own when it set them, else the
// installation's. Whether a directory may change a platform admin stays
// the operator's decision for every tenant.

// The settings keys this package reads; app writes them.
const (
	SettingLDAPURL     = "directory.ldap.url"
	SettingGraphTenant = "directory.graph.tenant"
	SettingHoldPercent = "directory.hold_percent"
	SettingHoldCount   = "directory.hold_count"
)

// settingTx reads a setting; NotFound when it was never written.
type settingTx interface {
	Setting(ctx context.Context, key string) (string, error)
}

// Own reports whether the context's tenant configures its own directory
// sources (any tenant but the implicit one, whose sources are the
// environment's).
func Own(ctx context.Context) bool {
	id, ok := reportline.TenantOf(ctx)
	return ok && id != reportline.ImplicitTenant
}

// guardIn is the guard of the context's tenant: the environment's for the
// implicit tenant, else built from the tenant's settings.
func (d *Syncer) guardIn(ctx context.Context, tx settingTx) (Guard, error) {
	if !Own(ctx) {
		return d.dirs, nil
	}
	g := Guard{MayChangePlatformAdmins: d.dirs.MayChangePlatformAdmins, HoldPercent: d.dirs.HoldPercent, HoldCount: d.dirs.HoldCount}
	get := func(key string) (string, error) {
		v, err := tx.Setting(ctx, key)
		if reportline.IsCode(err, reportline.NotFound) {
			return "", nil
		}
		if err != nil {
			return "", fmt.Errorf("read the setting %s: %w", key, err)
		}
		return v, nil
	}
	for _, s := range []struct {
		key    string
		source reportline.Source
	}{{SettingLDAPURL, reportline.SourceLDAP}, {SettingGraphTenant, reportline.SourceGraph}} {
		v, err := get(s.key)
		if err != nil {
			return g, err
		}
		if v != "" {
			g.On = append(g.On, s.source)
		}
	}
	if v, err := get(SettingHoldPercent); err != nil {
		return g, err
	} else if f, perr := strconv.ParseFloat(v, 64); v != "" && perr == nil {
		g.HoldPercent = f
	}
	if v, err := get(SettingHoldCount); err != nil {
		return g, err
	} else if n, perr := strconv.Atoi(v); v != "" && perr == nil {
		g.HoldCount = n
	}
	return g, nil
}
