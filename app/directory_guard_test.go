package app_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/bulkimport"
	"reportline/directory"
	"reportline/internal/testapp"
	"reportline/provisioning"
	"reportline/store"
)

// A directory never deactivates, re-addresses or renames a platform admin
// unless the guard allows it: the entry is skipped with a named problem.
func TestDirectoryLeavesPlatformAdminsAlone(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		o := newOrg(t, engine)
		ctx := context.Background()
		paEntry := reportline.DirectoryUser{ExternalID: "id-pa", Email: "pa@example.com", FirstName: "Pat", Active: true}
		boss, ann := dirUser("boss", ""), dirUser("ann", "pa")
		syncBatch(t, o.env.App, full(paEntry, boss, ann), false)
		before := userByEmail(t, o, "pa@example.com")
		if before.FirstName != "" || !before.IsPlatformAdmin() {
			t.Fatalf("the admin was renamed by the first sync: %+v", before)
		}
		if got := linksOf(t, o, userByEmail(t, o, "ann@corp.example")); len(got) != 1 || got[0] != "pa@example.com (ldap)" {
			t.Errorf("ann's managers = %v, want the admin as her manager (an admin kept as is still manages)", got)
		}

		for _, tc := range []struct {
			name  string
			batch reportline.DirectoryBatch
		}{
			{"re-addressed", full(reportline.DirectoryUser{ExternalID: "id-pa", Email: "someone@evil.example", Active: true}, boss, ann)},
			{"disabled", full(reportline.DirectoryUser{ExternalID: "id-pa", Email: "pa@example.com", Active: false}, boss, ann)},
			{"gone from a full batch", full(boss, ann)},
			{"removed by a delta", reportline.DirectoryBatch{Source: reportline.SourceLDAP, Removed: []string{"id-pa"}}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				rep := syncBatch(t, o.env.App, tc.batch, false)
				if problemCodes(rep)["id-pa"] != reportline.ProblemProtected {
					t.Errorf("problems = %+v, want id-pa %s", rep.Problems, reportline.ProblemProtected)
				}
				if rep.Skipped == 0 || rep.Deactivated != 0 {
					t.Errorf("counts = %+v, want the admin skipped, nobody deactivated", rep.SyncCounts)
				}
				after := userByEmail(t, o, "pa@example.com")
				if after != before {
					t.Errorf("admin after = %+v, want unchanged %+v", after, before)
				}
			})
		}

		t.Run("AllowedBySetting", func(t *testing.T) {
			a := o.env.AppWith(directory.Guard{MayChangePlatformAdmins: true})
			rep, err := a.SyncDirectory(ctx, ldapActor, full(reportline.DirectoryUser{ExternalID: "id-pa", Email: "pa@example.com", FirstName: "Pat", Active: true}, boss, ann), false)
			if err != nil || len(rep.Problems) != 0 {
				t.Fatalf("sync = %+v, %v", rep.Problems, err)
			}
			if got := userByEmail(t, o, "pa@example.com"); got.FirstName != "Pat" {
				t.Errorf("with the setting on, first name = %q, want Pat", got.FirstName)
			}
		})
	})
}

// admin create on an existing address recovers that account (promoted,
// reactivated, new password) and never creates a second one; an admin a
// directory re-addressed (with the setting on) is found by the old address.
func TestRecoverPlatformAdmin(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		o := newOrg(t, engine)
		ctx := context.Background()
		a := o.env.App
		off := reportline.StatusInactive
		if _, err := a.UpdateUser(ctx, sys, o.x.ID, app.UserPatch{Status: &off}); err != nil {
			t.Fatal(err)
		}
		u, rec, err := a.RecoverPlatformAdmin(ctx, " X@Example.com ", "a brand new password")
		if err != nil {
			t.Fatal(err)
		}
		if u.ID != o.x.ID || !rec.Existed || rec.WasAdmin || !rec.WasInactive || !u.IsPlatformAdmin() || !u.Active() {
			t.Errorf("recovered %+v %+v, want user %d promoted and reactivated", u, rec, o.x.ID)
		}
		if _, _, err := a.Login(ctx, "x@example.com", "a brand new password", "t"); err != nil {
			t.Errorf("login with the new password: %v", err)
		}

		// A directory allowed to change admins re-addresses pa.
		lax := o.env.AppWith(directory.Guard{MayChangePlatformAdmins: true})
		if _, err := lax.SyncDirectory(ctx, ldapActor, reportline.DirectoryBatch{Source: reportline.SourceLDAP,
			Users: []reportline.DirectoryUser{{ExternalID: "id-pa", Email: "pa@example.com", Active: true}}}, false); err != nil {
			t.Fatal(err)
		}
		if _, err := lax.SyncDirectory(ctx, ldapActor, reportline.DirectoryBatch{Source: reportline.SourceLDAP,
			Users: []reportline.DirectoryUser{{ExternalID: "id-pa", Email: "moved@example.com", Active: false}}}, false); err != nil {
			t.Fatal(err)
		}
		u, rec, err = a.RecoverPlatformAdmin(ctx, "pa@example.com", "another new password")
		if err != nil {
			t.Fatal(err)
		}
		if u.ID != o.pa.ID || rec.FormerEmail != "moved@example.com" || !rec.WasInactive || u.Email != "pa@example.com" || !u.Active() {
			t.Errorf("recovered %+v %+v, want admin %d back at pa@example.com", u, rec, o.pa.ID)
		}
		page, err := a.FindUsers(ctx, sys, reportline.UserFilter{Query: "pa@example.com"}, 0)
		if err != nil || page.Total != 1 {
			t.Errorf("%d accounts with pa@example.com (%v), want 1", page.Total, err)
		}
	})
}

// people returns n directory entries p000… under boss.
func people(n int) []reportline.DirectoryUser {
	out := []reportline.DirectoryUser{dirUser("boss", "")}
	for i := range n {
		out = append(out, dirUser(fmt.Sprintf("p%03d", i), "boss"))
	}
	return out
}

// A run that would deactivate more than the guard allows is held: nothing
// is applied, the run is recorded held, and only a platform admin's
// confirmation lets a run with as many deactivations through.
func TestMassDeactivationIsHeld(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		o := newOrg(t, engine)
		ctx := context.Background()
		a := o.env.App
		all := people(42) // 43 with boss, as in the issue
		syncBatch(t, a, full(all...), false)

		// A filter a little too narrow: 33 of 43 would go.
		narrow := full(all[:10]...)
		dry := syncBatch(t, a, narrow, true)
		if dry.Held != 33 || dry.Deactivated != 33 {
			t.Errorf("dry run = %+v, want 33 deactivations that would be held", dry.SyncCounts)
		}
		rep, err := a.SyncDirectory(ctx, ldapActor, narrow, false)
		if !errors.Is(err, reportline.ErrHeld) || rep.Held != 33 {
			t.Fatalf("narrow sync = %+v, %v; want held", rep.SyncCounts, err)
		}
		if got := userByEmail(t, o, "p041@corp.example"); !got.Active() {
			t.Errorf("a held run deactivated %s", got.Email)
		}
		runs, err := a.ListSyncRuns(ctx, sys, reportline.SourceLDAP, 1)
		if err != nil || runs[0].Status != reportline.SyncHeld || runs[0].Counts.Held != 33 {
			t.Fatalf("latest run = %+v, %v; want held with 33", runs, err)
		}
		// Its reason is stored named, with its counts, for the pages.
		if r := runs[0]; r.ErrorID != "error.sync.held" || r.ErrorArgs["Count"] != int64(33) || r.ErrorArgs["Source"] != reportline.Term("sync.source.ldap") {
			t.Errorf("held run's reason = %q %v, want error.sync.held with its counts", r.ErrorID, r.ErrorArgs)
		}

		// A plain user may not confirm; the system (the scheduled sync) is
		// held again without a confirmation.
		if _, err := a.ConfirmHeldRun(ctx, app.UserActor(o.ga, reportline.SourceAPI), runs[0].ID); !reportline.IsCode(err, reportline.Forbidden) {
			t.Errorf("a group admin confirming: %v, want forbidden", err)
		}
		if _, err := a.SyncDirectory(ctx, ldapActor, narrow, false); !errors.Is(err, reportline.ErrHeld) {
			t.Errorf("unconfirmed again: %v, want held", err)
		}

		// A run deactivating within the guard applies at once.
		few := full(all[:len(all)-5]...)
		if r := syncBatch(t, a, few, false); r.Deactivated != 5 || r.Held != 0 {
			t.Errorf("5 deactivations = %+v, want applied", r.SyncCounts)
		}

		// Confirmed by a platform admin: the next run applies, once.
		runs, _ = a.ListSyncRuns(ctx, sys, reportline.SourceLDAP, 5)
		var held reportline.SyncRun
		for _, r := range runs {
			if r.Status == reportline.SyncHeld {
				held = r
				break
			}
		}
		if _, err := a.ConfirmHeldRun(ctx, app.UserActor(o.pa, reportline.SourceAPI), held.ID); err != nil {
			t.Fatal(err)
		}
		if r := syncBatch(t, a, narrow, false); r.Deactivated != 28 {
			t.Errorf("confirmed run = %+v, want the other 28 deactivated", r.SyncCounts)
		}
		if got := userByEmail(t, o, "p020@corp.example"); got.Active() {
			t.Errorf("%s still active after the confirmed run", got.Email)
		}
		syncBatch(t, a, full(all...), false) // all back
		if _, err := a.SyncDirectory(ctx, ldapActor, narrow, false); !errors.Is(err, reportline.ErrHeld) {
			t.Errorf("a confirmation used twice: %v, want held", err)
		}

		t.Run("CountAndShareConfigurable", func(t *testing.T) {
			lax := o.env.AppWith(directory.Guard{HoldPercent: -1, HoldCount: -1})
			if _, err := lax.SyncDirectory(ctx, ldapActor, narrow, true); err != nil {
				t.Errorf("with the guard off: %v", err)
			}
			strict := o.env.AppWith(directory.Guard{HoldPercent: -1, HoldCount: 2})
			if r, _ := strict.SyncDirectory(ctx, ldapActor, full(all[:40]...), true); r.Held != 3 {
				t.Errorf("count 2, 3 deactivations: held = %d, want 3", r.Held)
			}
		})
	})
}

// SCIM deactivations are counted over a rolling hour.
func TestSCIMDeactivationsHeldWithinAnHour(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		o := newOrg(t, engine)
		ctx := context.Background()
		a := o.env.AppWith(directory.Guard{HoldPercent: -1, HoldCount: 2})
		client := reportline.ProvisioningClient{Name: "entra"}
		var ids []reportline.UserID
		for i := range 4 {
			u, err := a.SCIMCreateUser(ctx, client, provisioning.UserInput{UserName: fmt.Sprintf("s%d@corp.example", i), Active: true})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, u.ID)
		}
		for _, id := range ids[:2] {
			if err := a.SCIMDeactivateUser(ctx, client, id); err != nil {
				t.Fatalf("deactivation within the guard: %v", err)
			}
		}
		err := a.SCIMDeactivateUser(ctx, client, ids[2])
		if !errors.Is(err, reportline.ErrHeld) {
			t.Fatalf("third deactivation within the hour: %v, want held", err)
		}
		if e, ok := errors.AsType[*reportline.Error](err); !ok || e.MsgID != "error.sync.held_scim" || e.MsgArgs["Count"] != 3 {
			t.Errorf("held refusal names %+v, want error.sync.held_scim with its count", e)
		}
		if u, _ := a.SCIMUser(ctx, client, ids[2]); !u.Active() {
			t.Errorf("a held deactivation was applied")
		}
		o.env.Now.Advance(61 * time.Minute)
		if err := a.SCIMDeactivateUser(ctx, client, ids[2]); err != nil {
			t.Errorf("an hour later: %v", err)
		}
		if err := a.SCIMDeactivateUser(ctx, client, ids[3]); err != nil {
			t.Errorf("second of the new hour: %v", err)
		}
	})
}

// A link owned by a directory source that is on is changed only by that
// source: a hand removal, a replace that drops it or an edit of its terms is
// refused with the source named; once the source is off, it is anybody's.
func TestDirectoryOwnedLinks(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		o := newOrg(t, engine)
		ctx := context.Background()
		on := o.env.AppWith(directory.Guard{On: []reportline.Source{reportline.SourceLDAP}})
		if _, err := on.SyncDirectory(ctx, ldapActor, reportline.DirectoryBatch{Source: reportline.SourceLDAP, Users: []reportline.DirectoryUser{
			{ExternalID: "id-mgr", Email: "mgr@example.com", FirstName: "mgr", Active: true},
			{ExternalID: "id-y", Email: "y@example.com", FirstName: "y", Active: true, ManagerExternalID: "id-mgr"},
		}}, false); err != nil {
			t.Fatal(err)
		}
		pair := reportline.Pair{ManagerID: o.mgr.ID, ManageeID: o.y.ID}
		admin := app.UserActor(o.pa, reportline.SourceUI)
		err := on.RemoveLink(ctx, admin, pair)
		if err == nil || !strings.Contains(reportline.ErrorMessage(err), "ldap") {
			t.Errorf("hand removal of an LDAP link: %v, want refused naming ldap", err)
		}
		_, err = on.ReplaceLinks(ctx, admin, app.LinkRequest{User: o.y.ID, Direction: reportline.Managers, Kind: reportline.Line, Emails: []string{"w@example.com"}})
		if e, ok := errors.AsType[*reportline.Error](err); !ok || len(e.Details) != 1 || e.Details[0].Reason != string(app.VerdictOwned) {
			t.Errorf("replace dropping an LDAP link: %v, want refused for that link", err)
		}
		_, err = on.AddLinks(ctx, admin, app.LinkRequest{User: o.y.ID, Direction: reportline.Managers, Kind: reportline.Functional, Emails: []string{"mgr@example.com"}})
		if e, ok := errors.AsType[*reportline.Error](err); !ok || len(e.Details) != 1 || e.Details[0].Reason != string(app.VerdictOwned) {
			t.Errorf("changing an LDAP link's kind by hand: %v, want refused", err)
		}
		if got := linksOf(t, o, o.y); len(got) != 1 || got[0] != "mgr@example.com (ldap)" {
			t.Errorf("y's links = %v, want the LDAP link untouched", got)
		}
		// A CSV replace leaves the LDAP link in place and says so; a line
		// that would change its terms is refused for that managee.
		res, err := on.ImportManagers(ctx, admin, strings.NewReader("email of manager,email of managee\nw@example.com,y@example.com\n"), bulkimport.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := linksOf(t, o, o.y); len(got) != 2 || got[1] != "w@example.com (csv)" || got[0] != "mgr@example.com (ldap)" {
			t.Errorf("after a CSV replace, y's links = %v, want the LDAP link kept and w added", got)
		}
		if len(res.Rejected) != 1 || res.Rejected[0].Reason != "directory_owned_kept" || !strings.Contains(res.Rejected[0].Message, "ldap") ||
			res.Batch.Counts.Rejected != 0 {
			t.Errorf("import report = %+v %+v, want one note naming ldap and nothing rejected", res.Rejected, res.Batch.Counts)
		}
		res, err = on.ImportManagers(ctx, admin, strings.NewReader("email of manager,email of managee,valid until\nmgr@example.com,y@example.com,2027-01-01\n"), bulkimport.Options{})
		if err != nil || len(res.Rejected) == 0 || res.Rejected[0].Reason != "directory_owned" {
			t.Errorf("a CSV line changing an LDAP link's dates: %+v, want it refused", res.Rejected)
		}

		// LDAP switched off: the link is an ordinary one.
		if err := o.env.App.RemoveLink(ctx, admin, pair); err != nil {
			t.Errorf("with LDAP off: %v", err)
		}
	})
}
