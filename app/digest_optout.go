package app

import (
	"context"

	"reportline"
	"reportline/policy"
)

// optOutTypes are the notifications a manager may turn off for themself.
var optOutTypes = []reportline.NotificationType{reportline.NotifyWeeklyDigest, reportline.NotifyBirthday}

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
	err := a.store.Read(ctx, func(tx Tx) error {
		if err := a.mayManagePreferences(ctx, tx, actor, user); err != nil {
			return err
		}
		for _, t := range optOutTypes {
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
	allowed := false
	for _, o := range optOutTypes {
		allowed = allowed || o == t
	}
	if !allowed {
		return reportline.FieldError("type", string(t), "notification %q cannot be turned off; these can: %v", t, optOutTypes)
	}
	return a.store.Write(ctx, func(tx Tx) error {
		if err := a.mayManagePreferences(ctx, tx, actor, user); err != nil {
			return err
		}
		if _, err := tx.User(ctx, user); err != nil {
			return err
		}
		if err := tx.SetNotificationOptOut(ctx, user, t, !receive, a.now()); err != nil {
			return err
		}
		a.log.Info("notification preference changed", "actor", actor.id(), "user", user, "type", t, "receive", receive)
		return nil
	})
}

// mayManagePreferences lets the user themself, platform admins and the
// system through.
func (a *App) mayManagePreferences(ctx context.Context, tx Tx, actor Actor, user reportline.UserID) error {
	return authorizeOwn(actor, policy.ManageOwnAccount, user)
}
