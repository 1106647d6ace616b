package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"reportline"
	"reportline/app"
	"reportline/config"
)

func cmdTokenCreate(ctx context.Context, e env, args []string) error {
	var email, name, expires string
	cfg, _, err := loadConfig(e, "token create", args, func(c *config.Config, fs *flag.FlagSet) {
		c.StorageFlags(fs)
		fs.StringVar(&email, "email", "", "the token owner's email `address`")
		fs.StringVar(&name, "name", "cli", "a `name` to recognise the token by")
		fs.StringVar(&expires, "expires", "", "the token stops working after this `lifetime`: 90d, 12h… (default: never)")
	})
	if err != nil {
		return err
	}
	if email == "" {
		return fmt.Errorf("token create: --email is required")
	}
	lifetime, err := parseLifetime(expires)
	if err != nil {
		return fmt.Errorf("token create: --expires: %w", err)
	}
	return withApp(ctx, e, cfg, func(a *app.App) error {
		c, err := a.CreateAPIToken(ctx, app.SystemActor(reportline.SourceCLI), app.NewToken{Email: email, Name: name, ExpiresIn: lifetime})
		if err != nil {
			return fmt.Errorf("token create: %s", reportline.ErrorMessage(err))
		}
		fmt.Fprintln(e.stdout, c.Secret)
		return nil
	})
}

// parseLifetime reads a token lifetime: "" for none, a number of days
// ("90d"), weeks ("2w") or a Go duration ("36h").
func parseLifetime(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "never" {
		return 0, nil
	}
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			days, err := strconv.Atoi(n)
			if err != nil || days <= 0 {
				return 0, fmt.Errorf("%q is not a lifetime such as 90d", s)
			}
			return time.Duration(days) * unit, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a lifetime such as 90d or 12h", s)
	}
	return d, nil
}

func cmdTokenList(ctx context.Context, e env, args []string) error {
	var email string
	cfg, _, err := loadConfig(e, "token list", args, func(c *config.Config, fs *flag.FlagSet) {
		c.StorageFlags(fs)
		fs.StringVar(&email, "email", "", "only the tokens of this user's email `address`")
	})
	if err != nil {
		return err
	}
	return withApp(ctx, e, cfg, func(a *app.App) error {
		tokens, err := a.ListTokens(ctx, app.SystemActor(reportline.SourceCLI), app.TokenFilter{Email: email})
		if err != nil {
			return fmt.Errorf("token list: %s", reportline.ErrorMessage(err))
		}
		when := func(t time.Time, zero string) string {
			if t.IsZero() {
				return zero
			}
			return t.Format(time.RFC3339)
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tUSER\tSTATUS\tCREATED\tLAST USED\tEXPIRES")
		for _, t := range tokens {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, strconv.Quote(t.Name), t.Owner.Email, t.Status,
				when(t.CreatedAt, ""), when(t.LastUsedAt, "never"), when(t.ExpiresAt, "never"))
		}
		return tw.Flush()
	})
}

func cmdTokenRevoke(ctx context.Context, e env, args []string) error {
	// The ID may come before the flags or after them.
	var idArg string
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		idArg, args = args[0], args[1:]
	}
	cfg, fs, err := loadConfig(e, "token revoke", args, func(c *config.Config, fs *flag.FlagSet) { c.StorageFlags(fs) })
	if err != nil {
		return err
	}
	if idArg == "" && fs.NArg() > 0 {
		idArg = fs.Arg(0)
	}
	id, err := strconv.ParseInt(idArg, 10, 64)
	if err != nil || id <= 0 {
		fmt.Fprint(e.stderr, commandUsage("token revoke"))
		return errUsage
	}
	return withApp(ctx, e, cfg, func(a *app.App) error {
		t, err := a.RevokeToken(ctx, app.SystemActor(reportline.SourceCLI), id)
		if err != nil {
			return fmt.Errorf("token revoke: %s", reportline.ErrorMessage(err))
		}
		fmt.Fprintf(e.stdout, "token %d (%q of %s) is revoked\n", t.ID, t.Name, t.Owner.Email)
		return nil
	})
}
