package api_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"reportline"
	"reportline/internal/testapp"
	"reportline/store"
)

// context.as_of decides against the reporting line as the link history had
// it: after mgr's link to x is removed, mgr (direct) and boss (through the
// chain) are refused today and granted as of the day before; context.time
// alone still reads today's links; a batch mixes both; an as_of and a time
// together, or a bad as_of, are refused naming the field.
func TestAuthZENAsOf(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newAccessWorld(t, engine) // boss → mgr → x (line), y → x (functional)
		t0 := w.env.Now.Now()
		w.env.Now.Advance(48 * time.Hour)
		if err := w.env.App.RemoveLink(context.Background(), sys, reportline.Pair{ManagerID: w.mgr.ID, ManageeID: w.x.ID}); err != nil {
			t.Fatal(err)
		}
		day := t0.Format(time.DateOnly)
		instant := t0.Add(time.Hour).UTC().Format(time.RFC3339)
		eval := func(body string) (int, map[string]any) {
			t.Helper()
			status, _, out := w.call(t, w.paToken, "POST", "/access/v1/evaluation", body)
			return status, out
		}
		for _, tc := range []struct {
			name    string
			subject reportline.User
			context string
			want    bool
		}{
			{"mgr today", w.mgr, "", false},
			{"mgr as of the first day", w.mgr, fmt.Sprintf(`"context": {"as_of": %q}`, day), true},
			{"mgr as of an instant that day", w.mgr, fmt.Sprintf(`"context": {"as_of": %q}`, instant), true},
			{"mgr at that instant, against today's links", w.mgr, fmt.Sprintf(`"context": {"time": %q}`, instant), false},
			{"boss today", w.boss, "", false},
			{"boss as of the first day, through the chain", w.boss, fmt.Sprintf(`"context": {"as_of": %q}`, day), true},
			{"y today and then (functional, no view_reports chain)", w.y, fmt.Sprintf(`"context": {"as_of": %q}`, day), true},
			{"mgr as of a day before any link", w.mgr, `"context": {"as_of": "2000-01-01"}`, false},
		} {
			extra := []string{}
			if tc.context != "" {
				extra = append(extra, tc.context)
			}
			status, body := eval(evaluation(id(tc.subject), "view_reports", id(w.x), extra...))
			if status != http.StatusOK || body["decision"] != tc.want {
				t.Errorf("%s: %d %v, want decision %v", tc.name, status, body, tc.want)
			}
		}
		// The chain granted as of then names the links of then.
		_, body := eval(evaluation(id(w.boss), "view_reports", id(w.x), fmt.Sprintf(`"context": {"as_of": %q}`, day)))
		if fmt.Sprint(get(body, "context.grant.chain")) != fmt.Sprint([]any{id(w.boss), id(w.mgr), id(w.x)}) {
			t.Errorf("boss's chain as of then = %v", body)
		}

		// A batch: the request's context (as_of) is each evaluation's
		// default; one evaluation asks about today.
		batch := fmt.Sprintf(`{"subject": {"type": "user", "id": %q}, "action": {"name": "view_reports"}, "context": {"as_of": %q},
			"evaluations": [{"resource": {"type": "user", "id": %q}}, {"resource": {"type": "user", "id": %q}, "context": {}}]}`, id(w.mgr), day, id(w.x), id(w.x))
		status, _, out := w.call(t, w.paToken, "POST", "/access/v1/evaluations", batch)
		evs, _ := out["evaluations"].([]any)
		if status != http.StatusOK || len(evs) != 2 || get(evs[0].(map[string]any), "decision") != true || get(evs[1].(map[string]any), "decision") != false {
			t.Errorf("batch = %d %v, want granted then, refused today", status, out)
		}

		for _, ctx := range []string{
			fmt.Sprintf(`"context": {"as_of": %q, "time": %q}`, day, instant),
			`"context": {"as_of": "31/12/2026"}`,
			`"context": {"as_of": 20261231}`,
		} {
			status, body := eval(evaluation(id(w.mgr), "view_reports", id(w.x), ctx))
			if status != http.StatusBadRequest || fmt.Sprint(get(body, "error.field")) != "context.as_of" {
				t.Errorf("%s: %d %v, want 400 naming context.as_of", ctx, status, body)
			}
		}
	})
}
