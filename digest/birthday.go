package digest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"reportline"
	"reportline/notice"
)

// Birthday notifications (SPEC §3): each day from BirthdayHour in the
// tenant's time zone, every active manager whose effective link in effect
// grants Birthdays to an active managee whose birthday is that day (the
// tenant's date; the year of birth does not matter, 29 February is
// celebrated on 28 February in common years, as
// reportline.Birthday.CelebratedOn says) gets one email listing them all.
// Once per manager and day, through the same run machinery as the digest
// (run.go), keyed "birthday:YYYY-MM-DD:manager". A server down all
// morning sends them when it comes back the same day; the next day they
// are missed.

// birthdayKey is the outbox key of one manager's birthday notification.
func birthdayKey(day string, manager reportline.UserID) string {
	return fmt.Sprintf("birthday:%s:%d", day, manager)
}

// RunBirthdays sends the birthday notifications of day's date in the
// tenant's time zone.
func (s *Runner) RunBirthdays(ctx context.Context, day time.Time) (Report, error) {
	start := time.Now()
	zone, err := s.n.Zone(ctx)
	if err != nil {
		return Report{Kind: reportline.NotifyBirthday}, err
	}
	local := day.In(zone)
	date := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, zone)
	period := date.Format(time.DateOnly)
	// Who celebrates, read once per holder: compose needs it per manager.
	var people map[reportline.UserID][]reportline.User
	job := runJob{
		kind:   reportline.NotifyBirthday,
		period: period,
		late:   func(time.Time) bool { return false },
		recipients: func(ctx context.Context, run reportline.ScheduledRun) ([]reportline.UserID, error) {
			var err error
			people, err = s.n.birthdaysByManager(ctx, date, run.StartedAt)
			if err != nil {
				return nil, err
			}
			return sortedKeys(people), nil
		},
		compose: func(ctx context.Context, managers []reportline.UserID, _ bool) ([]composed, error) {
			return s.n.composeBirthdays(ctx, period, date, managers, people)
		},
	}
	rep, err := s.runOnce(ctx, job)
	s.logRun(rep, time.Since(start))
	return rep, err
}

// birthdaysByManager returns, for each manager to notify, the managees
// whose birthday is on date, ordered by name.
func (n *Notifier) birthdaysByManager(ctx context.Context, date, at time.Time) (map[reportline.UserID][]reportline.User, error) {
	days := []string{date.Format("01-02")}
	if date.Month() == time.February && date.Day() == 28 && time.Date(date.Year(), time.February, 29, 0, 0, 0, 0, time.UTC).Day() != 29 {
		days = append(days, "02-29")
	}
	out := map[reportline.UserID][]reportline.User{}
	err := n.store.Read(ctx, func(tx Tx) error {
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
		matrix, err := tx.CapabilityMatrix(ctx)
		if err != nil {
			return err
		}
		links, err := tx.EffectiveManagers(ctx, ids)
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
			slices.SortFunc(us, reportline.CompareByName)
		}
		return nil
	})
	return out, err
}

// composeBirthdays renders each manager's notification, unless they opted
// out.
func (n *Notifier) composeBirthdays(ctx context.Context, day string, date time.Time, managers []reportline.UserID,
	people map[reportline.UserID][]reportline.User) ([]composed, error) {
	if len(managers) == 0 {
		return nil, nil
	}
	var optedOut map[reportline.UserID]bool
	var users, to map[reportline.UserID]reportline.User
	err := n.store.Read(ctx, func(tx Tx) error {
		var err error
		if optedOut, err = OptOuts(ctx, tx, reportline.NotifyBirthday, reportline.AudienceManagers, managers); err != nil {
			return err
		}
		if users, err = tx.UsersByIDs(ctx, managers); err != nil {
			return err
		}
		to, err = Recipients(ctx, tx, managers, n.now())
		return err
	})
	if err != nil {
		return nil, err
	}
	look := n.lookOf(ctx)
	o := BirthdayOptions{Brand: look.Brand, PublicURL: look.PublicURL, DefaultLocale: look.DefaultLocale}
	out := make([]composed, 0, len(managers))
	for _, m := range managers {
		if optedOut[m] {
			out = append(out, composed{manager: m, outcome: reportline.SendOptedOut})
			continue
		}
		r, err := RenderBirthday(users[m], date, people[m], o)
		if err != nil {
			return nil, err
		}
		key := birthdayKey(day, m)
		out = append(out, composed{manager: m, outcome: reportline.SendSent, msg: &reportline.OutboxMessage{
			Key: key, Type: reportline.NotifyBirthday, Recipient: to[m].ID, To: to[m].Email,
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

// BirthdayOptions are what a birthday notification needs besides its
// people: the brand and the public URL (for the button to My team; none
// without it).
type BirthdayOptions struct {
	Brand         notice.Brand
	PublicURL     string
	DefaultLocale string // for a manager whose profile names no language
}

// RenderBirthday renders the birthday notification of one manager for the
// people (their managees) whose birthday is on date (midnight of the day
// in the tenant's zone), in the manager's language, as a notice: the
// brand's band, a greeting by first name, the people, a button to My
// team, and why it came.
func RenderBirthday(manager reportline.User, date time.Time, people []reportline.User, o BirthdayOptions) (Mail, error) {
	n, l := notice.Start(manager, o.Brand.Normalized(), strings.TrimRight(o.PublicURL, "/"), o.DefaultLocale)
	count := len(people)
	n.Subject = l.T("birthday.subject", map[string]any{"Name": people[0].Name()})
	if count > 1 {
		n.Subject = l.N("birthday.subject.more", count-1, map[string]any{"Name": people[0].Name()})
	}
	n.Paras = []string{l.N("birthday.body", count, map[string]any{"Name": people[0].Name(), "Day": l.Format(date, "Mon 2 Jan 2006")})}
	for _, p := range people {
		n.Items = append(n.Items, p.Name()+" <"+p.Email+">")
	}
	brand := map[string]any{"Brand": n.BrandName}
	n.Footer = []string{l.T("birthday.footer.why", brand), l.T("birthday.footer.stop", brand)}
	return n.Render()
}
