package main

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"reportline"
	"reportline/app"
	"reportline/config"
)

func cmdSCIMGroupList(ctx context.Context, e env, args []string) error {
	cfg, _, err := loadConfig(e, "scim group list", args, func(c *config.Config, fs *flag.FlagSet) { c.StorageFlags(fs) })
	if err != nil {
		return err
	}
	return withApp(ctx, e, cfg, func(a *app.App) error {
		groups, err := a.ListSCIMGroups(ctx, app.SystemActor(reportline.SourceCLI))
		if err != nil {
			return fmt.Errorf("scim group list: %s", reportline.ErrorMessage(err))
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "GROUP\tNAME\tDIRECTORY NAME\tEXTERNAL ID\tHOW\tSCIM MEMBERS")
		for _, g := range groups {
			how := "created by the client"
			if g.Mapped() {
				how = "mapped " + g.MappedAt.Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\n", g.ID, g.Name, g.SCIMName(), g.ExternalID, how, len(g.Members))
		}
		return tw.Flush()
	})
}

func cmdSCIMGroupMap(ctx context.Context, e env, args []string) error {
	var group int64
	var ext, name string
	cfg, _, err := loadConfig(e, "scim group map", args, func(c *config.Config, fs *flag.FlagSet) {
		c.StorageFlags(fs)
		fs.Int64Var(&group, "group", 0, "the existing Reportline group's `id`")
		fs.StringVar(&ext, "external-id", "", "the IdP group's `externalId` (Entra: its object id)")
		fs.StringVar(&name, "display-name", "", "the IdP group's `displayName`")
	})
	if err != nil {
		return err
	}
	if group <= 0 {
		return fmt.Errorf("scim group map: --group is required")
	}
	return withApp(ctx, e, cfg, func(a *app.App) error {
		g, err := a.MapSCIMGroup(ctx, app.SystemActor(reportline.SourceCLI), reportline.GroupID(group), ext, name)
		if err != nil {
			return fmt.Errorf("scim group map: %s", reportline.ErrorMessage(err))
		}
		fmt.Fprintf(e.stdout, "group %d (%q) now stands for the directory group %q (externalId %q)\n", g.ID, g.Name, g.SCIMName(), g.ExternalID)
		return nil
	})
}

func cmdSCIMGroupUnmap(ctx context.Context, e env, args []string) error {
	var group int64
	cfg, _, err := loadConfig(e, "scim group unmap", args, func(c *config.Config, fs *flag.FlagSet) {
		c.StorageFlags(fs)
		fs.Int64Var(&group, "group", 0, "the group's `id`")
	})
	if err != nil {
		return err
	}
	if group <= 0 {
		return fmt.Errorf("scim group unmap: --group is required")
	}
	return withApp(ctx, e, cfg, func(a *app.App) error {
		if err := a.UnmapSCIMGroup(ctx, app.SystemActor(reportline.SourceCLI), reportline.GroupID(group)); err != nil {
			return fmt.Errorf("scim group unmap: %s", reportline.ErrorMessage(err))
		}
		fmt.Fprintf(e.stdout, "group %d: SCIM clients no longer manage it; its memberships stay\n", group)
		return nil
	})
}

func cmdSCIMTokenCreate(ctx context.Context, e env, args []string) error {
	var name string
	cfg, _, err := loadConfig(e, "scim token create", args, func(c *config.Config, fs *flag.FlagSet) {
		c.StorageFlags(fs)
		fs.StringVar(&name, "name", "", "the provisioning client's `name`, such as entra")
	})
	if err != nil {
		return err
	}
	if name == "" {
		return fmt.Errorf("scim token create: --name is required")
	}
	return withApp(ctx, e, cfg, func(a *app.App) error {
		token, _, err := a.CreateProvisioningClient(ctx, app.SystemActor(reportline.SourceCLI), name)
		if err != nil {
			return fmt.Errorf("scim token create: %s", reportline.ErrorMessage(err))
		}
		fmt.Fprintln(e.stdout, token)
		return nil
	})
}

func cmdSCIMTokenList(ctx context.Context, e env, args []string) error {
	cfg, _, err := loadConfig(e, "scim token list", args, func(c *config.Config, fs *flag.FlagSet) { c.StorageFlags(fs) })
	if err != nil {
		return err
	}
	return withApp(ctx, e, cfg, func(a *app.App) error {
		clients, err := a.ProvisioningClients(ctx, app.SystemActor(reportline.SourceCLI))
		if err != nil {
			return fmt.Errorf("scim token list: %s", reportline.ErrorMessage(err))
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tCREATED\tLAST USED")
		for _, c := range clients {
			used := "never"
			if !c.LastUsedAt.IsZero() {
				used = c.LastUsedAt.Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\n", c.Name, c.CreatedAt.Format(time.RFC3339), used)
		}
		return tw.Flush()
	})
}

func cmdSCIMTokenRevoke(ctx context.Context, e env, args []string) error {
	var name string
	cfg, _, err := loadConfig(e, "scim token revoke", args, func(c *config.Config, fs *flag.FlagSet) {
		c.StorageFlags(fs)
		fs.StringVar(&name, "name", "", "the provisioning client's `name`")
	})
	if err != nil {
		return err
	}
	if name == "" {
		return fmt.Errorf("scim token revoke: --name is required")
	}
	return withApp(ctx, e, cfg, func(a *app.App) error {
		if err := a.RevokeProvisioningClient(ctx, app.SystemActor(reportline.SourceCLI), name); err != nil {
			return fmt.Errorf("scim token revoke: %s", reportline.ErrorMessage(err))
		}
		fmt.Fprintf(e.stdout, "provisioning client %q revoked\n", name)
		return nil
	})
}
