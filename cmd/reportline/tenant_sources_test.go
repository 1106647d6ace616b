package main

import (
	"context"
	"crypto/rand"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/config"
	"reportline/directory"
	"reportline/internal/graphtest"
	"reportline/internal/slapdtest"
	"reportline/internal/smtptest"
	"reportline/internal/testapp"
	"reportline/mail"
	"reportline/outbox"
	"reportline/secret"
	"reportline/store"
)

// otherDirectory is the second tenant's LDAP directory: Jane's address
// again (the same email in two tenants), under another name.
const otherDirectory = `
dn: cn=Janet Roe,ou=people,dc=example,dc=com
objectClass: inetOrgPerson
cn: Janet Roe
givenName: Janet
sn: Roe
mail: jane@example.com

dn: cn=Zoe Ray,ou=people,dc=example,dc=com
objectClass: inetOrgPerson
cn: Zoe Ray
givenName: Zoe
sn: Ray
mail: zoe@example.com
manager: cn=Janet Roe,ou=people,dc=example,dc=com
`

// tenantFixture is an App serving several tenants, with a key for secrets
// and the real connectors.
type tenantFixture struct {
	db  *store.DB
	app *app.App
	ctx context.Context
}

func newTenantFixture(t *testing.T, engine store.Engine, conn func(app.Connectors) app.Connectors) tenantFixture {
	t.Helper()
	db := testapp.OpenDB(t, engine)
	key := make([]byte, secret.KeySize)
	rand.Read(key)
	keys, err := secret.New("", key)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	c := connectors(config.Config{}, log)
	if conn != nil {
		c = conn(c)
	}
	a := app.New(app.Adapt(db.Read, db.Write, db.Ping, db.ReadOnce), app.Config{Logger: log, PasswordParams: testapp.FastPasswords,
		Tenants: db.Tenants, Secrets: keys, Connectors: c})
	return tenantFixture{db: db, app: a, ctx: context.Background()}
}

// tenant creates a tenant and its platform admin; it returns the tenant's
// context and the admin as an actor.
func (f tenantFixture) tenant(t *testing.T, slug string) (context.Context, app.Actor) {
	t.Helper()
	id, err := f.db.CreateTenantAs(f.ctx, "test", slug, slug+".example")
	if err != nil {
		t.Fatal(err)
	}
	ctx := reportline.WithTenant(f.ctx, id)
	u, err := f.app.CreatePlatformAdmin(ctx, "pa@"+slug+".example", "a long password")
	if err != nil {
		t.Fatal(err)
	}
	return ctx, app.UserActor(u, reportline.SourceUI)
}

func ptr[T any](v T) *T { return &v }

// TestTenantLDAPDirectoriesSyncIntoTheirOwnTenants: two tenants, each with
// its own slapd, configured through the App (bind passwords sealed); one
// tick of the scheduler syncs each directory into its own tenant only, the
// same address in both staying two people; the next tick finds nothing
// due.
func TestTenantLDAPDirectoriesSyncIntoTheirOwnTenants(t *testing.T) {
	t.Parallel()
	fixture, err := os.ReadFile("../../ldapsync/testdata/people.ldif")
	if err != nil {
		t.Fatal(err)
	}
	dirA, dirB := slapdtest.Start(t, fixture), slapdtest.Start(t, []byte(otherDirectory))
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newTenantFixture(t, engine, nil)
		type tenant struct {
			ctx   context.Context
			actor app.Actor
			dir   *slapdtest.Server
		}
		var ts []tenant
		for i, dir := range []*slapdtest.Server{dirA, dirB} {
			ctx, actor := f.tenant(t, []string{"alpha", "beta"}[i])
			ca, err := os.ReadFile(dir.CAFile)
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.app.SetTenantDirectory(ctx, actor, app.TenantDirectoryChange{LDAP: app.TenantLDAPChange{
				URL: ptr(dir.URL), StartTLS: ptr(true), CA: ptr(string(ca)), BindDN: ptr(slapdtest.ReaderDN), BaseDN: ptr(slapdtest.People),
				Attributes: ptr("disabled=employeeType=disabled"), Interval: ptr(time.Hour), BindPassword: ptr(secret.Value(slapdtest.ReaderPassword))}})
			if err != nil {
				t.Fatalf("configure tenant %d: %v", i, err)
			}
			ts = append(ts, tenant{ctx, actor, dir})
		}
		d, err := f.app.TenantDirectory(ts[0].ctx, ts[0].actor)
		if err != nil || !d.LDAP.PasswordSet || d.LDAP.BindPassword.Reveal() != "" || d.LDAP.URL != dirA.URL {
			t.Fatalf("the stored source: %+v %v; want the password set and not returned", d.LDAP, err)
		}
		if err := f.app.TestTenantConnection(ts[1].ctx, ts[1].actor, "ldap"); err != nil {
			t.Errorf("test connection: %v", err)
		}

		s := f.app.NewDirectorySyncs(nil, 0)
		if err := s.Tick(f.ctx); err != nil {
			t.Fatal(err)
		}
		s.Wait()
		sys := app.SystemActor(reportline.SourceLDAP)
		for i, tn := range ts {
			runs, err := f.app.ListSyncRuns(tn.ctx, sys, reportline.SourceLDAP, 5)
			if err != nil {
				t.Fatal(err)
			}
			if len(runs) != 1 || runs[0].Status != reportline.ImportDone || runs[0].DryRun {
				t.Fatalf("tenant %d: runs %+v, want one applied scheduled sync", i, runs)
			}
		}
		name := func(ctx context.Context, email string) string {
			u, err := f.app.GetUserByEmail(ctx, email)
			if reportline.IsCode(err, reportline.NotFound) {
				return ""
			}
			if err != nil {
				t.Fatal(err)
			}
			return u.FirstName
		}
		for _, c := range []struct {
			tenant      int
			email, want string
		}{
			{0, "jane@example.com", "Jane"}, {0, "bob@example.com", "Bob"}, {0, "zoe@example.com", ""},
			{1, "jane@example.com", "Janet"}, {1, "zoe@example.com", "Zoe"}, {1, "bob@example.com", ""},
		} {
			if got := name(ts[c.tenant].ctx, c.email); got != c.want {
				t.Errorf("tenant %d, %s: first name %q, want %q", c.tenant, c.email, got, c.want)
			}
		}
		// The implicit tenant has no directory of its own here: no run.
		if runs, err := f.app.ListSyncRuns(reportline.WithTenant(f.ctx, reportline.ImplicitTenant), sys, reportline.SourceLDAP, 5); err != nil || len(runs) != 0 {
			t.Errorf("implicit tenant: runs %v %v, want none", runs, err)
		}
		// Within the hour nothing is due: no second run.
		if err := s.Tick(f.ctx); err != nil {
			t.Fatal(err)
		}
		s.Wait()
		for i, tn := range ts {
			if runs, _ := f.app.ListSyncRuns(tn.ctx, sys, reportline.SourceLDAP, 5); len(runs) != 1 {
				t.Errorf("tenant %d after a second tick: %d runs, want 1", i, len(runs))
			}
		}
	})
}

// TestTenantLDAPTestConnectionSaysWhatFailed: a wrong bind password and a
// wrong base DN are named in plain words, and the password is never in
// the message.
func TestTenantLDAPTestConnectionSaysWhatFailed(t *testing.T) {
	t.Parallel()
	dir := slapdtest.Start(t, []byte(otherDirectory))
	f := newTenantFixture(t, store.SQLite, nil)
	ctx, actor := f.tenant(t, "gamma")
	ca, _ := os.ReadFile(dir.CAFile)
	const wrong = "not-the-reader-password"
	if _, err := f.app.SetTenantDirectory(ctx, actor, app.TenantDirectoryChange{LDAP: app.TenantLDAPChange{
		URL: ptr(dir.URL), StartTLS: ptr(true), CA: ptr(string(ca)), BindDN: ptr(slapdtest.ReaderDN), BaseDN: ptr(slapdtest.People),
		BindPassword: ptr(secret.Value(wrong))}}); err != nil {
		t.Fatal(err)
	}
	err := f.app.TestTenantConnection(ctx, actor, "ldap")
	if err == nil || !strings.Contains(err.Error(), "refused the bind DN") || strings.Contains(err.Error(), wrong) {
		t.Errorf("a wrong password: %v; want it named, without the password", err)
	}
	if _, err := f.app.SetTenantDirectory(ctx, actor, app.TenantDirectoryChange{LDAP: app.TenantLDAPChange{
		BaseDN: ptr("ou=nowhere,dc=example,dc=com"), BindPassword: ptr(secret.Value(slapdtest.ReaderPassword))}}); err != nil {
		t.Fatal(err)
	}
	if err := f.app.TestTenantConnection(ctx, actor, "ldap"); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("a wrong base DN: %v; want it named", err)
	}
}

// TestTenantGraphDirectoriesSyncIntoTheirOwnTenants: two tenants, each
// with its own Entra ID (a Graph test server each); the scheduler syncs
// each into its own tenant, the client secrets sealed at rest.
func TestTenantGraphDirectoriesSyncIntoTheirOwnTenants(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		srvA, srvB := graphtest.New(t), graphtest.New(t)
		srvB.ClientID = "0b7c2f6e-5b1e-4a8e-9d0c-2f4b8a6c1d3e" // another app registration
		srvA.Put(graphtest.User{ID: graphtest.ID(1), Mail: "boss@contoso.com", UserPrincipalName: "boss@contoso.com", AccountEnabled: true})
		srvA.Put(graphtest.User{ID: graphtest.ID(2), Mail: "ann@contoso.com", UserPrincipalName: "ann@contoso.com", AccountEnabled: true, ManagerID: graphtest.ID(1)})
		srvB.Put(graphtest.User{ID: graphtest.ID(1), Mail: "boss@contoso.com", UserPrincipalName: "boss@contoso.com", GivenName: "Other", AccountEnabled: true})
		srvB.Put(graphtest.User{ID: graphtest.ID(3), Mail: "max@contoso.com", UserPrincipalName: "max@contoso.com", AccountEnabled: true})
		servers := map[string]*graphtest.Server{srvA.ClientID: srvA, srvB.ClientID: srvB}
		log := slog.New(slog.DiscardHandler)
		f := newTenantFixture(t, engine, func(c app.Connectors) app.Connectors {
			// Each tenant's Entra ID is its own test server: the
			// installation's authority and API addresses point there.
			c.Graph = func(g app.TenantGraph) (directory.DeltaSource, error) {
				srv := servers[g.ClientID]
				return newGraphDirectory(config.Graph{Tenant: g.Tenant, ClientID: g.ClientID, ClientSecret: g.ClientSecret.Reveal(),
					AuthorityURL: srv.URL, APIURL: srv.URL}, log)
			}
			return c
		})
		var ctxs []context.Context
		for i, srv := range []*graphtest.Server{srvA, srvB} {
			ctx, actor := f.tenant(t, []string{"alpha", "beta"}[i])
			if _, err := f.app.SetTenantDirectory(ctx, actor, app.TenantDirectoryChange{Graph: app.TenantGraphChange{
				Tenant: ptr(srv.Tenant), ClientID: ptr(srv.ClientID), ClientSecret: ptr(secret.Value(srv.ClientSecret)), Interval: ptr(time.Hour)}}); err != nil {
				t.Fatal(err)
			}
			ctxs = append(ctxs, ctx)
		}
		s := f.app.NewDirectorySyncs(nil, 1) // one at a time: the second tenant waits for a slot
		for range 3 {
			if err := s.Tick(f.ctx); err != nil {
				t.Fatal(err)
			}
			s.Wait()
		}
		sys := app.SystemActor(reportline.SourceGraph)
		for i, ctx := range ctxs {
			runs, err := f.app.ListSyncRuns(ctx, sys, reportline.SourceGraph, 5)
			if err != nil || len(runs) != 1 || runs[0].Status != reportline.ImportDone {
				t.Fatalf("tenant %d: runs %+v %v, want one applied sync", i, runs, err)
			}
		}
		if _, err := f.app.GetUserByEmail(ctxs[0], "ann@contoso.com"); err != nil {
			t.Errorf("alpha: ann: %v", err)
		}
		if _, err := f.app.GetUserByEmail(ctxs[0], "max@contoso.com"); !reportline.IsCode(err, reportline.NotFound) {
			t.Errorf("alpha: max: %v, want not found (beta's)", err)
		}
		if u, err := f.app.GetUserByEmail(ctxs[1], "boss@contoso.com"); err != nil || u.FirstName != "Other" {
			t.Errorf("beta: boss: %+v %v, want beta's Other", u, err)
		}
	})
}

// TestTenantMailGoesThroughTheTenantsRelay: two tenants with two relays
// (real SMTP server processes, one asking for a password); each tenant's
// message arrives at its own relay only, and the implicit tenant's mail
// stays with the installation's sender (the .eml folder here).
func TestTenantMailGoesThroughTheTenantsRelay(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newTenantFixture(t, engine, nil)
		relayA, relayB := smtptest.Start(t, "-user", "alpha", "-password", "alpha-s3cret"), smtptest.Start(t)
		var ctxs []context.Context
		for i, relay := range []*smtptest.Server{relayA, relayB} {
			slug := []string{"alpha", "beta"}[i]
			ctx, actor := f.tenant(t, slug)
			host, port, _ := strings.Cut(relay.Addr, ":")
			p, _ := strconv.Atoi(port)
			c := app.TenantSMTPChange{Host: ptr(host), Port: ptr(p), TLS: ptr("none"), From: ptr("HR <hr@" + slug + ".example>")}
			if i == 0 {
				c.Username, c.Password = ptr("alpha"), ptr(secret.Value("alpha-s3cret"))
			}
			r, err := f.app.SetTenantSMTP(ctx, actor, c)
			if err != nil {
				t.Fatalf("%s: %v", slug, err)
			}
			if i == 0 && (!r.PasswordSet || r.Password.Reveal() != "") {
				t.Errorf("%s: the view %+v, want the password set and not returned", slug, r)
			}
			if err := f.app.TestTenantConnection(ctx, actor, "smtp"); err != nil {
				t.Errorf("%s: test connection: %v", slug, err)
			}
			ctxs = append(ctxs, ctx)
		}
		implicit := reportline.WithTenant(f.ctx, reportline.ImplicitTenant)
		for i, ctx := range append(ctxs, implicit) {
			err := f.db.Write(ctx, func(tx *store.Tx) error {
				_, err := f.app.Enqueue(ctx, tx, reportline.OutboxMessage{Key: "relay:" + strconv.Itoa(i), Type: reportline.NotifyTemplateMessage,
					To: "manager@example.com", Subject: "Tenant " + strconv.Itoa(i), Text: "Hello", HTML: "<p>Hello</p>"})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		eml := t.TempDir()
		base, err := mail.NewFileSender(eml, "Reportline <reportline@localhost>")
		if err != nil {
			t.Fatal(err)
		}
		sender, closeRelays := perTenantSender(base, f.app)
		defer closeRelays()
		w := f.app.NewOutboxWorker(sender, outbox.Options{})
		if n, err := w.DeliverDue(f.ctx); err != nil || n != 3 {
			t.Fatalf("delivered %d, %v; want 3", n, err)
		}
		for i, relay := range []*smtptest.Server{relayA, relayB} {
			msgs := relay.Messages(t)
			if len(msgs) != 1 || msgs[0].Subject != "Tenant "+strconv.Itoa(i) {
				t.Errorf("relay %d received %+v, want its tenant's message alone", i, msgs)
			}
			if len(msgs) == 1 && !strings.Contains(msgs[0].From, []string{"alpha", "beta"}[i]) {
				t.Errorf("relay %d: from %q, want the tenant's From address", i, msgs[0].From)
			}
		}
		files, _ := filepath.Glob(filepath.Join(eml, "*.eml"))
		if len(files) != 1 {
			t.Errorf("the installation's folder has %d messages, want the implicit tenant's one", len(files))
		}
	})
}

// TestTenantSMTPTestConnectionHidesThePassword: a refused password is
// said in words, never echoed.
func TestTenantSMTPTestConnectionHidesThePassword(t *testing.T) {
	t.Parallel()
	f := newTenantFixture(t, store.SQLite, nil)
	relay := smtptest.Start(t, "-user", "u", "-password", "right")
	ctx, actor := f.tenant(t, "gamma")
	host, port, _ := strings.Cut(relay.Addr, ":")
	p, _ := strconv.Atoi(port)
	const wrong = "wrong-Pa55word"
	if _, err := f.app.SetTenantSMTP(ctx, actor, app.TenantSMTPChange{Host: ptr(host), Port: ptr(p), TLS: ptr("none"),
		From: ptr("hr@gamma.example"), Username: ptr("u"), Password: ptr(secret.Value(wrong))}); err != nil {
		t.Fatal(err)
	}
	err := f.app.TestTenantConnection(ctx, actor, "smtp")
	if err == nil || strings.Contains(err.Error(), wrong) || !strings.Contains(err.Error(), relay.Addr) {
		t.Errorf("a wrong password: %v; want the relay named, the password not", err)
	}
}
