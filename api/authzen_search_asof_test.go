package api_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// The three searches honour context.as_of as evaluations do: at every
// instant asked, a subject or resource search returns exactly the users an
// as-of evaluation allows, and an action search exactly the capabilities
// it allows; and those answers follow the link history — mgr's line link
// to x removed on day 2 and added again on day 4 (mgr, and boss through
// mgr, drop out in between), tmp's temporary link from day 1 to day 10
// (absent before, present during, absent after), and an instant after
// today (day 12, where tmp's link has ended), on both engines.
func TestAuthZENSearchAsOf(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newAccessWorld(t, engine) // boss → mgr → x, y → x (functional), tmp → x (day 1 to 10)
		ctx := context.Background()
		t0 := w.env.Now.Now()
		day := func(d int, h int) time.Time { return t0.AddDate(0, 0, d).Add(time.Duration(h) * time.Hour) }
		pair := reportline.Pair{ManagerID: w.mgr.ID, ManageeID: w.x.ID}
		w.env.Now.Set(day(2, 0))
		if err := w.env.App.RemoveLink(ctx, sys, pair); err != nil {
			t.Fatal(err)
		}
		w.env.Now.Set(day(4, 0))
		if _, err := w.env.App.AddLinks(ctx, sys, app.LinkRequest{User: w.x.ID, Direction: reportline.Managers, Kind: reportline.Line,
			IDs: []reportline.UserID{w.mgr.ID}}); err != nil {
			t.Fatal(err)
		}
		w.env.Now.Set(day(5, 0))

		everyone := []reportline.User{w.pa, w.ga, w.boss, w.mgr, w.x, w.y, w.tmp, w.orph, w.old, w.out}
		names := map[string]string{}
		for _, u := range everyone {
			names[id(u)] = strings.TrimSuffix(u.Email, "@example.com")
		}
		post := func(path, body string) map[string]any {
			t.Helper()
			status, _, out := w.call(t, w.paToken, "POST", path, body)
			if status != http.StatusOK {
				t.Fatalf("%s %s: %d %v", path, body, status, out)
			}
			return out
		}
		asOf := func(at time.Time) string {
			return fmt.Sprintf(`"context": {"as_of": %q}`, at.UTC().Format(time.RFC3339))
		}
		allowed := func(s reportline.User, c string, r reportline.User, at time.Time) bool {
			t.Helper()
			return post("/access/v1/evaluation", evaluation(id(s), c, id(r), asOf(at)))["decision"] == true
		}
		// search asks a subject or resource search about the known user
		// (the resource of a subject search, the subject of a resource one).
		search := func(path, c string, known string, at time.Time) string {
			t.Helper()
			subject, resource := `{"type": "user"}`, fmt.Sprintf(`{"type": "user", "id": %q}`, known)
			if strings.HasSuffix(path, "resource") {
				subject, resource = resource, subject
			}
			body := fmt.Sprintf(`{"subject": %s, "action": {"name": %q}, "resource": %s, %s, "page": {"limit": 500}}`, subject, c, resource, asOf(at))
			var got []string
			for _, r := range post(path, body)["results"].([]any) {
				got = append(got, names[fmt.Sprint(get(r, "id"))])
			}
			slices.Sort(got)
			return strings.Join(got, " ")
		}

		for _, tc := range []struct {
			name         string
			at           time.Time
			xsViewers    string // who may view_reports about x, as of then (x themself; y by a functional link)
			bossesReach  string // whom boss may view_reports about, as of then
			mgrOnXAction bool   // mgr holds view_reports about x
		}{
			{"day 0: before tmp's link", day(0, 1), "boss ga mgr pa x y", "boss mgr x", true},
			{"day 3: mgr's link removed, tmp's in effect", day(3, 0), "ga pa tmp x y", "boss mgr", false},
			{"day 4: mgr's link added again", day(4, 1), "boss ga mgr pa tmp x y", "boss mgr x", true},
			{"day 12, after today: tmp's link ended", day(12, 0), "boss ga mgr pa x y", "boss mgr x", true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				subjects := search("/access/v1/search/subject", "view_reports", id(w.x), tc.at)
				if subjects != tc.xsViewers {
					t.Errorf("who may view_reports about x = %q, want %q", subjects, tc.xsViewers)
				}
				resources := search("/access/v1/search/resource", "view_reports", id(w.boss), tc.at)
				if resources != tc.bossesReach {
					t.Errorf("whom boss may view_reports about = %q, want %q", resources, tc.bossesReach)
				}
				// Every search answer is what the evaluations say at the
				// same instant, for every user and capability.
				for _, c := range reportline.Capabilities {
					var subj, res []string
					for _, u := range everyone {
						if allowed(u, string(c), w.x, tc.at) {
							subj = append(subj, names[id(u)])
						}
						if allowed(w.boss, string(c), u, tc.at) {
							res = append(res, names[id(u)])
						}
					}
					slices.Sort(subj)
					slices.Sort(res)
					if got := search("/access/v1/search/subject", string(c), id(w.x), tc.at); got != strings.Join(subj, " ") {
						t.Errorf("%s: subject search about x = %q, evaluations allow %q", c, got, strings.Join(subj, " "))
					}
					if got := search("/access/v1/search/resource", string(c), id(w.boss), tc.at); got != strings.Join(res, " ") {
						t.Errorf("%s: resource search for boss = %q, evaluations allow %q", c, got, strings.Join(res, " "))
					}
				}
				var actions []string
				out := post("/access/v1/search/action", fmt.Sprintf(`{"subject": {"type": "user", "id": %q}, "resource": {"type": "user", "id": %q}, %s}`,
					id(w.mgr), id(w.x), asOf(tc.at)))
				for _, a := range out["results"].([]any) {
					actions = append(actions, fmt.Sprint(get(a, "name")))
				}
				var want []string
				for _, c := range reportline.Capabilities {
					if allowed(w.mgr, string(c), w.x, tc.at) {
						want = append(want, string(c))
					}
				}
				if strings.Join(actions, " ") != strings.Join(want, " ") {
					t.Errorf("actions of mgr about x = %v, evaluations allow %v", actions, want)
				}
				if got := slices.Contains(actions, "view_reports"); got != tc.mgrOnXAction {
					t.Errorf("mgr's actions about x hold view_reports = %v, want %v", got, tc.mgrOnXAction)
				}
			})
		}

		// Without as_of the searches read today's links: mgr is back.
		status, _, out := w.call(t, w.paToken, "POST", "/access/v1/search/subject",
			fmt.Sprintf(`{"subject": {"type": "user"}, "action": {"name": "view_reports"}, "resource": {"type": "user", "id": %q}}`, id(w.x)))
		if status != http.StatusOK || !strings.Contains(fmt.Sprint(out), `id:`+id(w.mgr)) {
			t.Errorf("today's subject search = %d %v, want mgr among them", status, out)
		}
		// A bad as_of, or as_of with time, is refused naming the field.
		for _, c := range []string{`"context": {"as_of": "31/12/2026"}`, fmt.Sprintf(`"context": {"as_of": "2026-01-01", "time": %q}`, t0.UTC().Format(time.RFC3339))} {
			status, _, out := w.call(t, w.paToken, "POST", "/access/v1/search/resource",
				fmt.Sprintf(`{"subject": {"type": "user", "id": %q}, "action": {"name": "view_reports"}, "resource": {"type": "user"}, %s}`, id(w.boss), c))
			if status != http.StatusBadRequest || fmt.Sprint(get(out, "error.field")) != "context.as_of" {
				t.Errorf("%s: %d %v, want 400 naming context.as_of", c, status, out)
			}
		}
	})
}
