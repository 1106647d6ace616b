package ui_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// The org chart says when it is drawn before the history's start (links
// the audit log never recorded start at migration 0020), and not after; a
// bad date is refused naming the field; the chart of somebody the viewer
// may not see is refused whatever the date, naming nobody.
func TestOrgChartPage(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine) // frank → gina (Finance); ada administers Sales
		ctx := context.Background()
		// A link the audit never recorded, as migration 0020 leaves it.
		now := w.env.Now.Now().UnixMicro()
		q := fmt.Sprintf(`INSERT INTO link_history (tenant_id, manager_id, managee_id, kind, source, effective_from, recorded_at, origin)
			VALUES (1, %d, %d, 'line', 'csv', %d, %d, 'migration')`, w.alice.ID, w.bob.ID, now, now)
		if err := w.env.DB.Write(ctx, func(tx *store.Tx) error { return tx.ExecRaw(ctx, q) }); err != nil {
			t.Fatal(err)
		}
		c := newClient(t, w.url)
		c.login("ada@acme.test")
		path := fmt.Sprintf("/users/%d/orgchart", w.bob.ID)
		r := c.get(path + "?as_of=2026-01-01")
		if r.Status != http.StatusOK {
			t.Fatalf("bob's chart as of January: %d", r.Status)
		}
		has(t, r.Body, `id="partial"`, "The link history starts on 23 Nov 2026", `value="2026-01-01"`, "No manager on this date.")
		r = c.get(path)
		has(t, r.Body, "Alice Martin", "Managers above, direct reports below, as they are today.")
		hasNot(t, r.Body, `id="partial"`)
		// The expand and refocus links keep the date.
		r = c.get(fmt.Sprintf("/users/%d/orgchart?as_of=2026-12-31", w.alice.ID))
		has(t, r.Body, fmt.Sprintf(`href="/users/%d/orgchart?as_of=2026-12-31"`, w.bob.ID))

		r = c.get(path + "?as_of=31/12/2026")
		if r.Status != http.StatusUnprocessableEntity {
			t.Errorf("a bad date: %d, want 422", r.Status)
		}
		has(t, r.Body, "as_of must be a date")
		r = c.get(fmt.Sprintf("/users/%d/orgchart?as_of=2026-11-23", w.gina.ID))
		if r.Status != http.StatusForbidden {
			t.Errorf("gina's chart as ada: %d, want 403", r.Status)
		}
		hasNot(t, r.Body, "Gina", "Roux", "Frank", "Petit")
	})
}

// Comparing two dates marks who is new, whose link changed and who is gone
// since the other date (drawn too, crossed out).
func TestOrgChartCompare(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		teamSetup(t, w) // alice → bob (line), alice → carol (functional), bob → erin; 2026-11-23
		ctx := context.Background()
		sys := app.SystemActor(reportline.SourceAPI)
		w.env.Now.Advance(48 * time.Hour)
		if err := w.env.App.RemoveLink(ctx, sys, reportline.Pair{ManagerID: w.alice.ID, ManageeID: w.carol.ID}); err != nil {
			t.Fatal(err)
		}
		for _, req := range []app.LinkRequest{
			{User: w.erin.ID, Direction: reportline.Managers, IDs: []reportline.UserID{w.alice.ID}, Kind: reportline.Functional},
			{User: w.bob.ID, Direction: reportline.Managers, IDs: []reportline.UserID{w.alice.ID}, Kind: reportline.Functional},
		} {
			if _, err := w.env.App.AddLinks(ctx, sys, req); err != nil {
				t.Fatal(err)
			}
		}
		c := newClient(t, w.url)
		c.login("alice@acme.test")
		r := c.get(fmt.Sprintf("/users/%d/orgchart?compare=2026-11-23", w.alice.ID))
		if r.Status != http.StatusOK {
			t.Fatalf("compare: %d", r.Status)
		}
		has(t, r.Body, `id="compare-note"`, "3 changes since 23 Nov 2026", `value="2026-11-23"`)
		cards := regexp.MustCompile(`<g class="oc-card ([^"]*)" id="oc-card-\d+">\s*<title>([^<]*?)(?: · |</title>)`).FindAllStringSubmatch(r.Body, -1)
		got := map[string]string{}
		for _, m := range cards {
			if c := regexp.MustCompile(`oc-change-(\w+)`).FindStringSubmatch(m[1]); c != nil {
				got[m[2]] = c[1]
			} else {
				got[m[2]] = ""
			}
		}
		for name, want := range map[string]string{"Bob Bernard": "changed", "Erin Laurent": "added", "Carol Dubois": "removed"} {
			if got[name] != want {
				t.Errorf("%s is marked %q, want %q (cards %v)", name, got[name], want, got)
			}
		}
		r = c.get(fmt.Sprintf("/users/%d/orgchart?compare=soon", w.alice.ID))
		if r.Status != http.StatusUnprocessableEntity {
			t.Errorf("a bad compare date: %d, want 422", r.Status)
		}
	})
}

// My team as of a date lists who was in the team then, from the link
// history: carol, removed since, is there on 23 November; nobody on the
// day before the links were made; a bad date is refused naming the field.
func TestTeamAsOfPage(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		teamSetup(t, w) // alice → bob (line), alice → carol (functional), bob → erin; 2026-11-23 09:00
		w.env.Now.Advance(48 * time.Hour)
		if err := w.env.App.RemoveLink(context.Background(), app.SystemActor(reportline.SourceAPI), reportline.Pair{ManagerID: w.alice.ID, ManageeID: w.carol.ID}); err != nil {
			t.Fatal(err)
		}
		c := newClient(t, w.url)
		c.login("alice@acme.test")
		r := c.get("/team?as_of=2026-11-23")
		if r.Status != http.StatusOK {
			t.Fatalf("My team as of 23 November: %d", r.Status)
		}
		has(t, r.Body, `id="team-asof"`, "Bob Bernard", "Carol Dubois", `value="2026-11-23"`)
		hasNot(t, r.Body, "Erin Laurent")
		r = c.get("/team?scope=all&as_of=2026-11-23")
		has(t, r.Body, "Erin Laurent", "Carol Dubois")
		r = c.get("/team?as_of=2026-11-22")
		has(t, r.Body, `id="team-empty"`)
		hasNot(t, r.Body, "Bob Bernard")
		r = c.get("/team")
		has(t, r.Body, `id="team-asof-form"`)
		if r := c.get("/team?as_of=yesterday"); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("a bad date: %d, want 422", r.Status)
		}
	})
}
