package app

import (
	"context"
	"fmt"
	"slices"
	"time"

	"reportline"
)

// Birthday notifications (SPEC §3): each day from BirthdayHour Europe/Paris,
// every active manager whose effective link in effect grants Birthdays to
// an active managee whose birthday is that day (Paris date; the year of
// birth does not matter, 29 February is celebrated on 28 February in
// common years, as reportline.Birthday.CelebratedOn says) gets one email
// listing them all. Once per manager and day, through the same run
// machinery as the digest (digest_run.go), keyed
// "birthday:YYYY-MM-DD:manager". A server down all morning sends them when
// it comes back the same day; the next day they are missed.

// birthdayKey is the outbox key of one manager's birthday notification.
func birthdayKey(day string, manager reportline.UserID) string {
	return fmt.Sprintf("birthday:%s:%d", day, manager)
}

// RunBirthdays sends the birthday notifications of the Paris date of day.
func (s *Scheduler) RunBirthdays(ctx context.Context, day time.Time) (RunReport, error) {
	start := time.Now()
	local := day.In(parisZone)
	date := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, parisZone)
	period := date.Format(time.DateOnly)
	// Who celebrates, read once per holder: compose needs it per manager.
	var people map[reportline.UserID][]reportline.User
	job := runJob{
		kind:   reportline.NotifyBirthday,
		period: period,
		late:   func(time.Time) bool { return false },
		recipients: func(ctx context.Context, run reportline.ScheduledRun) ([]reportline.UserID, error) {
			var err error
			people, err = s.app.birthdaysByManager(ctx, date, run.StartedAt)
			if err != nil {
				return nil, err
			}
			return sortedKeys(people), nil
		},
		compose: func(ctx context.Context, managers []reportline.UserID, _ bool) ([]composed, error) {
			return s.app.composeBirthdays(ctx, period, date, managers, people)
		},
	}
	rep, err := s.runOnce(ctx, job)
	s.logRun(rep, time.Since(start))
	return rep, err
}

// birthdaysByManager returns, for each manager to notify, the managees
// whose birthday is on date, ordered by name.
func (a *App) birthdaysByManager(ctx context.Context, date, at time.Time) (map[reportline.UserID][]reportline.User, error) {
	days := []string{date.Format("01-02")}
	if date.Month() == time.February && date.Day() == 28 && time.Date(date.Year(), time.February, 29, 0, 0, 0, 0, time.UTC).Day() != 29 {
		days = append(days, "02-29")
	}
	out := map[reportline.UserID][]reportline.User{}
	err := a.store.Read(ctx, func(tx Tx) error {
		celebrating, err := tx.ActiveUsersWithBirthday(ctx, days)
		if err != nil || len(celebrating) == 0 {
			return err
		}
		byID := make(map[reportline.UserID]reportline.User, len(celebrating))
		ids := make([]reportline.UserID, 0, len(celebrating))
		for _, u := range celebrating {
			if u.Birthday.CelebratedOn(date.Year(), date.Month(), date.Day()) {
				byID[u.ID] = u
				ids = append(ids, u.ID)
			}
		}
		matrix, err := a.matrix(ctx, tx)
		if err != nil {
			return err
		}
		links, err := a.managersOfMany(ctx, tx, ids)
		if err != nil {
			return err
		}
		var managerIDs []reportline.UserID
		for _, ls := range links {
			for _, l := range ls {
				managerIDs = append(managerIDs, l.ManagerID)
			}
		}
		statuses, err := tx.UserStatuses(ctx, managerIDs)
		if err != nil {
			return err
		}
		for managee, ls := range links {
			for _, l := range ls {
				if statuses[l.ManagerID] == reportline.StatusActive && l.InEffect(at) && matrix.Allows(l.Kind, reportline.Birthdays) {
					out[l.ManagerID] = append(out[l.ManagerID], byID[managee])
				}
			}
		}
		for _, us := range out {
			sortUsersByName(us)
		}
		return nil
	})
	return out, err
}

// composeBirthdays renders each manager's notification, unless they opted
// out.
func (a *App) composeBirthdays(ctx context.Context, day string, date time.Time, managers []reportline.UserID,
	people map[reportline.UserID][]reportline.User) ([]composed, error) {
	if len(managers) == 0 {
		return nil, nil
	}
	var optedOut map[reportline.UserID]bool
	var users map[reportline.UserID]reportline.User
	err := a.store.Read(ctx, func(tx Tx) error {
		var err error
		if optedOut, err = optOuts(ctx, tx, reportline.NotifyBirthday, reportline.AudienceManagers, managers); err != nil {
			return err
		}
		users, err = tx.UsersByIDs(ctx, managers)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]composed, 0, len(managers))
	base, br := a.publicURL(ctx), a.branding(ctx)
	for _, m := range managers {
		if optedOut[m] {
			out = append(out, composed{manager: m, outcome: reportline.SendOptedOut})
			continue
		}
		r, err := RenderBirthday(users[m], date, people[m], BirthdayOptions{Brand: MailBrandOf(br), PublicURL: base, DefaultLocale: br.Locale})
		if err != nil {
			return nil, err
		}
		key := birthdayKey(day, m)
		out = append(out, composed{manager: m, outcome: reportline.SendSent, msg: &reportline.OutboxMessage{
			Key: key, Type: reportline.NotifyBirthday, Recipient: m, To: users[m].Email,
			Subject: r.Subject, Text: r.Text, HTML: r.HTML, MessageID: reportline.MessageIDFor(key)}})
	}
	return out, nil
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
