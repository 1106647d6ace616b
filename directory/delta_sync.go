package directory

import (
	"context"
	"fmt"
	"time"

	"reportline"
	"reportline/policy"
	"reportline/usecase"
)

// DeltaSource is a directory that reports its changes since a cursor
// (Microsoft Graph's delta links). cmd wires graphsync to it.
type DeltaSource interface {
	// ReadDelta returns the changes since cursor, or the whole directory
	// (Batch.Full) when cursor is "" or no longer valid.
	ReadDelta(ctx context.Context, cursor string) (DeltaRound, error)
}

// DeltaRound is one round read from a DeltaSource.
type DeltaRound struct {
	Batch  reportline.DirectoryBatch
	Cursor string // where the next round starts
	// Reset says why the whole directory was read although a cursor was
	// given (it expired, say); "" otherwise.
	Reset string
}

// DeltaReport is what SyncDeltaDirectory did.
type DeltaReport struct {
	reportline.SyncReport
	Full  bool   // the whole directory was read
	Reset string // see DeltaRound.Reset
}

// deltaCursorKey is the settings key of a source's cursor.
func deltaCursorKey(source reportline.Source) string { return "directory_cursor." + string(source) }

// SyncDeltaDirectory reads one round from dir and applies it with
// SyncDirectory: the changes since the last applied round, or the whole
// directory when full is set or no round was applied before.
//
// The round's cursor is kept (in the settings table) only once the round is
// applied, and never by a dry run. A crash in between makes the next sync
// read the same changes again, which applies nothing twice; keeping it
// first could lose changes. Platform admins and the system may sync.
func (d *Syncer) SyncDeltaDirectory(ctx context.Context, actor usecase.Actor, source reportline.Source, dir DeltaSource, full, dryRun bool) (DeltaReport, error) {
	if err := usecase.AuthorizeActor(actor, policy.DirectoryWriteUser); err != nil {
		return DeltaReport{}, err
	}
	if !source.Directory() {
		return DeltaReport{}, reportline.FieldError("source", string(source), "source %q is not a directory", source)
	}
	key := deltaCursorKey(source)
	var cursor string
	if !full {
		err := d.store.Read(ctx, func(tx Tx) error {
			var err error
			cursor, err = tx.Setting(ctx, key)
			return err
		})
		if err != nil && !reportline.IsCode(err, reportline.NotFound) {
			return DeltaReport{}, fmt.Errorf("sync %s: read the cursor: %w", source, err)
		}
	}
	round, err := dir.ReadDelta(ctx, cursor)
	if err != nil {
		return DeltaReport{}, fmt.Errorf("sync %s: %w", source, err)
	}
	if round.Batch.Source != source {
		return DeltaReport{}, fmt.Errorf("sync %s: the directory returned a batch of source %q", source, round.Batch.Source)
	}
	if round.Reset != "" {
		d.log.Warn("directory sync reads the whole directory", "source", source, "reason", round.Reset)
	}
	rep, err := d.SyncDirectory(ctx, actor, round.Batch, dryRun)
	out := DeltaReport{SyncReport: rep, Full: round.Batch.Full, Reset: round.Reset}
	if err != nil || dryRun || round.Cursor == "" {
		return out, err
	}
	err = d.store.Write(ctx, func(tx Tx) error { return tx.PutSetting(ctx, key, round.Cursor) })
	if err != nil {
		return out, fmt.Errorf("sync %s: applied, but keeping the cursor failed (the next sync reads these changes again): %w", source, err)
	}
	return out, nil
}

// DirectorySyncDue reports whether a scheduled sync of source, meant to run
// every interval, should start now. Replicas sharing one database each run
// the schedule; the runs already recorded (by any replica, or by the CLI)
// are what keeps them from syncing one after the other: a sync is due when
// no run that was not a dry run started within the last interval (less a
// tenth, so that timers a little early still fire), and none is still
// running unless it started over an hour (or an interval) ago and has
// surely died. Two replicas deciding at the same instant may both sync;
// a sync applied twice changes nothing the second time.
func (d *Syncer) DirectorySyncDue(ctx context.Context, source reportline.Source, interval time.Duration) (bool, error) {
	runs, err := d.ListSyncRuns(ctx, usecase.SystemActor(source), source, 20)
	if err != nil {
		return false, err
	}
	now := d.now()
	for _, r := range runs {
		if r.DryRun {
			continue
		}
		if r.Status == reportline.ImportRunning && now.Sub(r.Started) < max(interval, time.Hour) {
			return false, nil
		}
		if now.Sub(r.Started) < interval-interval/10 {
			return false, nil
		}
	}
	return true, nil
}
