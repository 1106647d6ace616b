package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"strings"

	"reportline"
	"reportline/app"
	"reportline/config"
)

func cmdMigrate(ctx context.Context, e env, args []string) error {
	cfg, _, err := loadConfig(e, "migrate", args, func(c *config.Config, fs *flag.FlagSet) { c.StorageFlags(fs) })
	if err != nil {
		return err
	}
	return withServices(ctx, e, cfg, nil, func(s services) error {
		fmt.Fprintf(e.stdout, "migrated %s (%s)\n", describeDB(cfg), s.db.Engine())
		return nil
	})
}

func cmdAdminCreate(ctx context.Context, e env, args []string) error {
	var email string
	cfg, _, err := loadConfig(e, "admin create", args, func(c *config.Config, fs *flag.FlagSet) {
		c.StorageFlags(fs)
		fs.StringVar(&email, "email", "", "the admin's email `address`")
	})
	if err != nil {
		return err
	}
	if email == "" {
		return fmt.Errorf("admin create: --email is required")
	}
	password, generated, err := readPassword(e)
	if err != nil {
		return err
	}
	return withApp(ctx, e, cfg, func(a *app.App) error {
		u, rec, err := a.RecoverPlatformAdmin(ctx, email, password)
		if err != nil {
			return fmt.Errorf("admin create: %s", reportline.ErrorMessage(err))
		}
		if rec.Existed {
			// Never a second account: say what was recovered.
			var did []string
			if rec.FormerEmail != "" {
				did = append(did, fmt.Sprintf("its address was %s (changed by a directory) and is %s again", rec.FormerEmail, u.Email))
			}
			if !rec.WasAdmin {
				did = append(did, "promoted to platform admin")
			}
			if rec.WasInactive {
				did = append(did, "reactivated")
			}
			did = append(did, "given the new password")
			fmt.Fprintf(e.stdout, "recovered the existing account %s (id %d): %s\n", u.Email, u.ID, strings.Join(did, ", "))
		}
		fmt.Fprintf(e.stdout, "platform admin %s (id %d) is ready\n", u.Email, u.ID)
		if generated {
			fmt.Fprintf(e.stdout, "generated password: %s\n", password)
		}
		return nil
	})
}

// readPassword reads one line from stdin; with nothing there it generates
// a password.
func readPassword(e env) (string, bool, error) {
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	line = strings.TrimRight(line, "\r\n")
	if line != "" {
		return line, false, nil
	}
	if err != nil && err.Error() != "EOF" {
		return "", false, fmt.Errorf("read password: %w", err)
	}
	return app.NewPassword(), true, nil
}

// cmdPasswordSet runs `reportline password set --email E [--revoke-tokens]`:
// the operator sets anybody's password (from stdin, or generated), which
// ends all their sessions and, with --revoke-tokens, revokes their tokens.
func cmdPasswordSet(ctx context.Context, e env, args []string) error {
	var email string
	var revoke bool
	cfg, _, err := loadConfig(e, "password set", args, func(c *config.Config, fs *flag.FlagSet) {
		c.StorageFlags(fs)
		fs.StringVar(&email, "email", "", "the user's email `address`")
		fs.BoolVar(&revoke, "revoke-tokens", false, "also revoke every API token of the user")
	})
	if err != nil {
		return err
	}
	if email == "" {
		return fmt.Errorf("password set: --email is required")
	}
	password, generated, err := readPassword(e)
	if err != nil {
		return err
	}
	return withApp(ctx, e, cfg, func(a *app.App) error {
		sys := app.SystemActor(reportline.SourceCLI)
		u, err := a.GetUserByEmail(ctx, email)
		if err != nil {
			return fmt.Errorf("password set: %s", reportline.ErrorMessage(err))
		}
		if err := a.ChangePassword(ctx, sys, app.PasswordChange{User: u.ID, Password: password, RevokeTokens: revoke}); err != nil {
			return fmt.Errorf("password set: %s", reportline.ErrorMessage(err))
		}
		fmt.Fprintf(e.stdout, "password of %s is set; their sessions are ended", u.Email)
		if revoke {
			fmt.Fprint(e.stdout, " and their API tokens revoked")
		}
		fmt.Fprintln(e.stdout)
		if generated {
			fmt.Fprintf(e.stdout, "generated password: %s\n", password)
		}
		return nil
	})
}
