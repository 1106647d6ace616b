package main

import (
	"context"
	"fmt"

	"reportline"
	"reportline/app"
	"reportline/store"
)

// `reportline sync ldap|graph --tenant SLUG` syncs that tenant's own
// directory, the one its platform admins stored (Settings → Organisation →
// Directories and mail, or the API) and the scheduler syncs
// (docs/directory-tenants.md). Without --tenant, or with the implicit
// tenant's slug, the sync reads the environment's directory as before.

// syncTenant puts the tenant of --tenant in the context, so that the
// sync's guard, its run records and the links it owns are that tenant's
// (directory.Own reads the context, not the store handle). own is false
// for the implicit tenant, whose directories are the environment's; slug
// is the tenant's slug for messages.
func syncTenant(ctx context.Context, db *store.DB) (_ context.Context, slug string, own bool, err error) {
	slug, _ = ctx.Value(tenantSlugKey{}).(string)
	id, _, err := cliTenant(ctx, db, "")
	if err != nil || id == reportline.ImplicitTenant {
		return ctx, slug, false, err
	}
	return reportline.WithTenant(ctx, id), slug, true, nil
}

// tenantHasSource refuses a sync of a kind ("LDAP", "Microsoft Graph") the
// tenant stored no directory of, saying where its platform admins set one.
func tenantHasSource(ctx context.Context, a *app.App, slug, kind string) error {
	d, err := a.TenantDirectory(ctx, app.SystemActor(reportline.SourceCLI))
	if err != nil {
		return err
	}
	if (kind == "LDAP" && d.LDAP.Enabled()) || (kind != "LDAP" && d.Graph.Enabled()) {
		return nil
	}
	return fmt.Errorf("the tenant %s has no %s directory stored: its platform admins set one on Settings → Organisation → Directories and mail (/settings/sources) or with PATCH /api/v1/settings/tenant/directory", slug, kind)
}
