package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"reportline/internal/testapp"
	"reportline/store"
)

// ?as_of= answers from the link history: before and after a removal and an
// addition made through the API itself; without it, today's links; a bad
// date is a 400 naming the field; a date gives no right the caller lacks.
func TestLinksAndTeamAsOf(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newFixture(t, engine) // a manages b since 2026-11-23 09:00
		f.env.Now.Advance(24 * time.Hour)
		if code, body := f.do(t, f.paToken, "DELETE", fmt.Sprintf("/api/v1/users/%d/managers/%d", f.b.ID, f.a.ID), ""); code != http.StatusNoContent {
			t.Fatalf("remove: %d %v", code, body)
		}
		if code, body := f.do(t, f.paToken, "POST", fmt.Sprintf("/api/v1/users/%d/managers", f.b.ID), `{"emails":["c@example.com"]}`); code != http.StatusOK {
			t.Fatalf("add: %d %v", code, body)
		}
		emails := func(body map[string]any, list, key string) string {
			var out []string
			items, _ := body[list].([]any)
			for _, it := range items {
				u, _ := it.(map[string]any)[key].(map[string]any)
				out = append(out, fmt.Sprint(u["email"]))
			}
			return strings.Join(out, " ")
		}
		for _, tc := range []struct{ query, want string }{
			{"?as_of=2026-11-22", ""},
			{"?as_of=2026-11-23", "a@example.com"},
			{"?as_of=2026-11-23T09:30:00Z", "a@example.com"},
			{"?as_of=2026-11-24", "c@example.com"},
			{"", "c@example.com"},
		} {
			code, body := f.do(t, f.gaToken, "GET", fmt.Sprintf("/api/v1/users/%d/managers%s", f.b.ID, tc.query), "")
			if code != http.StatusOK || emails(body, "links", "user") != tc.want {
				t.Errorf("b's managers%s = %d %q, want %q", tc.query, code, emails(body, "links", "user"), tc.want)
			}
		}
		for _, tc := range []struct{ who, query, want string }{
			{"a", "?as_of=2026-11-23", "b@example.com"},
			{"a", "?as_of=2026-11-24", ""},
			{"c", "?as_of=2026-11-24&scope=all", "b@example.com"},
			{"c", "", "b@example.com"},
		} {
			id := f.a.ID
			if tc.who == "c" {
				id = f.c.ID
			}
			code, body := f.do(t, f.gaToken, "GET", fmt.Sprintf("/api/v1/users/%d/team%s", id, tc.query), "")
			if code != http.StatusOK || emails(body, "members", "user") != tc.want {
				t.Errorf("%s's team%s = %d %q (%v), want %q", tc.who, tc.query, code, emails(body, "members", "user"), body, tc.want)
			}
		}
		code, body := f.do(t, f.gaToken, "GET", fmt.Sprintf("/api/v1/users/%d/managers?as_of=30/06/2026", f.b.ID), "")
		if code != http.StatusUnprocessableEntity || errField(body, "field") != "as_of" {
			t.Errorf("a bad date: %d %v, want 422 naming as_of", code, body)
		}
		for _, path := range []string{"/api/v1/users/%d/managers?as_of=2026-11-23", "/api/v1/users/%d/team?as_of=2026-11-23"} {
			code, body := f.do(t, f.gaToken, "GET", fmt.Sprintf(path, f.outsider.ID), "")
			if code != http.StatusForbidden || strings.Contains(fmt.Sprint(body), "out@example.com") {
				t.Errorf("the outsider's %s as the group admin: %d %v, want 403 naming nobody", path, code, body)
			}
		}
	})
}
