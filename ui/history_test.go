package ui_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

func TestHistoryPages(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		ctx := context.Background()
		ada := app.UserActor(w.ada, reportline.SourceUI)
		if _, err := w.env.App.AddLinks(ctx, ada, app.LinkRequest{User: w.alice.ID, Direction: reportline.Managers, IDs: []reportline.UserID{w.bob.ID}}); err != nil {
			t.Fatal(err)
		}
		// A name made to run in a spreadsheet.
		sys := app.SystemActor(reportline.SourceAPI)
		evil, err := w.env.App.CreateUser(ctx, sys, app.UserInput{Email: "evil@acme.test", FirstName: "=HYPERLINK(\"x\")", LastName: "Z", GroupID: w.sales.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.env.App.AddLinks(ctx, ada, app.LinkRequest{User: evil.ID, Direction: reportline.Managers, IDs: []reportline.UserID{w.bob.ID}}); err != nil {
			t.Fatal(err)
		}

		t.Run("platform admin reads everything, filters and exports", func(t *testing.T) {
			c := newClient(t, w.url)
			c.login("root@acme.test")
			has(t, c.get("/groups").Body, `id="nav-history"`)
			r := c.get("/history")
			if r.Status != http.StatusOK {
				t.Fatalf("status %d\n%s", r.Status, r.Body)
			}
			has(t, r.Body, "Bob Bernard added as line manager of Alice Martin", "Ada Lovelace", "via Web UI",
				"Frank Petit added as line manager of Gina Roux")
			// Newest first: the evil link came after Alice's.
			if i, j := strings.Index(r.Body, "of =HYPERLINK"), strings.Index(r.Body, "of Alice Martin"); i < 0 || j < 0 || i > j {
				t.Errorf("not newest first (%d, %d)", i, j)
			}
			r = c.get("/history?person=alice@acme.test")
			has(t, r.Body, "Bob Bernard added as line manager of Alice Martin")
			hasNot(t, r.Body, "of Gina Roux")
			r = c.get("/history?actor=ada@acme.test")
			has(t, r.Body, "of Alice Martin")
			hasNot(t, r.Body, "of Gina Roux") // the system made it
			r = c.get("/history?source=csv")
			hasNot(t, r.Body, "of Alice Martin")
			r = c.get("/history?from=2999-01-01")
			has(t, r.Body, "No event matches")
			if r := c.get("/history?from=yesterday"); r.Status != http.StatusBadRequest && r.Status != http.StatusUnprocessableEntity {
				t.Errorf("a malformed date: %d", r.Status)
			}
			r = c.get("/history.csv?actor=ada@acme.test")
			if r.Status != http.StatusOK {
				t.Fatalf("csv: %d %s", r.Status, r.Body)
			}
			recs, err := csv.NewReader(strings.NewReader(r.Body)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 3 || recs[0][1] != "actor" {
				t.Fatalf("csv: %q", recs)
			}
			for _, rec := range recs[1:] {
				for _, cell := range rec {
					if strings.HasPrefix(cell, "=") {
						t.Errorf("a cell starts a formula: %q", cell)
					}
				}
			}
			if !strings.Contains(r.Body, "Bob Bernard added as line manager of Alice Martin") {
				t.Errorf("csv lacks Alice's link:\n%s", r.Body)
			}
		})

		t.Run("group admin reads about one person they administrate", func(t *testing.T) {
			c := newClient(t, w.url)
			c.login("ada@acme.test")
			r := c.get("/history")
			if r.Status != http.StatusOK {
				t.Fatalf("status %d", r.Status)
			}
			has(t, r.Body, "Enter the email of a person you administrate")
			hasNot(t, r.Body, "of Alice Martin", "history.csv")
			r = c.get("/history?person=alice@acme.test")
			has(t, r.Body, "Bob Bernard added as line manager of Alice Martin")
			// Gina is in Finance: not Ada's to read.
			if r := c.get("/history?person=gina@acme.test"); r.Status == http.StatusOK || strings.Contains(r.Body, "of Gina Roux") {
				t.Errorf("Gina's history for a Sales admin: %d", r.Status)
			}
			if r := c.get("/history.csv"); r.Status != http.StatusForbidden {
				t.Errorf("the whole history as CSV for a group admin: %d", r.Status)
			}
			// The profile's timeline.
			r = c.get(fmt.Sprintf("/users/%d", w.alice.ID))
			has(t, r.Body, `id="timeline"`, "Bob Bernard added as line manager of Alice Martin", "Ada Lovelace",
				`href="/history?person=`+url.QueryEscape("alice@acme.test")+`"`)
		})

		t.Run("a member reads no history, and the profile shows no timeline", func(t *testing.T) {
			if err := w.env.App.SetPassword(ctx, sys, w.alice.ID, password); err != nil {
				t.Fatal(err)
			}
			c := newClient(t, w.url)
			c.login("alice@acme.test")
			if r := c.get("/history?person=alice@acme.test"); r.Status != http.StatusForbidden {
				t.Errorf("/history for a member: %d", r.Status)
			}
			r := c.get(fmt.Sprintf("/users/%d", w.alice.ID))
			if r.Status != http.StatusOK {
				t.Fatalf("own profile: %d", r.Status)
			}
			hasNot(t, r.Body, `id="timeline"`)
		})
	})
}
