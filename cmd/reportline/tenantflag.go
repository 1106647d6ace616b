package main

import (
	"context"
	"fmt"
	"strings"

	"reportline"
	"reportline/store"
)

// --tenant SLUG: the tenant a command acts in (docs/tenants.md, "Built:
// step 3, part 1"). It is a global flag, accepted anywhere among the
// arguments (`reportline --tenant acme managers export` or `reportline
// managers export --tenant acme`); without it a command acts in the
// implicit tenant, as on an installation that has one.

// tenantSlugKey carries the slug from dispatch to openApp, which resolves
// it once the database is open.
type tenantSlugKey struct{}

// noTenantFlag are the commands that act above tenants or on none: --tenant
// is refused there rather than ignored.
var noTenantFlag = map[string]string{
	"serve":   "the server serves every tenant, each on its host",
	"migrate": "migrations change every tenant at once",
	"tenant":  "the operator's commands act above tenants",
	"bench":   "the reference data set is loaded into the implicit tenant",
	"openapi": "the document is the same for every tenant",
	"version": "",
	"backup":  "a backup copies the whole database, every tenant",
	"secrets": "a reseal goes through every tenant's secrets",
}

// takeTenantFlag removes --tenant SLUG (or --tenant=SLUG, -tenant) from
// args, up to a "--", and returns the slug ("" when absent).
func takeTenantFlag(args []string) (slug string, rest []string, err error) {
	rest = make([]string, 0, len(args))
	found := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "tenant" {
			rest = append(rest, a)
			continue
		}
		if found {
			return "", nil, fmt.Errorf("--tenant given twice")
		}
		found = true
		if !hasValue {
			if i+1 >= len(args) || strings.HasPrefix(args[i+1], "-") {
				return "", nil, fmt.Errorf("--tenant needs a tenant's slug (reportline tenant list)")
			}
			i++
			value = args[i]
		}
		if slug = strings.ToLower(strings.TrimSpace(value)); slug == "" {
			return "", nil, fmt.Errorf("--tenant needs a tenant's slug (reportline tenant list)")
		}
	}
	return slug, rest, nil
}

// withTenantFlag handles --tenant for cmd: it returns ctx carrying the slug
// and the arguments without the flag.
func withTenantFlag(ctx context.Context, cmd string, args []string) (context.Context, []string, error) {
	slug, rest, err := takeTenantFlag(args)
	if err != nil || slug == "" {
		return ctx, rest, err
	}
	if why, ok := noTenantFlag[cmd]; ok {
		if why != "" {
			why = ": " + why
		}
		return ctx, nil, fmt.Errorf("reportline %s takes no --tenant%s", cmd, why)
	}
	return context.WithValue(ctx, tenantSlugKey{}, slug), rest, nil
}

// cliTenant resolves the slug of --tenant to its tenant and the address
// its mail links to: the implicit tenant and the configured public URL
// without the flag; https://HOST for a tenant with a host, none without.
// An error names the slug when no tenant has it or when it is suspended.
func cliTenant(ctx context.Context, db *store.DB, public string) (reportline.TenantID, string, error) {
	slug, _ := ctx.Value(tenantSlugKey{}).(string)
	if slug == "" {
		return reportline.ImplicitTenant, public, nil
	}
	ts, err := db.Tenants(ctx)
	if err != nil {
		return 0, "", err
	}
	for _, t := range ts {
		if t.Slug != slug {
			continue
		}
		if t.Suspended {
			return 0, "", fmt.Errorf("--tenant %s: the tenant is suspended (reportline tenant resume %s)", slug, slug)
		}
		switch {
		case t.ID == reportline.ImplicitTenant:
		case t.Host != "":
			public = "https://" + t.Host
		default:
			public = ""
		}
		return t.ID, public, nil
	}
	return 0, "", fmt.Errorf("--tenant %s: no tenant has this slug (reportline tenant list)", slug)
}

// inTenant is a store's Read, Write or ReadOnce acting in tenant id when
// the context names none: the commands pass their context on unchanged,
// and every transaction they open is the tenant's.
func inTenant[T any](id reportline.TenantID, run func(context.Context, func(T) error) error) func(context.Context, func(T) error) error {
	return func(ctx context.Context, fn func(T) error) error {
		if _, ok := reportline.TenantOf(ctx); !ok {
			ctx = reportline.WithTenant(ctx, id)
		}
		return run(ctx, fn)
	}
}

// tenantCommand is the command args name, skipping a leading --tenant
// SLUG: the one --tenant applies to.
func tenantCommand(args []string) string {
	_, rest, err := takeTenantFlag(args)
	if err != nil || len(rest) == 0 {
		return ""
	}
	return rest[0]
}
