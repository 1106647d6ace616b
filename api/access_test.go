package api_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"reportline"
	"reportline/api"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// accessWorld is served with the JSON API and the AuthZEN decision point:
//
//	Team (ga admin):  boss → mgr → x (line), y → x (functional),
//	                  tmp → x (line, from day 1 to day 10), orph ← old (inactive)
//	Other:            out
//
// pa is a platform admin. Tokens: pa, ga, x.
type accessWorld struct {
	env                               *testapp.Env
	url                               string
	pa, ga, boss, mgr, x, y, tmp, out reportline.User
	orph, old                         reportline.User
	paToken, gaToken, xToken          string
	team, other                       reportline.Group
}

func newAccessWorld(t *testing.T, engine store.Engine) *accessWorld {
	t.Helper()
	ctx := context.Background()
	env := testapp.New(t, engine)
	w := &accessWorld{env: env}
	w.url = env.Serve(t, api.New(env.App, env.Logger()), api.NewAuthZEN(env.App, env.Logger()))
	a := env.App
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var err error
	w.team, err = a.CreateGroup(ctx, sys, "Team", 0)
	must(err)
	w.other, err = a.CreateGroup(ctx, sys, "Other", 0)
	must(err)
	w.pa, err = a.CreatePlatformAdmin(ctx, "pa@example.com", "a long password")
	must(err)
	user := func(name string, g reportline.Group) reportline.User {
		u, err := a.CreateUser(ctx, sys, app.UserInput{Email: name + "@example.com", FirstName: name, ExternalUID: "E-" + name, GroupID: g.ID})
		must(err)
		return u
	}
	w.ga, w.boss, w.mgr, w.x, w.y, w.tmp = user("ga", w.team), user("boss", w.team), user("mgr", w.team), user("x", w.team), user("y", w.team), user("tmp", w.team)
	w.orph, w.old, w.out = user("orph", w.team), user("old", w.team), user("out", w.other)
	must(a.SetMember(ctx, sys, reportline.Membership{GroupID: w.team.ID, UserID: w.ga.ID, Role: reportline.AdminRole}))
	link := func(m, e reportline.User, kind reportline.Kind, days ...int) {
		t.Helper()
		req := app.LinkRequest{User: e.ID, Direction: reportline.Managers, Kind: kind, IDs: []reportline.UserID{m.ID}}
		if len(days) == 2 {
			now := env.Now.Now()
			req.ValidFrom, req.ValidUntil = now.AddDate(0, 0, days[0]), now.AddDate(0, 0, days[1])
		}
		_, err := a.AddLinks(ctx, sys, req)
		must(err)
	}
	link(w.boss, w.mgr, reportline.Line)
	link(w.mgr, w.x, reportline.Line)
	link(w.y, w.x, reportline.Functional)
	link(w.tmp, w.x, reportline.Line, 1, 10)
	link(w.old, w.orph, reportline.Line)
	off := reportline.StatusInactive
	_, err = a.UpdateUser(ctx, sys, w.old.ID, app.UserPatch{Status: &off})
	must(err)
	for _, tk := range []struct {
		dst   *string
		email string
	}{{&w.paToken, "pa@example.com"}, {&w.gaToken, "ga@example.com"}, {&w.xToken, "x@example.com"}} {
		*tk.dst, err = a.CreateToken(ctx, sys, tk.email, "test")
		must(err)
	}
	return w
}

// call sends a request and decodes the JSON answer.
func (w *accessWorld) call(t *testing.T, token, method, path, body string, header ...string) (int, http.Header, map[string]any) {
	t.Helper()
	status, h, raw := send(t, w.url, token, method, path, body, header...)
	return status, h, decodeObject(t, method, path, raw)
}

func id(u reportline.User) string { return fmt.Sprint(u.ID) }

// get reads a path out of decoded JSON: "context.grant.kind", "results.0.id".
func get(v any, path string) any {
	for _, k := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[k]
		case []any:
			var i int
			fmt.Sscan(k, &i)
			if i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

func TestCapabilitiesAPI(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newAccessWorld(t, engine)
		if status, _, body := w.call(t, w.xToken, "GET", "/api/v1/capabilities", ""); status != http.StatusForbidden {
			t.Errorf("a member reads the matrix, a setting: %d %v, want 403", status, body)
		}
		status, _, body := w.call(t, w.paToken, "GET", "/api/v1/capabilities", "")
		if status != http.StatusOK || get(body, "line.manager_star") != true || get(body, "functional.manager_star") != false {
			t.Fatalf("GET capabilities = %d %v", status, body)
		}
		caps, _ := body["capabilities"].([]any)
		if len(caps) != len(reportline.Capabilities) || get(body, "capabilities.5.holder") != "managee" || get(body, "capabilities.2.transitive") != true {
			t.Errorf("capabilities = %v", caps)
		}
		put := `{"functional": {"view_reports": false}}`
		if status, _, body := w.call(t, w.gaToken, "PUT", "/api/v1/capabilities", put); status != http.StatusForbidden {
			t.Errorf("group admin PUT = %d %v, want 403", status, body)
		}
		status, _, body = w.call(t, w.paToken, "PUT", "/api/v1/capabilities", put)
		if status != http.StatusOK || get(body, "functional.view_reports") != false || get(body, "functional.birthdays") != true {
			t.Fatalf("PUT = %d %v", status, body)
		}
		path := fmt.Sprintf("/api/v1/access/check?subject=%d&capability=view_reports&resource=%d", w.y.ID, w.x.ID)
		if _, _, body := w.call(t, w.paToken, "GET", path, ""); body["allowed"] != false || body["code"] != app.RefusedKind {
			t.Errorf("after the change, y's check = %v", body)
		}
		status, _, body = w.call(t, w.paToken, "PUT", "/api/v1/capabilities", `{"line": {"fly": true}}`)
		if status != http.StatusUnprocessableEntity || !strings.Contains(fmt.Sprint(get(body, "error.message")), `"fly"`) {
			t.Errorf("unknown capability = %d %v", status, body)
		}
	})
}

func TestAccessCheckAPI(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newAccessWorld(t, engine)
		check := func(token string, s reportline.User, c string, r reportline.User, extra string) (int, map[string]any) {
			status, _, body := w.call(t, token, "GET", fmt.Sprintf("/api/v1/access/check?subject=%d&capability=%s&resource=%d%s", s.ID, c, r.ID, extra), "")
			return status, body
		}
		status, body := check(w.paToken, w.mgr, "view_reports", w.x, "")
		if status != http.StatusOK || body["allowed"] != true || get(body, "grant.by") != "link" ||
			get(body, "grant.link.manager_id") != float64(w.mgr.ID) || get(body, "grant.link.kind") != "line" || get(body, "grant.link.source") != "api" {
			t.Errorf("mgr → x = %d %v", status, body)
		}
		if _, body := check(w.paToken, w.boss, "view_reports", w.x, ""); body["allowed"] != true || fmt.Sprint(get(body, "grant.chain")) != fmt.Sprint([]any{float64(w.boss.ID), float64(w.mgr.ID), float64(w.x.ID)}) {
			t.Errorf("boss → x = %v", body)
		}
		if _, body := check(w.paToken, w.tmp, "manage_tasks", w.x, ""); body["allowed"] != false || body["code"] != app.RefusedNotInEffect || body["reason"] == "" {
			t.Errorf("tmp today = %v", body)
		}
		if _, body := check(w.paToken, w.tmp, "manage_tasks", w.x, "&at=2026-11-26"); body["allowed"] != true {
			t.Errorf("tmp on day 3 = %v", body)
		}
		if status, body := check(w.xToken, w.x, "see_mbo_goals", w.mgr, ""); status != http.StatusOK || body["allowed"] != true {
			t.Errorf("x asking about themself = %d %v", status, body)
		}
		if status, body := check(w.xToken, w.mgr, "view_reports", w.x, ""); status != http.StatusForbidden {
			t.Errorf("x asking about mgr = %d %v, want 403", status, body)
		}
		if status, body := check(w.paToken, w.mgr, "fly", w.x, ""); status != http.StatusUnprocessableEntity || get(body, "error.field") != "capability" {
			t.Errorf("unknown capability = %d %v", status, body)
		}
		if status, _, body := w.call(t, w.paToken, "GET", "/api/v1/access/check?capability=view_reports", ""); status != http.StatusUnprocessableEntity || get(body, "error.field") != "subject" {
			t.Errorf("no subject = %d %v", status, body)
		}
	})
}

func TestContactsAPI(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newAccessWorld(t, engine)
		path := fmt.Sprintf("/api/v1/users/%d/contacts", w.x.ID)
		status, _, body := w.call(t, w.xToken, "GET", path, "")
		if status != http.StatusOK {
			t.Fatalf("own contacts = %d %v", status, body)
		}
		var got []string
		for _, m := range body["managers"].([]any) {
			got = append(got, fmt.Sprint(get(m, "user.email"), " ", get(m, "kind"), " ", get(m, "source")))
		}
		if want := []string{"mgr@example.com line api", "y@example.com functional api"}; !slices.Equal(got, want) {
			t.Errorf("x's contacts = %q, want %q", got, want)
		}
		for _, tc := range []struct {
			token string
			want  int
		}{{w.gaToken, http.StatusOK}, {w.paToken, http.StatusOK}, {"", http.StatusUnauthorized}} {
			if status, _, body := w.call(t, tc.token, "GET", path, ""); status != tc.want {
				t.Errorf("contacts = %d %v, want %d", status, body, tc.want)
			}
		}
		if status, _, body := w.call(t, w.xToken, "GET", fmt.Sprintf("/api/v1/users/%d/contacts", w.out.ID), ""); status != http.StatusForbidden || get(body, "error.message") == "" {
			t.Errorf("someone else's contacts = %d %v, want 403 with a reason", status, body)
		}
	})
}

func TestOrphansAPI(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newAccessWorld(t, engine)
		status, _, body := w.call(t, w.gaToken, "GET", "/api/v1/reports/orphans", "")
		if status != http.StatusOK {
			t.Fatalf("orphans = %d %v", status, body)
		}
		if get(body, "orphans.0.user.email") != "orph@example.com" || get(body, "orphans.0.reason") != "inactive" ||
			get(body, "orphans.0.links.0.problem") != "manager_inactive" || get(body, "orphans.0.links.0.link.user.email") != "old@example.com" ||
			get(body, "orphans.1") != nil {
			t.Errorf("orphans = %v", body)
		}
		if status, _, _ := w.call(t, w.paToken, "GET", fmt.Sprintf("/api/v1/reports/orphans?group_id=%d", w.other.ID), ""); status != http.StatusOK {
			t.Errorf("platform admin, other group = %d", status)
		}
		if status, _, _ := w.call(t, w.gaToken, "GET", fmt.Sprintf("/api/v1/reports/orphans?group_id=%d", w.other.ID), ""); status != http.StatusForbidden {
			t.Errorf("group admin, a group out of scope = %d, want 403", status)
		}
		if status, _, _ := w.call(t, w.xToken, "GET", "/api/v1/reports/orphans", ""); status != http.StatusForbidden {
			t.Errorf("a plain user = %d, want 403", status)
		}
		if status, _, body := w.call(t, w.paToken, "GET", "/api/v1/reports/orphans?reason=lonely", ""); status != http.StatusUnprocessableEntity || get(body, "error.field") != "reason" {
			t.Errorf("unknown reason = %d %v", status, body)
		}
	})
}
