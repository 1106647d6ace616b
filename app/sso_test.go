package app_test

import (
	"context"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// TestSSOMatchingByDirectoryID: the first time, an identity whose directory
// id is the external id a Graph sync stored finds that user, whatever its
// email; without the directory setting, the same identity is not matched.
func TestSSOMatchingByDirectoryID(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine)
		err := o.env.DB.Write(ctx, func(tx *store.Tx) error {
			return tx.PutDirectoryIdentities(ctx, []reportline.DirectoryIdentity{{Source: reportline.SourceGraph, ExternalID: "oid-mem", UserID: o.mem.ID}})
		})
		if err != nil {
			t.Fatal(err)
		}
		id := reportline.SSOIdentity{Provider: "oidc", Subject: "entra-sub-1", DirectoryID: "oid-mem", Email: "mem.alias@elsewhere.example"}
		if _, _, err := o.env.App.SignInSSO(ctx, app.SSOSignIn{Identity: id, Method: "oidc"}); !reportline.IsCode(err, reportline.Unauthenticated) {
			t.Errorf("without the directory setting: %v, want unauthenticated", err)
		}
		_, u, err := o.env.App.SignInSSO(ctx, app.SSOSignIn{Identity: id, Method: "oidc", Matching: app.SSOMatching{DirectorySource: reportline.SourceGraph}})
		if err != nil || u.ID != o.mem.ID {
			t.Fatalf("by directory id: %v, %v; want mem", u.Email, err)
		}
		// Another subject of the same provider cannot take over the account.
		other := id
		other.Subject, other.EmailVerified, other.Email = "entra-sub-2", true, o.mem.Email
		if _, _, err := o.env.App.SignInSSO(ctx, app.SSOSignIn{Identity: other, Method: "oidc"}); !reportline.IsCode(err, reportline.Unauthenticated) {
			t.Errorf("a second subject for a linked account: %v, want unauthenticated", err)
		}
	})
}

// TestSessionsPolicy: a user sees and ends their own sessions; a group
// admin a member's; a user admin of another group not; a platform admin
// anyone's; every ending is recorded.
func TestSessionsPolicy(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine)
		a := o.env.App
		sign := func() string {
			s, _, err := a.SignInSSO(ctx, app.SSOSignIn{Identity: reportline.SSOIdentity{Provider: "oidc", Subject: "mem", Email: o.mem.Email, EmailVerified: true}, Method: "oidc"})
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		mine, other, third := sign(), sign(), sign()
		ss, err := a.ListSessions(ctx, ui(o.mem), o.mem.ID, mine)
		if err != nil || len(ss) != 3 {
			t.Fatalf("own sessions = %d, %v; want 3", len(ss), err)
		}
		var otherIDs []string
		for _, s := range ss {
			if !s.Current {
				otherIDs = append(otherIDs, s.ID)
			}
		}
		if _, err := a.ListSessions(ctx, ui(o.ua), o.mem.ID, ""); !reportline.IsCode(err, reportline.Forbidden) {
			t.Errorf("a user admin of another group lists mem's sessions: %v, want forbidden", err)
		}
		if err := a.EndSession(ctx, ui(o.x), o.mem.ID, otherIDs[0]); !reportline.IsCode(err, reportline.Forbidden) {
			t.Errorf("another member ends mem's session: %v, want forbidden", err)
		}
		if a.MayManageSessions(ctx, ui(o.x), o.mem.ID) || !a.MayManageSessions(ctx, ui(o.ga), o.mem.ID) {
			t.Errorf("MayManageSessions disagrees with the actions")
		}
		if got, err := a.ListSessions(ctx, ui(o.ga), o.mem.ID, ""); err != nil || len(got) != 3 {
			t.Errorf("group admin lists her member's sessions: %d, %v; want 3", len(got), err)
		}
		if err := a.EndSession(ctx, ui(o.ga), o.mem.ID, otherIDs[0]); err != nil {
			t.Fatalf("group admin ends her member's session: %v", err)
		}
		if err := a.EndSession(ctx, ui(o.pa), o.mem.ID, otherIDs[1]); err != nil {
			t.Fatalf("platform admin ends mem's session: %v", err)
		}
		if _, err := a.SessionUser(ctx, third); err == nil {
			t.Errorf("an ended session still works")
		}
		if _, err := a.SessionUser(ctx, other); err == nil {
			t.Errorf("the ended session still works")
		}
		if _, err := a.SessionUser(ctx, mine); err != nil {
			t.Errorf("the other session ended too: %v", err)
		}
		if n, err := a.EndOtherSessions(ctx, ui(o.mem), o.mem.ID, mine); err != nil || n != 0 {
			t.Errorf("EndOtherSessions = %d, %v; want 0 (only the current one is left)", n, err)
		}
		cs, err := a.Changes(ctx, ui(o.pa), reportline.ChangeFilter{UserID: o.mem.ID, Action: "session.manage"})
		if err != nil || len(cs) != 2 || cs[0].ActorID != o.pa.ID || cs[1].ActorID != o.ga.ID {
			t.Errorf("recorded session ends = %+v, %v; want the platform admin's and the group admin's", cs, err)
		}
	})
}
