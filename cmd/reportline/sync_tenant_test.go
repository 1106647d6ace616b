package main

import (
	"context"
	"encoding/base64"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/internal/graphtest"
	"reportline/internal/slapdtest"
	"reportline/internal/testapp"
	"reportline/secret"
	"reportline/store"
)

// TestSyncTenantDirectoryCommands: `sync ldap|graph --tenant SLUG` reads
// the directory the tenant stored (two real slapd, a Graph test server,
// bind password and client secret sealed), changes that tenant's people
// only, keeps the dry run and the held run (with the tenant's own guard
// bounds), and names the tenant and where to configure it when it stored
// no directory of that kind.
func TestSyncTenantDirectoryCommands(t *testing.T) {
	t.Parallel()
	fixture, err := os.ReadFile("../../ldapsync/testdata/people.ldif")
	if err != nil {
		t.Fatal(err)
	}
	dirA, dirB := slapdtest.Start(t, fixture), slapdtest.Start(t, []byte(otherDirectory))
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		st := storageArgs(t, engine)
		srv := graphtest.New(t)
		srv.Put(graphtest.User{ID: graphtest.ID(1), Mail: "max@contoso.com", UserPrincipalName: "max@contoso.com", GivenName: "Max", AccountEnabled: true})
		srv.Put(graphtest.User{ID: graphtest.ID(2), Mail: "ivy@contoso.com", UserPrincipalName: "ivy@contoso.com", GivenName: "Ivy", AccountEnabled: true, ManagerID: graphtest.ID(1)})
		env := map[string]string{"REPORTLINE_SECRET_KEY": "k1:" + base64.StdEncoding.EncodeToString([]byte(strings.Repeat("k", secret.KeySize))),
			"REPORTLINE_GRAPH_AUTHORITY_URL": srv.URL, "REPORTLINE_GRAPH_API_URL": srv.URL}
		cli := func(args ...string) (string, error) {
			t.Helper()
			var out strings.Builder
			err := run(ctx, append(args, st...), func(k string) string { return env[k] }, strings.NewReader(""), &out, &strings.Builder{})
			return out.String(), err
		}
		for _, slug := range []string{"alpha", "beta", "gamma"} {
			if out, err := cli("tenant", "create", "--slug", slug, "--host", slug+".example"); err != nil {
				t.Fatalf("tenant create %s: %q %v", slug, out, err)
			}
		}

		// The tenants' platform admins store their directories, as the
		// settings page does: alpha the first slapd, beta the second and
		// an Entra ID.
		db := openStorage(t, st)
		keys, err := secret.FromEnv(func(k string) string { return env[k] })
		if err != nil {
			t.Fatal(err)
		}
		a := app.New(app.Adapt(db.Read, db.Write, db.Ping, db.ReadOnce), app.Config{Logger: slog.New(slog.DiscardHandler),
			PasswordParams: testapp.FastPasswords, Tenants: db.Tenants, Secrets: keys})
		in := map[string]context.Context{"default": reportline.WithTenant(ctx, reportline.ImplicitTenant)}
		for _, slug := range []string{"alpha", "beta", "gamma"} {
			in[slug] = reportline.WithTenant(ctx, tenantID(t, db, slug))
		}
		configure := func(slug string, c app.TenantDirectoryChange) {
			t.Helper()
			pa, err := a.GetUserByEmail(in[slug], "pa@"+slug+".example")
			if reportline.IsCode(err, reportline.NotFound) {
				pa, err = a.CreatePlatformAdmin(in[slug], "pa@"+slug+".example", "a long password")
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.SetTenantDirectory(in[slug], app.UserActor(pa, reportline.SourceUI), c); err != nil {
				t.Fatalf("configure %s: %v", slug, err)
			}
		}
		ldap := func(dir *slapdtest.Server) app.TenantLDAPChange {
			ca, err := os.ReadFile(dir.CAFile)
			if err != nil {
				t.Fatal(err)
			}
			return app.TenantLDAPChange{URL: ptr(dir.URL), StartTLS: ptr(true), CA: ptr(string(ca)), BindDN: ptr(slapdtest.ReaderDN),
				BaseDN: ptr(slapdtest.People), Attributes: ptr("disabled=employeeType=disabled"), Interval: ptr(time.Duration(0)),
				BindPassword: ptr(secret.Value(slapdtest.ReaderPassword))}
		}
		configure("alpha", app.TenantDirectoryChange{LDAP: ldap(dirA)})
		configure("beta", app.TenantDirectoryChange{LDAP: ldap(dirB), Graph: app.TenantGraphChange{Tenant: ptr(srv.Tenant),
			ClientID: ptr(srv.ClientID), ClientSecret: ptr(secret.Value(srv.ClientSecret))}})

		name := func(slug, email string) string {
			t.Helper()
			u, err := a.GetUserByEmail(in[slug], email)
			if reportline.IsCode(err, reportline.NotFound) {
				return ""
			}
			if err != nil {
				t.Fatal(err)
			}
			return u.FirstName
		}
		people := func() map[string]string {
			t.Helper()
			got := map[string]string{}
			for _, slug := range []string{"default", "alpha", "beta", "gamma"} {
				for _, email := range []string{"jane@example.com", "bob@example.com", "zoe@example.com", "max@contoso.com"} {
					got[slug+" "+email] = name(slug, email)
				}
			}
			return got
		}
		changed := func(before map[string]string) map[string]string {
			out := map[string]string{}
			for k, v := range people() {
				if before[k] != v {
					out[k] = v
				}
			}
			return out
		}
		same := func(t *testing.T, got, want map[string]string) {
			t.Helper()
			if len(got) != len(want) {
				t.Errorf("changed %v, want %v", got, want)
				return
			}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("changed %v, want %v", got, want)
					return
				}
			}
		}

		// A dry run changes nothing; Eve's manager is not in the
		// directory: a problem, exit status 4, as without --tenant.
		before := people()
		out, err := cli("sync", "ldap", "--tenant", "alpha", "--dry-run")
		if exitCode(err) != exitSyncProblems || !strings.Contains(out, "Dry run of LDAP sync") || !strings.Contains(out, "6 created") ||
			!strings.Contains(out, "Nothing was changed.") {
			t.Fatalf("alpha dry run: %v (exit %d)\n%s", err, exitCode(err), out)
		}
		same(t, changed(before), nil)

		out, err = cli("--tenant", "alpha", "sync", "ldap")
		if exitCode(err) != exitSyncProblems || !strings.Contains(out, "Applied LDAP sync") || !strings.Contains(out, "6 created") {
			t.Fatalf("alpha sync: %v (exit %d)\n%s", err, exitCode(err), out)
		}
		same(t, changed(before), map[string]string{"alpha jane@example.com": "Jane", "alpha bob@example.com": "Bob"})

		before = people()
		out, err = cli("sync", "ldap", "--tenant", "beta")
		if err != nil || !strings.Contains(out, "Applied LDAP sync") || !strings.Contains(out, "2 created") {
			t.Fatalf("beta sync: %v\n%s", err, out)
		}
		same(t, changed(before), map[string]string{"beta jane@example.com": "Janet", "beta zoe@example.com": "Zoe"})

		before = people()
		out, err = cli("sync", "graph", "--tenant", "beta")
		if err != nil || !strings.Contains(out, "Applied Microsoft Graph sync (whole directory)") || !strings.Contains(out, "2 created") ||
			strings.Contains(out, srv.ClientSecret) {
			t.Fatalf("beta graph sync: %v\n%s", err, out)
		}
		same(t, changed(before), map[string]string{"beta max@contoso.com": "Max"})

		// The tenant's own guard: alpha holds a run that deactivates more
		// than 2 (the installation's bound is 50), and applies it once
		// confirmed.
		configure("alpha", app.TenantDirectoryChange{LDAP: app.TenantLDAPChange{Filter: ptr("(|(mail=jane@example.com)(mail=ann@example.com))")},
			HoldCount: ptr(2)})
		out, err = cli("sync", "ldap", "--tenant", "alpha")
		if exitCode(err) != exitSyncHeld || !strings.Contains(out, "HELD") || !strings.Contains(out, "3 deactivated") {
			t.Fatalf("alpha narrow filter: %v (exit %d)\n%s", err, exitCode(err), out)
		}
		if u, err := a.GetUserByEmail(in["alpha"], "bob@example.com"); err != nil || !u.Active() {
			t.Errorf("alpha's Bob after the held run: %+v %v, want active", u, err)
		}
		out, err = cli("sync", "ldap", "--tenant", "alpha", "--confirm-deactivations", "3")
		if err != nil || !strings.Contains(out, "Applied LDAP sync") || !strings.Contains(out, "3 deactivated") {
			t.Fatalf("alpha confirmed: %v\n%s", err, out)
		}
		if u, err := a.GetUserByEmail(in["beta"], "jane@example.com"); err != nil || !u.Active() {
			t.Errorf("beta's Janet after alpha's deactivations: %+v %v, want active", u, err)
		}

		// No directory of that kind: the tenant and where to set one.
		for _, c := range []struct{ slug, kind, want string }{
			{"gamma", "ldap", "the tenant gamma has no LDAP directory stored"},
			{"alpha", "graph", "the tenant alpha has no Microsoft Graph directory stored"},
		} {
			_, err := cli("sync", c.kind, "--tenant", c.slug)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "Settings → Organisation → Directories and mail") ||
				!strings.Contains(err.Error(), "/api/v1/settings/tenant/directory") {
				t.Errorf("sync %s --tenant %s: %v, want %q and where to configure it", c.kind, c.slug, err, c.want)
			}
		}
		// The implicit tenant's directories are the environment's, with
		// --tenant default as without it.
		for _, args := range [][]string{{"sync", "ldap"}, {"sync", "ldap", "--tenant", "default"}} {
			if _, err := cli(args...); err == nil || !strings.Contains(err.Error(), "REPORTLINE_LDAP_URL") {
				t.Errorf("%v: %v, want the environment's variables named", args, err)
			}
		}
		if _, err := cli("sync", "ldap", "--tenant", "nobody"); err == nil || !strings.Contains(err.Error(), "no tenant has this slug") {
			t.Errorf("an unknown tenant: %v", err)
		}
	})
}
