package digest

import (
	"context"
	"time"

	"reportline"
)

// Admins see a sample of the digest and the birthday notification on the
// page "Notifications per role": made-up people and courses, never real
// data (app registers SampleDigest and SampleBirthday there).

// SampleManager and SampleTeam are the made-up people of the samples (the
// other notifications' samples in app use them too).
var (
	SampleManager = reportline.User{ID: 1, Email: "grace.hopper@example.com", FirstName: "Grace", LastName: "Hopper"}
	SampleTeam    = []reportline.User{
		{ID: 2, Email: "ada.lovelace@example.com", FirstName: "Ada", LastName: "Lovelace"},
		{ID: 3, Email: "alan.turing@example.com", FirstName: "Alan", LastName: "Turing"},
		{ID: 4, Email: "edsger.dijkstra@example.com", FirstName: "Edsger", LastName: "Dijkstra"},
	}
)

// sampleTeamWeek is a week with a line of every kind, ending on the
// digest's Monday of the week of now in zone.
func sampleTeamWeek(now time.Time, zone *time.Location) (TeamWeek, reportline.DigestSlot) {
	slot := reportline.DigestSlotOf(reportline.ISOWeekOf(now.In(zone)), zone)
	day := func(d int, h int) time.Time { return slot.From.AddDate(0, 0, d).Add(time.Duration(h) * time.Hour) }
	score := 92.0
	tw := TeamWeek{
		Manager: SampleManager, From: slot.From, To: slot.To, Ahead: comingWeekEnd(slot.To, zone),
		Members: []MemberWeek{
			{User: SampleTeam[0],
				Completed: []RecordView{{Course: "Fire safety", Status: reportline.Completed, Progress: 100, Score: &score, Completed: day(2, 0)}},
				Progressed: []RecordView{{Course: "Spreadsheets, advanced", Session: "Paris, room 4", Status: reportline.InProgress,
					Progress: 60, LastActivity: day(4, 0), Due: slot.To.AddDate(0, 0, 10)}},
			},
			{User: SampleTeam[1],
				Late: []RecordView{{Course: "Data protection", Status: reportline.InProgress, Progress: 20,
					Due: slot.To.AddDate(0, 0, -9), Late: true, DaysLate: 9}},
				DueSoon: []RecordView{{Course: "Code of conduct", Status: reportline.NotStarted, Due: slot.To.AddDate(0, 0, 3)}},
			},
			{User: SampleTeam[2]},
		},
		Upcoming: []UpcomingSession{{Course: "Spreadsheets, advanced", Title: "Lyon, room 2", Starts: slot.To.AddDate(0, 0, 2),
			Members: SampleTeam[:2]}},
	}
	tw.Members = withSessions(tw.Members, tw.Upcoming)
	return tw, slot
}

// SampleDigest renders the sample digest of the current week, in the
// context's tenant's zone and look.
func (n *Notifier) SampleDigest(ctx context.Context) (Mail, error) {
	zone, err := n.Zone(ctx)
	if err != nil {
		return Mail{}, err
	}
	tw, slot := sampleTeamWeek(n.now(), zone)
	return Render(tw, options(n.lookOf(ctx), slot.Week, zone, false, slot.Due))
}

// SampleBirthday renders the sample birthday notification of today in the
// context's tenant's zone.
func (n *Notifier) SampleBirthday(ctx context.Context) (Mail, error) {
	zone, err := n.Zone(ctx)
	if err != nil {
		return Mail{}, err
	}
	look := n.lookOf(ctx)
	return RenderBirthday(SampleManager, n.now().In(zone), SampleTeam[:1],
		BirthdayOptions{Brand: look.Brand, PublicURL: look.PublicURL, DefaultLocale: look.DefaultLocale})
}
