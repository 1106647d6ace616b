package digest

import (
	"context"
	"fmt"
	"slices"
	"time"

	"reportline"
)

// Recipients returns, for each manager a run has a notification about
// (their weekly digest, their team's birthdays), the person who receives
// it at instant at: the manager themself, or, while the manager is absent
// and the tenant sends covered managers' notifications to the delegate
// instead (cover.notify = instead, docs/absences.md), their delegate. It
// is the one place that decides it. In the default mode (with) the
// manager keeps theirs and the delegate's own notifications already name
// the covered team, through the temporary links of the cover. Managers
// who are not users are absent.
func Recipients(ctx context.Context, tx Tx, managers []reportline.UserID, at time.Time) (map[reportline.UserID]reportline.User, error) {
	covers, err := tx.CoveringInstead(ctx, managers, at)
	if err != nil {
		return nil, fmt.Errorf("who covers the managers: %w", err)
	}
	ids := slices.Clone(managers)
	for _, d := range covers {
		ids = append(ids, d)
	}
	users, err := tx.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	to := make(map[reportline.UserID]reportline.User, len(managers))
	for _, m := range managers {
		if d, ok := covers[m]; ok {
			if u, ok := users[d]; ok && u.Status == reportline.StatusActive {
				to[m] = u
				continue
			}
		}
		if u, ok := users[m]; ok {
			to[m] = u
		}
	}
	return to, nil
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
