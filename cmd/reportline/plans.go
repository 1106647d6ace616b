package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"reportline"
	"reportline/app"
	"reportline/config"
)

func cmdPlans(ctx context.Context, e env, args []string) error {
	sub, rest := args[0], args[1:]
	var pos []string
	for len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		pos, rest = append(pos, rest[0]), rest[1:]
	}
	var as, op, manager, managee, kind, from, to, at string
	cfg, _, err := loadConfig(e, "plans "+sub, rest, func(c *config.Config, fs *flag.FlagSet) {
		c.StorageFlags(fs)
		fs.StringVar(&as, "as", "", "act as the user with this `EMAIL` (default: the operator)")
		switch sub {
		case "add":
			fs.StringVar(&op, "op", "add", "the change: `add`, remove or kind")
			fs.StringVar(&manager, "manager", "", "the manager's `EMAIL`")
			fs.StringVar(&managee, "managee", "", "the managee's `EMAIL`")
			fs.StringVar(&kind, "kind", "", "`line` (default) or functional")
		case "move":
			fs.StringVar(&from, "from", "", "the manager whose team moves (`EMAIL`)")
			fs.StringVar(&to, "to", "", "their new manager (`EMAIL`)")
		case "schedule":
			fs.StringVar(&at, "at", "", "when it takes effect (`TIME`)")
		}
	})
	if err != nil {
		return err
	}
	need := map[string]int{"create": 1, "add": 1, "import": 2, "move": 1, "show": 1, "approve": 1, "schedule": 1, "cancel": 1, "list": 0}
	n, ok := need[sub]
	if !ok {
		return fmt.Errorf("plans: unknown command %q\n%s", sub, usageOf("plans"))
	}
	if len(pos) != n {
		return fmt.Errorf("plans %s: %d arguments expected, %d given\n%s", sub, n, len(pos), usageOf("plans"))
	}
	var id int64
	if sub != "create" && sub != "list" {
		if id, err = strconv.ParseInt(pos[0], 10, 64); err != nil || id <= 0 {
			return fmt.Errorf("plans %s: give the plan's id (%q is not one)", sub, pos[0])
		}
	}
	return withActor(ctx, e, cfg, as, func(a *app.App, actor app.Actor) error {
		fail := func(err error) error { return fmt.Errorf("plans %s: %s", sub, describePlanError(err)) }
		switch sub {
		case "list":
			ps, err := a.ListPlans(ctx, actor)
			if err != nil {
				return fail(err)
			}
			for _, p := range ps {
				when := ""
				if !p.EffectiveAt.IsZero() {
					when = p.EffectiveAt.Format(time.RFC3339)
				}
				fmt.Fprintf(e.stdout, "%d\t%s\t%s\t%s\n", p.ID, p.Status, when, p.Name)
			}
			return nil
		case "create":
			p, err := a.CreatePlan(ctx, actor, pos[0])
			if err != nil {
				return fail(err)
			}
			fmt.Fprintf(e.stdout, "plan %d: %s (draft)\n", p.ID, p.Name)
			return nil
		case "add":
			err = a.AddPlanItems(ctx, actor, id, []app.PlanItemInput{{Op: reportline.PlanOp(op), Manager: manager, Managee: managee, Kind: reportline.Kind(kind)}})
		case "import":
			f, ferr := os.Open(pos[1])
			if ferr != nil {
				return fmt.Errorf("plans import: %w", ferr)
			}
			defer f.Close()
			_, err = a.ImportPlan(ctx, actor, id, f)
		case "move":
			_, err = a.MoveTeam(ctx, actor, id, from, to)
		case "approve":
			err = a.ApprovePlan(ctx, actor, id)
		case "schedule":
			t, perr := parsePlanTime(at)
			if perr != nil {
				return fmt.Errorf("plans schedule: --at %q: %w", at, perr)
			}
			err = a.SchedulePlan(ctx, actor, id, t)
		case "cancel":
			err = a.CancelPlan(ctx, actor, id)
		}
		if err != nil {
			return fail(err)
		}
		return printPlan(ctx, e, a, actor, id)
	})
}

// describePlanError is an error with its details, one a line (a CSV's
// refused lines).
func describePlanError(err error) string {
	msg := reportline.ErrorMessage(err)
	if e, ok := err.(*reportline.Error); ok {
		for _, d := range e.Details {
			msg += "\n  " + d.Message
		}
	}
	return msg
}

func parsePlanTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("not a time (RFC 3339, or YYYY-MM-DDTHH:MM in UTC)")
}

// printPlan writes a plan, its changes and the difference against today.
func printPlan(ctx context.Context, e env, a *app.App, actor app.Actor, id int64) error {
	v, err := a.ShowPlan(ctx, actor, id)
	if err != nil {
		return fmt.Errorf("plans show: %s", reportline.ErrorMessage(err))
	}
	p := v.Plan
	fmt.Fprintf(e.stdout, "plan %d: %s — %s\n", p.ID, p.Name, p.Status)
	if !p.EffectiveAt.IsZero() {
		fmt.Fprintf(e.stdout, "scheduled for %s\n", p.EffectiveAt.Format(time.RFC3339))
	}
	fmt.Fprintf(e.stdout, "%d added, %d removed, %d kind changes; %d people's managers change", v.Adds, v.Removes, v.KindChanges, v.People)
	if v.Refused > 0 {
		fmt.Fprintf(e.stdout, "; %d would be refused now", v.Refused)
	}
	fmt.Fprintln(e.stdout)
	sign := map[reportline.PlanOp]string{reportline.PlanAdd: "+", reportline.PlanRemove: "-", reportline.PlanKind: "~"}
	for _, it := range v.Items {
		fmt.Fprintf(e.stdout, "%3d %s %s → %s (%s)", it.Seq, sign[it.Op], it.Manager.Email, it.Managee.Email, it.Kind)
		if it.Verdict != "" && it.Verdict != app.ItemOK {
			fmt.Fprintf(e.stdout, "  REFUSED: %s", it.Message)
		}
		fmt.Fprintln(e.stdout)
	}
	if r := v.Result; r != nil {
		if r.Applied {
			fmt.Fprintf(e.stdout, "applied: %d changes\n", r.Changes)
		} else {
			fmt.Fprintf(e.stdout, "refused whole, nothing changed:\n")
			for _, x := range r.Refusals {
				fmt.Fprintf(e.stdout, "  change %d: %s\n", x.Seq, x.Message)
			}
		}
	}
	return nil
}

// plans is the run function of `reportline plans SUB`.
func plans(sub string) func(context.Context, env, []string) error {
	return func(ctx context.Context, e env, args []string) error {
		return cmdPlans(ctx, e, append([]string{sub}, args...))
	}
}
