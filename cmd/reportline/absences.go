package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"reportline"
	"reportline/app"
	"reportline/config"
)

func cmdAbsences(ctx context.Context, e env, args []string) error {
	sub, rest := args[0], args[1:]
	idArg := ""
	if sub == "end" && len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		idArg, rest = rest[0], rest[1:]
	}
	var manager, from, to, delegate string
	cfg, _, err := loadConfig(e, "absences "+sub, rest, func(c *config.Config, fs *flag.FlagSet) {
		c.StorageFlags(fs)
		if sub == "set" || sub == "list" {
			fs.StringVar(&manager, "manager", "", "the manager's `EMAIL`")
		}
		if sub == "set" {
			fs.StringVar(&from, "from", "", "the first `DAY` away (2026-12-07)")
			fs.StringVar(&to, "to", "", "the last `DAY` away, included")
			fs.StringVar(&delegate, "delegate", "", "the delegate's `EMAIL` (default: the fallback chain)")
		}
	})
	if err != nil {
		return err
	}
	return withActor(ctx, e, cfg, "", func(a *app.App, actor app.Actor) error {
		fail := func(err error) error { return fmt.Errorf("absences %s: %s", sub, reportline.ErrorMessage(err)) }
		var mgr reportline.User
		if sub == "set" || sub == "list" {
			if mgr, err = a.GetUserByEmail(ctx, manager); err != nil {
				return fail(fmt.Errorf("--manager %q: %w", manager, err))
			}
		}
		show := func(v app.AbsenceView) {
			fmt.Fprintf(e.stdout, "absence %d\t%s\t%s → %s\tdelegate %s (%s)\t%d covered\n", v.ID, v.Manager.Email, v.From, v.To,
				v.Delegate.Email, v.DelegateFrom, len(v.Managees))
		}
		switch sub {
		case "set":
			v, err := a.SetAbsence(ctx, actor, app.AbsenceRequest{Manager: mgr.ID, From: from, To: to, Delegate: delegate})
			if err != nil {
				return fail(err)
			}
			show(v)
		case "list":
			list, err := a.ListAbsences(ctx, actor, mgr.ID)
			if err != nil {
				return fail(err)
			}
			for _, v := range list {
				show(v)
			}
		case "end":
			id, err := strconv.ParseInt(idArg, 10, 64)
			if err != nil || id <= 0 {
				return fmt.Errorf("absences end: give the absence's id (%q is not one)", idArg)
			}
			v, err := a.EndAbsence(ctx, actor, reportline.AbsenceID(id))
			if err != nil {
				return fail(err)
			}
			fmt.Fprintf(e.stdout, "absence %d ended\n", v.ID)
		default:
			return usageText(e, args, usageOf("absences"))
		}
		return nil
	})
}

// absences is the run function of `reportline absences SUB`.
func absences(sub string) func(context.Context, env, []string) error {
	return func(ctx context.Context, e env, args []string) error {
		return cmdAbsences(ctx, e, append([]string{sub}, args...))
	}
}
