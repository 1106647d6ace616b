package app

import (
	"context"
	"time"

	"reportline"
)

// The digest and birthday notifications show admins a sample on the page
// "Notifications per role": made-up people and courses, never real data.
func init() {
	registerPreview(reportline.NotifyWeeklyDigest, (*App).previewDigestSample)
	registerPreview(reportline.NotifyBirthday, (*App).previewBirthdaySample)
}

// sampleManager and sampleTeam are the made-up people of the samples.
var (
	sampleManager = reportline.User{ID: 1, Email: "grace.hopper@example.com", FirstName: "Grace", LastName: "Hopper"}
	sampleTeam    = []reportline.User{
		{ID: 2, Email: "ada.lovelace@example.com", FirstName: "Ada", LastName: "Lovelace"},
		{ID: 3, Email: "alan.turing@example.com", FirstName: "Alan", LastName: "Turing"},
		{ID: 4, Email: "edsger.dijkstra@example.com", FirstName: "Edsger", LastName: "Dijkstra"},
	}
)

// sampleTeamWeek is a week with a line of every kind, ending on the
// digest's Monday of the week of now.
func sampleTeamWeek(now time.Time) (TeamWeek, reportline.DigestSlot) {
	slot := reportline.DigestSlotOf(reportline.ISOWeekOf(now.In(parisZone)), parisZone)
	day := func(d int, h int) time.Time { return slot.From.AddDate(0, 0, d).Add(time.Duration(h) * time.Hour) }
	score := 92.0
	tw := TeamWeek{
		Manager: sampleManager, From: slot.From, To: slot.To, Ahead: comingWeekEnd(slot.To),
		Members: []MemberWeek{
			{User: sampleTeam[0],
				Completed: []RecordView{{Course: "Fire safety", Status: reportline.Completed, Progress: 100, Score: &score, Completed: day(2, 0)}},
				Progressed: []RecordView{{Course: "Spreadsheets, advanced", Session: "Paris, room 4", Status: reportline.InProgress,
					Progress: 60, LastActivity: day(4, 0), Due: slot.To.AddDate(0, 0, 10)}},
			},
			{User: sampleTeam[1],
				Late: []RecordView{{Course: "Data protection", Status: reportline.InProgress, Progress: 20,
					Due: slot.To.AddDate(0, 0, -9), Late: true, DaysLate: 9}},
				DueSoon: []RecordView{{Course: "Code of conduct", Status: reportline.NotStarted, Due: slot.To.AddDate(0, 0, 3)}},
			},
			{User: sampleTeam[2]},
		},
		Upcoming: []UpcomingSession{{Course: "Spreadsheets, advanced", Title: "Lyon, room 2", Starts: slot.To.AddDate(0, 0, 2),
			Members: sampleTeam[:2]}},
	}
	tw.Members = withSessions(tw.Members, tw.Upcoming)
	return tw, slot
}

func (a *App) previewDigestSample(context.Context) (subject, text, html string, err error) {
	tw, slot := sampleTeamWeek(a.now())
	r, err := RenderDigest(tw, a.digestOptions(slot.Week, false, slot.Due))
	return r.Subject, r.Text, r.HTML, err
}

func (a *App) previewBirthdaySample(context.Context) (subject, text, html string, err error) {
	r, err := RenderBirthday(sampleManager, a.now().In(parisZone), sampleTeam[:1], BirthdayOptions{Brand: a.brand, PublicURL: a.public, DefaultLocale: a.locale})
	return r.Subject, r.Text, r.HTML, err
}
