package app_test

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/directory"
	"reportline/internal/testapp"
	"reportline/secret"
	"reportline/store"
)

// TestTenantDirectoryGuardIsTheTenants: the installation's guard and
// sources (here: LDAP on, 50 deactivations allowed) stay the implicit
// tenant's; another tenant's run is held by the bound it set, and LDAP is
// on there only once it configured a directory. Its secret is stored
// sealed and never in the view or the change log.
func TestTenantDirectoryGuardIsTheTenants(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := testapp.OpenDB(t, engine)
		key := make([]byte, secret.KeySize)
		rand.Read(key)
		keys, _ := secret.New("", key)
		a := app.New(app.Adapt(db.Read, db.Write, db.Ping, db.ReadOnce), app.Config{Logger: slog.New(slog.DiscardHandler),
			PasswordParams: testapp.FastPasswords, Tenants: db.Tenants, Secrets: keys,
			Directory: directory.Guard{HoldCount: 50, On: []reportline.Source{reportline.SourceLDAP}}})
		id, err := db.CreateTenantAs(ctx, "test", "beta", "beta.example")
		if err != nil {
			t.Fatal(err)
		}
		beta := reportline.WithTenant(ctx, id)
		pa, err := a.CreatePlatformAdmin(beta, "pa@beta.example", "a long password")
		if err != nil {
			t.Fatal(err)
		}
		admin := app.UserActor(pa, reportline.SourceUI)
		on := func(ctx context.Context) bool {
			t.Helper()
			var got map[reportline.Source]bool
			if err := db.Read(ctx, func(tx *store.Tx) error {
				var err error
				got, err = a.SourcesOn(ctx, tx)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return got[reportline.SourceLDAP]
		}
		if !on(ctx) || on(beta) {
			t.Errorf("LDAP on: implicit %t, beta %t; want the environment's for the implicit tenant only", on(ctx), on(beta))
		}
		const pass = "bind-Secret-9"
		d, err := a.SetTenantDirectory(beta, admin, app.TenantDirectoryChange{HoldCount: ptrTo(2), LDAP: app.TenantLDAPChange{
			URL: ptrTo("ldaps://ldap.beta.example"), BaseDN: ptrTo("ou=people,dc=beta"), BindDN: ptrTo("cn=reader,dc=beta"),
			BindPassword: ptrTo(secret.Value(pass))}})
		if err != nil {
			t.Fatal(err)
		}
		if !d.LDAP.PasswordSet || d.LDAP.BindPassword.Reveal() != "" || d.HoldCount != 2 {
			t.Errorf("the view: %+v", d)
		}
		if !on(beta) {
			t.Error("beta configured LDAP, but LDAP is not on there")
		}
		users := []reportline.DirectoryUser{dirUser("boss", ""), dirUser("a", "boss"), dirUser("b", "boss"), dirUser("c", "boss"), dirUser("d", "boss")}
		sys := app.SystemActor(reportline.SourceLDAP)
		for _, c := range []context.Context{ctx, beta} {
			if _, err := a.SyncDirectory(c, sys, full(users...), false); err != nil {
				t.Fatal(err)
			}
		}
		// Three leave: more than beta's 2, fewer than the installation's 50.
		_, err = a.SyncDirectory(beta, sys, full(users[:2]...), false)
		if !errors.Is(err, reportline.ErrHeld) {
			t.Errorf("beta's run: %v, want held by beta's bound", err)
		}
		if rep, err := a.SyncDirectory(ctx, sys, full(users[:2]...), false); err != nil || rep.Deactivated != 3 {
			t.Errorf("the implicit tenant's run: %+v %v, want 3 deactivated under the installation's bound", rep.SyncCounts, err)
		}
		// The default organisation's are the environment's.
		if _, err := a.SetTenantDirectory(ctx, app.SystemActor(reportline.SourceUI), app.TenantDirectoryChange{HoldCount: ptrTo(1)}); !reportline.IsCode(err, reportline.Invalid) {
			t.Errorf("setting the implicit tenant's: %v, want invalid", err)
		}
		// Sealed at rest, absent from the change log.
		if err := db.Read(beta, func(tx *store.Tx) error {
			s, err := tx.Secret(beta, "directory.ldap.bind_password")
			if err != nil {
				return err
			}
			if string(s.Box) == pass || len(s.Box) == 0 {
				t.Errorf("the stored secret is not sealed")
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	})
}

func ptrTo[T any](v T) *T { return &v }

// TestTenantSSODirectoryMatching: a tenant's admin names the directory whose
// ids are its identity provider's object ids; a person signing in the first
// time with another email is then found by that id, in that tenant only.
func TestTenantSSODirectoryMatching(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := testapp.OpenDB(t, engine)
		a := app.New(app.Adapt(db.Read, db.Write, db.Ping, db.ReadOnce), app.Config{Logger: slog.New(slog.DiscardHandler),
			PasswordParams: testapp.FastPasswords, Tenants: db.Tenants})
		id, err := db.CreateTenantAs(ctx, "test", "beta", "beta.example")
		if err != nil {
			t.Fatal(err)
		}
		beta := reportline.WithTenant(ctx, id)
		pa, err := a.CreatePlatformAdmin(beta, "pa@beta.example", "a long password")
		if err != nil {
			t.Fatal(err)
		}
		admin := app.UserActor(pa, reportline.SourceUI)
		if err := db.Write(beta, func(tx *store.Tx) error {
			return tx.PutDirectoryIdentities(beta, []reportline.DirectoryIdentity{{Source: reportline.SourceGraph, ExternalID: "oid-pa", UserID: pa.ID}})
		}); err != nil {
			t.Fatal(err)
		}
		in := app.SSOSignIn{Identity: reportline.SSOIdentity{Provider: "tenant-oidc", Subject: "entra-1", DirectoryID: "oid-pa", Email: "pa.alias@elsewhere.example"}, Method: "oidc"}
		if _, _, err := a.SignInSSO(beta, in); !reportline.IsCode(err, reportline.Unauthenticated) {
			t.Errorf("before the setting: %v, want unauthenticated", err)
		}
		if _, err := a.SetTenantSSODirectory(beta, admin, "ftp"); !reportline.IsCode(err, reportline.Invalid) {
			t.Errorf("an unknown directory: %v, want invalid", err)
		}
		if _, err := a.SetTenantSSODirectory(ctx, admin, reportline.SourceGraph); !reportline.IsCode(err, reportline.Invalid) {
			t.Errorf("the implicit tenant's: %v, want invalid (the environment's)", err)
		}
		s, err := a.SetTenantSSODirectory(beta, admin, reportline.SourceGraph)
		if err != nil || s.DirectorySource != reportline.SourceGraph {
			t.Fatalf("set graph: %+v, %v", s, err)
		}
		_, u, err := a.SignInSSO(beta, in)
		if err != nil || u.ID != pa.ID {
			t.Fatalf("by directory id: %v, %v; want pa", u.Email, err)
		}
		// The implicit tenant has no such setting: the same identity finds
		// nobody there.
		if _, _, err := a.SignInSSO(ctx, in); !reportline.IsCode(err, reportline.Unauthenticated) {
			t.Errorf("in the implicit tenant: %v, want unauthenticated", err)
		}
	})
}
