package demo

import (
	"context"
	"fmt"
	"slices"
	"time"

	"reportline"
	"reportline/app"
	"reportline/learning"
)

// courses are the demo's catalogue: two open to everyone, and two limited
// to a department, so that a manager sees records on courses they cannot
// open (the Go course of Engineering on a functional managee in Sales).
var courses = []struct {
	id, title, group string
}{
	{"SEC-101", "Information security basics", ""},
	{"GDPR-1", "GDPR essentials", ""},
	{"GO-201", "Go for engineers", "Engineering"},
	{"NEG-300", "Negotiation skills", "Sales"},
}

// loadLearning adds courses, sessions and a few records per person, dated
// around today, so that My team, the statistics pages and the weekly
// digest have something to show; and it makes today the birthday of one of
// Linus Torvalds's reports (a birthday without a year).
func loadLearning(ctx context.Context, a *app.App, groups map[string]reportline.GroupID, byEmail map[string]reportline.User) error {
	sys := app.SystemActor(reportline.SourceAPI)
	now := time.Now().UTC().Truncate(time.Hour)
	day := func(d int) time.Time { return now.AddDate(0, 0, d) }
	var b learning.Batch
	for _, c := range courses {
		in := learning.CourseInput{ID: c.id, Title: c.title}
		if c.group != "" {
			in.Groups = []reportline.GroupID{groups[c.group]}
		}
		b.Courses = append(b.Courses, in)
	}
	b.Sessions = []learning.SessionInput{
		{ID: "NEG-300-LYON", CourseID: "NEG-300", Title: "Lyon workshop", Starts: day(3), Ends: day(3).Add(7 * time.Hour)},
		{ID: "GO-201-LIVE", CourseID: "GO-201", Title: "Live coding session", Starts: day(5), Ends: day(5).Add(3 * time.Hour)},
		{ID: "SEC-101-Q", CourseID: "SEC-101", Title: "Quarterly refresher", Starts: day(-20)},
	}
	emails := make([]string, 0, len(byEmail))
	for e := range byEmail {
		emails = append(emails, e)
	}
	slices.Sort(emails)
	for i, e := range emails {
		u := byEmail[e]
		for j, course := range []string{"SEC-101", "GDPR-1", "GO-201"} {
			if course == "GO-201" && u.OrgUnit != "Platform team" && u.OrgUnit != "Mobile team" && u.Email != "radia.perlman@acme.example" {
				continue
			}
			b.Records = append(b.Records, demoRecord(fmt.Sprintf("%s-%d", course, u.ID), u.ID, course, (i*3+j*5)%7, day))
		}
		if u.OrgUnit == "Sales" || u.Email == "ken.thompson@acme.example" {
			b.Records = append(b.Records, learning.RecordInput{ID: fmt.Sprintf("NEG-300-LYON-%d", u.ID), UserID: u.ID, CourseID: "NEG-300",
				SessionID: "NEG-300-LYON", Status: "not_started", Due: day(10)})
		}
	}
	if _, err := a.ApplyLearning(ctx, sys, b); err != nil {
		return fmt.Errorf("demo: learning records: %w", err)
	}
	today := time.Now().In(parisOrUTC())
	bday := fmt.Sprintf("--%02d-%02d", int(today.Month()), today.Day())
	if _, err := a.UpdateUser(ctx, sys, byEmail["rob.pike@acme.example"].ID, app.UserPatch{Birthday: &bday}); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	return nil
}

// demoRecord is one of seven situations, dated relative to today.
func demoRecord(id string, user reportline.UserID, course string, kind int, day func(int) time.Time) learning.RecordInput {
	r := learning.RecordInput{ID: id, UserID: user, CourseID: course, TimeSpent: time.Duration(20+kind*17) * time.Minute}
	score := float64(60 + kind*6)
	switch kind {
	case 0: // completed this week
		r.Status, r.Progress, r.Completed, r.LastActivity, r.Due, r.Score = "completed", 100, day(-2), day(-2), day(5), &score
	case 1: // completed long ago, late
		r.Status, r.Progress, r.Completed, r.LastActivity, r.Due, r.Score = "completed", 100, day(-40), day(-40), day(-45), &score
	case 2: // in progress, late
		r.Status, r.Progress, r.LastActivity, r.Due = "in_progress", 35, day(-4), day(-6)
	case 3: // in progress, due soon
		r.Status, r.Progress, r.LastActivity, r.Due = "in_progress", 70, day(-1), day(4)
	case 4: // not started, due later
		r.Status, r.Due = "not_started", day(30)
	case 5: // failed, to retake
		failed := 42.0
		r.Status, r.Progress, r.LastActivity, r.Due, r.Score = "failed", 100, day(-10), day(-3), &failed
	default: // not started, no due date
		r.Status = "not_started"
	}
	return r
}

func parisOrUTC() *time.Location {
	if loc, err := time.LoadLocation("Europe/Paris"); err == nil {
		return loc
	}
	return time.UTC
}
