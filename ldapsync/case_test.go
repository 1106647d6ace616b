package ldapsync_test

import (
	"context"
	"os"
	"slices"
	"testing"

	"github.com/go-ldap/ldap/v3"

	"reportline"
	"reportline/app"
	"reportline/internal/slapdtest"
	"reportline/internal/testapp"
	"reportline/ldapsync"
	"reportline/store"
)

// LDAP attribute names are case-insensitive: a map written as the schema
// capitalises them reads the same users, managers, org units and disabled
// accounts. A manager DN that no longer resolves (renamed without
// referential integrity) keeps the existing link and is reported.
func TestAttributeCaseAndRenamedManager(t *testing.T) {
	t.Parallel()
	fixture, err := os.ReadFile("testdata/people.ldif")
	if err != nil {
		t.Fatal(err)
	}
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		s := slapdtest.Start(t, fixture)
		ctx := context.Background()
		env := testapp.New(t, engine)
		a := env.App
		sys := app.SystemActor(reportline.SourceLDAP)
		attrs, err := ldapsync.ParseAttributeMap(ldapsync.OpenLDAPAttributes(),
			"Manager=Manager, disabled=employeetype=DISABLED, org_unit=OU|DepartmentNumber, email=MAIL, id=EntryUUID, first_name=GivenName")
		if err != nil {
			t.Fatal(err)
		}
		cfg := openLDAP(s)
		cfg.BaseDN, cfg.Attributes = slapdtest.People, attrs
		sync := func() reportline.SyncReport {
			t.Helper()
			batch, _, err := ldapsync.Read(ctx, cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := a.SyncDirectory(ctx, sys, batch, false)
			if err != nil {
				t.Fatal(err)
			}
			return rep
		}
		rep := sync()
		if rep.Created != 6 || rep.LinksAdded != 4 {
			t.Errorf("first sync = %+v, want 6 created and 4 links, as with the lower-case map", rep.SyncCounts)
		}
		user := func(email string) reportline.User {
			t.Helper()
			u, err := a.GetUserByEmail(ctx, email)
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		managers := func(email string) []string {
			t.Helper()
			ul, err := a.ListUserLinks(ctx, sys, user(email).ID)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, m := range ul.Managers {
				out = append(out, m.User.Email)
			}
			slices.Sort(out)
			return out
		}
		if dan := user("dan@example.com"); dan.Active() {
			t.Errorf("Dan is active: employeetype=DISABLED did not match employeeType: disabled")
		}
		if ann := user("ann@example.com"); ann.OrgUnit != "Sales" || ann.FirstName != "Ann" {
			t.Errorf("Ann = %+v, want org unit Sales and first name Ann", ann)
		}
		if got := managers("bob@example.com"); !slices.Equal(got, []string{"ann@example.com"}) {
			t.Errorf("Bob's managers = %v, want Ann", got)
		}

		// Ann's entry is renamed; Bob's manager attribute still names the
		// old DN (no referential integrity).
		root := dialRoot(t, s)
		if err := root.ModifyDN(ldap.NewModifyDNRequest("cn=Ann Smith,ou=people,dc=example,dc=com", "cn=Ann Jones", true, "")); err != nil {
			t.Fatal(err)
		}
		rep = sync()
		if got := managers("bob@example.com"); !slices.Equal(got, []string{"ann@example.com"}) {
			t.Errorf("after the rename, Bob's managers = %v, want Ann kept", got)
		}
		if rep.LinksRemoved != 0 {
			t.Errorf("after the rename = %+v, want no link removed", rep.SyncCounts)
		}
		var reported bool
		for _, p := range rep.Problems {
			if p.Email == "bob@example.com" && p.Code == reportline.ProblemManagerMissing {
				reported = true
			}
		}
		if !reported {
			t.Errorf("problems = %+v, want Bob's manager reported missing", rep.Problems)
		}
	})
}
