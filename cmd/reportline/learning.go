package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"reportline"
	"reportline/app"
	"reportline/learning"
)

// cmdLearningTemplate prints the header of the learning records CSV.
func cmdLearningTemplate(_ context.Context, e env, _ []string) error {
	fmt.Fprintln(e.stdout, strings.Join(learning.CSVHeader(), ","))
	return nil
}

// cmdLearningImport upserts the records of a CSV file as one batch: exit
// status 0 when it was applied, 1 when it was refused (every refused line
// is printed; nothing was written).
func cmdLearningImport(ctx context.Context, e env, args []string) error {
	cfg, file, as, err := fileCommand(e, "learning import",
		"import as the user with this `EMAIL` (a platform admin) instead of as the operator", args, nil)
	if err != nil {
		return err
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	return withActor(ctx, e, cfg, as, func(a *app.App, actor app.Actor) error {
		res, err := a.ImportLearningCSV(ctx, actor, f)
		if err != nil {
			var re *reportline.Error
			if errors.As(err, &re) && len(re.Details) > 0 {
				for i, d := range re.Details {
					if i == 50 {
						fmt.Fprintf(e.stderr, "… and %d more\n", len(re.Details)-i)
						break
					}
					fmt.Fprintf(e.stderr, "%s: line %d: %s: %s\n", file, d.Line, d.Field, d.Message)
				}
				return fmt.Errorf("%s: %d line(s) refused; nothing was written", file, len(re.Details))
			}
			if errors.As(err, &re) && re.Line > 0 {
				return fmt.Errorf("%s: line %d: %s", file, re.Line, re.Message)
			}
			return fmt.Errorf("%s: %s", file, reportline.ErrorMessage(err))
		}
		r := res.Records
		fmt.Fprintf(e.stdout, "Imported %s: %d records created, %d updated, %d unchanged\n", file, r.Created, r.Updated, r.Unchanged)
		return nil
	})
}
