package digest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"golang.org/x/sync/errgroup"

	"reportline"
)

// The weekly digest (SPEC §3): every Monday from 14:00 in the tenant's
// time zone, one email to each active manager with at least one active
// managee whose effective link (Assign role mode honoured) is in effect
// and grants ReceiveMessages. It summarises [previous Monday 14:00, this
// Monday 14:00) in that zone, so consecutive digests neither miss nor
// repeat an event. It goes out once per manager and ISO week (run.go); a
// server that was down at 14:00 sends it when it comes back the same
// Monday, marked late (DigestSlot.LateAt); on Tuesday the week is missed.
// Managers may opt out; admins may skip digests with nothing in them.

// SettingSkipEmpty is the settings key of "skip empty digests".
const SettingSkipEmpty = "digest_skip_empty"

// digestKey is the outbox key of one manager's digest of one week.
func digestKey(w reportline.ISOWeek, manager reportline.UserID) string {
	return "weekly_digest:" + w.String() + ":" + strconv.FormatInt(int64(manager), 10)
}

// RunDigest runs the digest of slot's week (computed in the tenant's zone,
// reportline.DigestSlotOf): it claims the week's run and sends what is left
// of it, unless another replica holds it or it is done.
func (s *Runner) RunDigest(ctx context.Context, slot reportline.DigestSlot) (Report, error) {
	start := time.Now()
	zone, err := s.n.Zone(ctx)
	if err != nil {
		return Report{Kind: reportline.NotifyWeeklyDigest, Period: slot.Week.String()}, err
	}
	rep, err := s.runOnce(ctx, s.n.digestJob(slot, zone))
	s.logRun(rep, time.Since(start))
	return rep, err
}

func (n *Notifier) digestJob(slot reportline.DigestSlot, zone *time.Location) runJob {
	return runJob{
		kind:   reportline.NotifyWeeklyDigest,
		period: slot.Week.String(),
		late:   slot.LateAt,
		recipients: func(ctx context.Context, run reportline.ScheduledRun) ([]reportline.UserID, error) {
			return n.managersGranting(ctx, reportline.ReceiveMessages, run.StartedAt)
		},
		compose: func(ctx context.Context, managers []reportline.UserID, late bool) ([]composed, error) {
			return n.composeDigests(ctx, slot, zone, managers, late)
		},
	}
}

// managersGranting lists, in id order, the active managers of an active
// managee through an effective link in effect at instant at that grants c:
// the managers a run has a notification about (whoever receives it,
// Recipients).
func (n *Notifier) managersGranting(ctx context.Context, c reportline.Capability, at time.Time) ([]reportline.UserID, error) {
	var out []reportline.UserID
	err := n.store.Read(ctx, func(tx Tx) error {
		matrix, err := tx.CapabilityMatrix(ctx)
		if err != nil {
			return err
		}
		active, err := tx.ActiveUserIDs(ctx)
		if err != nil {
			return err
		}
		managers := map[reportline.UserID]bool{}
		err = tx.EachEffectiveLink(ctx, func(l reportline.Link) error {
			if active[l.ManagerID] && active[l.ManageeID] && l.InEffect(at) && matrix.Allows(l.Kind, c) {
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
func (n *Notifier) composeDigests(ctx context.Context, slot reportline.DigestSlot, zone *time.Location, managers []reportline.UserID, late bool) ([]composed, error) {
	if len(managers) == 0 {
		return nil, nil
	}
	var optedOut map[reportline.UserID]bool
	var skipEmpty bool
	var weeks map[reportline.UserID]TeamWeek
	var to map[reportline.UserID]reportline.User
	// The chunk's teams are read together, in one read transaction with a
	// fixed number of queries (teamWeeks), rather than one per manager.
	err := n.store.Read(ctx, func(tx Tx) error {
		var err error
		if optedOut, err = OptOuts(ctx, tx, reportline.NotifyWeeklyDigest, reportline.AudienceManagers, managers); err != nil {
			return err
		}
		if skipEmpty, err = SkipEmpty(ctx, tx); err != nil {
			return err
		}
		wanted := slices.DeleteFunc(slices.Clone(managers), func(m reportline.UserID) bool { return optedOut[m] })
		if len(wanted) == 0 {
			return nil
		}
		if to, err = Recipients(ctx, tx, wanted, n.now()); err != nil {
			return err
		}
		weeks, err = n.teamWeeks(ctx, tx, wanted, slot.From, slot.To, zone)
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
	look := n.lookOf(ctx)
	sentAt := n.now()
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
		msg, err := digestMessage(tw, to[m], options(look, slot.Week, zone, late, sentAt))
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

// options are the settings of a digest of week w.
func options(look Look, w reportline.ISOWeek, zone *time.Location, late bool, sentAt time.Time) Options {
	return Options{Week: w, Late: late, SentAt: sentAt, PublicURL: look.PublicURL, Brand: look.Brand,
		DefaultLocale: look.DefaultLocale, Zone: zone}
}

// digestMessage renders one manager's digest as an outbox message to to,
// who receives it (Recipients).
func digestMessage(tw TeamWeek, to reportline.User, o Options) (reportline.OutboxMessage, error) {
	r, err := Render(tw, o)
	if err != nil {
		return reportline.OutboxMessage{}, err
	}
	key := digestKey(o.Week, tw.Manager.ID)
	return reportline.OutboxMessage{Key: key, Type: reportline.NotifyWeeklyDigest, Recipient: to.ID,
		To: to.Email, Subject: r.Subject, Text: r.Text, HTML: r.HTML,
		MessageID: reportline.MessageIDFor(key), Late: o.Late}, nil
}

// SettingTx reads a setting (Tx, and app's transactions, have it).
type SettingTx interface {
	Setting(ctx context.Context, key string) (string, error)
}

// SkipEmpty reads the "skip empty digests" setting; false when never set.
func SkipEmpty(ctx context.Context, tx SettingTx) (bool, error) {
	v, err := tx.Setting(ctx, SettingSkipEmpty)
	if reportline.IsCode(err, reportline.NotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read the skip-empty-digests setting: %w", err)
	}
	return v == "true", nil
}

// Preview is one manager's digest as it would be sent.
type Preview struct {
	Manager reportline.User
	Slot    reportline.DigestSlot
	Mail    Mail
	Members int  // the managees it reports on; 0: the manager gets no digest
	Empty   bool // admins who skip empty digests would not send it
}

// Preview renders the digest of manager for week w (the week of the
// current time in the tenant's zone when zero) without sending anything.
// The caller has asked the policy (app.PreviewDigest).
func (n *Notifier) Preview(ctx context.Context, manager reportline.UserID, w reportline.ISOWeek) (Preview, error) {
	zone, err := n.Zone(ctx)
	if err != nil {
		return Preview{}, err
	}
	if w.IsZero() {
		w = reportline.ISOWeekOf(n.now().In(zone))
	}
	slot := reportline.DigestSlotOf(w, zone)
	tw, err := n.teamWeek(ctx, manager, slot.From, slot.To, zone)
	if err != nil {
		return Preview{}, err
	}
	r, err := Render(tw, options(n.lookOf(ctx), w, zone, false, slot.Due))
	if err != nil {
		return Preview{}, err
	}
	return Preview{Manager: tw.Manager, Slot: slot, Mail: r, Members: len(tw.Members), Empty: tw.Empty()}, nil
}
