package app

import (
	"context"
	"fmt"
	"slices"
	"time"

	"reportline"
)

// A scheduled run sends one notification to each of a list of managers for
// one period (an ISO week, a day), exactly once each, whatever happens to
// the process sending them:
//
//   - The run is a row (kind, period). A replica claims it under a lease
//     (runLease) and renews the lease with every chunk; a replica that
//     finds the lease run out takes the run over. Only one replica works
//     on a run at a time: replicas share the work of many runs and take
//     over each other's, they do not split one.
//   - Managers are handled in id order, runChunk at a time. A chunk is one
//     write transaction: for each manager a row (kind, period, manager)
//     whose primary key refuses a second one, the message in the outbox
//     (keyed too), and the run's progress. A crash loses at most the
//     chunk in flight, which the next holder does again from the start.
//   - Should two replicas ever work on one chunk (a holder that stalled
//     past its lease), the keys still let one message through: the
//     second insert of the manager's row finds the first and enqueues
//     nothing, and the stale holder's progress update is refused.
//
// The recipients are listed again by each holder, as they are at the run's
// start, skipping those already done.

// runChunk is how many managers one transaction handles: small enough that
// a crash loses little and a SQLite writer is not held long, large enough
// that the run's bookkeeping costs nothing.
const runChunk = 500

// runLease is how long a claim lasts without renewal. A chunk of runChunk
// digests takes a few seconds, so a healthy holder renews well within it;
// a replica that died is replaced within this long.
const runLease = 2 * time.Minute

// runJob is one kind of scheduled run.
type runJob struct {
	kind   reportline.NotificationType
	period string
	// recipients lists the managers to notify, in id order, as of the
	// run's start.
	recipients func(ctx context.Context, run reportline.ScheduledRun) ([]reportline.UserID, error)
	// compose decides, for each manager of a chunk, the outcome and the
	// message to send (nil unless the outcome is SendSent). It runs outside
	// any write transaction: reading and rendering never hold the writer.
	compose func(ctx context.Context, managers []reportline.UserID, late bool) ([]composed, error)
	// late says whether what a holder that claimed the run at t sends is
	// late.
	late func(t time.Time) bool
}

// composed is one manager's part of a chunk.
type composed struct {
	manager reportline.UserID
	outcome reportline.SendOutcome
	msg     *reportline.OutboxMessage
}

// RunReport is what one call of a run did.
type RunReport struct {
	Kind    reportline.NotificationType
	Period  string
	Claimed bool // false: another replica holds the run, or it finished before
	Late    bool // what this holder sent is marked late
	// Counts of this call, not of the whole run (the run's row has those).
	Sent, OptedOut, SkippedEmpty, AlreadyDone int
	Finished                                  bool // the run is complete
}

// runOnce claims the job's run and works through its remaining managers.
// It returns when the run is complete, when another replica holds it, or
// when ctx ends (after the chunk in flight commits or rolls back).
func (s *Scheduler) runOnce(ctx context.Context, job runJob) (rep RunReport, err error) {
	a := s.app
	rep = RunReport{Kind: job.kind, Period: job.period}
	defer func() {
		switch {
		case !rep.Claimed:
		case err != nil && ctx.Err() == nil:
			a.rec.ScheduledRun(string(job.kind), "failed")
		case rep.Finished && err == nil:
			a.rec.ScheduledRun(string(job.kind), "finished")
		default:
			a.rec.ScheduledRun(string(job.kind), "interrupted")
		}
	}()
	// The scheduler ticks every minute for the rest of the day: a read
	// spares the writer when the run is done or another replica holds it.
	busy, err := s.runBusy(ctx, job)
	if err != nil || busy {
		return rep, err
	}
	var run reportline.ScheduledRun
	err = a.store.Write(ctx, func(tx Tx) error {
		now := a.now()
		var err error
		run, rep.Claimed, err = tx.ClaimRun(ctx, job.kind, job.period, s.owner, now, s.lease)
		return err
	})
	if err != nil || !rep.Claimed {
		return rep, err
	}
	rep.Late = job.late(run.ClaimedAt)
	managers, err := job.recipients(ctx, run)
	if err != nil {
		return rep, fmt.Errorf("%s %s: list recipients: %w", job.kind, job.period, err)
	}
	// Those up to DoneThrough were handled by an earlier holder.
	start, _ := slices.BinarySearch(managers, run.DoneThrough+1)
	managers = managers[start:]
	for len(managers) > 0 || run.FinishedAt.IsZero() {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		n := min(len(managers), s.chunk)
		chunk := managers[:n]
		managers = managers[n:]
		if err := s.doChunk(ctx, job, &run, chunk, len(managers) == 0, &rep); err != nil {
			if reportline.IsCode(err, reportline.Conflict) {
				// Another replica took the run over; it goes on from the
				// last chunk committed.
				s.app.log.Warn("scheduled run taken over by another replica", "kind", job.kind, "period", job.period, "owner", s.owner)
				return rep, nil
			}
			return rep, err
		}
		if s.afterChunk != nil {
			s.afterChunk(job.kind, job.period, run.DoneThrough)
		}
	}
	rep.Finished = true
	return rep, nil
}

// runBusy reports whether the job's run needs nothing from this replica:
// it finished, or another replica holds it under a lease.
func (s *Scheduler) runBusy(ctx context.Context, job runJob) (bool, error) {
	var busy bool
	err := s.app.store.Read(ctx, func(tx Tx) error {
		run, err := tx.ScheduledRun(ctx, job.kind, job.period)
		if reportline.IsCode(err, reportline.NotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		busy = !run.FinishedAt.IsZero() || run.Owner != s.owner && run.Held
		return nil
	})
	return busy, err
}

// doChunk composes the chunk's messages, then records them and the run's
// progress in one write transaction.
func (s *Scheduler) doChunk(ctx context.Context, job runJob, run *reportline.ScheduledRun, chunk []reportline.UserID, last bool, rep *RunReport) error {
	a := s.app
	late := job.late(run.ClaimedAt)
	var todo []reportline.UserID
	if len(chunk) > 0 {
		// Skip what a holder before us did (it died after its commit but
		// before the next chunk): no need to render those again.
		var done map[reportline.UserID]reportline.ScheduledSend
		err := a.store.Read(ctx, func(tx Tx) error {
			var err error
			done, err = tx.ScheduledSends(ctx, job.kind, job.period, chunk)
			return err
		})
		if err != nil {
			return err
		}
		for _, m := range chunk {
			if _, ok := done[m]; !ok {
				todo = append(todo, m)
			}
		}
		rep.AlreadyDone += len(chunk) - len(todo)
	}
	t0 := time.Now()
	parts, err := job.compose(ctx, todo, late)
	if err != nil {
		return fmt.Errorf("%s %s: %w", job.kind, job.period, err)
	}
	t1 := time.Now()
	next := *run
	var sent, optedOut, skipped int
	err = a.store.Write(ctx, func(tx Tx) error {
		now := a.now()
		sent, optedOut, skipped = 0, 0, 0
		var msgs []reportline.OutboxMessage
		for _, p := range parts {
			fresh, err := tx.InsertScheduledSend(ctx, reportline.ScheduledSend{Kind: job.kind, Period: job.period,
				ManagerID: p.manager, Outcome: p.outcome, Late: late && p.outcome == reportline.SendSent, At: now})
			if err != nil {
				return err
			}
			if !fresh {
				continue
			}
			switch p.outcome {
			case reportline.SendSent:
				msgs = append(msgs, *p.msg)
				sent++
			case reportline.SendOptedOut:
				optedOut++
			case reportline.SendSkippedEmpty:
				skipped++
			}
		}
		if len(msgs) > 0 {
			if _, err := a.Enqueue(ctx, tx, msgs...); err != nil {
				return err
			}
		}
		next.Sent, next.OptedOut, next.SkippedEmpty = run.Sent+sent, run.OptedOut+optedOut, run.SkippedEmpty+skipped
		if late {
			next.Late = run.Late + sent
		}
		if len(chunk) > 0 {
			next.DoneThrough = chunk[len(chunk)-1]
		}
		if last {
			next.FinishedAt = now
		}
		return tx.AdvanceRun(ctx, next, s.lease)
	})
	if err != nil {
		return err
	}
	a.log.Debug("scheduled chunk", "kind", job.kind, "period", job.period, "managers", len(chunk),
		"compose", t1.Sub(t0).Round(time.Millisecond), "write", time.Since(t1).Round(time.Millisecond))
	*run = next
	rep.Sent += sent
	rep.OptedOut += optedOut
	rep.SkippedEmpty += skipped
	return nil
}

// composeWorkers is how many digests of a chunk are composed at once.
const composeWorkers = 4
