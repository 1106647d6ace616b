package app

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"golang.org/x/sync/errgroup"

	"reportline"
	"reportline/policy"
	"reportline/usecase"
)

// The weekly digest (SPEC §3): every Monday from 14:00 Europe/Paris, one
// email to each active manager with at least one active managee whose
// effective link (Assign role mode honoured) is in effect and grants
// ReceiveMessages. It summarises [previous Monday 14:00, this Monday
// 14:00) Paris time, so consecutive digests neither miss nor repeat an
// event. It goes out once per manager and ISO week (digest_run.go); a
// server that was down at 14:00 sends it when it comes back the same
// Monday, marked late (DigestSlot.LateAt); on Tuesday the week is missed.
// Managers may opt out; admins may skip digests with nothing in them.

// settingDigestSkipEmpty is the settings key of "skip empty digests".
const settingDigestSkipEmpty = "digest_skip_empty"

// digestKey is the outbox key of one manager's digest of one week.
func digestKey(w reportline.ISOWeek, manager reportline.UserID) string {
	return "weekly_digest:" + w.String() + ":" + strconv.FormatInt(int64(manager), 10)
}

// RunDigest runs the digest of slot's week: it claims the week's run and
// sends what is left of it, unless another replica holds it or it is done.
func (s *Scheduler) RunDigest(ctx context.Context, slot reportline.DigestSlot) (RunReport, error) {
	start := time.Now()
	rep, err := s.runOnce(ctx, s.digestJob(slot))
	s.logRun(rep, time.Since(start))
	return rep, err
}

func (s *Scheduler) digestJob(slot reportline.DigestSlot) runJob {
	a := s.app
	return runJob{
		kind:   reportline.NotifyWeeklyDigest,
		period: slot.Week.String(),
		late:   slot.LateAt,
		recipients: func(ctx context.Context, run reportline.ScheduledRun) ([]reportline.UserID, error) {
			return a.digestRecipients(ctx, run.StartedAt)
		},
		compose: func(ctx context.Context, managers []reportline.UserID, late bool) ([]composed, error) {
			return a.composeDigests(ctx, slot, managers, late)
		},
	}
}

// digestRecipients lists, in id order, the active managers with at least
// one active managee through an effective link in effect at instant at
// that grants ReceiveMessages. It reads every effective link once.
func (a *App) digestRecipients(ctx context.Context, at time.Time) ([]reportline.UserID, error) {
	return a.managersGranting(ctx, reportline.ReceiveMessages, at, nil)
}

// managersGranting lists, in id order, the active managers of an active
// managee (one of only when not nil) through an effective link in effect
// at instant at that grants c.
func (a *App) managersGranting(ctx context.Context, c reportline.Capability, at time.Time, only map[reportline.UserID]bool) ([]reportline.UserID, error) {
	var out []reportline.UserID
	err := a.store.Read(ctx, func(tx Tx) error {
		matrix, err := a.matrix(ctx, tx)
		if err != nil {
			return err
		}
		active, err := tx.ActiveUserIDs(ctx)
		if err != nil {
			return err
		}
		managers := map[reportline.UserID]bool{}
		err = a.eachEffectiveLink(ctx, tx, func(l reportline.Link) error {
			if (only == nil || only[l.ManageeID]) && active[l.ManagerID] && active[l.ManageeID] &&
				l.InEffect(at) && matrix.Allows(l.Kind, c) {
				managers[l.ManagerID] = true
			}
			return nil
		})
		if err != nil {
			return err
		}
		out = make([]reportline.UserID, 0, len(managers))
		for m := range managers {
			out = append(out, m)
		}
		slices.Sort(out)
		return nil
	})
	return out, err
}

// composeDigests decides each manager's digest: opted out, skipped as
// empty (when admins chose so, or when the manager has nobody left to
// report on), or rendered.
func (a *App) composeDigests(ctx context.Context, slot reportline.DigestSlot, managers []reportline.UserID, late bool) ([]composed, error) {
	if len(managers) == 0 {
		return nil, nil
	}
	var optedOut map[reportline.UserID]bool
	var skipEmpty bool
	var weeks map[reportline.UserID]TeamWeek
	// The chunk's teams are read together, in one read transaction with a
	// fixed number of queries (teamWeeks), rather than one per manager.
	err := a.store.Read(ctx, func(tx Tx) error {
		var err error
		if optedOut, err = optOuts(ctx, tx, reportline.NotifyWeeklyDigest, reportline.AudienceManagers, managers); err != nil {
			return err
		}
		if skipEmpty, err = digestSkipEmpty(ctx, tx); err != nil {
			return err
		}
		wanted := slices.DeleteFunc(slices.Clone(managers), func(m reportline.UserID) bool { return optedOut[m] })
		if len(wanted) == 0 {
			return nil
		}
		weeks, err = a.teamWeeks(ctx, tx, wanted, slot.From, slot.To)
		if err != nil {
			return fmt.Errorf("digests of managers %d to %d: %w", wanted[0], wanted[len(wanted)-1], err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// What is left is rendering, CPU-bound and independent per digest: a
	// few run at once.
	out := make([]composed, len(managers))
	base := a.publicURL(ctx)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(composeWorkers)
	compose := func(i int) error {
		m := managers[i]
		if optedOut[m] {
			out[i] = composed{manager: m, outcome: reportline.SendOptedOut}
			return nil
		}
		tw := weeks[m]
		// Nobody left to report on (the team changed since the run began)
		// is not a digest, whatever the setting.
		if len(tw.Members) == 0 || skipEmpty && tw.Empty() {
			out[i] = composed{manager: m, outcome: reportline.SendSkippedEmpty}
			return nil
		}
		o := a.digestOptions(slot.Week, late, a.now())
		o.PublicURL = base
		msg, err := digestMessage(tw, o)
		if err != nil {
			return err
		}
		out[i] = composed{manager: m, outcome: reportline.SendSent, msg: &msg}
		return nil
	}
	// The first error stops the others taking work.
	for i := range managers {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error { return compose(i) })
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// digestOptions are the App's settings for a digest of week w.
func (a *App) digestOptions(w reportline.ISOWeek, late bool, sentAt time.Time) DigestOptions {
	return DigestOptions{Week: w, Late: late, SentAt: sentAt, PublicURL: a.public, Brand: a.brand, DefaultLocale: a.locale}
}

// digestMessage renders one manager's digest as an outbox message.
func digestMessage(tw TeamWeek, o DigestOptions) (reportline.OutboxMessage, error) {
	r, err := RenderDigest(tw, o)
	if err != nil {
		return reportline.OutboxMessage{}, err
	}
	key := digestKey(o.Week, tw.Manager.ID)
	return reportline.OutboxMessage{Key: key, Type: reportline.NotifyWeeklyDigest, Recipient: tw.Manager.ID,
		To: tw.Manager.Email, Subject: r.Subject, Text: r.Text, HTML: r.HTML,
		MessageID: reportline.MessageIDFor(key), Late: o.Late}, nil
}

// digestSkipEmpty reads the "skip empty digests" setting; false when never
// set.
func digestSkipEmpty(ctx context.Context, tx Tx) (bool, error) {
	v, err := tx.Setting(ctx, settingDigestSkipEmpty)
	if reportline.IsCode(err, reportline.NotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read the skip-empty-digests setting: %w", err)
	}
	return v == "true", nil
}

// DigestSettings are the admins' choices about the weekly digest.
type DigestSettings struct {
	// SkipEmpty: managers whose team had nothing this week (no completion,
	// progress, late or due item, no upcoming session) get no digest.
	SkipEmpty bool
}

// DigestSettings returns the digest settings. Any signed-in user may read
// them: they are the platform's policy.
func (a *App) DigestSettings(ctx context.Context, actor Actor) (DigestSettings, error) {
	if err := usecase.AuthorizeActor(actor, policy.ReadSettings); err != nil {
		return DigestSettings{}, err
	}
	var out DigestSettings
	err := a.store.Read(ctx, func(tx Tx) error {
		var err error
		out.SkipEmpty, err = digestSkipEmpty(ctx, tx)
		return err
	})
	return out, err
}

// SetDigestSettings changes the digest settings; platform admins only. The
// change applies from the next chunk of a run in progress.
func (a *App) SetDigestSettings(ctx context.Context, actor Actor, s DigestSettings) (DigestSettings, error) {
	err := a.store.Write(ctx, func(tx Tx) error {
		ac, err := usecase.LoadAuthority(ctx, tx, actor)
		if err != nil {
			return err
		}
		if err := ac.Authorize(policy.ChangeSettings, policy.Target{}); err != nil {
			return err
		}
		if err := tx.PutSetting(ctx, settingDigestSkipEmpty, strconv.FormatBool(s.SkipEmpty)); err != nil {
			return err
		}
		if err := a.record(ctx, tx, actor, policy.ChangeSettings, reportline.Change{What: "setting " + settingDigestSkipEmpty,
			After: usecase.JSON(map[string]bool{"skip_empty": s.SkipEmpty})}); err != nil {
			return err
		}
		a.log.Info("digest settings changed", "actor", actor.ID(), "skip_empty", s.SkipEmpty)
		return nil
	})
	if err != nil {
		return DigestSettings{}, err
	}
	return s, nil
}

// DigestRuns returns the latest weekly digest runs with their counts, for
// admins.
func (a *App) DigestRuns(ctx context.Context, actor Actor, limit int) ([]reportline.ScheduledRun, error) {
	var out []reportline.ScheduledRun
	err := a.store.Read(ctx, func(tx Tx) error {
		ac, err := usecase.LoadAuthority(ctx, tx, actor)
		if err != nil {
			return err
		}
		if err := ac.Authorize(policy.OperatePlatform, policy.Target{}); err != nil {
			return err
		}
		out, err = tx.ScheduledRuns(ctx, reportline.NotifyWeeklyDigest, min(max(limit, 1), 100))
		return err
	})
	return out, err
}

// DigestPreview is one manager's digest as it would be sent.
type DigestPreview struct {
	Manager reportline.User
	Slot    reportline.DigestSlot
	Mail    RenderedMail
	Members int  // the managees it reports on; 0: the manager gets no digest
	Empty   bool // admins who skip empty digests would not send it
}

// PreviewDigest renders the digest of manager for week w (the week of the
// App's current time when zero) without sending anything. The manager
// themself, platform admins and the system may preview it.
func (a *App) PreviewDigest(ctx context.Context, actor Actor, manager reportline.UserID, w reportline.ISOWeek) (DigestPreview, error) {
	if w.IsZero() {
		w = reportline.ISOWeekOf(a.now().In(parisZone))
	}
	if !actor.System && actor.User.ID != manager {
		err := a.store.Read(ctx, func(tx Tx) error {
			ac, err := usecase.LoadAuthority(ctx, tx, actor)
			if err != nil {
				return err
			}
			return ac.Authorize(policy.PreviewUserDigest, policy.Target{User: ac.Known(manager)})
		})
		if err != nil {
			return DigestPreview{}, err
		}
	}
	slot := reportline.DigestSlotOf(w, parisZone)
	tw, err := a.TeamWeek(ctx, manager, slot.From, slot.To)
	if err != nil {
		return DigestPreview{}, err
	}
	o := a.digestOptions(w, false, slot.Due)
	o.PublicURL = a.publicURL(ctx)
	r, err := RenderDigest(tw, o)
	if err != nil {
		return DigestPreview{}, err
	}
	return DigestPreview{Manager: tw.Manager, Slot: slot, Mail: r, Members: len(tw.Members), Empty: tw.Empty()}, nil
}
