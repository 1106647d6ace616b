package app

import (
	"context"
	"fmt"

	"reportline"
)

// SyncDirectory applies what a directory says (LDAP / Active Directory,
// Microsoft Graph, a SCIM client) to our users and their line managers, or
// with dryRun computes what it would change and writes nothing but the run's
// record. Platform admins and the system may sync.
//
// Users. Each entry is matched by its identity (source, external id); else
// by its normalised email, and the identity is then recorded; else a user is
// created. A user may be known to several directories and keeps its own
// external uid, which belongs to the LMS. The fields the directory sends
// (email, names, position, org unit, active) overwrite ours. An entry whose
// own fields are unusable, or that repeats an external id or email of an
// earlier entry, or whose email belongs to another user, is skipped with a
// problem; the others go on. The source's users missing from a Full batch,
// or listed in Removed, are deactivated, never deleted, and keep their links.
//
// Links. Directory sources allow one manager per user: each synced user ends
// with exactly their directory manager as a line link of this source, and
// the source's other links to them are removed. Links of other sources are
// never touched: when the pair already exists from another source (a link
// made by hand, say), it is left as it is and counted unchanged. A manager
// the directory names but that is not in it (or was skipped) is a problem,
// and the user is synced without a manager link; so is a link that would
// close a reporting-line cycle (checked against every line link, whatever
// its source or dates). Inactive managers are linked: the directory is the
// authority on who manages whom, and the report of managees without an
// active manager shows them.
//
// Atomicity. One batch is one transaction: all of it is applied or none.
// The run is recorded in its own transactions before and after, so a failed
// sync leaves a failed run behind. Every user change is recorded with the
// run (directory_user_changes) and every link change in the audit log, both
// with the source.
func (a *App) SyncDirectory(ctx context.Context, actor Actor, b reportline.DirectoryBatch, dryRun bool) (reportline.SyncReport, error) {
	if !actor.System && !actor.User.IsPlatformAdmin() {
		return reportline.SyncReport{}, forbidden("only platform admins may sync a directory")
	}
	if err := b.Validate(); err != nil {
		return reportline.SyncReport{}, err
	}
	run := reportline.SyncRun{Source: b.Source, ActorID: actor.id(), DryRun: dryRun, Full: b.Full,
		Status: reportline.ImportRunning, Started: a.now()}
	if err := a.store.Write(ctx, func(tx Tx) error { return tx.CreateSyncRun(ctx, &run) }); err != nil {
		return reportline.SyncReport{}, fmt.Errorf("sync %s: record the run: %w", b.Source, err)
	}
	s := &syncer{actor: actor, batch: b, dryRun: dryRun, now: run.Started, runID: run.ID}
	work := func(tx Tx) error {
		s.reset()
		return s.sync(ctx, tx)
	}
	var err error
	if dryRun {
		err = a.store.Read(ctx, work)
	} else {
		err = a.store.Write(ctx, work)
	}
	rep := s.report
	rep.RunID, rep.Source, rep.DryRun, rep.Started, rep.Finished = run.ID, b.Source, dryRun, run.Started, a.now()
	run.Finished, run.Status = rep.Finished, reportline.ImportDone
	if err != nil {
		// Nothing was applied: the counts would describe what did not happen.
		rep.SyncCounts, rep.Users = reportline.SyncCounts{}, nil
		run.Status, run.Error = reportline.ImportFailed, reportline.ErrorMessage(err)
	}
	run.Counts, run.ProblemCount = rep.SyncCounts, len(rep.Problems)
	run.Problems = rep.Problems[:min(len(rep.Problems), reportline.MaxRunProblems)]
	// The outcome is recorded even when the caller has gone.
	if ferr := a.store.Write(context.WithoutCancel(ctx), func(tx Tx) error { return tx.FinishSyncRun(ctx, run) }); ferr != nil {
		a.log.Error("record sync run outcome", "run", run.ID, "source", b.Source, "err", ferr)
		if err == nil {
			err = fmt.Errorf("sync %s: record the outcome: %w", b.Source, ferr)
		}
	}
	if err != nil {
		return rep, fmt.Errorf("sync %s: %w", b.Source, err)
	}
	a.log.Info("directory sync", "run", run.ID, "source", b.Source, "dry_run", dryRun, "created", rep.Created,
		"updated", rep.Updated, "deactivated", rep.Deactivated, "links_added", rep.LinksAdded,
		"links_removed", rep.LinksRemoved, "problems", len(rep.Problems))
	return rep, nil
}

// SyncRuns returns the latest sync runs of a source ("" for every source),
// newest first. Platform admins and the system may read them.
func (a *App) SyncRuns(ctx context.Context, actor Actor, source reportline.Source, limit int) ([]reportline.SyncRun, error) {
	if !actor.System && !actor.User.IsPlatformAdmin() {
		return nil, forbidden("only platform admins may see directory syncs")
	}
	if source != "" && !source.Directory() {
		return nil, reportline.FieldError("source", string(source), "source %q is not a directory", source)
	}
	var out []reportline.SyncRun
	err := a.store.Read(ctx, func(tx Tx) error {
		var err error
		out, err = tx.SyncRuns(ctx, source, limit)
		return err
	})
	return out, err
}

// SyncRunChanges returns one run and the user changes it recorded.
func (a *App) SyncRunChanges(ctx context.Context, actor Actor, id int64) (reportline.SyncRun, []reportline.DirectoryChange, error) {
	if !actor.System && !actor.User.IsPlatformAdmin() {
		return reportline.SyncRun{}, nil, forbidden("only platform admins may see directory syncs")
	}
	var run reportline.SyncRun
	var changes []reportline.DirectoryChange
	err := a.store.Read(ctx, func(tx Tx) error {
		var err error
		if run, err = tx.SyncRun(ctx, id); err != nil {
			return err
		}
		changes, err = tx.DirectoryChanges(ctx, id)
		return err
	})
	return run, changes, err
}
