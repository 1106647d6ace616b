package directory

import (
	"context"
	"errors"
	"fmt"

	"reportline"
	"reportline/policy"
	"reportline/usecase"
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
// or listed in Removed, are deactivated, never deleted, and keep their links;
// a full batch with no usable user at all is refused when the source has
// users (a wrong base DN or filter must not deactivate everyone).
//
// Links. Directory sources allow one manager per user: each synced user ends
// with exactly their directory manager as a line link of this source, and
// the source's other links to them are removed. Links of other sources are
// never touched: when the pair already exists from another source (a link
// made by hand, say), it is left as it is and counted unchanged. A manager
// the directory names but that is not in it (or was skipped) is a problem,
// and the user is synced keeping the manager link this source made before
// (a renamed DN must not cut reporting lines); a link that would
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
func (d *Syncer) SyncDirectory(ctx context.Context, actor usecase.Actor, b reportline.DirectoryBatch, dryRun bool) (reportline.SyncReport, error) {
	return d.SyncDirectoryFrom(ctx, actor, b.Source, dryRun, func(context.Context) (reportline.DirectoryBatch, error) { return b, nil })
}

// SyncDirectoryFrom is SyncDirectory for a batch that read returns: the run
// is recorded before reading, so a directory that cannot be read (down,
// refusing the bind) leaves a failed run with the reason, like any failed
// sync. read runs outside any transaction; its error is shown to platform
// admins on the sync page, so it must carry no secret.
func (d *Syncer) SyncDirectoryFrom(ctx context.Context, actor usecase.Actor, source reportline.Source, dryRun bool,
	read func(context.Context) (reportline.DirectoryBatch, error)) (reportline.SyncReport, error) {
	if err := usecase.AuthorizeActor(actor, policy.DirectoryWriteUser); err != nil {
		return reportline.SyncReport{}, err
	}
	if err := (reportline.DirectoryBatch{Source: source}).Validate(); err != nil {
		return reportline.SyncReport{}, err
	}
	run := reportline.SyncRun{Source: source, ActorID: actor.ID(), DryRun: dryRun, Status: reportline.ImportRunning, Started: d.now()}
	if err := d.store.Write(ctx, func(tx Tx) error { return tx.CreateSyncRun(ctx, &run) }); err != nil {
		return reportline.SyncReport{}, fmt.Errorf("sync %s: record the run: %w", source, err)
	}
	s := &syncer{actor: actor, dryRun: dryRun, now: run.Started, runID: run.ID, guard: d.dirs}
	b, err := read(ctx)
	switch {
	case err != nil:
		// Shown on the sync page: read's errors say what failed (the
		// connection, the bind) and must carry no secret.
		err = &reportline.Error{Code: reportline.Internal, Message: "reading the directory failed: " + err.Error(), Err: err}
	case b.Source != source:
		err = reportline.FieldError("source", string(b.Source), "the batch is of source %q, not %q", b.Source, source)
	default:
		s.batch, run.Full = b, b.Full
		work := func(tx Tx) error {
			s.reset()
			var err error
			if s.guard, err = d.guardIn(ctx, tx); err != nil { // the tenant's own (tenant_guard.go)
				return err
			}
			return s.sync(ctx, tx)
		}
		if dryRun {
			err = d.store.Read(ctx, work)
		} else {
			err = d.store.Write(ctx, work)
		}
	}
	rep := s.report
	rep.RunID, rep.Source, rep.DryRun, rep.Started, rep.Finished = run.ID, source, dryRun, run.Started, d.now()
	run.Finished, run.Status = rep.Finished, reportline.ImportDone
	held := errors.Is(err, reportline.ErrHeld)
	switch {
	case held:
		// Nothing was applied; the counts say what the run would have done.
		run.Status, run.Error, run.ErrorID, run.ErrorArgs = reportline.SyncHeld, s.heldReason, s.heldID, s.heldArgs
	case err != nil:
		// Nothing was applied: the counts would describe what did not happen.
		rep.SyncCounts, rep.Users, rep.Links = reportline.SyncCounts{}, nil, nil
		run.Status, run.Error = reportline.ImportFailed, reportline.ErrorMessage(err)
		if e, ok := errors.AsType[*reportline.Error](err); ok {
			run.ErrorID, run.ErrorArgs = e.MsgID, e.MsgArgs // the pages' words for it, when it names them
		}
	}
	run.Counts, run.ProblemCount = rep.SyncCounts, len(rep.Problems)
	run.Problems = rep.Problems[:min(len(rep.Problems), reportline.MaxRunProblems)]
	// The outcome is recorded even when the caller has gone.
	// (The transaction's statements use the uncancelled context too.)
	keep := context.WithoutCancel(ctx)
	if ferr := d.store.Write(keep, func(tx Tx) error { return tx.FinishSyncRun(keep, run) }); ferr != nil {
		d.log.Error("record sync run outcome", "run", run.ID, "source", source, "err", ferr)
		if err == nil {
			err = fmt.Errorf("sync %s: record the outcome: %w", source, ferr)
		}
	}
	switch {
	case held:
		d.rec.DirectorySync(string(source), "held")
	case err != nil:
		d.rec.DirectorySync(string(source), "failed")
	case dryRun:
		d.rec.DirectorySync(string(source), "dry_run")
	default:
		d.rec.DirectorySync(string(source), "applied")
	}
	if held {
		d.log.Warn("directory sync held", "run", run.ID, "source", source, "deactivations", rep.Held)
	}
	if err != nil {
		return rep, fmt.Errorf("sync %s: %w", source, err)
	}
	d.log.Info("directory sync", "run", run.ID, "source", source, "dry_run", dryRun, "created", rep.Created,
		"updated", rep.Updated, "deactivated", rep.Deactivated, "links_added", rep.LinksAdded,
		"links_removed", rep.LinksRemoved, "problems", len(rep.Problems))
	return rep, nil
}

// ListSyncRuns returns the latest sync runs of a source ("" for every source),
// newest first. Platform admins and the system may read them.
func (d *Syncer) ListSyncRuns(ctx context.Context, actor usecase.Actor, source reportline.Source, limit int) ([]reportline.SyncRun, error) {
	if err := usecase.AuthorizeActor(actor, policy.OperatePlatform); err != nil {
		return nil, err
	}
	if source != "" && !source.Directory() {
		return nil, reportline.FieldError("source", string(source), "source %q is not a directory", source)
	}
	var out []reportline.SyncRun
	err := d.store.Read(ctx, func(tx Tx) error {
		var err error
		out, err = tx.SyncRuns(ctx, source, limit)
		return err
	})
	return out, err
}

// SyncRunChanges returns one run, the first limit user changes it recorded
// (at most 1,000) and their number.
func (d *Syncer) SyncRunChanges(ctx context.Context, actor usecase.Actor, id int64, limit int) (reportline.SyncRun, []reportline.DirectoryChange, int, error) {
	if err := usecase.AuthorizeActor(actor, policy.OperatePlatform); err != nil {
		return reportline.SyncRun{}, nil, 0, err
	}
	var run reportline.SyncRun
	var changes []reportline.DirectoryChange
	var total int
	err := d.store.Read(ctx, func(tx Tx) error {
		var err error
		if run, err = tx.SyncRun(ctx, id); err != nil {
			return err
		}
		changes, total, err = tx.DirectoryChanges(ctx, id, limit)
		return err
	})
	return run, changes, total, err
}
