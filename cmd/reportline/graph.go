package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"reportline"
	"reportline/app"
	"reportline/config"
	"reportline/directory"
	"reportline/graphsync"
)

// graphNotes follow the usage text of `reportline sync graph --help`.
const graphNotes = `Reads Microsoft Entra ID users and their managers through Microsoft Graph and
applies them: users are created, updated, deactivated (never deleted); each
user's line manager from the directory replaces the links of source "graph".
The first sync reads the whole directory; later ones read only the changes
since the last applied sync (a delta link kept in the database).

--confirm-deactivations N applies the run even if it deactivates more people
than the guard allows (REPORTLINE_DIRECTORY_HOLD_PERCENT, default 10;
_HOLD_COUNT, default 50), as long as it deactivates at most N.

Exit status: 0 applied, 4 applied but some entries had problems, 5 held (too
many deactivations: nothing applied, the delta link is not advanced), 1 failed.

Environment: REPORTLINE_GRAPH_TENANT, REPORTLINE_GRAPH_CLIENT_ID,
REPORTLINE_GRAPH_CLIENT_SECRET or REPORTLINE_GRAPH_CLIENT_SECRET_FILE,
REPORTLINE_GRAPH_SYNC_INTERVAL (serve; default 1h, 0 never),
REPORTLINE_GRAPH_AUTHORITY_URL, REPORTLINE_GRAPH_API_URL (other clouds),
REPORTLINE_GRAPH_INCLUDE_GUESTS (default false: B2B guests are not synced).
`

// exitSyncProblems is the status of a sync applied with problems.
const exitSyncProblems = 4

// graphDirectory is graphsync as the app's DeltaDirectory.
type graphDirectory struct {
	client *graphsync.Client
	batch  graphsync.BatchOptions
}

func (g graphDirectory) ReadDelta(ctx context.Context, cursor string) (directory.DeltaRound, error) {
	r, err := g.client.Fetch(ctx, cursor)
	if err != nil {
		return directory.DeltaRound{}, err
	}
	return directory.DeltaRound{Batch: r.BatchWith(g.batch), Cursor: r.DeltaLink, Reset: r.Reset}, nil
}

func newGraphDirectory(cfg config.Graph, log *slog.Logger) (graphDirectory, error) {
	gc := graphsync.Config{
		Tenant: cfg.Tenant, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
		AuthorityURL: cfg.AuthorityURL, APIURL: cfg.APIURL, Logger: log,
	}
	if len(cfg.Certificate) > 0 {
		cert, err := graphsync.LoadCertificate(cfg.Certificate)
		if err != nil {
			return graphDirectory{}, fmt.Errorf("REPORTLINE_GRAPH_CERTIFICATE_FILE: %w", err)
		}
		gc.Certificate = cert
	}
	c, err := graphsync.New(gc)
	return graphDirectory{client: c, batch: graphsync.BatchOptions{IncludeGuests: cfg.IncludeGuests, Exclude: cfg.Exclude}}, err
}

func cmdSyncGraph(ctx context.Context, e env, args []string) error {
	var dryRun, full bool
	var confirm int
	cfg, fs, err := loadConfig(e, "sync graph", args, func(c *config.Config, fs *flag.FlagSet) {
		c.StorageFlags(fs)
		fs.IntVar(&confirm, "confirm-deactivations", 0, "apply even if the run deactivates more people than the guard allows, up to `N`")
		fs.BoolVar(&dryRun, "dry-run", false, "show what would change; change nothing")
		fs.BoolVar(&full, "full", false, "read the whole directory again")
	})
	if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "unexpected argument %q\n\n%s", fs.Arg(0), commandUsage("sync graph"))
		return errUsage
	}
	if slug, _ := ctx.Value(tenantSlugKey{}).(string); slug == "" {
		if err := envGraph(cfg); err != nil {
			return err
		}
	}
	return withServices(ctx, e, cfg, nil, func(s services) error {
		ctx, slug, own, err := syncTenant(ctx, s.db)
		if err != nil {
			return fmt.Errorf("sync graph: %w", err)
		}
		a := s.app
		var dir graphDirectory
		if own {
			err = tenantHasSource(ctx, a, slug, "Microsoft Graph")
		} else if err = envGraph(cfg); err == nil {
			dir, err = newGraphDirectory(cfg.Graph, s.log)
		}
		if err != nil {
			return err
		}
		if err := confirmDeactivations(ctx, a, reportline.SourceGraph, confirm, dryRun); err != nil {
			return fmt.Errorf("sync graph: %s", syncErrorMessage(err))
		}
		var rep directory.DeltaReport
		if own {
			rep, err = a.SyncTenantGraph(ctx, app.SystemActor(reportline.SourceCLI), full, dryRun)
		} else {
			rep, err = a.SyncDeltaDirectory(ctx, app.SystemActor(reportline.SourceCLI), reportline.SourceGraph, dir, full, dryRun)
		}
		if errors.Is(err, reportline.ErrHeld) {
			printDeltaSync(e.stdout, rep)
			return heldError("sync graph", err)
		}
		if err != nil {
			return fmt.Errorf("sync graph: %s", syncErrorMessage(err))
		}
		printDeltaSync(e.stdout, rep)
		if len(rep.Problems) > 0 {
			return exitError{exitSyncProblems, fmt.Sprintf("sync graph: %d problems", len(rep.Problems))}
		}
		return nil
	})
}

// envGraph says what to set when the environment names no Entra ID (the
// implicit tenant's).
func envGraph(cfg config.Config) error {
	if !cfg.Graph.Enabled() {
		return errors.New("sync graph: Microsoft Graph is not configured: set REPORTLINE_GRAPH_TENANT, REPORTLINE_GRAPH_CLIENT_ID and REPORTLINE_GRAPH_CLIENT_SECRET (or _FILE); another tenant's directory: --tenant SLUG")
	}
	return nil
}

// syncErrorMessage is a domain error's message for people, or the error
// itself: graphsync's errors name the request that failed and never carry
// a secret.
func syncErrorMessage(err error) string {
	if _, ok := errors.AsType[*reportline.Error](err); ok {
		return reportline.ErrorMessage(err)
	}
	return err.Error()
}

func printDeltaSync(w io.Writer, rep directory.DeltaReport) {
	kind := "changes since the last sync"
	if rep.Full {
		kind = "whole directory"
	}
	verb := "Applied"
	if rep.DryRun {
		verb = "Dry run of"
	}
	fmt.Fprintf(w, "%s Microsoft Graph sync (%s), run %d:\n", verb, kind, rep.RunID)
	if rep.Reset != "" {
		fmt.Fprintf(w, "  note: %s\n", rep.Reset)
	}
	c := rep.SyncCounts
	fmt.Fprintf(w, "  users: %d created, %d updated, %d unchanged, %d deactivated, %d reactivated, %d skipped\n",
		c.Created, c.Updated, c.Unchanged, c.Deactivated, c.Reactivated, c.Skipped)
	fmt.Fprintf(w, "  manager links: %d added, %d removed, %d updated, %d unchanged\n",
		c.LinksAdded, c.LinksRemoved, c.LinksUpdated, c.LinksUnchanged)
	const shown = 50
	for i, p := range rep.Problems {
		if i == shown {
			fmt.Fprintf(w, "  … and %d more problems (see the sync runs page)\n", len(rep.Problems)-shown)
			break
		}
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
