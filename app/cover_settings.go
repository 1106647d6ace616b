package app

import (
	"context"

	"reportline"
	"reportline/policy"
	"reportline/usecase"
)

// CoverSettings are Settings → Organisation → Cover & leavers: who gets
// an absent manager's digest and notifications while a delegate covers
// (cover.notify, docs/absences.md) and what happens to the reports of a
// manager deactivated without anyone choosing (leaver.sync: a directory
// sync, SCIM, a users CSV).
type CoverSettings struct {
	CoverNotify reportline.CoverNotify
	LeaverSync  reportline.LeaverChoice
}

// CoverSettings reads both settings, with their defaults where the tenant
// set none ("with", "flag"); platform admins (settings.read).
func (a *App) CoverSettings(ctx context.Context, actor Actor) (CoverSettings, error) {
	var out CoverSettings
	err := a.coverSettingsStore().Read(ctx, func(tx coverSettingsTx) error {
		if err := usecase.AuthorizeActor(actor, policy.ReadSettings); err != nil {
			return err
		}
		var err error
		if out.CoverNotify, err = coverNotify(ctx, tx); err != nil {
			return err
		}
		out.LeaverSync, err = leaverSync(ctx, tx)
		return err
	})
	return out, err
}

// SetCoverSettings changes the settings that differ from the tenant's,
// through SetCoverNotify and SetLeaverSync (each asks the policy and is
// recorded). Both values are checked before anything is written.
func (a *App) SetCoverSettings(ctx context.Context, actor Actor, s CoverSettings) error {
	if !s.CoverNotify.Valid() {
		return reportline.FieldError("cover_notify", string(s.CoverNotify), "must be %q or %q", reportline.CoverNotifyWith, reportline.CoverNotifyInstead)
	}
	if s.LeaverSync != reportline.LeaverFlag && s.LeaverSync != reportline.LeaverToManager {
		return reportline.FieldError("leaver_sync", string(s.LeaverSync), "must be %q or %q", reportline.LeaverFlag, reportline.LeaverToManager)
	}
	old, err := a.CoverSettings(ctx, actor)
	if err != nil {
		return err
	}
	if old.CoverNotify != s.CoverNotify {
		if err := a.SetCoverNotify(ctx, actor, s.CoverNotify); err != nil {
			return err
		}
	}
	if old.LeaverSync != s.LeaverSync {
		return a.SetLeaverSync(ctx, actor, s.LeaverSync)
	}
	return nil
}
