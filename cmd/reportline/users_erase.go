package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"reportline"
	"reportline/app"
)

// cmdUsersErase runs `reportline users erase EMAIL|ID`: a GDPR erasure of
// one person in the tenant (app.EraseUser, docs/security.md). Without
// --yes the email or id must be typed again on standard input.
func cmdUsersErase(ctx context.Context, e env, args []string) error {
	var yes bool
	cfg, who, as, err := fileCommand(e, "users erase",
		"erase as the user with this `EMAIL` (a platform admin) instead of as the operator", args,
		func(fs *flag.FlagSet) {
			fs.BoolVar(&yes, "yes", false, "erase without asking to type the email or id again")
		})
	if err != nil {
		return err
	}
	if !yes {
		fmt.Fprintf(e.stderr, "This replaces the personal data of %s by a pseudonym, for good, and ends their links.\nType the email or id again to confirm: ", who)
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("users erase: read the confirmation: %w", err)
		}
		if !strings.EqualFold(strings.TrimSpace(line), who) {
			return fmt.Errorf("users erase: the confirmation does not match %q: nothing erased", who)
		}
	}
	return withActor(ctx, e, cfg, as, func(a *app.App, actor app.Actor) error {
		id, err := strconv.ParseInt(who, 10, 64)
		if err != nil {
			u, err := a.GetUserByEmail(ctx, who)
			if err != nil {
				return fmt.Errorf("users erase %s: %s", who, reportline.ErrorMessage(err))
			}
			id = int64(u.ID)
		}
		r, err := a.EraseUser(ctx, actor, reportline.UserID(id))
		if err != nil {
			return fmt.Errorf("users erase %s: %s", who, reportline.ErrorMessage(err))
		}
		fmt.Fprintf(e.stdout, "user %d erased: now %s (deactivated); %d links ended\n", id, r.Pseudonym, r.Links)
		tables := make([]string, 0, len(r.Rows))
		for t, n := range r.Rows {
			if n > 0 {
				tables = append(tables, t)
			}
		}
		sort.Strings(tables)
		for _, t := range tables {
			fmt.Fprintf(e.stdout, "  %-24s %d\n", t, r.Rows[t])
		}
		return nil
	})
}
