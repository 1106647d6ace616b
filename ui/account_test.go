package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// TestLoginBurstOverHTTP is issue 11's hostile case through the real
// server: 60 simultaneous POST /login for one account from one address.
// They used to be all evaluated (each an argon2id hash, 1.2 GB in all);
// now only the free allowance is, and the rest get 429 at once.
func TestLoginBurstOverHTTP(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		var mu sync.Mutex
		statuses := map[int]int{}
		var wg sync.WaitGroup
		for range 60 {
			wg.Go(func() {
				form := url.Values{"email": {"ada@acme.test"}, "password": {"not the password"}}
				res, err := http.PostForm(w.url+"/login", form)
				if err != nil {
					t.Error(err)
					return
				}
				res.Body.Close()
				mu.Lock()
				statuses[res.StatusCode]++
				mu.Unlock()
			})
		}
		wg.Wait()
		if statuses[http.StatusUnauthorized] != app.LoginPerAccount.Free || statuses[http.StatusTooManyRequests] != 60-app.LoginPerAccount.Free {
			t.Errorf("60 simultaneous sign-ins: %v; want %d × 401 and the rest 429", statuses, app.LoginPerAccount.Free)
		}
	})
}

// TestTokensPage: a user creates a token (shown once), sees it listed
// without its secret, and revokes it; a platform admin sees and revokes
// everybody's; a user cannot revoke another's.
func TestTokensPage(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		ada := newClient(t, w.url)
		ada.login("ada@acme.test")
		r := ada.get("/groups")
		has(t, r.Body, `href="/account/tokens"`, "Your tokens")
		r = ada.get("/account/tokens")
		if r.Status != http.StatusOK {
			t.Fatalf("GET /account/tokens: %d", r.Status)
		}
		has(t, r.Body, `id="tokens-empty"`, `id="token-form"`)
		hasNot(t, r.Body, `id="tokens-all"`)
		r = ada.post("/account/tokens", url.Values{"name": {"Nightly HRIS"}, "expires_days": {"90"}})
		secret := regexp.MustCompile(`<code id="token-secret">(rlt_[A-Za-z0-9_-]+)</code>`).FindStringSubmatch(r.Body)
		if r.Status != http.StatusOK || secret == nil {
			t.Fatalf("create: %d\n%s", r.Status, r.Body)
		}
		if u, err := w.env.App.TokenUser(context.Background(), secret[1]); err != nil || u.ID != w.ada.ID {
			t.Fatalf("the new token: %v, %v", u.Email, err)
		}
		r = ada.get("/account/tokens")
		has(t, r.Body, "Nightly HRIS", "Active")
		hasNot(t, r.Body, secret[1], `id="token-secret"`)
		id := regexp.MustCompile(`<tr data-token="(\d+)">`).FindStringSubmatch(r.Body)[1]

		if r := ada.post("/account/tokens", url.Values{"name": {strings.Repeat("n", 101)}}); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("a name too long: %d, want 422", r.Status)
		}
		// Another user cannot revoke it, nor see everybody's.
		alice := newClient(t, w.url)
		if err := w.env.App.SetPassword(context.Background(), app.SystemActor(reportline.SourceCLI), w.alice.ID, password); err != nil {
			t.Fatal(err)
		}
		alice.login("alice@acme.test")
		if r := alice.post("/account/tokens/"+id+"/revoke", nil); r.Status != http.StatusNotFound {
			t.Errorf("alice revoking ada's token: %d, want 404", r.Status)
		}
		hasNot(t, alice.get("/account/tokens?all=1").Body, "Nightly HRIS")

		// A platform admin sees and revokes it.
		root := newClient(t, w.url)
		root.login("root@acme.test")
		r = root.get("/account/tokens?all=1")
		has(t, r.Body, "Nightly HRIS", "ada@acme.test", `id="revoke-`+id+`"`)
		r = root.post("/account/tokens/"+id+"/revoke", url.Values{"all": {"1"}})
		if r.Status != http.StatusSeeOther || r.Location() != "/account/tokens?revoked=1&all=1" {
			t.Fatalf("revoke: %d → %q", r.Status, r.Location())
		}
		if _, err := w.env.App.TokenUser(context.Background(), secret[1]); !reportline.IsCode(err, reportline.Unauthenticated) {
			t.Errorf("a revoked token still works: %v", err)
		}
		has(t, ada.get("/account/tokens").Body, "Revoked")
	})
}

// resetLinkIn reads the reset link of the newest password reset mail.
func resetLinkIn(t *testing.T, env *testapp.Env, to string) string {
	t.Helper()
	var msgs []reportline.OutboxMessage
	if err := env.DB.Read(context.Background(), func(tx *store.Tx) error {
		var err error
		msgs, err = tx.OutboxMessages(context.Background(), reportline.DeliveryFilter{Type: reportline.NotifyPasswordReset, Recipient: to, Limit: 10})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(msgs) == 0 {
		return ""
	}
	return regexp.MustCompile(`/password/reset\?token=rlr_[A-Za-z0-9_-]+`).FindString(msgs[0].Text)
}

// TestForgotPassword: the same page for a known and an unknown address;
// the mailed link sets a new password once and ends every session.
func TestForgotPassword(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		ada := newClient(t, w.url)
		ada.login("ada@acme.test")
		has(t, newClient(t, w.url).get("/login").Body, `href="/password/forgot"`)

		anon := newClient(t, w.url)
		known := anon.post("/password/forgot", url.Values{"email": {"ada@acme.test"}})
		unknown := anon.post("/password/forgot", url.Values{"email": {"nobody@acme.test"}})
		if known.Status != http.StatusOK || unknown.Status != known.Status || known.Body != unknown.Body {
			t.Errorf("known and unknown addresses answer differently: %d vs %d\n%s\n---\n%s", known.Status, unknown.Status, known.Body, unknown.Body)
		}
		has(t, known.Body, `id="forgot-sent"`)
		link := resetLinkIn(t, w.env, "ada@acme.test")
		if link == "" || resetLinkIn(t, w.env, "nobody@acme.test") != "" {
			t.Fatalf("reset mails: ada %q", link)
		}
		r := anon.get(link)
		if r.Status != http.StatusOK {
			t.Fatalf("GET the link: %d", r.Status)
		}
		has(t, r.Body, `id="reset-form"`, "ada@acme.test", `id="revoke-tokens"`)
		token := strings.TrimPrefix(link, "/password/reset?token=")
		if r := anon.post("/password/reset", url.Values{"token": {token}, "password": {"a new sturdy secret"}, "confirm": {"a different one!"}}); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("two different passwords: %d, want 422", r.Status)
		}
		r = anon.post("/password/reset", url.Values{"token": {token}, "password": {"a new sturdy secret"}, "confirm": {"a new sturdy secret"}})
		if r.Status != http.StatusSeeOther || r.Location() != "/login?reset=done" {
			t.Fatalf("reset: %d → %q\n%s", r.Status, r.Location(), r.Body)
		}
		has(t, anon.get("/login?reset=done").Body, `id="login-notice"`)
		if r := ada.get("/groups"); r.Status != http.StatusSeeOther {
			t.Errorf("ada's other session after the reset: %d, want 303 to sign in", r.Status)
		}
		if r := anon.get(link); r.Status != http.StatusGone {
			t.Errorf("the link a second time: %d, want 410", r.Status)
		}
		if r := anon.post("/login", url.Values{"email": {"ada@acme.test"}, "password": {"a new sturdy secret"}}); r.Status != http.StatusSeeOther {
			t.Errorf("signing in with the new password: %d", r.Status)
		}
	})
}

// TestChangePassword: a signed-in user changes their password; this
// session stays, the others end; the current password is checked.
func TestChangePassword(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		here, there := newClient(t, w.url), newClient(t, w.url)
		here.login("ada@acme.test")
		there.login("ada@acme.test")
		has(t, here.get("/account/tokens").Body, `href="/account/password"`)
		if r := here.get("/account/password"); r.Status != http.StatusOK {
			t.Fatalf("GET /account/password: %d", r.Status)
		}
		form := url.Values{"current": {"not my password"}, "password": {"a new sturdy secret"}, "confirm": {"a new sturdy secret"}}
		if r := here.post("/account/password", form); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "current password is wrong") {
			t.Errorf("a wrong current password: %d", r.Status)
		}
		form.Set("current", password)
		r := here.post("/account/password", form)
		if r.Status != http.StatusSeeOther || r.Location() != "/account/password?changed=1" {
			t.Fatalf("change: %d → %q\n%s", r.Status, r.Location(), r.Body)
		}
		if r := here.get("/account/password?changed=1"); r.Status != http.StatusOK || !strings.Contains(r.Body, `id="password-changed"`) {
			t.Errorf("this session after the change: %d", r.Status)
		}
		if r := there.get("/groups"); r.Status != http.StatusSeeOther {
			t.Errorf("the other session after the change: %d, want 303 to sign in", r.Status)
		}
	})
}
