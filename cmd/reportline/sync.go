package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"reportline"
	"reportline/app"
	"reportline/config"
	"reportline/ldapsync"
)

// ldapNotes follow the usage text of `reportline sync ldap --help`.
const ldapNotes = `Reads the users of an LDAP directory or Active Directory and their manager
attribute and applies them: users are created, updated, deactivated when
they leave the directory or are disabled in it (never deleted); each user's
directory manager replaces their links of source "ldap"; links made by hand
or by other sources are left alone.

--confirm-deactivations N applies the run even if it deactivates more people
than the guard allows (REPORTLINE_DIRECTORY_HOLD_PERCENT, default 10;
_HOLD_COUNT, default 50), as long as it deactivates at most N.

Exit status: 0 applied, 4 applied but some entries had problems, 5 held (too
many deactivations: nothing applied; confirm them), 1 failed.

Environment: REPORTLINE_LDAP_URL (ldap:// or ldaps://), REPORTLINE_LDAP_STARTTLS,
REPORTLINE_LDAP_CA_FILE, REPORTLINE_LDAP_BIND_DN, REPORTLINE_LDAP_BIND_PASSWORD
or REPORTLINE_LDAP_BIND_PASSWORD_FILE, REPORTLINE_LDAP_BASE_DN,
REPORTLINE_LDAP_PRESET (openldap or ad), REPORTLINE_LDAP_FILTER,
REPORTLINE_LDAP_ATTRIBUTES (e.g. "id=uid,org_unit=department,disabled=employeeType=disabled"),
REPORTLINE_LDAP_PAGE_SIZE (default 500), REPORTLINE_LDAP_SYNC_INTERVAL (serve; default 1h, 0 never).
`

func cmdSyncLDAP(ctx context.Context, e env, args []string) error {
	var dryRun bool
	var show, confirm int
	cfg, fs, err := loadConfig(e, "sync ldap", args, func(c *config.Config, fs *flag.FlagSet) {
		c.StorageFlags(fs)
		fs.BoolVar(&dryRun, "dry-run", false, "show what would change; change nothing")
		fs.IntVar(&confirm, "confirm-deactivations", 0, "apply even if the run deactivates more people than the guard allows, up to `N`")
		fs.IntVar(&show, "show", 100, "list at most `N` user and N link changes; 0 for all")
	})
	if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "unexpected argument %q\n\n%s", fs.Arg(0), commandUsage("sync ldap"))
		return errUsage
	}
	// Without --tenant the environment's directory is checked before the
	// database is opened, as it always was.
	if slug, _ := ctx.Value(tenantSlugKey{}).(string); slug == "" {
		if _, err := envLDAP(cfg); err != nil {
			return err
		}
	}
	return withServices(ctx, e, cfg, nil, func(s services) error {
		ctx, slug, own, err := syncTenant(ctx, s.db)
		if err != nil {
			return fmt.Errorf("sync ldap: %w", err)
		}
		a := s.app
		var dir ldapsync.Config
		if own {
			err = tenantHasSource(ctx, a, slug, "LDAP")
		} else {
			dir, err = envLDAP(cfg)
		}
		if err != nil {
			return err
		}
		if err := confirmDeactivations(ctx, a, reportline.SourceLDAP, confirm, dryRun); err != nil {
			return fmt.Errorf("sync ldap: %s", syncErrorMessage(err))
		}
		var rep reportline.SyncReport
		if own {
			rep, err = a.SyncTenantLDAP(ctx, app.SystemActor(reportline.SourceLDAP), dryRun)
		} else {
			rep, err = syncLDAP(ctx, a, dir, dryRun, s.log)
		}
		if errors.Is(err, reportline.ErrHeld) {
			printSyncReport(e.stdout, "LDAP", rep, show)
			return heldError("sync ldap", err)
		}
		if err != nil {
			return fmt.Errorf("sync ldap: %s", syncErrorMessage(err))
		}
		printSyncReport(e.stdout, "LDAP", rep, show)
		if len(rep.Problems) > 0 {
			return exitError{exitSyncProblems, fmt.Sprintf("sync ldap: %d problems", len(rep.Problems))}
		}
		return nil
	})
}

// envLDAP is the environment's LDAP directory, the implicit tenant's; an
// error says what to set.
func envLDAP(cfg config.Config) (ldapsync.Config, error) {
	if !cfg.LDAP.Enabled() {
		return ldapsync.Config{}, errors.New("sync ldap: LDAP is not configured: set REPORTLINE_LDAP_URL and REPORTLINE_LDAP_BASE_DN (and REPORTLINE_LDAP_BIND_DN, REPORTLINE_LDAP_BIND_PASSWORD or _FILE); another tenant's directory: --tenant SLUG")
	}
	dir, err := ldapConfig(cfg.LDAP)
	if err != nil {
		return ldapsync.Config{}, fmt.Errorf("sync ldap: %w", err)
	}
	return dir, nil
}

// exitSyncHeld is the exit status of a sync held by the deactivation guard.
const exitSyncHeld = 5

// confirmDeactivations records the operator's --confirm-deactivations N
// before a run (nothing when N is 0 or the run is dry).
func confirmDeactivations(ctx context.Context, a *app.App, source reportline.Source, n int, dryRun bool) error {
	if n <= 0 || dryRun {
		return nil
	}
	return a.ConfirmDeactivations(ctx, app.SystemActor(reportline.SourceCLI), source, n, 0)
}

// heldError says that a run was held and how to apply it.
func heldError(cmd string, err error) error {
	return exitError{exitSyncHeld, fmt.Sprintf("%s: %s", cmd, reportline.ErrorMessage(err))}
}

// ldapConfig turns the configuration into ldapsync's: the preset's
// attribute map and filter, with the overrides, checked.
func ldapConfig(c config.LDAP) (ldapsync.Config, error) {
	attrs, filter, err := ldapsync.Preset(c.Preset)
	if err != nil {
		return ldapsync.Config{}, err
	}
	if attrs, err = ldapsync.ParseAttributeMap(attrs, c.Attributes); err != nil {
		return ldapsync.Config{}, fmt.Errorf("REPORTLINE_LDAP_ATTRIBUTES: %w", err)
	}
	if c.Filter != "" {
		filter = c.Filter
	}
	out := ldapsync.Config{URL: c.URL, StartTLS: c.StartTLS, CAFile: c.CAFile, BindDN: c.BindDN, BindPassword: c.BindPassword,
		BaseDN: c.BaseDN, Filter: filter, PageSize: c.PageSize, Attributes: attrs}
	return out, out.Validate()
}

// syncLDAP reads the whole directory and applies it as the system.
func syncLDAP(ctx context.Context, a *app.App, dir ldapsync.Config, dryRun bool, log *slog.Logger) (reportline.SyncReport, error) {
	return a.SyncDirectoryFrom(ctx, app.SystemActor(reportline.SourceLDAP), reportline.SourceLDAP, dryRun,
		func(ctx context.Context) (reportline.DirectoryBatch, error) {
			b, _, err := ldapsync.Read(ctx, dir, log)
			return b, err
		})
}

// printSyncReport writes what a sync did or, in a dry run, would do: the
// counts, up to show user and link changes, and every problem.
func printSyncReport(w io.Writer, name string, rep reportline.SyncReport, show int) {
	verb := "Applied"
	if rep.DryRun {
		verb = "Dry run of"
	}
	if rep.Held > 0 && !rep.DryRun {
		verb = "HELD (nothing applied):"
	}
	fmt.Fprintf(w, "%s %s sync, run %d:\n", verb, name, rep.RunID)
	if rep.Held > 0 {
		fmt.Fprintf(w, "  %d deactivations are more than the guard allows without confirmation (--confirm-deactivations %d applies them)\n", rep.Held, rep.Held)
	}
	c := rep.SyncCounts
	fmt.Fprintf(w, "  users: %d created, %d updated, %d unchanged, %d deactivated, %d reactivated, %d skipped\n",
		c.Created, c.Updated, c.Unchanged, c.Deactivated, c.Reactivated, c.Skipped)
	fmt.Fprintf(w, "  manager links: %d added, %d removed, %d updated, %d unchanged\n",
		c.LinksAdded, c.LinksRemoved, c.LinksUpdated, c.LinksUnchanged)
	more := func(shown, total int, what string) bool {
		if show > 0 && shown == show {
			fmt.Fprintf(w, "  … and %d more %s (--show 0 lists them all)\n", total-shown, what)
			return true
		}
		return false
	}
	n, total := 0, 0
	for _, u := range rep.Users {
		if u.Action != reportline.SyncUnchanged && u.Action != reportline.SyncSkipped {
			total++
		}
	}
	for _, u := range rep.Users {
		if u.Action == reportline.SyncUnchanged || u.Action == reportline.SyncSkipped {
			continue
		}
		if more(n, total, "user changes") {
			break
		}
		n++
		var fields []string
		for _, f := range u.Changed {
			if f.Before == "" {
				fields = append(fields, fmt.Sprintf("%s=%q", f.Field, f.After))
			} else {
				fields = append(fields, fmt.Sprintf("%s: %q → %q", f.Field, f.Before, f.After))
			}
		}
		fmt.Fprintf(w, "  user %s %s (%s): %s\n", u.Action, u.Email, u.ExternalID, strings.Join(fields, ", "))
	}
	for i, l := range rep.Links {
		if more(i, len(rep.Links), "link changes") {
			break
		}
		fmt.Fprintf(w, "  link %s: %s → %s\n", l.Action, l.ManagerEmail, l.ManageeEmail)
	}
	for _, p := range rep.Problems {
		who := p.ExternalID
		if p.Email != "" {
			who += " (" + p.Email + ")"
		}
		fmt.Fprintf(w, "  problem: %s: %s: %s\n", who, p.Code, p.Reason)
	}
	if rep.DryRun {
		fmt.Fprintln(w, "Nothing was changed.")
	}
}

// startLDAPSync starts the scheduled syncs with the environment's LDAP
// directory alone (startDirectorySyncs, which serve uses, takes both).
func startLDAPSync(ctx context.Context, cfg config.LDAP, a *app.App, log *slog.Logger) (stop func(), err error) {
	return startDirectorySyncs(ctx, config.Config{LDAP: cfg}, a, log)
}
