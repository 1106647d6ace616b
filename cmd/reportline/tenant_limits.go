package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"reportline"
	"reportline/app"
	"reportline/config"
)

// tenantLimits are the operator's default limits of every tenant.
func tenantLimits(c config.Admission) app.TenantLimits {
	return app.TenantLimits{APIPerSecond: c.TenantAPIRate, APIBurst: c.TenantAPIBurst, MailPerMinute: c.TenantMailPerMinute}
}

const tenantLimitsNotes = `Without a flag, prints the tenant's limits. A flag set to "" removes the
tenant's own value (the operator's default applies again: REPORTLINE_TENANT_API_RATE,
REPORTLINE_TENANT_API_BURST, REPORTLINE_TENANT_MAIL_PER_MINUTE); 0 is no limit for
this tenant. Other replicas apply a change within 5 seconds (docs/tenants.md).`

// cmdTenantLimits shows or changes a tenant's rate limits.
func cmdTenantLimits(ctx context.Context, e env, args []string) error {
	var slug string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		slug, args = args[0], args[1:]
	}
	var ch app.TenantLimitsChange
	set := func(dst **string) func(string) error {
		return func(v string) error { *dst = &v; return nil }
	}
	cfg, _, err := loadConfig(e, "tenant limits", args, func(c *config.Config, fs *flag.FlagSet) {
		c.StorageFlags(fs)
		fs.Func("api-rate", "requests a second the tenant's callers together may make (`N`; 0: no limit)", set(&ch.APIPerSecond))
		fs.Func("api-burst", "requests that may come at once above the rate (`N`; 0: twice the rate)", set(&ch.APIBurst))
		fs.Func("mail-per-minute", "messages a minute the outbox sends for the tenant (`N`; 0: no limit)", set(&ch.MailPerMinute))
	})
	if err != nil {
		return err
	}
	if strings.TrimSpace(slug) == "" {
		return fmt.Errorf("tenant limits: name the tenant (its slug)")
	}
	return withServices(ctx, e, cfg, nil, func(s services) error {
		ts, err := s.db.Tenants(ctx)
		if err != nil {
			return fmt.Errorf("tenant limits: list the tenants: %w", err)
		}
		var t *reportline.Tenant
		for i := range ts {
			if ts[i].Slug == slug {
				t = &ts[i]
			}
		}
		if t == nil {
			return fmt.Errorf("tenant limits: no tenant has the slug %q (reportline tenant list)", slug)
		}
		ctx := reportline.WithTenant(ctx, t.ID)
		actor := app.OperatorActor(reportline.SourceCLI, osUserName(e))
		var v app.TenantLimitsView
		if ch == (app.TenantLimitsChange{}) {
			v, err = s.app.TenantLimitsOf(ctx, actor)
		} else {
			v, err = s.app.SetTenantLimits(ctx, actor, ch)
		}
		if err != nil {
			return fmt.Errorf("tenant limits %s: %s", slug, reportline.ErrorMessage(err))
		}
		show := func(what string, own *string, eff float64, unit string) {
			from := "the operator's default"
			if own != nil && *own != "" {
				from = "the tenant's own"
			}
			val := "no limit"
			if eff > 0 {
				val = fmt.Sprintf("%g %s", eff, unit)
			}
			fmt.Fprintf(e.stdout, "%-16s %s (%s)\n", what, val, from)
		}
		fmt.Fprintf(e.stdout, "tenant %s\n", t.Slug)
		show("api rate", v.Settings.APIPerSecond, v.Effective.APIPerSecond, "requests a second")
		burst := "twice the rate"
		if v.Effective.APIBurst > 0 {
			burst = fmt.Sprintf("%d requests", v.Effective.APIBurst)
		}
		fmt.Fprintf(e.stdout, "%-16s %s\n", "api burst", burst)
		show("mail rate", v.Settings.MailPerMinute, v.Effective.MailPerMinute, "messages a minute")
		return nil
	})
}
