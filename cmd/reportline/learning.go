package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"reportline"
	"reportline/app"
	"reportline/config"
)

const learningUsage = "learning import FILE [--as EMAIL] | learning template"

// cmdLearning is `reportline learning …`: the CSV of learning records.
func cmdLearning(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		return usageError(e, learningUsage)
	}
	switch args[0] {
	case "import":
		return cmdLearningImport(ctx, e, args[1:])
	case "template":
		fmt.Fprintln(e.stdout, strings.Join(app.LearningCSVHeader(), ","))
		return nil
	}
	return usageError(e, learningUsage)
}

// cmdLearningImport upserts the records of a CSV file as one batch: exit
// status 0 when it was applied, 1 when it was refused (every refused line
// is printed; nothing was written).
func cmdLearningImport(ctx context.Context, e env, args []string) error {
	var as, file string
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		file, args = args[0], args[1:]
	}
	cfg, fs, err := loadConfig(e, "learning import", args, func(c *config.Config, fs *flag.FlagSet) {
		c.StorageFlags(fs)
		fs.StringVar(&as, "as", "", "import as this user (a platform admin) instead of as the operator")
	})
	if err != nil {
		return err
	}
	if file == "" && fs.NArg() > 0 {
		file = fs.Arg(0)
	}
	if file == "" {
		return usageError(e, learningUsage)
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
