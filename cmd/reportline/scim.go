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

// cmdSCIM runs `reportline scim token create|list|revoke`: the bearer
// tokens of SCIM provisioning clients (Microsoft Entra ID, Okta…).
func cmdSCIM(ctx context.Context, e env, args []string) error {
	if len(args) >= 2 && args[0] == "token" {
		switch args[1] {
		case "create":
			return cmdSCIMTokenCreate(ctx, e, args[2:])
		case "list":
			return cmdSCIMTokenList(ctx, e, args[2:])
		case "revoke":
			return cmdSCIMTokenRevoke(ctx, e, args[2:])
		}
	}
	if len(args) > 0 && args[0] == "token" {
		args = args[1:] // "scim token --help"
	}
	return usageText(e, args, `Usage:
  reportline scim token create --name NAME   print a new provisioning token (shown once)
  reportline scim token list                 list the provisioning clients
  reportline scim token revoke --name NAME   revoke a client's token at once
`)
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
	db, a, err := openApp(ctx, cfg, newLogger(cfg, e.stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	token, _, err := a.CreateProvisioningClient(ctx, app.SystemActor(reportline.SourceCLI), name)
	if err != nil {
		return fmt.Errorf("scim token create: %s", reportline.ErrorMessage(err))
	}
	fmt.Fprintln(e.stdout, token)
	return nil
}

func cmdSCIMTokenList(ctx context.Context, e env, args []string) error {
	cfg, _, err := loadConfig(e, "scim token list", args, func(c *config.Config, fs *flag.FlagSet) { c.StorageFlags(fs) })
	if err != nil {
		return err
	}
	db, a, err := openApp(ctx, cfg, newLogger(cfg, e.stderr))
	if err != nil {
		return err
	}
	defer db.Close()
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
	db, a, err := openApp(ctx, cfg, newLogger(cfg, e.stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	if err := a.RevokeProvisioningClient(ctx, app.SystemActor(reportline.SourceCLI), name); err != nil {
		return fmt.Errorf("scim token revoke: %s", reportline.ErrorMessage(err))
	}
	fmt.Fprintf(e.stdout, "provisioning client %q revoked\n", name)
	return nil
}
