package ui_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/internal/browser"
	"reportline/internal/testapp"
	"reportline/learning"
	"reportline/store"
)

// teamSetup makes alice a manager: bob (line) and carol (functional) report
// to her, erin to bob. Carol's birthday is today (23 November, no year).
// Bob is late on a course limited to Finance, which alice cannot open.
func teamSetup(t *testing.T, w *world) {
	t.Helper()
	ctx := context.Background()
	sys := app.SystemActor(reportline.SourceAPI)
	for _, l := range []struct {
		manager, managee reportline.User
		kind             reportline.Kind
	}{{w.alice, w.bob, reportline.Line}, {w.alice, w.carol, reportline.Functional}, {w.bob, w.erin, reportline.Line}} {
		if _, err := w.env.App.AddLinks(ctx, sys, app.LinkRequest{User: l.managee.ID, Direction: reportline.Managers, Kind: l.kind,
			IDs: []reportline.UserID{l.manager.ID}}); err != nil {
			t.Fatal(err)
		}
	}
	birthday := "--11-23"
	if _, err := w.env.App.UpdateUser(ctx, sys, w.carol.ID, app.UserPatch{Birthday: &birthday}); err != nil {
		t.Fatal(err)
	}
	if err := w.env.App.SetPassword(ctx, sys, w.alice.ID, password); err != nil {
		t.Fatal(err)
	}
	day := func(d int) time.Time { return time.Date(2026, 11, d, 9, 0, 0, 0, time.UTC) }
	score := 91.0
	if _, err := w.env.App.ApplyLearning(ctx, sys, learning.Batch{
		Courses: []learning.CourseInput{{ID: "gdpr", Title: "GDPR essentials"}, {ID: "close", Title: "Month-end close", Groups: []reportline.GroupID{w.finance.ID}},
			{ID: "neg", Title: "Negotiation"}},
		Sessions: []learning.SessionInput{{ID: "neg-lyon", CourseID: "neg", Title: "Lyon workshop", Starts: day(26)}},
		Records: []learning.RecordInput{
			{ID: "bob-gdpr", UserID: w.bob.ID, CourseID: "gdpr", Status: "completed", Progress: 100, Score: &score, Completed: day(12), TimeSpent: 75 * time.Minute},
			{ID: "bob-close", UserID: w.bob.ID, CourseID: "close", Status: "in_progress", Progress: 35, Due: day(16), LastActivity: day(20), TimeSpent: 40 * time.Minute},
			{ID: "carol-gdpr", UserID: w.carol.ID, CourseID: "gdpr", Status: "in_progress", Progress: 60, Due: day(30)},
			{ID: "carol-neg", UserID: w.carol.ID, CourseID: "neg", SessionID: "neg-lyon", Status: "not_started"},
			{ID: "erin-gdpr", UserID: w.erin.ID, CourseID: "gdpr", Status: "failed", Progress: 80, Due: day(10)},
		},
	}); err != nil {
		t.Fatal(err)
	}
}

// TestBrowserMyTeam: alice opens My team, sees her direct reports, the
// chart and carol's birthday, widens to everybody reporting to her, and
// opens bob's statistics, restricted course included; no console error
// (the chart is SVG under the strict CSP).
func TestBrowserMyTeam(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		teamSetup(t, w)
		ctx := browser.New(t)
		signIn(t, ctx, w.url, "alice@acme.test")

		click(t, ctx, "#nav-team")
		if loc := location(t, ctx, w.url); loc != "/team" {
			t.Fatalf("My team led to %s", loc)
		}
		if rows := texts(t, ctx, "#team-members tbody th .person"); strings.Join(rows, ",") != "Bob Bernard,Carol Dubois" {
			t.Errorf("direct reports = %q", rows)
		}
		if b := texts(t, ctx, "#birthday-list .contact-name"); strings.Join(b, ",") != "Carol Dubois" {
			t.Errorf("birthdays = %q", b)
		}
		if late := texts(t, ctx, "#total-late"); len(late) != 1 || late[0] != "1" {
			t.Errorf("late = %q", late)
		}
		if bars := texts(t, ctx, "#team-chart .chart-value"); strings.Join(bars, ",") != "1,2,1,0,1" {
			t.Errorf("chart values = %q", bars)
		}
		browser.Screenshot(t, ctx, "team-direct")

		click(t, ctx, "#scope-all")
		if rows := texts(t, ctx, "#team-members tbody th .person"); strings.Join(rows, ",") != "Bob Bernard,Carol Dubois,Erin Laurent" {
			t.Errorf("everybody = %q", rows)
		}
		if via := texts(t, ctx, `tr[data-user-id] td .muted.small`); !strings.Contains(strings.Join(via, "|"), "Through Bob Bernard") {
			t.Errorf("erin's line = %q", via)
		}
		browser.Screenshot(t, ctx, "team-all")

		click(t, ctx, `#team-members a[href$="/statistics"]`)
		if rows := texts(t, ctx, "#records-table tbody th"); len(rows) != 2 || !strings.Contains(rows[1], "Month-end close") || !strings.Contains(rows[1], "Restricted course") {
			t.Errorf("bob's records = %q", rows)
		}
		if grant := texts(t, ctx, "#stats-grant"); len(grant) != 1 || !strings.Contains(grant[0], "This view is logged") {
			t.Errorf("grant note = %q", grant)
		}
		browser.Screenshot(t, ctx, "statistics")
		browser.NoConsoleErrors(t, ctx)
	})
}
