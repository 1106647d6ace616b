package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"reportline"
	"reportline/app"
)

// cmdUsersImport imports a users CSV through the code of the LMS import API
// (app.ImportUsersCSV). Its exit statuses are those of `managers import`:
// 0 every row was accepted, 4 some rows were refused (the rest applied or,
// with --dry-run, would be), 1 the file was refused or every row was.
func cmdUsersImport(ctx context.Context, e env, args []string) error {
	var dryRun bool
	cfg, file, as, err := fileCommand(e, "users import",
		"import as the user with this `EMAIL` (their groups only) instead of as the operator", args,
		func(fs *flag.FlagSet) {
			fs.BoolVar(&dryRun, "dry-run", false, "check every row and change nothing")
		})
	if err != nil {
		return err
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	return withActor(ctx, e, cfg, as, func(a *app.App, actor app.Actor) error {
		rep, err := a.ImportUsersCSV(ctx, actor, f, app.UserCSVOptions{DryRun: dryRun})
		if len(rep.Rows) > 0 {
			printUsersImport(e.stdout, filepath.Base(file), rep)
		}
		if err != nil {
			if re, ok := errors.AsType[*reportline.Error](err); ok && re.Line > 0 {
				return fmt.Errorf("%s: line %d: %s", file, re.Line, re.Message)
			}
			return fmt.Errorf("%s: %s", file, reportline.ErrorMessage(err))
		}
		c := rep.Counts
		switch {
		case c.Rows == 0:
			return fmt.Errorf("%s: no user rows after the header", file)
		case c.Failed == c.Rows:
			return fmt.Errorf("every row was refused; nothing was %s", map[bool]string{false: "imported", true: "checked as importable"}[dryRun])
		case c.Failed > 0:
			return exitError{exitRejectedLines, fmt.Sprintf("%d of %d rows were refused", c.Failed, c.Rows)}
		}
		return nil
	})
}

// printUsersImport writes the counts and every refused row.
func printUsersImport(w io.Writer, name string, rep app.UserCSVReport) {
	verb := "Imported"
	if rep.DryRun {
		verb = "Preview of"
	}
	sep := string(rep.Separator)
	if sep == "\t" {
		sep = "tab"
	}
	c := rep.Counts
	fmt.Fprintf(w, "%s %s (%s, %s-separated)\n", verb, name, rep.Encoding, sep)
	fmt.Fprintf(w, "  %d rows: %d created, %d updated, %d unchanged, %d refused\n", c.Rows, c.Created, c.Updated, c.Unchanged, c.Failed)
	for _, r := range rep.Rows {
		if r.Err == nil {
			continue
		}
		field := r.Err.Field
		if field == "" && len(r.Err.Details) > 0 {
			field = r.Err.Details[0].Field
		}
		if field != "" {
			field += ": "
		}
		fmt.Fprintf(w, "  line %d: %s%s\n", r.Line, field, r.Err.Message)
		for _, d := range r.Err.Details {
			fmt.Fprintf(w, "    %s %q: %s\n", d.Field, d.Value, d.Message)
		}
	}
	if rep.DryRun {
		fmt.Fprintln(w, "Nothing was changed (--dry-run).")
	}
}
