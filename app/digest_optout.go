package app

import (
	"context"

	"reportline"
	"reportline/digest"
	"reportline/notify"
	"reportline/policy"
	"reportline/usecase"
)

// Who receives what: admins switch a notification off for a whole role
// (managers, learners, admins) on "Notifications per role"; a person turns
// off for themself the notifications that are not mandatory for them
// (reportline.Notification.Mandatory). A mandatory notification ("your
// manager changed", to the managee) reaches the person whatever they
// chose, unless an admin switched it off for the role.

// optOuts returns which of users do not get notification t in audience
// aud (digest.OptOuts: the one rule for every notification).
func optOuts(ctx context.Context, tx digest.OptOutTx, t reportline.NotificationType, aud reportline.Audience, users []reportline.UserID) (map[reportline.UserID]bool, error) {
	return digest.OptOuts(ctx, tx, t, aud, users)
}

// optOutTypes are the notifications a person may turn off for themself:
// those not mandatory in at least one of their audiences.
func optOutTypes() []reportline.NotificationType {
	var out []reportline.NotificationType
	for _, n := range reportline.Notifications() {
		if n.Optional() {
			out = append(out, n.Type)
		}
	}
	return out
}

// NotificationPreference says whether a user receives one notification.
type NotificationPreference struct {
	Notification reportline.Notification
	Receive      bool
}

// NotificationPreferences returns which of the notifications a user may
// turn off they receive. The user themself and platform admins may read
// them.
func (a *App) NotificationPreferences(ctx context.Context, actor Actor, user reportline.UserID) ([]NotificationPreference, error) {
	var out []NotificationPreference
	err := a.preferencesStore().Read(ctx, func(tx preferencesTx) error {
		if err := a.mayManagePreferences(ctx, tx, actor, user); err != nil {
			return err
		}
		for _, t := range optOutTypes() {
			off, err := tx.NotificationOptOuts(ctx, t, []reportline.UserID{user})
			if err != nil {
				return err
			}
			n, _ := reportline.NotificationByType(t)
			out = append(out, NotificationPreference{Notification: n, Receive: !off[user]})
		}
		return nil
	})
	return out, err
}

// SetNotificationPreference turns a notification on or off for a user: the
// user themself (or a platform admin on their behalf). A digest run in
// progress honours it from its next chunk.
func (a *App) SetNotificationPreference(ctx context.Context, actor Actor, user reportline.UserID, t reportline.NotificationType, receive bool) error {
	if err := checkOptional(t); err != nil {
		return err
	}
	return a.preferencesStore().Write(ctx, func(tx preferencesTx) error {
		if err := a.mayManagePreferences(ctx, tx, actor, user); err != nil {
			return err
		}
		return a.setOptOut(ctx, tx, actor, user, t, receive)
	})
}

// checkOptional refuses a notification nobody may turn off.
func checkOptional(t reportline.NotificationType) error {
	for _, o := range optOutTypes() {
		if o == t {
			return nil
		}
	}
	return reportline.FieldError("type", string(t), "notification %q cannot be turned off; these can: %v", t, optOutTypes())
}

// setOptOut records a person's choice and its change.
func (a *App) setOptOut(ctx context.Context, tx preferencesTx, actor Actor, user reportline.UserID, t reportline.NotificationType, receive bool) error {
	if _, err := tx.User(ctx, user); err != nil {
		return err
	}
	before, err := tx.NotificationOptOuts(ctx, t, []reportline.UserID{user})
	if err != nil {
		return err
	}
	if before[user] == !receive {
		return nil
	}
	if err := tx.SetNotificationOptOut(ctx, user, t, !receive, a.now()); err != nil {
		return err
	}
	a.log.Info("notification preference changed", "actor", actor.ID(), "user", user, "type", t, "receive", receive)
	return a.record(ctx, tx, actor, policy.ManageOwnAccount, reportline.Change{What: "notification " + string(t), UserID: user,
		Before: usecase.JSON(map[string]bool{"receive": !receive}), After: usecase.JSON(map[string]bool{"receive": receive})})
}

// mayManagePreferences lets the user themself, platform admins and the
// system through.
func (a *App) mayManagePreferences(ctx context.Context, tx preferencesTx, actor Actor, user reportline.UserID) error {
	return usecase.AuthorizeOwn(actor, policy.ManageOwnAccount, user)
}

// NotificationRoleView is one notification for one role, as admins see
// and switch it.
type NotificationRoleView struct {
	Enabled   bool // not switched off by an admin
	Mandatory bool // people in the role may not turn it off for themself
}

// SetNotificationRole switches a notification on or off for a whole role.
// Only platform admins may (a platform setting).
func (a *App) SetNotificationRole(ctx context.Context, actor Actor, t reportline.NotificationType, aud reportline.Audience, enabled bool) error {
	n, ok := reportline.NotificationByType(t)
	if !ok {
		return reportline.FieldError("type", string(t), "unknown notification type %q", t)
	}
	if !n.For(aud) {
		return reportline.FieldError("role", string(aud), "the %s notification does not go to %s", t, aud)
	}
	return a.preferencesStore().Write(ctx, func(tx preferencesTx) error {
		if err := usecase.AuthorizeActor(actor, policy.ChangeSettings); err != nil {
			return err
		}
		r := reportline.NotificationRole{Type: t, Audience: aud}
		off, err := tx.NotificationRolesOff(ctx)
		if err != nil {
			return err
		}
		if off[r] == !enabled {
			return nil
		}
		if err := tx.SetNotificationRole(ctx, r, enabled, a.now()); err != nil {
			return err
		}
		return a.record(ctx, tx, actor, policy.ChangeSettings, reportline.Change{What: "notification " + string(t) + " for " + string(aud),
			Before: usecase.JSON(map[string]bool{"enabled": !enabled}), After: usecase.JSON(map[string]bool{"enabled": enabled})})
	})
}

// NotificationRoles returns, for every notification and role it goes to,
// whether it is on and whether it is mandatory.
func (a *App) NotificationRoles(ctx context.Context, actor Actor) (map[reportline.NotificationRole]NotificationRoleView, error) {
	out := map[reportline.NotificationRole]NotificationRoleView{}
	err := a.preferencesStore().Read(ctx, func(tx preferencesTx) error {
		if err := notify.MayRead(ctx, tx, actor); err != nil {
			return err
		}
		off, err := tx.NotificationRolesOff(ctx)
		if err != nil {
			return err
		}
		for _, n := range reportline.Notifications() {
			for _, aud := range n.Audiences {
				r := reportline.NotificationRole{Type: n.Type, Audience: aud}
				out[r] = NotificationRoleView{Enabled: !off[r], Mandatory: n.MandatoryFor(aud)}
			}
		}
		return nil
	})
	return out, err
}
