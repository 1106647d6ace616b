package api_test

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"reportline/internal/testapp"
	"reportline/store"
)

// TestConsistencyToken: a write that changes the reporting graph answers
// with a Reportline-Consistency token; a decision sent with it sees the
// write; a read answers with none.
func TestConsistencyToken(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newAccessWorld(t, engine)
		eval := func(header ...string) bool {
			t.Helper()
			status, _, body := w.call(t, w.paToken, "POST", "/access/v1/evaluation", evaluation(id(w.y), "manage_tasks", id(w.out)), header...)
			if status != http.StatusOK {
				t.Fatalf("evaluation = %d %v", status, body)
			}
			return body["decision"] == true
		}
		if eval() {
			t.Fatal("y manages out before any link")
		}
		status, header, body := w.call(t, w.paToken, "POST", fmt.Sprintf("/api/v1/users/%d/managers", w.out.ID), fmt.Sprintf(`{"ids": [%d]}`, w.y.ID))
		if status != http.StatusOK {
			t.Fatalf("add link = %d %v", status, body)
		}
		tok := header.Get("Reportline-Consistency")
		if v, err := strconv.ParseInt(tok, 10, 64); err != nil || v <= 0 {
			t.Fatalf("the write's Reportline-Consistency = %q", tok)
		}
		if !eval("Reportline-Consistency", tok) {
			t.Error("a decision sent with the write's token does not see it")
		}
		if _, header, _ := w.call(t, w.paToken, "GET", fmt.Sprintf("/api/v1/users/%d/managers", w.out.ID), ""); header.Get("Reportline-Consistency") != "" {
			t.Error("a read answers with a consistency token")
		}
	})
}
