package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"reportline/internal/testapp"
	"reportline/store"
)

func TestAuthZENDiscovery(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newAccessWorld(t, engine)
		status, header, body := w.call(t, "", "GET", "/.well-known/authzen-configuration", "")
		if status != http.StatusOK || !strings.HasPrefix(header.Get("Content-Type"), "application/json") {
			t.Fatalf("metadata = %d %s", status, header.Get("Content-Type"))
		}
		for key, path := range map[string]string{
			"policy_decision_point":       "",
			"access_evaluation_endpoint":  "/access/v1/evaluation",
			"access_evaluations_endpoint": "/access/v1/evaluations",
			"search_subject_endpoint":     "/access/v1/search/subject",
			"search_resource_endpoint":    "/access/v1/search/resource",
			"search_action_endpoint":      "/access/v1/search/action",
		} {
			if body[key] != w.url+path {
				t.Errorf("%s = %v, want %s", key, body[key], w.url+path)
			}
		}
	})
}

// evaluation builds an evaluation body about users by their AuthZEN id.
func evaluation(subject, action, resource string, extra ...string) string {
	s := fmt.Sprintf(`{"subject": {"type": "user", "id": %q}, "action": {"name": %q}, "resource": {"type": "user", "id": %q}`, subject, action, resource)
	for _, e := range extra {
		s += ", " + e
	}
	return s + "}"
}

func TestAuthZENEvaluation(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newAccessWorld(t, engine)
		eval := func(body string, header ...string) (int, http.Header, map[string]any) {
			t.Helper()
			return w.call(t, w.paToken, "POST", "/access/v1/evaluation", body, header...)
		}

		status, header, body := eval(evaluation(id(w.mgr), "view_reports", id(w.x)), "X-Request-ID", "bfe9eb29-ab87")
		if status != http.StatusOK || body["decision"] != true {
			t.Fatalf("mgr → x = %d %v", status, body)
		}
		if got := header.Get("X-Request-ID"); got != "bfe9eb29-ab87" {
			t.Errorf("X-Request-ID = %q, want the caller's", got)
		}
		for path, want := range map[string]any{
			"context.id": "link", "context.grant.by": "link", "context.grant.manager": id(w.mgr), "context.grant.managee": id(w.x),
			"context.grant.kind": "line", "context.grant.source": "api",
		} {
			if got := get(body, path); got != want {
				t.Errorf("%s = %v, want %v", path, got, want)
			}
		}
		if get(body, "context.reason_admin.en") == nil || get(body, "context.reason_user.en") == nil {
			t.Errorf("no reasons: %v", body)
		}

		// A grand-manager: the chain; a stranger: refused with reasons.
		_, _, body = eval(evaluation(id(w.boss), "view_reports", id(w.x)))
		if body["decision"] != true || fmt.Sprint(get(body, "context.grant.chain")) != fmt.Sprint([]any{id(w.boss), id(w.mgr), id(w.x)}) {
			t.Errorf("boss → x = %v", body)
		}
		_, _, body = eval(evaluation(id(w.out), "view_reports", id(w.x)))
		if body["decision"] != false || get(body, "context.id") != "not_linked" ||
			!strings.Contains(fmt.Sprint(get(body, "context.reason_admin.en")), "out@example.com") ||
			strings.Contains(fmt.Sprint(get(body, "context.reason_user.en")), "@") {
			t.Errorf("out → x = %v", body)
		}

		// Other id forms, and the instant of context.time.
		_, _, body = eval(evaluation("uid:E-y", "manage_tasks", "x@example.com"))
		if body["decision"] != true || get(body, "context.grant.kind") != "functional" {
			t.Errorf("by uid and email = %v", body)
		}
		if _, _, body = eval(evaluation("email:Y@Example.com", "manager_star", id(w.x))); body["decision"] != false || get(body, "context.id") != "kind_not_granted" {
			t.Errorf("functional star = %v", body)
		}
		if _, _, body = eval(evaluation("nobody@example.com", "view_reports", id(w.x))); body["decision"] != false || get(body, "context.id") != "unknown_subject" {
			t.Errorf("unknown subject = %v", body)
		}
		if _, _, body = eval(evaluation(id(w.tmp), "manage_tasks", id(w.x))); body["decision"] != false {
			t.Errorf("tmp today = %v", body)
		}
		if _, _, body = eval(evaluation(id(w.tmp), "manage_tasks", id(w.x), `"context": {"time": "2026-11-26T10:00:00+01:00"}`)); body["decision"] != true {
			t.Errorf("tmp on day 3 = %v", body)
		}
		if _, _, body = eval(evaluation(id(w.tmp), "manage_tasks", id(w.x), `"context": {"time": "2026-12-24T10:00-07:00"}`)); body["decision"] != false {
			t.Errorf("tmp after the end = %v", body)
		}
	})
}

func TestAuthZENWhoMayAsk(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newAccessWorld(t, engine)
		body := evaluation(id(w.mgr), "view_reports", id(w.x))
		for _, tc := range []struct {
			name  string
			token string
			want  int
		}{
			{"no token", "", http.StatusUnauthorized},
			{"a wrong token", "rlt_not-a-token", http.StatusUnauthorized},
			{"a group admin's token", w.gaToken, http.StatusForbidden},
			{"a user's token", w.xToken, http.StatusForbidden},
			{"a platform admin's token", w.paToken, http.StatusOK},
		} {
			for _, path := range []string{"/access/v1/evaluation", "/access/v1/evaluations", "/access/v1/search/action"} {
				if status, _, out := w.call(t, tc.token, "POST", path, body); status != tc.want {
					t.Errorf("%s on %s = %d %v, want %d", tc.name, path, status, out, tc.want)
				}
			}
		}
		if status, _, _ := w.call(t, w.paToken, "POST", "/access/v1/nothing", body); status != http.StatusNotFound {
			t.Errorf("unknown operation = %d, want 404", status)
		}
	})
}

func TestAuthZENBadInput(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newAccessWorld(t, engine)
		x := id(w.x)
		for _, tc := range []struct {
			name, path, body string
			field, message   string // what error.field and error.message must hold
		}{
			{"malformed JSON", "/access/v1/evaluation", `{"subject": `, "", "malformed JSON"},
			{"not an object", "/access/v1/evaluation", `[1, 2]`, "", "must be"},
			{"no subject", "/access/v1/evaluation", `{"action": {"name": "view_reports"}, "resource": {"type": "user", "id": "1"}}`, "subject", "subject is required"},
			{"a group subject", "/access/v1/evaluation", evaluation(x, "view_reports", x)[:0] + `{"subject": {"type": "group", "id": "1"}, "action": {"name": "view_reports"}, "resource": {"type": "user", "id": "1"}}`, "subject.type", `must be "user"`},
			{"no subject id", "/access/v1/evaluation", `{"subject": {"type": "user"}, "action": {"name": "view_reports"}, "resource": {"type": "user", "id": "1"}}`, "subject.id", "subject.id is required"},
			{"a bad id", "/access/v1/evaluation", evaluation("abc", "view_reports", x), "subject.id", "must be a user's id"},
			{"an empty uid", "/access/v1/evaluation", evaluation("uid:", "view_reports", x), "subject.id", "must be a user's id"},
			{"no action", "/access/v1/evaluation", `{"subject": {"type": "user", "id": "1"}, "resource": {"type": "user", "id": "1"}}`, "action.name", "action.name is required"},
			{"an unknown action", "/access/v1/evaluation", evaluation(x, "can_read", x), "action.name", `unknown action "can_read"`},
			{"a bad time", "/access/v1/evaluation", evaluation(x, "view_reports", x, `"context": {"time": "yesterday"}`), "context.time", "RFC 3339"},
			{"a time that is a number", "/access/v1/evaluation", evaluation(x, "view_reports", x, `"context": {"time": 12}`), "context.time", "RFC 3339"},
			{"an unknown field", "/access/v1/evaluation", evaluation(x, "view_reports", x, `"subjet": {}`), "subjet", "unknown field"},
			{"a bad semantic", "/access/v1/evaluations", `{"evaluations": [{}], "options": {"evaluations_semantic": "first"}}`, "options.evaluations_semantic", "execute_all"},
			{"too many evaluations", "/access/v1/evaluations", `{"evaluations": [` + strings.Repeat(`{},`, 1000) + `{}]}`, "evaluations", "at most 1000"},
			{"evaluations without anything", "/access/v1/evaluations", `{}`, "subject", "subject is required"},
			{"a search without the resource", "/access/v1/search/subject", `{"subject": {"type": "user"}, "action": {"name": "view_reports"}}`, "resource", "resource is required"},
			{"a search with a bad token", "/access/v1/search/subject", `{"subject": {"type": "user"}, "action": {"name": "view_reports"}, "resource": {"type": "user", "id": "` + x + `"}, "page": {"token": "nope"}}`, "page.token", "not a token"},
			{"a search with a negative limit", "/access/v1/search/resource", `{"subject": {"type": "user", "id": "` + x + `"}, "action": {"name": "view_reports"}, "resource": {"type": "user"}, "page": {"limit": -1}}`, "page.limit", "negative"},
			{"a search of groups", "/access/v1/search/resource", `{"subject": {"type": "user", "id": "` + x + `"}, "action": {"name": "view_reports"}, "resource": {"type": "group"}}`, "resource.type", `must be "user"`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				status, _, body := w.call(t, w.paToken, "POST", tc.path, tc.body)
				if status != http.StatusBadRequest {
					t.Fatalf("status %d, want 400: %v", status, body)
				}
				if got := fmt.Sprint(get(body, "error.field")); tc.field != "" && got != tc.field {
					t.Errorf("error.field = %q, want %q (%v)", got, tc.field, body)
				}
				if msg := fmt.Sprint(get(body, "error.message")); !strings.Contains(msg, tc.message) {
					t.Errorf("error.message = %q, want it to say %q", msg, tc.message)
				}
			})
		}
	})
}

func TestAuthZENEvaluations(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newAccessWorld(t, engine)
		decisions := func(body map[string]any) []any {
			var out []any
			for _, e := range body["evaluations"].([]any) {
				out = append(out, get(e, "decision"))
			}
			return out
		}
		batch := func(semantic string) string {
			opts := ""
			if semantic != "" {
				opts = fmt.Sprintf(`"options": {"evaluations_semantic": %q},`, semantic)
			}
			// Defaults: the subject and the action; the third overrides the
			// action, the fourth the subject.
			return fmt.Sprintf(`{"subject": {"type": "user", "id": %q}, "action": {"name": "view_reports"}, %s
				"evaluations": [
					{"resource": {"type": "user", "id": %q}},
					{"resource": {"type": "user", "id": %q}},
					{"action": {"name": "manage_tasks"}, "resource": {"type": "user", "id": %q}},
					{"subject": {"type": "user", "id": %q}, "resource": {"type": "user", "id": %q}}
				]}`, id(w.mgr), opts, id(w.x), id(w.out), id(w.x), id(w.out), id(w.x))
		}
		for _, tc := range []struct {
			semantic string
			want     []any
		}{
			{"", []any{true, false, true, false}},
			{"execute_all", []any{true, false, true, false}},
			{"deny_on_first_deny", []any{true, false}},
			{"permit_on_first_permit", []any{true}},
		} {
			status, _, body := w.call(t, w.paToken, "POST", "/access/v1/evaluations", batch(tc.semantic))
			if status != http.StatusOK {
				t.Fatalf("%q: %d %v", tc.semantic, status, body)
			}
			if got := decisions(body); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("%q: decisions %v, want %v", tc.semantic, got, tc.want)
			}
		}
		// The context default applies where an evaluation has none.
		_, _, body := w.call(t, w.paToken, "POST", "/access/v1/evaluations", fmt.Sprintf(`{"subject": {"type": "user", "id": %q},
			"action": {"name": "manage_tasks"}, "context": {"time": "2026-11-26T00:00:00Z"},
			"evaluations": [{"resource": {"type": "user", "id": %q}}, {"resource": {"type": "user", "id": %q}, "context": {}}]}`, id(w.tmp), id(w.x), id(w.x)))
		if got := decisions(body); fmt.Sprint(got) != "[true false]" {
			t.Errorf("context default: %v (%v)", got, body)
		}
		// A malformed evaluation is refused alone, with its error.
		_, _, body = w.call(t, w.paToken, "POST", "/access/v1/evaluations", fmt.Sprintf(`{"action": {"name": "view_reports"},
			"evaluations": [{"subject": {"type": "user", "id": %q}, "resource": {"type": "user", "id": %q}},
			                {"subject": {"type": "team", "id": "1"}, "resource": {"type": "user", "id": %q}}]}`, id(w.mgr), id(w.x), id(w.x)))
		if got := decisions(body); fmt.Sprint(got) != "[true false]" || get(body, "evaluations.1.context.error.status") != float64(400) ||
			!strings.Contains(fmt.Sprint(get(body, "evaluations.1.context.error.message")), "evaluations[1].subject.type") {
			t.Errorf("per-evaluation error: %v", body)
		}
		// Without evaluations the request is one evaluation.
		_, _, body = w.call(t, w.paToken, "POST", "/access/v1/evaluations", evaluation(id(w.mgr), "view_reports", id(w.x)))
		if body["decision"] != true || body["evaluations"] != nil {
			t.Errorf("no evaluations: %v", body)
		}
	})
}

func TestAuthZENSearches(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newAccessWorld(t, engine)
		// search reads every page, limit at a time, through next_token.
		search := func(path, body string, limit int) ([]string, float64) {
			t.Helper()
			var ids []string
			var total float64
			token := ""
			for pages := 0; ; pages++ {
				page := fmt.Sprintf(`"page": {"limit": %d, "token": %q}`, limit, token)
				status, _, out := w.call(t, w.paToken, "POST", path, strings.TrimSuffix(body, "}")+", "+page+"}")
				if status != http.StatusOK || pages > 20 {
					t.Fatalf("%s: %d %v", path, status, out)
				}
				results := out["results"].([]any)
				if len(results) > limit || get(out, "page.count") != float64(len(results)) {
					t.Fatalf("page of %d results, limit %d, count %v", len(results), limit, get(out, "page.count"))
				}
				for _, r := range results {
					if get(r, "type") != "user" || get(r, "properties.grant") == nil {
						t.Errorf("result %v", r)
					}
					ids = append(ids, fmt.Sprint(get(r, "id")))
				}
				total = get(out, "page.total").(float64)
				next, ok := get(out, "page.next_token").(string)
				if !ok {
					t.Fatalf("no page.next_token: %v", out)
				}
				if next == "" {
					return ids, total
				}
				token = next
			}
		}
		names := map[string]string{}
		for _, u := range []struct {
			name string
			id   string
		}{{"pa", id(w.pa)}, {"ga", id(w.ga)}, {"boss", id(w.boss)}, {"mgr", id(w.mgr)}, {"x", id(w.x)}, {"y", id(w.y)}, {"tmp", id(w.tmp)},
			{"orph", id(w.orph)}, {"old", id(w.old)}, {"out", id(w.out)}} {
			names[u.id] = u.name
		}
		named := func(ids []string) string {
			var out []string
			for _, i := range ids {
				out = append(out, names[i])
			}
			slices.Sort(out)
			return strings.Join(out, " ")
		}

		who := fmt.Sprintf(`{"subject": {"type": "user"}, "action": {"name": "view_reports"}, "resource": {"type": "user", "id": %q}}`, id(w.x))
		ids, total := search("/access/v1/search/subject", who, 2)
		if got := named(ids); got != "boss ga mgr pa x y" || total != 6 {
			t.Errorf("who may view x's reports = %s (total %v)", got, total)
		}
		who = fmt.Sprintf(`{"subject": {"type": "user"}, "action": {"name": "manage_tasks"}, "resource": {"type": "user", "id": %q}, "context": {"time": "2026-11-26T00:00:00Z"}}`, id(w.x))
		if ids, _ := search("/access/v1/search/subject", who, 10); named(ids) != "mgr tmp y" {
			t.Errorf("who may manage x's tasks on day 3 = %s", named(ids))
		}
		whom := fmt.Sprintf(`{"subject": {"type": "user", "id": %q}, "action": {"name": "view_reports"}, "resource": {"type": "user"}}`, id(w.boss))
		if ids, _ := search("/access/v1/search/resource", whom, 1); named(ids) != "boss mgr x" {
			t.Errorf("whose reports boss may view = %s", named(ids))
		}
		whom = fmt.Sprintf(`{"subject": {"type": "user", "id": %q}, "action": {"name": "contacts"}, "resource": {"type": "user"}}`, id(w.pa))
		if ids, total := search("/access/v1/search/resource", whom, 3); len(ids) != 10 || total != 10 {
			t.Errorf("a platform admin's contacts reach %d users (total %v), want all 10", len(ids), total)
		}
		whom = fmt.Sprintf(`{"subject": {"type": "user", "id": %q}, "action": {"name": "view_reports"}, "resource": {"type": "user"}}`, id(w.ga))
		reach, _ := search("/access/v1/search/resource", whom, 4)
		if named(reach) != "boss ga mgr old orph tmp x y" {
			t.Errorf("whose reports the group admin may view = %s", named(reach))
		}
		// Every result of a search evaluates to true.
		for _, i := range reach {
			_, _, out := w.call(t, w.paToken, "POST", "/access/v1/evaluation", evaluation(id(w.ga), "view_reports", i))
			if out["decision"] != true {
				t.Errorf("search result %s evaluates to %v", names[i], out)
			}
		}

		status, _, out := w.call(t, w.paToken, "POST", "/access/v1/search/action",
			fmt.Sprintf(`{"subject": {"type": "user", "id": %q}, "resource": {"type": "user", "id": %q}}`, id(w.x), id(w.mgr)))
		if status != http.StatusOK || fmt.Sprint(out["results"]) != "[map[name:see_mbo_goals]]" || get(out, "page.next_token") != "" {
			t.Errorf("what x may do about mgr = %d %v", status, out)
		}
		_, _, out = w.call(t, w.paToken, "POST", "/access/v1/search/action",
			fmt.Sprintf(`{"subject": {"type": "user", "id": %q}, "resource": {"type": "user", "id": %q}}`, id(w.y), id(w.x)))
		if n := len(out["results"].([]any)); n != 7 {
			t.Errorf("a functional manager may do %d things, want 7: %v", n, out)
		}
	})
}
