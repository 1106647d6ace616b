package ldapsync_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/go-ldap/ldap/v3"

	"reportline"
	"reportline/app"
	"reportline/internal/slapdtest"
	"reportline/internal/testapp"
	"reportline/ldapsync"
	"reportline/store"
)

func TestMain(m *testing.M) { testapp.Main(m) }

// bulkEntries is the generated part of the directory: n people under
// ou=bulk, each reporting to Jane, so that a read needs several pages.
func bulkEntries(n int) []byte {
	var b strings.Builder
	b.WriteString("dn: ou=bulk,dc=example,dc=com\nobjectClass: organizationalUnit\nou: bulk\n\n")
	for i := range n {
		fmt.Fprintf(&b, "dn: uid=p%04d,ou=bulk,dc=example,dc=com\nobjectClass: inetOrgPerson\nuid: p%04d\ncn: Person %d\nsn: Person\ngivenName: P%d\nmail: p%04d@example.com\nmanager: cn=Doe\\, Jane,ou=people,dc=example,dc=com\n\n", i, i, i, i, i)
	}
	return []byte(b.String())
}

const bulk = 1200

func startDirectory(t *testing.T) *slapdtest.Server {
	t.Helper()
	fixture, err := os.ReadFile("testdata/people.ldif")
	if err != nil {
		t.Fatal(err)
	}
	return slapdtest.Start(t, fixture, bulkEntries(bulk))
}

// openLDAP is the configuration of the tests' OpenLDAP users: StartTLS
// verified against the server's CA, bound as the reader, whose searches are
// limited to 1,000 entries unless they page.
func openLDAP(s *slapdtest.Server) ldapsync.Config {
	attrs, err := ldapsync.ParseAttributeMap(ldapsync.OpenLDAPAttributes(), "disabled=employeeType=disabled")
	if err != nil {
		panic(err)
	}
	return ldapsync.Config{URL: s.URL, StartTLS: true, CAFile: s.CAFile, BindDN: slapdtest.ReaderDN, BindPassword: slapdtest.ReaderPassword,
		BaseDN: "dc=example,dc=com", Filter: "(&(objectClass=inetOrgPerson)(!(objectClass=extensibleObject)))", PageSize: 500, Attributes: attrs}
}

func TestSyncFromSlapd(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		s := startDirectory(t) // each engine's own: the test changes it
		ctx := context.Background()
		env := testapp.New(t, engine)
		a := env.App
		sys := app.SystemActor(reportline.SourceLDAP)

		// Before the first sync: Carol exists, and reports by hand to Hank,
		// who is not in the directory.
		admin, err := a.CreatePlatformAdmin(ctx, "admin@example.com", "correct horse battery")
		if err != nil {
			t.Fatal(err)
		}
		carol, err := a.CreateUser(ctx, sys, app.UserInput{Email: "carol@example.com", FirstName: "C"})
		if err != nil {
			t.Fatal(err)
		}
		hank, err := a.CreateUser(ctx, sys, app.UserInput{Email: "hank@example.com", FirstName: "Hank"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.AddLinks(ctx, app.UserActor(admin, reportline.SourceUI), app.LinkRequest{User: carol.ID,
			Direction: reportline.Managers, Kind: reportline.Line, IDs: []reportline.UserID{hank.ID}}); err != nil {
			t.Fatal(err)
		}

		batch, stats, err := ldapsync.Read(ctx, openLDAP(s), nil)
		if err != nil {
			t.Fatal(err)
		}
		if want := bulk + 6; stats.Entries != want || len(batch.Users) != want || stats.Pages < 3 {
			t.Fatalf("read %d entries in %d pages, want %d in at least 3", stats.Entries, stats.Pages, want)
		}

		dry, err := a.SyncDirectory(ctx, sys, batch, true)
		if err != nil {
			t.Fatal(err)
		}
		if dry.Created != bulk+5 || dry.Updated != 1 {
			t.Errorf("dry run = %+v, want %d created and Carol updated", dry.SyncCounts, bulk+5)
		}
		if _, err := env.App.GetUserByEmail(ctx, "jane@example.com"); !reportline.IsCode(err, reportline.NotFound) {
			t.Fatalf("a dry run created Jane: %v", err)
		}

		rep, err := a.SyncDirectory(ctx, sys, batch, false)
		if err != nil {
			t.Fatal(err)
		}
		want := reportline.SyncCounts{Created: bulk + 5, Updated: 1, LinksAdded: bulk + 4}
		if rep.SyncCounts != want {
			t.Errorf("first sync = %+v, want %+v", rep.SyncCounts, want)
		}
		if len(rep.Problems) != 1 || rep.Problems[0].Email != "eve@example.com" || rep.Problems[0].Code != reportline.ProblemManagerMissing {
			t.Errorf("problems = %+v, want Eve's manager missing", rep.Problems)
		}
		managers := func(email string) []string {
			t.Helper()
			u, err := a.GetUserByEmail(ctx, email)
			if err != nil {
				t.Fatal(err)
			}
			ul, err := a.ListUserLinks(ctx, sys, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, m := range ul.Managers {
				out = append(out, m.User.Email+" ("+string(m.Link.Source)+")")
			}
			slices.Sort(out)
			return out
		}
		for _, c := range []struct {
			email string
			want  []string
		}{
			{"jane@example.com", nil},
			{"ann@example.com", []string{"jane@example.com (ldap)"}}, // the DN with an escaped comma, compared properly
			{"bob@example.com", []string{"ann@example.com (ldap)"}},
			{"eve@example.com", nil},
			{"carol@example.com", []string{"ann@example.com (ldap)", "hank@example.com (ui)"}}, // the hand-made link survives
			{"p0042@example.com", []string{"jane@example.com (ldap)"}},
		} {
			if got := managers(c.email); !slices.Equal(got, c.want) {
				t.Errorf("managers of %s = %v, want %v", c.email, got, c.want)
			}
		}
		dan, err := a.GetUserByEmail(ctx, "dan@example.com")
		if err != nil || dan.Active() {
			t.Errorf("Dan = %+v (%v), want inactive: he is disabled in the directory", dan, err)
		}
		ann, err := a.GetUserByEmail(ctx, "ann@example.com")
		if err != nil || ann.FirstName != "Ann" || ann.Position != "Head of Sales" || ann.OrgUnit != "Sales" {
			t.Errorf("Ann = %+v (%v)", ann, err)
		}

		again, err := a.SyncDirectory(ctx, sys, batch, false)
		if err != nil {
			t.Fatal(err)
		}
		if want := (reportline.SyncCounts{Unchanged: bulk + 6, LinksUnchanged: bulk + 4}); again.SyncCounts != want {
			t.Errorf("re-sync = %+v, want %+v (nothing changes)", again.SyncCounts, want)
		}

		// Bob leaves the directory: he is deactivated and keeps his link.
		root := dialRoot(t, s)
		if err := root.Del(ldap.NewDelRequest("cn=Bob Stone,ou=people,dc=example,dc=com", nil)); err != nil {
			t.Fatal(err)
		}
		batch, _, err = ldapsync.Read(ctx, openLDAP(s), nil)
		if err != nil {
			t.Fatal(err)
		}
		gone, err := a.SyncDirectory(ctx, sys, batch, false)
		if err != nil {
			t.Fatal(err)
		}
		if gone.Deactivated != 1 || gone.LinksRemoved != 0 {
			t.Errorf("after Bob left = %+v, want him deactivated and no link removed", gone.SyncCounts)
		}
		bob, err := a.GetUserByEmail(ctx, "bob@example.com")
		if err != nil || bob.Active() {
			t.Errorf("Bob = %+v (%v), want inactive", bob, err)
		}
		if got := managers("bob@example.com"); !slices.Equal(got, []string{"ann@example.com (ldap)"}) {
			t.Errorf("Bob's managers = %v, want his link kept", got)
		}
	})
}

// dialRoot connects as the root DN, which may change the directory.
func dialRoot(t *testing.T, s *slapdtest.Server) *ldap.Conn {
	t.Helper()
	c, err := ldap.DialURL(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Bind(slapdtest.RootDN, slapdtest.RootPassword); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestReadActiveDirectoryPreset(t *testing.T) {
	t.Parallel()
	s := startDirectory(t)
	attrs, _, err := ldapsync.Preset("ad")
	if err != nil {
		t.Fatal(err)
	}
	cfg := ldapsync.Config{URL: s.LDAPSURL, CAFile: s.CAFile, BindDN: slapdtest.ReaderDN, BindPassword: slapdtest.ReaderPassword,
		BaseDN: "ou=ad,dc=example,dc=com", Filter: "(objectClass=extensibleObject)", Attributes: attrs}
	batch, _, err := ldapsync.Read(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []reportline.DirectoryUser{
		{ExternalID: "04030201-0605-0807-090a-0b0c0d0e0f10", Email: "ada@corp.example", FirstName: "Ada", LastName: "Admin", OrgUnit: "IT", Active: true},
		{ExternalID: "12101110-1413-1615-1718-191a1b1c1d1e", Email: "abe@corp.example", LastName: "Off", Active: false,
			ManagerExternalID: "04030201-0605-0807-090a-0b0c0d0e0f10"},
	}
	slices.SortFunc(batch.Users, func(a, b reportline.DirectoryUser) int { return strings.Compare(a.ExternalID, b.ExternalID) })
	if !slices.Equal(batch.Users, want) {
		t.Errorf("AD users =\n%+v\nwant\n%+v", batch.Users, want)
	}
}

func TestReadRefusals(t *testing.T) {
	t.Parallel()
	s := startDirectory(t)
	ctx := context.Background()
	cases := []struct {
		name   string
		change func(c *ldapsync.Config)
		want   string
	}{
		{"wrong password", func(c *ldapsync.Config) { c.BindPassword = "nope" }, "LDAP bind as"},
		{"untrusted certificate", func(c *ldapsync.Config) { c.CAFile = "" }, "StartTLS"},
		{"bad URL", func(c *ldapsync.Config) { c.URL = "http://example.com" }, "want ldap://"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := openLDAP(s)
			tc.change(&cfg)
			_, _, err := ldapsync.Read(ctx, cfg, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want one mentioning %q", err, tc.want)
			}
			if strings.Contains(err.Error(), slapdtest.ReaderPassword) || strings.Contains(err.Error(), "nope") {
				t.Errorf("the error shows the password: %v", err)
			}
		})
	}
}
