package digest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"slices"
	"time"

	"reportline"
	"reportline/outbox"
)

// RunTx is the storage of scheduled runs: the run's row under its lease,
// one row per manager and period, and the outbox the messages go to in
// the same transaction.
type RunTx interface {
	outbox.Tx

	// ClaimRun begins the run (kind, period) for owner or lets owner go on
	// with it, for lease: when it does not exist, is owner's, or its lease
	// ran out by the database's clock; never once it finished. now is
	// recorded as the claim's time. claimed false: another replica holds
	// it, or it is done.
	ClaimRun(ctx context.Context, kind reportline.NotificationType, period, owner string, now time.Time, lease time.Duration) (run reportline.ScheduledRun, claimed bool, err error)
	// ScheduledRun returns a run; NotFound when it never began.
	ScheduledRun(ctx context.Context, kind reportline.NotificationType, period string) (reportline.ScheduledRun, error)
	// AdvanceRun records a chunk done by r.Owner and renews its lease;
	// Conflict when r.Owner no longer holds the run.
	AdvanceRun(ctx context.Context, r reportline.ScheduledRun, lease time.Duration) error
	// ReleaseRuns ends the lease of the unfinished runs owner holds.
	ReleaseRuns(ctx context.Context, owner string) (int, error)
	// InsertScheduledSend records one manager's notification of a period;
	// false, changing nothing, when one is recorded already.
	InsertScheduledSend(ctx context.Context, s reportline.ScheduledSend) (bool, error)
	// ScheduledSends returns the recorded notifications of a period for the
	// managers; those with none are absent.
	ScheduledSends(ctx context.Context, kind reportline.NotificationType, period string, managers []reportline.UserID) (map[reportline.UserID]reportline.ScheduledSend, error)
}

// RunnerConfig tunes a Runner. The zero value is what serve uses.
type RunnerConfig struct {
	// Owner names this replica in the runs it holds; host name, process id
	// and a random suffix when empty.
	Owner string
	// Chunk is how many managers one transaction handles (runChunk when 0).
	Chunk int
	// Lease is how long a claim lasts without renewal (runLease when 0).
	Lease time.Duration
	// AfterChunk, when set, is called after each committed chunk: progress
	// for tests and benchmarks (a test cancels the run there, between two
	// chunks, as a crash would stop it).
	AfterChunk func(kind reportline.NotificationType, period string, doneThrough reportline.UserID)
}

// Runner is one replica's part of the scheduled runs: it claims runs under
// its own name and works through them. Every replica has one; they
// coordinate through the database, so each notification goes out once.
type Runner struct {
	n          *Notifier
	owner      string
	chunk      int
	lease      time.Duration
	afterChunk func(reportline.NotificationType, string, reportline.UserID)
}

// NewRunner returns this replica's runner.
func (n *Notifier) NewRunner(cfg RunnerConfig) *Runner {
	s := &Runner{n: n, owner: cfg.Owner, chunk: cfg.Chunk, lease: cfg.Lease, afterChunk: cfg.AfterChunk}
	if s.owner == "" {
		host, _ := os.Hostname()
		var b [4]byte
		_, _ = rand.Read(b[:])
		s.owner = fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b[:]))
	}
	if s.chunk <= 0 {
		s.chunk = runChunk
	}
	if s.lease <= 0 {
		s.lease = runLease
	}
	return s
}

// Owner is the name this runner holds runs under.
func (s *Runner) Owner() string { return s.owner }

// HandBack ends the lease of the runs this runner holds in the context's
// tenant and did not finish, so that another replica takes them over at
// its next tick instead of after the lease.
func (s *Runner) HandBack(ctx context.Context) (int, error) {
	var n int
	err := s.n.runs.Write(ctx, func(tx RunTx) error {
		var err error
		n, err = tx.ReleaseRuns(ctx, s.owner)
		return err
	})
	return n, err
}

// Tick runs what is due at instant now in the context's tenant: this
// week's digest on a Monday from 14:00 to midnight, today's birthdays from
// BirthdayHour to midnight, both in the tenant's time zone. It returns a
// report for each run it worked on (none when nothing was due or another
// replica holds the runs).
func (s *Runner) Tick(ctx context.Context, now time.Time) ([]Report, error) {
	var out []Report
	zone, err := s.n.Zone(ctx)
	if err != nil {
		return out, err
	}
	if slot, ok := reportline.DigestSlotAt(now, zone); ok {
		rep, err := s.RunDigest(ctx, slot)
		if err != nil {
			return out, err
		}
		if rep.Claimed {
			out = append(out, rep)
		}
	}
	if local := now.In(zone); local.Hour() >= reportline.BirthdayHour {
		rep, err := s.RunBirthdays(ctx, local)
		if err != nil {
			return out, err
		}
		if rep.Claimed {
			out = append(out, rep)
		}
	}
	return out, nil
}

// logRun writes a run's summary once this holder is done with it.
func (s *Runner) logRun(rep Report, took time.Duration) {
	if !rep.Claimed {
		return
	}
	s.n.log.Info("scheduled run", "kind", rep.Kind, "period", rep.Period, "owner", s.owner, "finished", rep.Finished,
		"sent", rep.Sent, "late", rep.Late, "opted_out", rep.OptedOut, "skipped_empty", rep.SkippedEmpty,
		"already_done", rep.AlreadyDone, "took", took.Round(time.Millisecond))
}

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

// Report is what one call of a run did.
type Report struct {
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
func (s *Runner) runOnce(ctx context.Context, job runJob) (rep Report, err error) {
	a := s.n
	rep = Report{Kind: job.kind, Period: job.period}
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
	err = a.runs.Write(ctx, func(tx RunTx) error {
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
				s.n.log.Warn("scheduled run taken over by another replica", "kind", job.kind, "period", job.period, "owner", s.owner)
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
func (s *Runner) runBusy(ctx context.Context, job runJob) (bool, error) {
	var busy bool
	err := s.n.runs.Read(ctx, func(tx RunTx) error {
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
func (s *Runner) doChunk(ctx context.Context, job runJob, run *reportline.ScheduledRun, chunk []reportline.UserID, last bool, rep *Report) error {
	a := s.n
	late := job.late(run.ClaimedAt)
	var todo []reportline.UserID
	if len(chunk) > 0 {
		// Skip what a holder before us did (it died after its commit but
		// before the next chunk): no need to render those again.
		var done map[reportline.UserID]reportline.ScheduledSend
		err := a.runs.Read(ctx, func(tx RunTx) error {
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
	err = a.runs.Write(ctx, func(tx RunTx) error {
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
			if _, err := a.box.Enqueue(ctx, tx, msgs...); err != nil {
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
