package app_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
)

var update = flag.Bool("update", false, "rewrite the golden files of the rendered emails")

// golden compares got with testdata/digest/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "digest", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to create it)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (run with -update if the change is intended)\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// sampleWeek is a week with every kind of line, and names and titles that
// need escaping in HTML.
func sampleWeek() app.TeamWeek {
	utc := func(m time.Month, d, h int) time.Time { return time.Date(2026, m, d, h, 0, 0, 0, time.UTC) }
	score := 87.5
	ada := reportline.User{ID: 2, Email: "ada@example.com", FirstName: "Ada", LastName: "Lovelace"}
	bob := reportline.User{ID: 3, Email: "bob@example.com", FirstName: "Bob <script>alert(1)</script>", LastName: "O'Brien & Sons"}
	cy := reportline.User{ID: 4, Email: "cy@example.com", FirstName: "Cy", LastName: "Quiet"}
	return app.TeamWeek{
		Manager: reportline.User{ID: 1, Email: "mgr@example.com", FirstName: "Grace", LastName: "Hopper"},
		From:    utc(11, 16, 13), To: utc(11, 23, 13),
		Members: []app.MemberWeek{
			{User: ada,
				Completed: []app.RecordView{{Course: "Fire safety", Status: reportline.Completed, Progress: 100, Score: &score,
					Completed: utc(11, 18, 10), Due: utc(11, 17, 0), CompletedLate: true, DaysLate: 1}},
				Progressed: []app.RecordView{{Course: "Excel <advanced>", Session: "Paris & Lyon", Status: reportline.InProgress,
					Progress: 40, LastActivity: utc(11, 20, 9)}},
			},
			{User: bob,
				Late: []app.RecordView{{Course: "GDPR", Status: reportline.InProgress, Progress: 10, Due: utc(11, 10, 0),
					Late: true, DaysLate: 13}},
				DueSoon: []app.RecordView{{Course: "Ethics", Status: reportline.NotStarted, Due: utc(11, 27, 0)}},
			},
			{User: cy},
		},
		Upcoming: []app.UpcomingSession{{Course: "Excel <advanced>", Title: "Paris & Lyon", Starts: utc(11, 25, 8),
			Members: []reportline.User{ada, bob}}},
	}
}

func TestDigestGolden(t *testing.T) {
	w := reportline.ISOWeek{Year: 2026, Week: 48}
	sentAt := time.Date(2026, 11, 23, 13, 20, 0, 0, time.UTC)
	tests := []struct {
		name string
		tw   app.TeamWeek
		late bool
	}{
		{"weekly_digest", sampleWeek(), false},
		{"weekly_digest_late", sampleWeek(), true},
		{"weekly_digest_empty", app.TeamWeek{Manager: sampleWeek().Manager, From: sampleWeek().From, To: sampleWeek().To,
			Members: []app.MemberWeek{{User: sampleWeek().Members[2].User}}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := app.RenderDigest(tc.tw, w, tc.late, sentAt)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name+".subject", r.Subject+"\n")
			golden(t, tc.name+".txt", r.Text)
			golden(t, tc.name+".html", r.HTML)
			if strings.Contains(r.HTML, "<script>") || strings.Contains(r.HTML, "<advanced>") {
				t.Error("HTML body has unescaped user text")
			}
		})
	}
}

func TestBirthdayGolden(t *testing.T) {
	tw := sampleWeek()
	date := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		people []reportline.User
	}{
		{"birthday_one", []reportline.User{tw.Members[0].User}},
		{"birthday_two", []reportline.User{tw.Members[0].User, tw.Members[1].User}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := app.RenderBirthday(tw.Manager, date, tc.people)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name+".subject", r.Subject+"\n")
			golden(t, tc.name+".txt", r.Text)
			golden(t, tc.name+".html", r.HTML)
			if strings.Contains(r.HTML, "<script>") || strings.ContainsAny(r.Subject, "\r\n") {
				t.Error("unescaped HTML or a subject on several lines")
			}
		})
	}
}

// TestDigestPreviewsRegistered: Notifications per role offers a sample of
// the digest and of the birthday notification.
func TestDigestPreviewsRegistered(t *testing.T) {
	o := newOrg(t, testapp.Engines[0])
	for _, typ := range []reportline.NotificationType{reportline.NotifyWeeklyDigest, reportline.NotifyBirthday} {
		p, err := o.env.App.PreviewNotification(context.Background(), ui(o.pa), typ)
		if err != nil || p.Subject == "" || p.Text == "" || !strings.Contains(p.HTML, "<!DOCTYPE html>") {
			t.Errorf("preview of %s = %+v, %v", typ, p, err)
		}
	}
}
