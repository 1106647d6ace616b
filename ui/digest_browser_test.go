package ui_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"reportline"
	"reportline/app"
	"reportline/internal/browser"
	"reportline/internal/testapp"
	"reportline/learning"
	"reportline/store"
)

// TestBrowserNotifications: in a real browser, a manager opens My
// notifications from the top bar, reads this week's digest as it would be
// sent, and turns the weekly digest off.
func TestBrowserNotifications(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		bg := context.Background()
		sys := app.SystemActor(reportline.SourceAPI)
		for _, u := range []reportline.User{w.alice, w.bob} {
			if _, err := w.env.App.AddLinks(bg, sys, app.LinkRequest{User: u.ID, Direction: reportline.Managers,
				IDs: []reportline.UserID{w.ada.ID}}); err != nil {
				t.Fatal(err)
			}
		}
		// The test clock is Monday 23 November 2026; alice finished a
		// course last Wednesday, bob is late on another.
		_, err := w.env.App.ApplyLearning(bg, sys, learning.Batch{
			Courses: []learning.CourseInput{{ID: "C1", Title: "Fire safety"}, {ID: "C2", Title: "GDPR basics"}},
			Records: []learning.RecordInput{
				{ID: "r1", UserID: w.alice.ID, CourseID: "C1", Status: "completed", Progress: 100, Completed: time.Date(2026, 11, 18, 10, 0, 0, 0, time.UTC)},
				{ID: "r2", UserID: w.bob.ID, CourseID: "C2", Status: "in_progress", Progress: 30, Due: time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		ctx := browser.New(t)
		signIn(t, ctx, w.url, "ada@acme.test")
		click(t, ctx, "#nav-notifications")
		if loc := location(t, ctx, w.url); loc != "/notifications" {
			t.Fatalf("My notifications led to %s", loc)
		}
		preview := texts(t, ctx, "#preview-text")
		if len(preview) != 1 || !strings.Contains(preview[0], "Fire safety") || !strings.Contains(preview[0], "GDPR basics") {
			t.Fatalf("preview = %q", preview)
		}
		browser.Screenshot(t, ctx, "notifications")
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#receive-weekly_digest"))); err != nil {
			t.Fatalf("untick the weekly digest: %v", err)
		}
		click(t, ctx, "#prefs-save")
		if flash := texts(t, ctx, "#flash"); len(flash) != 1 {
			t.Errorf("flash = %q", flash)
		}
		prefs, err := w.env.App.NotificationPreferences(bg, sys, w.ada.ID)
		if err != nil || prefs[0].Receive {
			t.Errorf("after unticking, preferences = %+v, %v", prefs, err)
		}
	})
}
