package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"reportline"
	"reportline/app"
	"reportline/config"
)

// operatorLabel is how the operator running the command is recorded.
func operatorLabel(e env) string {
	return app.OperatorActor(reportline.SourceCLI, osUserName(e)).Label
}

func cmdTenantCreate(ctx context.Context, e env, args []string) error {
	var slug, host, admin string
	cfg, _, err := loadConfig(e, "tenant create", args, func(c *config.Config, fs *flag.FlagSet) {
		c.StorageFlags(fs)
		fs.StringVar(&slug, "slug", "", "the tenant's short `name`, such as acme")
		fs.StringVar(&host, "host", "", "the `host` name its users reach, such as acme.reportline.example")
		fs.StringVar(&admin, "admin", "", "the `email` of the tenant's first platform admin")
	})
	if err != nil {
		return err
	}
	if strings.TrimSpace(slug) == "" {
		return fmt.Errorf("tenant create: --slug is required")
	}
	password, generated := "", false
	if admin != "" {
		if password, generated, err = readPassword(e); err != nil {
			return err
		}
	}
	return withServices(ctx, e, cfg, nil, func(s services) error {
		id, err := s.db.CreateTenantAs(ctx, operatorLabel(e), slug, host)
		if err != nil {
			return fmt.Errorf("tenant create: %s", reportline.ErrorMessage(err))
		}
		fmt.Fprintf(e.stdout, "tenant %s created (id %d)\n", strings.ToLower(strings.TrimSpace(slug)), id)
		if admin == "" {
			return nil
		}
		// The first platform admin is made in the new tenant: the context
		// carries it, so the store writes there.
		u, err := s.app.CreatePlatformAdmin(reportline.WithTenant(ctx, id), admin, password)
		if err != nil {
			return fmt.Errorf("tenant create: the tenant exists; its admin: %s", reportline.ErrorMessage(err))
		}
		fmt.Fprintf(e.stdout, "platform admin %s (id %d) of tenant %s is ready\n", u.Email, u.ID, strings.ToLower(strings.TrimSpace(slug)))
		if generated {
			fmt.Fprintf(e.stdout, "generated password: %s\n", password)
		}
		return nil
	})
}

func cmdTenantList(ctx context.Context, e env, args []string) error {
	cfg, _, err := loadConfig(e, "tenant list", args, func(c *config.Config, fs *flag.FlagSet) { c.StorageFlags(fs) })
	if err != nil {
		return err
	}
	return withServices(ctx, e, cfg, nil, func(s services) error {
		ts, err := s.db.Tenants(ctx)
		if err != nil {
			return fmt.Errorf("tenant list: %s", reportline.ErrorMessage(err))
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSLUG\tHOST\tSTATE\tCREATED")
		for _, t := range ts {
			host, state := t.Host, "active"
			if host == "" {
				host = "-"
			}
			if t.Suspended {
				state = "suspended since " + t.SuspendedAt.Format("2006-01-02 15:04 MST")
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", t.ID, t.Slug, host, state, t.CreatedAt.Format("2006-01-02"))
		}
		return tw.Flush()
	})
}

// tenantSuspend is `tenant suspend` or `tenant resume` (verb): it suspends
// or resumes the tenant named by the first argument (or --slug).
func tenantSuspend(verb string) func(context.Context, env, []string) error {
	return func(ctx context.Context, e env, args []string) error { return cmdTenantSuspend(ctx, e, verb, args) }
}

func cmdTenantSuspend(ctx context.Context, e env, verb string, args []string) error {
	var slug string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		slug, args = args[0], args[1:]
	}
	cfg, _, err := loadConfig(e, "tenant "+verb, args, func(c *config.Config, fs *flag.FlagSet) {
		c.StorageFlags(fs)
		fs.StringVar(&slug, "slug", slug, "the tenant's `slug`")
	})
	if err != nil {
		return err
	}
	if strings.TrimSpace(slug) == "" {
		return fmt.Errorf("tenant %s: name the tenant (its slug)", verb)
	}
	return withServices(ctx, e, cfg, nil, func(s services) error {
		t, err := s.db.SetTenantSuspended(ctx, operatorLabel(e), slug, verb == "suspend")
		if err != nil {
			return fmt.Errorf("tenant %s: %s", verb, reportline.ErrorMessage(err))
		}
		if t.ID == reportline.ImplicitTenant && verb == "suspend" {
			fmt.Fprintln(e.stdout, "note: this is the implicit tenant (the installation's own)")
		}
		done := map[string]string{"suspend": "suspended", "resume": "resumed"}[verb]
		fmt.Fprintf(e.stdout, "tenant %s %s\n", t.Slug, done)
		return nil
	})
}
