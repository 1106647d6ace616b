package ui_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"reportline"
	"reportline/app"
	"reportline/internal/browser"
	"reportline/internal/testapp"
	"reportline/secret"
	"reportline/server"
	"reportline/store"
	"reportline/ui"
)

// sourcesWorld is an installation with a second organisation answering on
// localhost (the implicit one on 127.0.0.1, the public URL's host), a key for secrets, and
// connectors that answer as the test says (the real connections are
// tested in cmd/reportline against slapd and an SMTP server).
type sourcesWorld struct {
	env       *testapp.Env
	beta      context.Context
	betaURL   string // http://localhost:PORT: the second organisation
	implicit  string // http://127.0.0.1:PORT: the default organisation
	smtpError string // what the relay "says" when tested; "" for success
}

func newSourcesWorld(t *testing.T, engine store.Engine) *sourcesWorld {
	t.Helper()
	ctx := context.Background()
	db := testapp.OpenDB(t, engine)
	key := make([]byte, secret.KeySize)
	rand.Read(key)
	keys, err := secret.New("", key)
	if err != nil {
		t.Fatal(err)
	}
	w := &sourcesWorld{}
	conn := app.Connectors{
		CheckLDAP: func(ctx context.Context, l app.TenantLDAP) error { return nil },
		CheckSMTP: func(ctx context.Context, r app.TenantSMTP) error {
			if w.smtpError == "" {
				return nil
			}
			// A relay that echoes what it was sent: the page must not.
			return errors.New(w.smtpError + " (" + r.Password.Reveal() + ")")
		},
	}
	a := app.New(app.Adapt(db.Read, db.Write, db.Ping, db.ReadOnce), app.Config{Logger: slog.New(slog.DiscardHandler),
		PasswordParams: testapp.FastPasswords, Tenants: db.Tenants, Secrets: keys, Connectors: conn})
	w.env = &testapp.Env{DB: db, App: a}
	id, err := db.CreateTenantAs(ctx, "test", "beta", "localhost")
	if err != nil {
		t.Fatal(err)
	}
	w.beta = reportline.WithTenant(ctx, id)
	if _, err := a.CreatePlatformAdmin(w.beta, "root@beta.test", password); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreatePlatformAdmin(ctx, "root@acme.test", password); err != nil {
		t.Fatal(err)
	}
	pages, err := ui.New(a, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	w.implicit = w.env.ServeConfig(t, server.Config{Routes: []server.Routes{pages}, PublicURL: &url.URL{Scheme: "http", Host: "127.0.0.1"}})
	w.betaURL = strings.Replace(w.implicit, "127.0.0.1", "localhost", 1)
	return w
}

// TestDirectorySourcesPage: an organisation's platform admin saves its LDAP
// directory and mail relay; the secrets are never in a page; a refused
// field says why; the test button reports in plain words without the
// secret; the default organisation's page says the environment configures
// it.
func TestDirectorySourcesPage(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newSourcesWorld(t, engine)
		const pass, smtpPass = "ldap-Secret-42", "smtp-Secret-43"
		root := newClient(t, w.betaURL)
		root.login("root@beta.test")
		r := root.get("/settings/sources")
		checkHTML(t, "/settings/sources", r.Body)
		has(t, r.Body, `id="settings-sources" aria-current="page"`, `id="ldap-form"`, `id="mail-form"`, `id="guard-form"`)

		r = root.post("/settings/sources/ldap", url.Values{"url": {"http://ldap.beta.test"}, "base_dn": {"dc=beta"}, "interval": {"60"}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("an http address: %d, want 422", r.Status)
		}
		has(t, r.Body, `id="problem"`, "ldaps://")
		form := url.Values{"url": {"ldaps://ldap.beta.test"}, "bind_dn": {"cn=reader,dc=beta"}, "bind_password": {pass},
			"base_dn": {"ou=people,dc=beta"}, "preset": {"openldap"}, "interval": {"60"}}
		if r = root.post("/settings/sources/ldap", form); r.Status != http.StatusSeeOther {
			t.Fatalf("save LDAP: %d\n%s", r.Status, r.Body)
		}
		r = root.get("/settings/sources?saved=ldap")
		has(t, r.Body, `id="flash"`, `value="ldaps://ldap.beta.test"`, `id="ldap-bind-password-clear"`, `id="ldap-test"`)
		if strings.Contains(r.Body, pass) {
			t.Error("the page shows the bind password")
		}
		// Saving again without typing the password keeps it.
		form.Del("bind_password")
		form.Set("interval", "120")
		if r = root.post("/settings/sources/ldap", form); r.Status != http.StatusSeeOther {
			t.Fatalf("save LDAP again: %d", r.Status)
		}
		d, err := w.env.App.TenantDirectory(w.beta, app.SystemActor(reportline.SourceUI))
		if err != nil || !d.LDAP.PasswordSet || d.LDAP.Interval.Minutes() != 120 {
			t.Errorf("after saving: %+v %v; want the password kept and 120 minutes", d.LDAP, err)
		}
		r = root.post("/settings/sources/test-ldap", nil)
		has(t, r.Body, `id="flash"`, "The connection works")

		mail := url.Values{"host": {"smtp.beta.test"}, "port": {"587"}, "tls": {"mandatory"}, "username": {"hr"}, "password": {smtpPass}, "from": {"Beta HR <hr@beta.test>"}}
		if r = root.post("/settings/sources/mail", mail); r.Status != http.StatusSeeOther {
			t.Fatalf("save the relay: %d\n%s", r.Status, r.Body)
		}
		w.smtpError = "535 authentication failed"
		r = root.post("/settings/sources/test-smtp", nil)
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("a failing relay: %d, want 422", r.Status)
		}
		has(t, r.Body, `id="problem"`, "535 authentication failed")
		if strings.Contains(r.Body, smtpPass) {
			t.Error("the failed test shows the relay's password")
		}

		// The default organisation: the environment's, said in words.
		other := newClient(t, w.implicit)
		other.login("root@acme.test")
		r = other.get("/settings/sources")
		has(t, r.Body, `id="sources-environment"`, "REPORTLINE_SMTP_URL")
		if strings.Contains(r.Body, `id="ldap-form"`) {
			t.Error("the default organisation's page offers a form")
		}
		if r := other.post("/settings/sources/ldap", form); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("saving the default organisation's directory: %d, want 422", r.Status)
		}

		// In French: beta's admin reads the page in its language.
		fr := "fr"
		pa, err := w.env.App.GetUserByEmail(w.beta, "root@beta.test")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.env.App.UpdateUser(w.beta, app.SystemActor(reportline.SourceAPI), pa.ID, app.UserPatch{Locale: &fr}); err != nil {
			t.Fatal(err)
		}
		r = root.get("/settings/sources")
		has(t, r.Body, `lang="fr"`, "Annuaires et messagerie", "Relais de messagerie", "Tester la connexion enregistrée", "Une valeur est enregistrée")
	})
}

// TestBrowserDirectorySources: in a real browser an organisation's
// platform admin fills in its LDAP directory, saves, tests the connection,
// and sees a failed relay test in plain words; at 390 and 1366 px the page
// fits.
func TestBrowserDirectorySources(t *testing.T) {
	w := newSourcesWorld(t, store.SQLite)
	ctx := browser.New(t)
	signIn(t, ctx, w.betaURL, "root@beta.test")
	shoot := func(name string) {
		t.Helper()
		for _, width := range []int64{390, 1366} {
			checkLayout(t, ctx, width)
			browser.Screenshot(t, ctx, fmt.Sprintf("%s-%d", name, width))
		}
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(w.betaURL+"/settings/sources"),
		chromedp.SendKeys(chromedp.CSS("#ldap-url"), "ldaps://ldap.beta.test"),
		chromedp.SendKeys(chromedp.CSS("#ldap-bind-dn"), "cn=reader,dc=beta"),
		chromedp.SendKeys(chromedp.CSS("#ldap-bind-password"), "ldap-Secret-42"),
		chromedp.SendKeys(chromedp.CSS("#ldap-base-dn"), "ou=people,dc=beta")); err != nil {
		t.Fatal(err)
	}
	shoot("directory-sources-empty")
	click(t, ctx, "#ldap-save")
	if flash := texts(t, ctx, "#flash"); len(flash) != 1 || !strings.Contains(flash[0], "Saved") {
		t.Errorf("after saving: flash %q", flash)
	}
	click(t, ctx, "#ldap-test")
	if flash := texts(t, ctx, "#flash"); len(flash) != 1 || !strings.Contains(flash[0], "connection works") {
		t.Errorf("after the test: flash %q", flash)
	}
	shoot("directory-sources-tested")
	if err := chromedp.Do(ctx, chromedp.Navigate(w.betaURL+"/settings/sources"),
		chromedp.SendKeys(chromedp.CSS("#smtp-host"), "smtp.beta.test"),
		chromedp.SendKeys(chromedp.CSS("#smtp-from"), "hr@beta.test")); err != nil {
		t.Fatal(err)
	}
	click(t, ctx, "#mail-save")
	w.smtpError = "dial tcp smtp.beta.test:587: connection refused"
	click(t, ctx, "#smtp-test")
	if got := texts(t, ctx, "#problem"); len(got) != 1 || !strings.Contains(got[0], "connection refused") {
		t.Errorf("a failed relay test: %q", got)
	}
	shoot("directory-sources-relay-refused")
}
