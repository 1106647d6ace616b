package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"reportline"
	"reportline/config"
)

// cmdOperatorCreate runs `reportline operator create EMAIL`: an operator of
// the operator page, with a password read from stdin (or generated), as
// `admin create` does. Run again for an existing address, it sets a new
// password and ends that operator's sessions.
func cmdOperatorCreate(ctx context.Context, e env, args []string) error {
	var email string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		email, args = args[0], args[1:]
	}
	cfg, _, err := loadConfig(e, "operator create", args, func(c *config.Config, fs *flag.FlagSet) {
		c.StorageFlags(fs)
		fs.StringVar(&email, "email", email, "the operator's email `address`")
	})
	if err != nil {
		return err
	}
	if strings.TrimSpace(email) == "" {
		return fmt.Errorf("operator create: name the operator's email address")
	}
	password, generated, err := readPassword(e)
	if err != nil {
		return err
	}
	return withServices(ctx, e, cfg, nil, func(s services) error {
		op, existed, err := s.app.CreateOperator(ctx, s.db, operatorLabel(e), email, password)
		if err != nil {
			return fmt.Errorf("operator create: %s", reportline.ErrorMessage(err))
		}
		if existed {
			fmt.Fprintf(e.stdout, "operator %s (id %d) existed: given the new password, their sessions ended\n", op.Email, op.ID)
		} else {
			fmt.Fprintf(e.stdout, "operator %s (id %d) is ready\n", op.Email, op.ID)
		}
		if generated {
			fmt.Fprintf(e.stdout, "generated password: %s\n", password)
		}
		return nil
	})
}
