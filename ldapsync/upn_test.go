package ldapsync_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/internal/slapdtest"
	"reportline/internal/testapp"
	"reportline/ldapsync"
	"reportline/store"
)

// An AD account whose only address is an on-premises UPN
// (carl@corp.local) is read from the real slapd with the AD preset and then
// skipped by the sync with a problem naming the cause; the accounts with a
// routable address are synced (issue 14: "AD: on-premises UPNs like
// user@corp.local are accepted as emails").
func TestActiveDirectoryOnPremisesUPNSkipped(t *testing.T) {
	t.Parallel()
	base, err := os.ReadFile("testdata/people.ldif")
	if err != nil {
		t.Fatal(err)
	}
	fixture := append(base, []byte(`
dn: cn=Carl Local,ou=ad,dc=example,dc=com
objectClass: inetOrgPerson
objectClass: extensibleObject
cn: Carl Local
sn: Local
userPrincipalName: carl@corp.local
objectGUID:: ICEiIyQlJicoKSorLC0uLw==
userAccountControl: 512
`)...)
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		s := slapdtest.Start(t, fixture)
		ctx := context.Background()
		env := testapp.New(t, engine)
		attrs, _, err := ldapsync.Preset("ad")
		if err != nil {
			t.Fatal(err)
		}
		cfg := ldapsync.Config{URL: s.LDAPSURL, CAFile: s.CAFile, BindDN: slapdtest.ReaderDN, BindPassword: slapdtest.ReaderPassword,
			BaseDN: "ou=ad,dc=example,dc=com", Filter: "(objectClass=extensibleObject)", Attributes: attrs}
		batch, _, err := ldapsync.Read(ctx, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := env.App.SyncDirectory(ctx, app.SystemActor(reportline.SourceLDAP), batch, false)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Created != 2 || rep.Skipped != 1 {
			t.Errorf("sync = %+v, want Ada and Abe created and Carl skipped", rep.SyncCounts)
		}
		var found bool
		for _, p := range rep.Problems {
			if p.Email == "carl@corp.local" || strings.Contains(p.Reason, "carl@corp.local") {
				found = strings.Contains(p.Reason, "on-premises sign-in name (UPN)")
			}
		}
		if !found {
			t.Errorf("problems = %+v, want one saying carl@corp.local is an on-premises UPN", rep.Problems)
		}
		if _, err := env.App.GetUserByEmail(ctx, "carl@corp.local"); !reportline.IsCode(err, reportline.NotFound) {
			t.Errorf("carl@corp.local became a user: %v", err)
		}
	})
}
