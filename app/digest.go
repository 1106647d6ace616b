package app

import (
	"context"
	"slices"
	"strconv"
	"time"

	"reportline"
	"reportline/digest"
	"reportline/policy"
	"reportline/usecase"
)

// The weekly digest and the birthday notifications are package digest's;
// app asks the policy for the admins' use cases around them (preview,
// settings, runs) and runs them from the Scheduler (digest_schedule.go).

// parisZone is Europe/Paris, the zone of a tenant that names none.
var parisZone = digest.Paris

// The made-up people of the notifications' samples (package digest).
var (
	sampleManager = digest.SampleManager
	sampleTeam    = digest.SampleTeam
)

// The digest and birthday notifications show admins a sample on the page
// "Notifications per role": made-up people and courses, never real data.
func init() {
	registerPreview(reportline.NotifyWeeklyDigest, func(a *App, ctx context.Context) (string, string, string, error) {
		r, err := a.digests.SampleDigest(ctx)
		return r.Subject, r.Text, r.HTML, err
	})
	registerPreview(reportline.NotifyBirthday, func(a *App, ctx context.Context) (string, string, string, error) {
		r, err := a.digests.SampleBirthday(ctx)
		return r.Subject, r.Text, r.HTML, err
	})
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
	err := a.digestAdminStore().Read(ctx, func(tx digestAdminTx) error {
		var err error
		out.SkipEmpty, err = digest.SkipEmpty(ctx, tx)
		return err
	})
	return out, err
}

// SetDigestSettings changes the digest settings; platform admins only. The
// change applies from the next chunk of a run in progress.
func (a *App) SetDigestSettings(ctx context.Context, actor Actor, s DigestSettings) (DigestSettings, error) {
	err := a.digestAdminStore().Write(ctx, func(tx digestAdminTx) error {
		ac, err := usecase.LoadAuthority(ctx, tx, actor)
		if err != nil {
			return err
		}
		if err := ac.Authorize(policy.ChangeSettings, policy.Target{}); err != nil {
			return err
		}
		if err := tx.PutSetting(ctx, digest.SettingSkipEmpty, strconv.FormatBool(s.SkipEmpty)); err != nil {
			return err
		}
		if err := a.record(ctx, tx, actor, policy.ChangeSettings, reportline.Change{What: "setting " + digest.SettingSkipEmpty,
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
	err := a.digestAdminStore().Read(ctx, func(tx digestAdminTx) error {
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
type DigestPreview = digest.Preview

// PreviewDigest renders the digest of manager for week w (the week of the
// App's current time in the tenant's zone when zero) without sending
// anything. The manager themself, platform admins and the system may
// preview it.
func (a *App) PreviewDigest(ctx context.Context, actor Actor, manager reportline.UserID, w reportline.ISOWeek) (DigestPreview, error) {
	if !actor.System && actor.User.ID != manager {
		err := a.digestAdminStore().Read(ctx, func(tx digestAdminTx) error {
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
	return a.digests.Preview(ctx, manager, w)
}

// TeamWeek summarises the week [from, to) for one manager, as their digest
// does (package digest); no policy: the scheduler's and tests' reading.
func (a *App) TeamWeek(ctx context.Context, manager reportline.UserID, from, to time.Time) (digest.TeamWeek, error) {
	return a.digests.TeamWeek(ctx, manager, from, to)
}

// sortedKeys returns the map's keys in order.
func sortedKeys[V any](m map[reportline.UserID]V) []reportline.UserID {
	out := make([]reportline.UserID, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
