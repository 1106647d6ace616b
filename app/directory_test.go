package app_test

import (
	"context"
	"slices"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// dirUser is a directory entry whose external id is its name and whose
// email is name@corp.example.
func dirUser(name, manager string) reportline.DirectoryUser {
	return reportline.DirectoryUser{ExternalID: "id-" + name, Email: name + "@corp.example", FirstName: name, LastName: "Corp",
		Active: true, ManagerExternalID: managerID(manager)}
}

func managerID(name string) string {
	if name == "" {
		return ""
	}
	return "id-" + name
}

var ldapActor = app.SystemActor(reportline.SourceLDAP)

func syncBatch(t *testing.T, a *app.App, b reportline.DirectoryBatch, dry bool) reportline.SyncReport {
	t.Helper()
	rep, err := a.SyncDirectory(context.Background(), ldapActor, b, dry)
	if err != nil {
		t.Fatalf("SyncDirectory: %v", err)
	}
	return rep
}

func full(users ...reportline.DirectoryUser) reportline.DirectoryBatch {
	return reportline.DirectoryBatch{Source: reportline.SourceLDAP, Users: users, Full: true}
}

// userByEmail returns the stored user with the email.
func userByEmail(t *testing.T, o *org, email string) reportline.User {
	t.Helper()
	var u reportline.User
	err := o.env.DB.Read(context.Background(), func(tx *store.Tx) error {
		var err error
		u, err = tx.UserByEmail(context.Background(), email)
		return err
	})
	if err != nil {
		t.Fatalf("user %s: %v", email, err)
	}
	return u
}

// linksOf returns "manager email (source)" for each stored link to u.
func linksOf(t *testing.T, o *org, u reportline.User) []string {
	t.Helper()
	var out []string
	err := o.env.DB.Read(context.Background(), func(tx *store.Tx) error {
		links, err := tx.Links(context.Background(), reportline.LinkFilter{ManageeID: u.ID})
		if err != nil {
			return err
		}
		for _, l := range links {
			m, err := tx.User(context.Background(), l.ManagerID)
			if err != nil {
				return err
			}
			out = append(out, m.Email+" ("+string(l.Source)+")")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func problemCodes(rep reportline.SyncReport) map[string]string {
	out := map[string]string{}
	for _, p := range rep.Problems {
		out[p.ExternalID] = p.Code
	}
	return out
}

func TestSyncDirectory(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		o := newOrg(t, engine)
		a := o.env.App
		ctx := context.Background()
		// boss ← ann ← bob; x is an existing user matched by email; carl's
		// manager is not in the directory.
		xEntry := reportline.DirectoryUser{ExternalID: "id-x", Email: " X@Example.com ", FirstName: "Xavier", LastName: "Dir",
			Position: "Engineer", Active: true, ManagerExternalID: "id-ann"}
		batch := full(dirUser("boss", ""), dirUser("ann", "boss"), dirUser("bob", "ann"), xEntry, dirUser("carl", "ghost"))

		t.Run("DryRunWritesNothing", func(t *testing.T) {
			rep := syncBatch(t, a, batch, true)
			if rep.Created != 4 || rep.Updated != 1 || rep.LinksAdded != 3 || !rep.DryRun {
				t.Errorf("dry run counts = %+v, want 4 created, 1 updated, 3 links", rep.SyncCounts)
			}
			want := reportline.SyncLinkChange{Action: reportline.ActionAdd, ManagerEmail: "ann@corp.example", ManageeID: o.x.ID, ManageeEmail: "x@example.com"}
			if !slices.Contains(rep.Links, want) {
				t.Errorf("dry run links = %+v, want %+v among them", rep.Links, want)
			}
			for _, u := range rep.Users {
				if u.Action == reportline.SyncCreated && u.UserID != 0 {
					t.Errorf("dry run gave new user %s id %d", u.ExternalID, u.UserID)
				}
			}
			page, err := a.FindUsers(ctx, sys, reportline.UserFilter{Query: "corp.example"}, 0)
			if err != nil || page.Total != 0 {
				t.Errorf("after a dry run: %d directory users stored (%v), want 0", page.Total, err)
			}
		})

		rep := syncBatch(t, a, batch, false)
		t.Run("FirstSync", func(t *testing.T) {
			want := reportline.SyncCounts{Created: 4, Updated: 1, LinksAdded: 3}
			if rep.SyncCounts != want {
				t.Errorf("counts = %+v, want %+v", rep.SyncCounts, want)
			}
			if got := problemCodes(rep); len(got) != 1 || got["id-carl"] != reportline.ProblemManagerMissing {
				t.Errorf("problems = %+v, want carl's manager missing", rep.Problems)
			}
			x := userByEmail(t, o, "x@example.com")
			if x.ID != o.x.ID || x.FirstName != "Xavier" || x.Position != "Engineer" {
				t.Errorf("x = %+v, want matched by email and overwritten", x)
			}
			if got, want := linksOf(t, o, x), []string{"ann@corp.example (ldap)", "mgr@example.com (api)"}; !slices.Equal(got, want) {
				t.Errorf("x's links = %v, want %v (the hand-made link survives)", got, want)
			}
			carl := userByEmail(t, o, "carl@corp.example")
			if got := linksOf(t, o, carl); len(got) != 0 {
				t.Errorf("carl's links = %v, want none", got)
			}
		})

		t.Run("ResyncChangesNothing", func(t *testing.T) {
			again := syncBatch(t, a, batch, false)
			want := reportline.SyncCounts{Unchanged: 5, LinksUnchanged: 3}
			if again.SyncCounts != want {
				t.Errorf("counts = %+v, want %+v", again.SyncCounts, want)
			}
		})

		t.Run("ManagerChangeAndDeparture", func(t *testing.T) {
			// bob now reports to boss; carl left the directory.
			next := full(dirUser("boss", ""), dirUser("ann", "boss"), dirUser("bob", "boss"), xEntry)
			r := syncBatch(t, a, next, false)
			want := reportline.SyncCounts{Unchanged: 4, Deactivated: 1, LinksAdded: 1, LinksRemoved: 1, LinksUnchanged: 2}
			if r.SyncCounts != want {
				t.Errorf("counts = %+v, want %+v", r.SyncCounts, want)
			}
			bob := userByEmail(t, o, "bob@corp.example")
			if got := linksOf(t, o, bob); !slices.Equal(got, []string{"boss@corp.example (ldap)"}) {
				t.Errorf("bob's links = %v", got)
			}
			if carl := userByEmail(t, o, "carl@corp.example"); carl.Active() {
				t.Errorf("carl is still active after leaving the directory")
			}
			audit, err := a.Audit(ctx, sys, reportline.AuditFilter{UserID: bob.ID})
			if err != nil {
				t.Fatal(err)
			}
			if len(audit) < 3 || audit[0].Source != reportline.SourceLDAP {
				t.Errorf("bob's audit = %+v, want ldap entries", audit)
			}
			run, changes, total, err := a.SyncRunChanges(ctx, sys, r.RunID, 10)
			if err != nil {
				t.Fatal(err)
			}
			if run.Status != reportline.ImportDone || run.Counts != want || len(changes) != 1 || total != 1 || changes[0].Action != reportline.SyncDeactivated {
				t.Errorf("run = %+v, changes = %+v", run, changes)
			}
		})

		t.Run("Cycle", func(t *testing.T) {
			// boss now reports to bob, who reports to boss.
			r := syncBatch(t, a, full(dirUser("boss", "bob"), dirUser("ann", "boss"), dirUser("bob", "boss"), xEntry), false)
			if got := problemCodes(r); got["id-boss"] != reportline.ProblemCycle {
				t.Fatalf("problems = %+v, want a cycle for boss", r.Problems)
			}
			boss := userByEmail(t, o, "boss@corp.example")
			if got := linksOf(t, o, boss); len(got) != 0 {
				t.Errorf("boss's links = %v, want none", got)
			}
		})

		t.Run("DeltaBatch", func(t *testing.T) {
			// A delta names a manager synced before and removes ann.
			delta := reportline.DirectoryBatch{Source: reportline.SourceLDAP, Users: []reportline.DirectoryUser{dirUser("dana", "boss")},
				Removed: []string{"id-ann", "id-unknown"}}
			r := syncBatch(t, a, delta, false)
			if r.Created != 1 || r.Deactivated != 1 || r.LinksAdded != 1 || len(r.Problems) != 0 {
				t.Errorf("delta = %+v %+v", r.SyncCounts, r.Problems)
			}
			ann := userByEmail(t, o, "ann@corp.example")
			if ann.Active() || len(linksOf(t, o, ann)) != 1 {
				t.Errorf("ann = %+v, links %v: want inactive with her link kept", ann, linksOf(t, o, ann))
			}
		})

		t.Run("EntryCreatedAgain", func(t *testing.T) {
			// x's entry was deleted and created again: a new id, the same
			// address. x is matched by email and stays active.
			again := xEntry
			again.ExternalID = "id-x2"
			r := syncBatch(t, a, full(dirUser("boss", ""), dirUser("ann", "boss"), dirUser("bob", "boss"), again, dirUser("dana", "boss")), false)
			if r.Deactivated != 0 || r.Created != 0 || len(r.Problems) != 0 {
				t.Errorf("counts = %+v, problems %+v: want x matched again, nobody deactivated", r.SyncCounts, r.Problems)
			}
			if x := userByEmail(t, o, "x@example.com"); !x.Active() {
				t.Errorf("x was deactivated")
			}
			if r.Users[3].UserID != o.x.ID {
				t.Errorf("the new entry is user %d, want x (%d)", r.Users[3].UserID, o.x.ID)
			}
		})

		t.Run("EmptyDirectoryIsRefused", func(t *testing.T) {
			_, err := a.SyncDirectory(ctx, ldapActor, full(), false)
			if !reportline.IsCode(err, reportline.Invalid) {
				t.Fatalf("an empty full batch: %v, want it refused", err)
			}
			if boss := userByEmail(t, o, "boss@corp.example"); !boss.Active() {
				t.Errorf("an empty directory deactivated boss")
			}
		})

		t.Run("Runs", func(t *testing.T) {
			runs, err := a.ListSyncRuns(ctx, sys, reportline.SourceLDAP, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(runs) != 8 || !runs[len(runs)-1].DryRun || runs[0].Status != reportline.ImportFailed || runs[0].Error == "" || runs[1].Status != reportline.ImportDone {
				t.Errorf("runs = %+v, want 8, the newest failed with its reason, the oldest a dry run", runs)
			}
			if _, err := a.ListSyncRuns(ctx, ui(o.ga), reportline.SourceLDAP, 10); !reportline.IsCode(err, reportline.Forbidden) {
				t.Errorf("group admin reading runs: %v, want forbidden", err)
			}
		})
	})
}

func TestSyncDirectoryRefusals(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		o := newOrg(t, engine)
		a := o.env.App
		ctx := context.Background()
		if _, err := a.SyncDirectory(ctx, ui(o.ga), full(dirUser("a", "")), false); !reportline.IsCode(err, reportline.Forbidden) {
			t.Errorf("group admin: %v, want forbidden", err)
		}
		if _, err := a.SyncDirectory(ctx, sys, reportline.DirectoryBatch{Source: reportline.SourceCSV}, false); !reportline.IsCode(err, reportline.Invalid) {
			t.Errorf("csv source: %v, want invalid", err)
		}
		if _, err := a.SyncDirectory(ctx, ui(o.pa), full(dirUser("a", "")), false); err != nil {
			t.Errorf("platform admin: %v", err)
		}

		dup := dirUser("b", "")
		dup.ExternalID = "id-a"
		twin := dirUser("c", "")
		twin.Email = "a@corp.example"
		bad := dirUser("d", "")
		bad.Email = "not an address"
		self := dirUser("e", "e")
		taken := dirUser("f", "")
		taken.Email = "z@example.com" // z's address; z has no identity, so f is matched to z
		r := syncBatch(t, a, full(dirUser("a", ""), dup, twin, bad, self, taken), false)
		want := map[string]string{"id-a": reportline.ProblemDuplicate, "id-c": reportline.ProblemDuplicate,
			"id-d": reportline.ProblemInvalid, "id-e": reportline.ProblemInvalid}
		if got := problemCodes(r); len(got) != len(want) || got["id-c"] != want["id-c"] || got["id-d"] != want["id-d"] || got["id-e"] != want["id-e"] {
			t.Errorf("problems = %+v, want %v", r.Problems, want)
		}
		if r.Skipped != 3 {
			t.Errorf("skipped = %d, want 3 (duplicate id, duplicate email, bad email)", r.Skipped)
		}
		// z now has identity id-f: another entry claiming z's address is a
		// conflict, not a merge.
		other := dirUser("g", "")
		other.Email = "z@example.com"
		r = syncBatch(t, a, reportline.DirectoryBatch{Source: reportline.SourceLDAP, Users: []reportline.DirectoryUser{other}}, false)
		if got := problemCodes(r); got["id-g"] != reportline.ProblemConflict {
			t.Errorf("problems = %+v, want a conflict for g", r.Problems)
		}
	})
}

func TestSyncDirectoryKeepsOtherSources(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		o := newOrg(t, engine)
		a := o.env.App
		// x already reports to mgr by hand; the directory says the same.
		mgr := reportline.DirectoryUser{ExternalID: "m", Email: o.mgr.Email, Active: true}
		x := reportline.DirectoryUser{ExternalID: "x", Email: o.x.Email, Active: true, ManagerExternalID: "m"}
		r := syncBatch(t, a, full(mgr, x), false)
		if r.LinksAdded != 0 || r.LinksUnchanged != 1 {
			t.Errorf("counts = %+v, want the hand-made pair left and counted unchanged", r.SyncCounts)
		}
		if got := linksOf(t, o, o.x); !slices.Equal(got, []string{"mgr@example.com (api)"}) {
			t.Errorf("x's links = %v", got)
		}
		// SCIM may name the manager by our id.
		y := reportline.DirectoryUser{ExternalID: "y", Email: o.y.Email, Active: true, ManagerID: o.mgr.ID}
		r = syncBatch(t, a, reportline.DirectoryBatch{Source: reportline.SourceSCIM, Users: []reportline.DirectoryUser{y}}, false)
		if r.LinksAdded != 1 || r.Users[0].UserID != o.y.ID {
			t.Errorf("scim = %+v %+v", r.SyncCounts, r.Users)
		}
		if got := linksOf(t, o, o.y); !slices.Equal(got, []string{"mgr@example.com (scim)"}) {
			t.Errorf("y's links = %v", got)
		}
	})
}
