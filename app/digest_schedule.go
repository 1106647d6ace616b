package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"time"

	"reportline"
	"reportline/schedule"
)

// SchedulerConfig tunes a Scheduler. The zero value is what serve uses.
type SchedulerConfig struct {
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

// Scheduler sends the scheduled notifications: the weekly digest every
// Monday from 14:00 in each tenant's time zone (Europe/Paris by default),
// and birthday notifications every day from BirthdayHour. Every replica
// runs one; they coordinate through the database (see digest_run.go), so
// each notification goes out once.
type Scheduler struct {
	app        *App
	owner      string
	chunk      int
	lease      time.Duration
	afterChunk func(reportline.NotificationType, string, reportline.UserID)
}

// NewScheduler returns the scheduler of this replica.
func (a *App) NewScheduler(cfg SchedulerConfig) *Scheduler {
	s := &Scheduler{app: a, owner: cfg.Owner, chunk: cfg.Chunk, lease: cfg.Lease, afterChunk: cfg.AfterChunk}
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

// Run ticks every minute until ctx ends, starting with a tick at once so
// that a server started late on a Monday sends the missed digests without
// waiting. Failures are logged and tried again at the next tick.
func (s *Scheduler) Run(ctx context.Context) {
	schedule.Every(ctx, time.Minute, s.app.log, "scheduled notifications", func(ctx context.Context) error {
		_, err := s.Tick(ctx)
		return err
	})
}

// HandBack ends the lease of the runs this scheduler holds and did not
// finish, so that another replica takes them over at its next tick instead
// of after the lease. A stopping process calls it once Run has returned; a
// process that dies without it leaves them to the lease.
func (s *Scheduler) HandBack(ctx context.Context) (int, error) {
	var n int
	err := s.eachTenant(ctx, true, func(ctx context.Context) error {
		return s.app.store.Write(ctx, func(tx Tx) error {
			m, err := tx.ReleaseRuns(ctx, s.owner)
			n += m
			return err
		})
	})
	if n > 0 {
		s.app.log.Info("scheduled runs handed back", "owner", s.owner, "count", n)
	}
	return n, err
}

// eachTenant runs fn in each tenant's context (the active ones, or all),
// or once in ctx as it is when the App was given no list of tenants.
func (s *Scheduler) eachTenant(ctx context.Context, all bool, fn func(ctx context.Context) error) error {
	var list reportline.TenantLister
	if s.app.tenants.list != nil {
		list = s.app.tenantIDs
	}
	return reportline.EachTenant(ctx, list, all, fn)
}

// Tick does whatever is due at the App's current time, in each active
// tenant in turn (a tenant's failure does not stop the others): this
// week's digest on a Monday from 14:00 to midnight in the tenant's time
// zone, today's birthdays from BirthdayHour to midnight (Paris), the
// timed effects of links. It returns a report for each run it worked on
// (none when nothing was due or another replica holds the runs).
func (s *Scheduler) Tick(ctx context.Context) ([]RunReport, error) {
	var out []RunReport
	err := s.eachTenant(ctx, false, func(ctx context.Context) error {
		reps, err := s.tickTenant(ctx)
		out = append(out, reps...)
		return err
	})
	return out, err
}

// tickTenant is Tick in the context's tenant.
func (s *Scheduler) tickTenant(ctx context.Context) ([]RunReport, error) {
	now := s.app.now()
	var out []RunReport
	zone, err := s.app.tenantZone(ctx)
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
	if local := now.In(parisZone); local.Hour() >= reportline.BirthdayHour {
		rep, err := s.RunBirthdays(ctx, local)
		if err != nil {
			return out, err
		}
		if rep.Claimed {
			out = append(out, rep)
		}
	}
	if _, err := s.app.RunPlans(ctx); err != nil { // planned reorganisations (plans_apply.go)
		return out, err
	}
	if _, err := s.app.RunLinkEvents(ctx); err != nil {
		return out, err
	}
	if _, err := s.app.RunWebhookEffects(ctx); err != nil {
		return out, err
	}
	return out, nil
}

// logRun writes a run's summary once this holder is done with it.
func (s *Scheduler) logRun(rep RunReport, took time.Duration) {
	if !rep.Claimed {
		return
	}
	s.app.log.Info("scheduled run", "kind", rep.Kind, "period", rep.Period, "owner", s.owner, "finished", rep.Finished,
		"sent", rep.Sent, "late", rep.Late, "opted_out", rep.OptedOut, "skipped_empty", rep.SkippedEmpty,
		"already_done", rep.AlreadyDone, "took", took.Round(time.Millisecond))
}
