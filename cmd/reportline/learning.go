package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"reportline"
	"reportline/learning"
)

const learningUsage = "learning import FILE [--as EMAIL] | learning template"

// cmdLearning is `reportline learning …`: the CSV of learning records.
func cmdLearning(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		return usageError(e, args, learningUsage)
	}
	switch args[0] {
	case "import":
		return cmdLearningImport(ctx, e, args[1:])
	case "template":
		if isHelp(args[1:]) {
			return usageError(e, args[1:], learningUsage)
		}
		fmt.Fprintln(e.stdout, strings.Join(learning.CSVHeader(), ","))
		return nil
	}
	return usageError(e, args, learningUsage)
}

// cmdLearningImport upserts the records of a CSV file as one batch: exit
// status 0 when it was applied, 1 when it was refused (every refused line
// is printed; nothing was written).
func cmdLearningImport(ctx context.Context, e env, args []string) error {
	cfg, file, as, err := fileCommand(e, "learning import", learningUsage,
		"import as this user (a platform admin) instead of as the operator", args, nil)
	if err != nil {
		return err
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	db, a, actor, err := openAs(ctx, cfg, e, as)
	if err != nil {
		return err
	}
	defer db.Close()
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
}
