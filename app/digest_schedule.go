package app

import (
	"context"
	"time"

	"reportline"
	"reportline/digest"
	"reportline/schedule"
)

// SchedulerConfig tunes a Scheduler. The zero value is what serve uses.
type SchedulerConfig = digest.RunnerConfig

// RunReport is what one call of a scheduled run did (package digest).
type RunReport = digest.Report

// Scheduler does the timed work of every tenant: the weekly digest every
// Monday from 14:00 and the birthday notifications every day from
// BirthdayHour, in each tenant's time zone (Europe/Paris by default;
// package digest), and the timed effects of links. Every replica runs
// one; they coordinate through the database, so each notification goes
// out once.
type Scheduler struct {
	app *App
	run *digest.Runner
}

// NewScheduler returns the scheduler of this replica.
func (a *App) NewScheduler(cfg SchedulerConfig) *Scheduler {
	return &Scheduler{app: a, run: a.digests.NewRunner(cfg)}
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
		m, err := s.run.HandBack(ctx)
		n += m
		return err
	})
	if n > 0 {
		s.app.log.Info("scheduled runs handed back", "owner", s.run.Owner(), "count", n)
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
// week's digest and today's birthdays in the tenant's time zone
// (digest.Runner.Tick), the timed effects of links. It returns a report
// for each run it worked on (none when nothing was due or another replica
// holds the runs).
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
	out, err := s.run.Tick(ctx, s.app.now())
	if err != nil {
		return out, err
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

// RunDigest runs the digest of slot's week in the context's tenant (see
// digest.Runner.RunDigest).
func (s *Scheduler) RunDigest(ctx context.Context, slot reportline.DigestSlot) (RunReport, error) {
	return s.run.RunDigest(ctx, slot)
}

// RunBirthdays sends the birthday notifications of day's date in the
// context's tenant's zone (see digest.Runner.RunBirthdays).
func (s *Scheduler) RunBirthdays(ctx context.Context, day time.Time) (RunReport, error) {
	return s.run.RunBirthdays(ctx, day)
}
