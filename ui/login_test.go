package ui_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"reportline/internal/testapp"
	"reportline/store"
	"reportline/web"
)

func TestLogin(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)

		t.Run("success sets a safe cookie", func(t *testing.T) {
			c := newClient(t, w.url)
			r := c.post("/login", url.Values{"email": {" Ada@Acme.test "}, "password": {password}})
			if r.Status != http.StatusSeeOther || r.Location() != "/groups" {
				t.Fatalf("got %d → %q, want 303 → /groups\n%s", r.Status, r.Location(), r.Body)
			}
			var session *http.Cookie
			for _, ck := range r.raw.Cookies() {
				if ck.Name == web.SessionCookie {
					session = ck
				}
			}
			if session == nil {
				t.Fatalf("no %s cookie in %v", web.SessionCookie, r.Header["Set-Cookie"])
			}
			if !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Path != "/" {
				t.Errorf("cookie HttpOnly=%v SameSite=%v Path=%q, want HttpOnly, Lax, /", session.HttpOnly, session.SameSite, session.Path)
			}
			if session.MaxAge != 12*60*60 {
				t.Errorf("cookie MaxAge = %d, want 12h", session.MaxAge)
			}
			g := c.get("/groups")
			if g.Status != http.StatusOK {
				t.Fatalf("GET /groups after login: %d", g.Status)
			}
			has(t, g.Body, "Ada Lovelace", "ada@acme.test", `action="/logout"`, "Sign out")
			if r := c.get("/"); r.Location() != "/groups" {
				t.Errorf("GET / signed in → %q, want /groups", r.Location())
			}
			if r := c.get("/login"); r.Status != http.StatusSeeOther || r.Location() != "/groups" {
				t.Errorf("GET /login signed in: %d → %q, want 303 → /groups", r.Status, r.Location())
			}
		})

		t.Run("wrong password", func(t *testing.T) {
			c := newClient(t, w.url)
			r := c.post("/login", url.Values{"email": {"ada@acme.test"}, "password": {"not the password"}})
			if r.Status != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", r.Status)
			}
			has(t, r.Body, `id="login-error"`, "Wrong email or password.", `value="ada@acme.test"`)
			if strings.Contains(r.Header.Get("Set-Cookie"), web.SessionCookie+"=rls_") {
				t.Errorf("a failed login set a session: %s", r.Header.Get("Set-Cookie"))
			}
			if g := c.get("/groups"); g.Status != http.StatusSeeOther {
				t.Errorf("GET /groups after a failed login: %d, want 303", g.Status)
			}
		})

		t.Run("rate limited", func(t *testing.T) {
			c := newClient(t, w.url)
			var r response
			for range 6 {
				r = c.post("/login", url.Values{"email": {"carol@acme.test"}, "password": {"guess guess guess"}})
			}
			if r.Status != http.StatusTooManyRequests {
				t.Fatalf("6th failure: status %d, want 429", r.Status)
			}
			has(t, r.Body, "Too many sign-in attempts")
		})

		t.Run("next stays on this site", func(t *testing.T) {
			for _, tc := range []struct{ next, want string }{
				{"/users/3/managers?mq=bob", "/users/3/managers?mq=bob"},
				{"", "/groups"},
				{"https://evil.example/", "/groups"},
				{"//evil.example/x", "/groups"},
				{`/\evil.example`, "/groups"},
				{"javascript:alert(1)", "/groups"},
				{"/login?next=/x", "/groups"},
			} {
				c := newClient(t, w.url)
				r := c.post("/login", url.Values{"email": {"root@acme.test"}, "password": {password}, "next": {tc.next}})
				if r.Status != http.StatusSeeOther || r.Location() != tc.want {
					t.Errorf("next=%q: got %d → %q, want 303 → %q", tc.next, r.Status, r.Location(), tc.want)
				}
			}
		})

		t.Run("anonymous visitors are sent to sign in", func(t *testing.T) {
			c := newClient(t, w.url)
			for _, tc := range []struct{ path, want string }{
				{"/", "/login"},
				{"/groups", "/login?next=%2Fgroups"},
				{"/users/1/managers?mq=x", "/login?next=%2Fusers%2F1%2Fmanagers%3Fmq%3Dx"},
			} {
				if r := c.get(tc.path); r.Status != http.StatusSeeOther || r.Location() != tc.want {
					t.Errorf("GET %s: got %d → %q, want 303 → %q", tc.path, r.Status, r.Location(), tc.want)
				}
			}
			r := c.post("/users/1/links/remove", url.Values{"manager_id": {"1"}, "managee_id": {"2"}})
			if r.Status != http.StatusSeeOther || r.Location() != "/login" {
				t.Errorf("anonymous POST: got %d → %q, want 303 → /login", r.Status, r.Location())
			}
			form := c.get("/login?next=%2Fgroups%2F2%2Fusers")
			has(t, form.Body, `name="next" value="/groups/2/users"`, `<label for="email">`, `<label for="password">`)
		})

		t.Run("sign out ends the session", func(t *testing.T) {
			c := newClient(t, w.url)
			c.login("ada@acme.test")
			r := c.post("/logout", nil)
			if r.Status != http.StatusSeeOther || r.Location() != "/login" {
				t.Fatalf("logout: %d → %q", r.Status, r.Location())
			}
			if g := c.get("/groups"); g.Status != http.StatusSeeOther {
				t.Errorf("GET /groups after logout: %d, want 303", g.Status)
			}
		})
	})
}
