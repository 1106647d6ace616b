package app_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/digest"
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

// sampleWeek is a week with every kind of line, a failed course worked on
// at 100 %, and names and titles that need escaping in HTML.
func sampleWeek() digest.TeamWeek {
	utc := func(m time.Month, d, h int) time.Time { return time.Date(2026, m, d, h, 0, 0, 0, time.UTC) }
	score, failed := 87.5, 42.0
	ada := reportline.User{ID: 2, Email: "ada@example.com", FirstName: "Ada", LastName: "Lovelace"}
	bob := reportline.User{ID: 3, Email: "bob@example.com", FirstName: "Bob <script>alert(1)</script>", LastName: "O'Brien & Sons"}
	cy := reportline.User{ID: 4, Email: "cy@example.com", FirstName: "Cy", LastName: "Quiet"}
	session := digest.UpcomingSession{Course: "Excel <advanced>", Title: "Paris & Lyon", Starts: utc(11, 25, 8)}
	return digest.TeamWeek{
		Manager: reportline.User{ID: 1, Email: "mgr@example.com", FirstName: "Grace", LastName: "Hopper"},
		From:    utc(11, 16, 13), To: utc(11, 23, 13), Ahead: utc(11, 30, 13),
		Members: []digest.MemberWeek{
			{User: ada,
				Completed: []app.RecordView{{LMSID: "r-fire", Course: "Fire safety", Status: reportline.Completed, Progress: 100, Score: &score,
					Completed: utc(11, 18, 10), Due: utc(11, 17, 0), CompletedLate: true, DaysLate: 1}},
				Progressed: []app.RecordView{{LMSID: "r-excel", Course: "Excel <advanced>", Session: "Paris & Lyon", Status: reportline.InProgress,
					Progress: 40, LastActivity: utc(11, 20, 9)}},
				Sessions: []digest.UpcomingSession{session},
			},
			{User: bob,
				Late: []app.RecordView{{LMSID: "r-gdpr", Course: "GDPR", Status: reportline.InProgress, Progress: 10, Due: utc(11, 10, 0),
					Late: true, DaysLate: 13}},
				DueSoon: []app.RecordView{{LMSID: "r-ethics", Course: "Ethics", Status: reportline.NotStarted, Due: utc(11, 27, 0)}},
				Progressed: []app.RecordView{{LMSID: "r-audit", Course: "Audit basics", Status: reportline.Failed, Progress: 100, Score: &failed,
					LastActivity: utc(11, 19, 15)}},
				Sessions: []digest.UpcomingSession{session},
			},
			{User: cy},
		},
		Upcoming: []digest.UpcomingSession{{Course: session.Course, Title: session.Title, Starts: session.Starts,
			Members: []reportline.User{ada, bob}}},
	}
}

func TestDigestGolden(t *testing.T) {
	w := reportline.ISOWeek{Year: 2026, Week: 48}
	sentAt := time.Date(2026, 11, 23, 13, 20, 0, 0, time.UTC)
	sample := sampleWeek()
	lone := sample
	lone.Members = sample.Members[1:2]
	tests := []struct {
		name string
		tw   digest.TeamWeek
		o    digest.Options
	}{
		{"weekly_digest", sample, digest.Options{Week: w, SentAt: sentAt}},
		{"weekly_digest_links", sample, digest.Options{Week: w, SentAt: sentAt, PublicURL: "https://reportline.example.com/"}},
		{"weekly_digest_late", sample, digest.Options{Week: w, Late: true, SentAt: sentAt}},
		{"weekly_digest_one", lone, digest.Options{Week: w, SentAt: sentAt}},
		{"weekly_digest_empty", digest.TeamWeek{Manager: sample.Manager, From: sample.From, To: sample.To, Ahead: sample.Ahead,
			Members: []digest.MemberWeek{{User: sample.Members[2].User}}}, digest.Options{Week: w, SentAt: sentAt}},
	}
	// Every case again for a manager who reads French.
	for _, tc := range tests[:len(tests):len(tests)] {
		tc.name += ".fr"
		tc.tw.Manager.Locale = "fr"
		tests = append(tests, tc)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := digest.Render(tc.tw, tc.o)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name+".subject", r.Subject+"\n")
			golden(t, tc.name+".txt", r.Text)
			golden(t, tc.name+".html", r.HTML)
			if strings.Contains(r.HTML, "<script>") || strings.Contains(r.HTML, "<advanced>") {
				t.Error("HTML body has unescaped user text")
			}
			links := strings.Count(r.HTML, "href=")
			if tc.o.PublicURL == "" && links != 0 {
				t.Errorf("without a public URL the HTML has %d links; want none", links)
			}
			if tc.o.PublicURL != "" && strings.Contains(r.HTML, `href="/`) {
				t.Error("a link is relative: it would be broken in a mail reader")
			}
			if strings.Contains(r.HTML, "src=") || strings.Contains(r.HTML, "<link") {
				t.Error("the HTML loads something from outside the message")
			}
		})
	}
}

// TestDigestStatusAsOnStatisticsPage: a failed course worked on this week
// reads "Failed" as on the statistics page, never "100 % done".
func TestDigestStatusAsOnStatisticsPage(t *testing.T) {
	r, err := digest.Render(sampleWeek(), digest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{r.Text, r.HTML} {
		if !strings.Contains(body, "Audit basics") || !strings.Contains(body, "Failed, score 42") {
			t.Errorf("the failed course is not shown as failed:\n%s", body)
		}
		if strings.Contains(body, "100% done") || strings.Contains(body, "100 % done") {
			t.Errorf("a course reads 100 %% done:\n%s", body)
		}
	}
}

// TestDigestBrand: the product's name and accent colour come from the
// brand; a colour that is not a hex colour falls back to the default
// rather than reaching the style attribute.
func TestDigestBrand(t *testing.T) {
	for _, tc := range []struct {
		brand      app.MailBrand
		name, want string
	}{
		{app.MailBrand{}, "Reportline", app.DefaultAccent},
		{app.MailBrand{Name: "Acme  Learning", Accent: "#0a7"}, "Acme Learning", "#0a7"},
		{app.MailBrand{Accent: "red; background: url(https://evil.example/x)"}, "Reportline", app.DefaultAccent},
	} {
		r, err := digest.Render(sampleWeek(), digest.Options{Brand: tc.brand})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(r.HTML, ">"+tc.name+"</td>") || !strings.Contains(r.HTML, "background-color: "+tc.want+";") {
			t.Errorf("brand %+v: want name %q and accent %q in\n%s", tc.brand, tc.name, tc.want, r.HTML)
		}
		if strings.Contains(r.HTML, "evil.example") {
			t.Errorf("brand %+v reached the HTML", tc.brand)
		}
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
		{"birthday_one.fr", []reportline.User{tw.Members[0].User}},
		{"birthday_two.fr", []reportline.User{tw.Members[0].User, tw.Members[1].User}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := tw.Manager
			if strings.HasSuffix(tc.name, ".fr") {
				m.Locale = "fr"
			}
			r, err := digest.RenderBirthday(m, date, tc.people, digest.BirthdayOptions{})
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

// TestNoticeGolden: every event notification, for each role that receives
// it, and the password reset, in English and French (HTML and text).
func TestNoticeGolden(t *testing.T) {
	o := newOrg(t, testapp.Engines[0])
	for _, lang := range []string{"en", "fr"} {
		for _, tc := range []struct {
			typ   reportline.NotificationType
			roles []string
		}{
			{reportline.NotifyTemporaryLinkStart, []string{"managee", "manager", "other"}},
			{reportline.NotifyTemporaryLinkEnd, []string{"managee", "manager", "other"}},
			{reportline.NotifyManagerAdded, []string{"managee", "manager"}},
			{reportline.NotifyManagerRemoved, []string{"managee", "manager"}},
			{reportline.NotifyPasswordReset, []string{"user"}},
			{reportline.NotifyTemplateMessage, []string{"manager"}},
		} {
			for _, role := range tc.roles {
				name := fmt.Sprintf("%s_%s.%s", tc.typ, role, lang)
				t.Run(name, func(t *testing.T) {
					r, err := o.env.App.SampleEmail(tc.typ, role, lang)
					if err != nil {
						t.Fatal(err)
					}
					golden(t, name+".subject", r.Subject+"\n")
					golden(t, name+".txt", r.Text)
					golden(t, name+".html", r.HTML)
					if !strings.Contains(r.HTML, `<html lang="`+lang+`">`) {
						t.Errorf("%s: not marked as %s", name, lang)
					}
				})
			}
		}
	}
}

// TestDigestNumbersInTheReadersLanguage: a large team's digest writes its
// figures as the manager's language does, in the subject, the summary,
// the counts and the items: "1,200" in English, "1 200" (a narrow no-break
// space) in French, and a score of 87.5 as "87,5"; days and months are
// French too ("lun. 7 déc.").
func TestDigestNumbersInTheReadersLanguage(t *testing.T) {
	utc := func(m time.Month, d, h int) time.Time { return time.Date(2026, m, d, h, 0, 0, 0, time.UTC) }
	score := 87.5
	tw := digest.TeamWeek{Manager: reportline.User{ID: 1, Email: "mgr@example.com", FirstName: "Grace"},
		From: utc(11, 30, 13), To: utc(12, 7, 13), Ahead: utc(12, 14, 13)}
	for i := range 1200 {
		tw.Members = append(tw.Members, digest.MemberWeek{User: reportline.User{ID: reportline.UserID(i + 2), Email: fmt.Sprintf("p%d@example.com", i), FirstName: "P", LastName: fmt.Sprint(i)},
			Late: []app.RecordView{{LMSID: fmt.Sprintf("r-%d", i), Course: "GDPR", Status: reportline.Failed, Score: &score, Due: utc(12, 7, 10),
				Late: true, DaysLate: 1500}}})
	}
	for _, tc := range []struct{ locale, subject, summary, count, item string }{
		{"en", "1,200 overdue", "All 1,200 of your people", "1,200 overdue", "Failed, score 87.5 · due Mon 7 Dec, 1,500 days late"},
		{"fr", "1\u202f200 en retard", "Vos 1\u202f200 personnes", "1\u202f200 en retard", "Échoué, score 87,5 · échéance lun. 7 déc., 1\u202f500 jours de retard"},
	} {
		tw.Manager.Locale = tc.locale
		r, err := digest.Render(tw, digest.Options{Week: reportline.ISOWeek{Year: 2026, Week: 49}, SentAt: utc(12, 7, 13)})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(r.Subject, tc.subject) {
			t.Errorf("%s subject = %q, want %q in it", tc.locale, r.Subject, tc.subject)
		}
		for part, body := range map[string]string{"text": r.Text, "HTML": r.HTML} {
			for _, want := range []string{tc.summary, tc.item} {
				if !strings.Contains(body, want) {
					t.Errorf("%s %s lacks %q", tc.locale, part, want)
				}
			}
		}
		if !strings.Contains(r.Text, tc.count) || !strings.Contains(r.HTML, ">"+strings.TrimSuffix(strings.TrimSuffix(tc.count, " overdue"), " en retard")+"</div>") {
			t.Errorf("%s: the counts do not read %q", tc.locale, tc.count)
		}
	}
}

// TestEmailsInTheDefaultLanguage: a manager whose profile names no language
// gets the digest and the birthday notification in the platform's default
// language (REPORTLINE_DEFAULT_LOCALE); one whose profile names a language
// gets theirs.
func TestEmailsInTheDefaultLanguage(t *testing.T) {
	tw := sampleWeek()
	day := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct{ profile, def, greeting string }{
		{"", "", "Hello Grace,"},
		{"", "fr", "Bonjour Grace,"},
		{"en", "fr", "Hello Grace,"},
		{"fr", "", "Bonjour Grace,"},
	} {
		tw.Manager.Locale = tc.profile
		d, err := digest.Render(tw, digest.Options{Week: reportline.ISOWeek{Year: 2026, Week: 48}, SentAt: day, DefaultLocale: tc.def})
		if err != nil {
			t.Fatal(err)
		}
		b, err := digest.RenderBirthday(tw.Manager, day, []reportline.User{tw.Members[0].User}, digest.BirthdayOptions{DefaultLocale: tc.def})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(d.Text, "\n\n"+tc.greeting+"\n") || !strings.HasPrefix(b.Text, tc.greeting) {
			t.Errorf("profile %q, default %q: digest %.20q, birthday %.20q; want %q", tc.profile, tc.def, d.Text, b.Text, tc.greeting)
		}
	}
}
