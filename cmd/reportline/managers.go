package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"reportline"
	"reportline/app"
	"reportline/bulkimport"
	"reportline/config"
)

// importMemoryLimit is the Go heap's soft limit during a CLI import.
const importMemoryLimit = 320 << 20

// Exit statuses of `managers import`.
const (
	exitRejectedLines = 4 // applied (or previewed), but some lines were rejected
)

// cmdManagersTemplate prints the CSV import template.
func cmdManagersTemplate(_ context.Context, e env, _ []string) error {
	return app.WriteTemplate(e.stdout)
}

func cmdExport(ctx context.Context, e env, args []string) error {
	var out, as, asOf string
	var group int64
	var excel bool
	cfg, _, err := loadConfig(e, "managers export", args, func(c *config.Config, fs *flag.FlagSet) {
		c.StorageFlags(fs)
		fs.StringVar(&out, "o", "", "write to `FILE` instead of standard output")
		fs.Int64Var(&group, "group", 0, "only links inside this group `ID` and its descendants")
		fs.BoolVar(&excel, "excel", false, "';' separators and a UTF-8 BOM, for Excel in European locales")
		fs.StringVar(&as, "as", "", "export as the user with this `EMAIL` (their groups only) instead of as the operator")
		fs.StringVar(&asOf, "as-of", "", "export the links in effect on this `DATE` (YYYY-MM-DD, the end of that day in UTC; or an RFC 3339 time), from the link history")
	})
	if err != nil {
		return err
	}
	at, _, err := app.ParseAsOf(asOf)
	if err != nil {
		return fmt.Errorf("export: %s", reportline.ErrorMessage(err))
	}
	return withActor(ctx, e, cfg, as, func(a *app.App, actor app.Actor) error {
		w := e.stdout
		if out != "" {
			// Written to a temporary file renamed at the end, so a failed
			// export never leaves a truncated file under the asked name.
			f, err := os.CreateTemp(filepath.Dir(out), ".export-*.csv")
			if err != nil {
				return err
			}
			defer os.Remove(f.Name())
			defer f.Close()
			w = f
		}
		n, err := a.ExportManagers(ctx, actor, w, app.ExportOptions{GroupID: reportline.GroupID(group), Excel: excel, AsOf: at})
		if err != nil {
			return fmt.Errorf("export: %s", reportline.ErrorMessage(err))
		}
		if f, ok := w.(*os.File); ok && out != "" {
			if err := f.Close(); err != nil {
				return err
			}
			if err := os.Rename(f.Name(), out); err != nil {
				return err
			}
			fmt.Fprintf(e.stderr, "exported %d links to %s\n", n, out)
		}
		return nil
	})
}

// fileCommand parses the arguments of the command named name, which reads
// one FILE: the storage flags, --as (asHelp says what acting as someone
// means there) and the command's own flags. The file name may come before
// the flags or after them, as people type them.
func fileCommand(e env, name, asHelp string, args []string, flags func(*flag.FlagSet)) (cfg config.Config, file, as string, err error) {
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		file, args = args[0], args[1:]
	}
	cfg, fs, err := loadConfig(e, name, args, func(c *config.Config, fs *flag.FlagSet) {
		c.StorageFlags(fs)
		fs.StringVar(&as, "as", "", asHelp)
		if flags != nil {
			flags(fs)
		}
	})
	if err != nil {
		return cfg, "", "", err
	}
	if file == "" && fs.NArg() > 0 {
		file = fs.Arg(0)
	}
	if file == "" {
		return cfg, "", "", usageText(e, nil, commandUsage(name))
	}
	return cfg, file, as, nil
}

func cmdImport(ctx context.Context, e env, args []string) error {
	var dryRun, asJSON bool
	cfg, file, as, err := fileCommand(e, "managers import",
		"import as the user with this `EMAIL` (checked against their groups) instead of as the operator", args,
		func(fs *flag.FlagSet) {
			fs.BoolVar(&dryRun, "dry-run", false, "list the changes without making them")
			fs.BoolVar(&asJSON, "json", false, "print the outcome as one JSON document, for scripts")
		})
	if err != nil {
		return err
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	return withActor(ctx, e, cfg, as, func(a *app.App, actor app.Actor) error {
		// A million-line import holds a few hundred megabytes of live data;
		// a soft limit makes the collector keep the garbage around it small,
		// so the whole process stays near 512 MiB. GOMEMLIMIT overrides it.
		if e.getenv("GOMEMLIMIT") == "" {
			defer debug.SetMemoryLimit(debug.SetMemoryLimit(importMemoryLimit))
		}
		// Progress is for people watching a terminal: never in a log or a pipe.
		var bar *progressBar
		if !asJSON && isTerminal(e.stderr) {
			bar = newProgressBar(e.stderr)
		}
		res, err := a.ImportManagers(ctx, actor, f, bulkimport.Options{FileName: filepath.Base(file), Size: st.Size(), DryRun: dryRun, Progress: bar.update})
		bar.done()
		if err != nil {
			var re *reportline.Error
			if errors.As(err, &re) && re.Line > 0 {
				return fmt.Errorf("%s: line %d: %s", file, re.Line, re.Message)
			}
			return fmt.Errorf("%s: %s", file, reportline.ErrorMessage(err))
		}
		if asJSON {
			if err := printImportJSON(e.stdout, res, dryRun); err != nil {
				return err
			}
		} else {
			printImport(e.stdout, res, dryRun)
		}
		c := res.Batch.Counts
		switch {
		case c.Rejected > 0 && c.Rejected >= c.Lines-c.Duplicate:
			return fmt.Errorf("every line was rejected; nothing was applied")
		case c.Rejected > 0:
			return exitError{exitRejectedLines, fmt.Sprintf("%d lines were rejected", c.Rejected)}
		}
		return nil
	})
}

// exitError carries a specific exit status.
type exitError struct {
	code int
	msg  string
}

func (e exitError) Error() string { return e.msg }

func printImport(w io.Writer, res bulkimport.Result, dryRun bool) {
	c := res.Batch.Counts
	verb, add, update, remove := "Imported", "added", "updated", "removed"
	if dryRun {
		verb, add, update, remove = "Preview of", "to add", "to update", "to remove"
	}
	fmt.Fprintf(w, "%s %s (import %d; %s, %s-separated)\n", verb, res.Batch.FileName, res.Batch.ID, res.Encoding, res.Separator)
	fmt.Fprintf(w, "  %d lines, %d managees: %d %s, %d %s, %d %s, %d unchanged, %d duplicate lines, %d rejected\n",
		c.Lines, c.Managees, c.Add, add, c.Update, update, c.Remove, remove, c.Unchanged, c.Duplicate, c.Rejected)
	for _, ch := range res.Changes {
		fmt.Fprintf(w, "  %s\n", changeLine(ch))
	}
	if more := c.Add + c.Update + c.Remove - len(res.Changes); more > 0 {
		fmt.Fprintf(w, "  … and %d more changes: reportline's import history has them all\n", more)
	}
	shown := 0
	for _, r := range res.Rejected {
		if shown == 20 {
			fmt.Fprintf(w, "  … and %d more: reportline's import history has them all\n", len(res.Rejected)-shown)
			break
		}
		fmt.Fprintf(w, "  line %d: %s (%s)\n", r.Line, r.Message, r.Reason)
		shown++
	}
	if dryRun {
		fmt.Fprintln(w, "Nothing was changed (--dry-run).")
	}
}

// changeLine is one change of an import: "+ manager → managee (line)",
// "- …" for a removal, "~ …" for changed terms.
func changeLine(ch bulkimport.Change) string {
	sign := map[reportline.Action]string{reportline.ActionAdd: "+", reportline.ActionRemove: "-", reportline.ActionUpdate: "~"}[ch.Action]
	if sign == "" {
		sign = "?"
	}
	line := fmt.Sprintf("%s %s → %s", sign, ch.Manager, ch.Managee)
	var terms []string
	if ch.Kind != "" {
		terms = append(terms, string(ch.Kind))
	}
	if !ch.ValidFrom.IsZero() {
		terms = append(terms, "from "+ch.ValidFrom.Format(time.DateOnly))
	}
	if !ch.ValidUntil.IsZero() {
		terms = append(terms, "until "+ch.ValidUntil.Format(time.DateOnly))
	}
	if len(terms) > 0 {
		line += " (" + strings.Join(terms, ", ") + ")"
	}
	return line
}

// importJSON is the outcome of an import for scripts (--json).
type importJSON struct {
	File          string                    `json:"file"`
	ImportID      int64                     `json:"import_id"`
	DryRun        bool                      `json:"dry_run"`
	Applied       bool                      `json:"applied"`
	Encoding      string                    `json:"encoding"`
	Separator     string                    `json:"separator"`
	Counts        reportline.ImportCounts   `json:"counts"`
	Changes       []changeJSON              `json:"changes"`
	ChangesListed bool                      `json:"changes_complete"` // false when the list stops at the first bulkimport.MaxListedChanges
	Rejected      []bulkimport.RejectedLine `json:"rejected"`
}

type changeJSON struct {
	Action     string `json:"action"` // add, update, remove
	Manager    string `json:"manager"`
	Managee    string `json:"managee"`
	Kind       string `json:"kind,omitempty"`
	ValidFrom  string `json:"valid_from,omitempty"`
	ValidUntil string `json:"valid_until,omitempty"`
}

func printImportJSON(w io.Writer, res bulkimport.Result, dryRun bool) error {
	c := res.Batch.Counts
	out := importJSON{File: res.Batch.FileName, ImportID: res.Batch.ID, DryRun: dryRun, Applied: !dryRun,
		Encoding: res.Encoding, Separator: res.Separator, Counts: c, Changes: []changeJSON{},
		ChangesListed: len(res.Changes) >= c.Add+c.Update+c.Remove, Rejected: res.Rejected}
	if out.Rejected == nil {
		out.Rejected = []bulkimport.RejectedLine{}
	}
	day := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format(time.DateOnly)
	}
	for _, ch := range res.Changes {
		out.Changes = append(out.Changes, changeJSON{Action: string(ch.Action), Manager: ch.Manager, Managee: ch.Managee,
			Kind: string(ch.Kind), ValidFrom: day(ch.ValidFrom), ValidUntil: day(ch.ValidUntil)})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// isTerminal reports whether w is a terminal (a character device), where
// a progress line drawn with carriage returns belongs.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progressBar draws an import's progress on a terminal line.
type progressBar struct {
	w    io.Writer
	last time.Time
	drew bool
}

func newProgressBar(w io.Writer) *progressBar { return &progressBar{w: w} }

func (p *progressBar) update(pr bulkimport.Progress) {
	if p == nil {
		return
	}
	if time.Since(p.last) < 200*time.Millisecond {
		return
	}
	p.last, p.drew = time.Now(), true
	switch {
	case pr.Phase == "reading" && pr.Total > 0:
		const width = 30
		filled := int(width * pr.Done / pr.Total)
		fmt.Fprintf(p.w, "\rreading   [%-*s] %3d%%", width, strings.Repeat("#", filled), 100*pr.Done/pr.Total)
	case pr.Phase == "writing":
		fmt.Fprintf(p.w, "\rwriting   %d changes%-20s", pr.Total, "")
	default:
		fmt.Fprintf(p.w, "\r%-9s …%-40s", pr.Phase, "")
	}
}

func (p *progressBar) done() {
	if p == nil {
		return
	}
	if p.drew {
		fmt.Fprintln(p.w)
	}
}

// osUserName is the name of the operating-system user running the
// command, recorded as the actor of what it does without --as.
func osUserName(e env) string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	for _, k := range []string{"USER", "LOGNAME", "USERNAME"} {
		if v := e.getenv(k); v != "" {
			return v
		}
	}
	return ""
}
