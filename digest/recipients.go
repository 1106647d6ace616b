package digest

import (
	"context"

	"reportline"
)

// Recipients returns, for each manager a run has a notification about
// (their weekly digest, their team's birthdays), the person who receives
// it: today the manager themself. It is the one place that decides it —
// cover during absences will send an absent manager's notifications to
// their delegate here. Managers who are not users are absent.
func Recipients(ctx context.Context, tx Tx, managers []reportline.UserID) (map[reportline.UserID]reportline.User, error) {
	return tx.UsersByIDs(ctx, managers)
}

// OptOutTx is the storage of the recipients' and admins' choices.
type OptOutTx interface {
	NotificationRolesOff(ctx context.Context) (map[reportline.NotificationRole]bool, error)
	NotificationOptOuts(ctx context.Context, t reportline.NotificationType, users []reportline.UserID) (map[reportline.UserID]bool, error)
}

// OptOuts returns which of users do not get notification t in audience
// aud: everyone when an admin switched it off for the role, else those who
// turned it off for themself (unless it is mandatory for the role).
func OptOuts(ctx context.Context, tx OptOutTx, t reportline.NotificationType, aud reportline.Audience, users []reportline.UserID) (map[reportline.UserID]bool, error) {
	off, err := tx.NotificationRolesOff(ctx)
	if err != nil {
		return nil, err
	}
	if off[reportline.NotificationRole{Type: t, Audience: aud}] {
		all := make(map[reportline.UserID]bool, len(users))
		for _, u := range users {
			all[u] = true
		}
		return all, nil
	}
	if n, _ := reportline.NotificationByType(t); n.MandatoryFor(aud) {
		return map[reportline.UserID]bool{}, nil
	}
	return tx.NotificationOptOuts(ctx, t, users)
}
