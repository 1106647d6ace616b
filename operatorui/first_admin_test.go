package operatorui_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/operatorui"
	"reportline/store"
)

var passwordShown = regexp.MustCompile(`<code id="first-admin-password">([^<]+)</code>`)

// TestOperatorFirstAdmin: the operator gives a tenant without a platform
// admin its first one from the tenant's row; the password shown once
// signs them in to that tenant, and the creation is in the operator log
// and the tenant's change log. Refused, with the reason, once the tenant
// has an admin (a second try, and the implicit tenant's root); refused to
// anyone not signed in as the operator (no cookie, a tenant admin's
// session) and to a cross-origin form, with nobody created.
func TestOperatorFirstAdmin(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		env, base := start(t, engine)
		ctx := context.Background()
		acme, err := env.DB.CreateTenantAs(ctx, "test", "acme", "acme.example")
		if err != nil {
			t.Fatal(err)
		}
		acmeCtx := reportline.WithTenant(ctx, acme)
		form := url.Values{"email": {"Boss@Acme.example"}, "name": {"Ada  Lovelace"}}
		absent := func(email string) bool {
			t.Helper()
			err := env.DB.Read(acmeCtx, func(tx *store.Tx) error { _, err := tx.UserByEmail(acmeCtx, email); return err })
			return reportline.IsCode(err, reportline.NotFound)
		}
		noneCreated := func(when string) {
			t.Helper()
			if !absent("boss@acme.example") {
				t.Fatalf("%s: the admin exists", when)
			}
		}

		// Not the operator: no session, then a tenant admin's session.
		anon := newClient(t, base)
		if r, _ := anon.do("POST", "/tenants/acme/admin", form); r.Request.URL.Path != "/signin" {
			t.Fatalf("no session: ended at %s, want /signin", r.Request.URL.Path)
		}
		tsecret, _, err := env.App.Login(ctx, "root@example.com", "tenant admin password", "10.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(base)
		anon.c.Jar.SetCookies(u, []*http.Cookie{{Name: operatorui.Cookie, Value: tsecret}})
		if r, _ := anon.do("POST", "/tenants/acme/admin", form); r.Request.URL.Path != "/signin" {
			t.Fatalf("tenant session: ended at %s, want /signin", r.Request.URL.Path)
		}
		noneCreated("not the operator")

		c := newClient(t, base)
		if r, body := c.do("POST", "/signin", url.Values{"email": {"ops@example.com"}, "password": {"operator password 1"}}); r.Request.URL.Path != "/" {
			t.Fatalf("sign in: ended at %s\n%s", r.Request.URL.Path, body)
		}
		// A form posted from another site, with the operator's cookie.
		req, _ := http.NewRequest("POST", base+"/tenants/acme/admin", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		resp, err := c.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("cross-origin form: %d, want 403", resp.StatusCode)
		}
		noneCreated("cross-origin")

		_, body := c.do("GET", "/", nil)
		if !strings.Contains(body, `action="/tenants/acme/admin"`) {
			t.Fatalf("the list has no first-admin form for acme\n%s", body)
		}
		r, body := c.do("POST", "/tenants/acme/admin", form)
		m := passwordShown.FindStringSubmatch(body)
		if r.StatusCode != http.StatusOK || !strings.Contains(body, "Platform admin boss@acme.example of tenant acme is ready.") || m == nil {
			t.Fatalf("first admin: %d; want the notice and the password\n%s", r.StatusCode, body)
		}
		if r.Request.URL.RawQuery != "" || strings.Contains(r.Request.URL.String(), m[1]) {
			t.Errorf("the password travelled in an address: %s", r.Request.URL)
		}
		_, admin, err := env.App.Login(acmeCtx, "boss@acme.example", m[1], "10.0.0.2")
		if err != nil {
			t.Fatalf("the password shown does not sign in to acme: %v", err)
		}
		if !admin.IsPlatformAdmin() || admin.FirstName != "Ada" || admin.LastName != "Lovelace" {
			t.Errorf("admin %+v: want a platform admin named Ada Lovelace", admin)
		}
		if _, _, err := env.App.Login(ctx, "boss@acme.example", m[1], "10.0.0.2"); err == nil {
			t.Error("acme's admin signed in to the implicit tenant")
		}

		// Once the tenant has an admin, refused: a second first admin, and
		// the implicit tenant, whose root is one.
		for _, slug := range []string{"acme", "default"} {
			r, body = c.do("POST", "/tenants/"+slug+"/admin", url.Values{"email": {"other@acme.example"}})
			if r.StatusCode != http.StatusConflict || !strings.Contains(body, "has a platform admin already") || passwordShown.MatchString(body) {
				t.Errorf("%s has an admin: %d; want 409 saying so, no password\n%s", slug, r.StatusCode, body)
			}
		}
		if !absent("other@acme.example") {
			t.Error("a second admin was created")
		}

		log, err := env.DB.OperatorLog(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range log {
			if e.Action == "tenant.admin.create" {
				got = append(got, e.Actor+" "+e.Detail)
			}
		}
		if strings.Join(got, "; ") != "operator:ops@example.com boss@acme.example" {
			t.Errorf("operator log: %q", got)
		}
		changes, err := env.App.Changes(acmeCtx, app.UserActor(admin, reportline.SourceUI), reportline.ChangeFilter{Action: "tenants.operate"})
		if err != nil {
			t.Fatal(err)
		}
		if len(changes) != 1 || changes[0].UserID != admin.ID || !strings.Contains(changes[0].After, "operator:ops@example.com") {
			t.Errorf("acme's change log: %+v; want the first admin's creation by the operator", changes)
		}
	})
}
