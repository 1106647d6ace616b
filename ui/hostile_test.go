package ui_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"reportline/internal/testapp"
	"reportline/store"
)

// TestFormsRefuseWhatIsNotText: a NUL character (%00) or invalid UTF-8 in a
// posted field or a query parameter gets a 4xx page naming the field, the
// same on both engines, and nothing changes; a form over its limit is 413
// naming the limit.
func TestFormsRefuseWhatIsNotText(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		c := newClient(t, w.url)
		c.login("root@acme.test")
		before, _ := w.links(t, w.gina.ID)
		preview := fmt.Sprintf("/users/%d/managers/confirm", w.gina.ID)
		for _, tc := range []struct {
			name, path string
			form       url.Values
			want       int
			wantIn     string
		}{
			{"NUL in a comment", preview, url.Values{"direction": {"managers"}, "ids": {fmt.Sprint(w.bob.ID)}, "comment": {"hi\x00"}}, 422, "Comment contains a NUL character"},
			{"invalid UTF-8 in a field", preview, url.Values{"direction": {"managers"}, "ids": {fmt.Sprint(w.bob.ID)}, "comment": {"M\xfcller"}}, 422, "Comment is not valid UTF-8"},
			{"NUL in the query", preview + "?group=1%00", url.Values{"direction": {"managers"}, "ids": {fmt.Sprint(w.bob.ID)}}, 422, "Group contains a NUL character"},
			{"oversized form", preview, url.Values{"direction": {"managers"}, "comment": {strings.Repeat("a", 2<<20)}}, http.StatusRequestEntityTooLarge, "1 MiB"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := c.post(tc.path, tc.form)
				if r.Status != tc.want || !strings.Contains(r.Body, tc.wantIn) {
					t.Errorf("got %d, want %d with %q\n%s", r.Status, tc.want, tc.wantIn, r.Body)
				}
				if after, _ := w.links(t, w.gina.ID); len(after) != len(before) {
					t.Errorf("gina's managers went from %v to %v", before, after)
				}
			})
		}
		r := newClient(t, w.url).post("/login", url.Values{"email": {"root@acme.test\x00"}, "password": {password}})
		if r.Status != 422 || !strings.Contains(r.Body, "Email contains a NUL character") {
			t.Errorf("sign-in with a NUL: got %d\n%s", r.Status, r.Body)
		}
	})
}
