package graphsync_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/directory"
	"reportline/graphsync"
	"reportline/internal/graphtest"
	"reportline/internal/testapp"
	"reportline/store"
)

func TestMain(m *testing.M) { testapp.Main(m) }

// deltaSource is the client as a directory.DeltaSource, as cmd wires it.
type deltaSource struct{ c *graphsync.Client }

func (d deltaSource) ReadDelta(ctx context.Context, cursor string) (directory.DeltaRound, error) {
	r, err := d.c.Fetch(ctx, cursor)
	if err != nil {
		return directory.DeltaRound{}, err
	}
	return directory.DeltaRound{Batch: r.Batch(), Cursor: r.DeltaLink, Reset: r.Reset}, nil
}

type syncEnv struct {
	h   *harness
	env *testapp.Env
}

func (s syncEnv) sync(t *testing.T, full, dryRun bool) directory.DeltaReport {
	t.Helper()
	rep, err := s.env.App.SyncDeltaDirectory(t.Context(), app.SystemActor(reportline.SourceGraph), reportline.SourceGraph, deltaSource{s.h.client}, full, dryRun)
	if err != nil {
		t.Fatalf("sync (full %v, dry run %v): %v", full, dryRun, err)
	}
	return rep
}

// user returns the stored user with the email and "manager email (source)"
// for each of their links.
func (s syncEnv) user(t *testing.T, email string) (reportline.User, []string) {
	t.Helper()
	ctx := context.Background()
	var u reportline.User
	var links []string
	err := s.env.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		if u, err = tx.UserByEmail(ctx, email); err != nil {
			return err
		}
		ls, err := tx.Links(ctx, reportline.LinkFilter{ManageeID: u.ID})
		for _, l := range ls {
			m, err := tx.User(ctx, l.ManagerID)
			if err != nil {
				return err
			}
			links = append(links, m.Email+" ("+string(l.Source)+")")
		}
		return err
	})
	if err != nil {
		t.Fatalf("user %s: %v", email, err)
	}
	slices.Sort(links)
	return u, links
}

func (s syncEnv) wantUser(t *testing.T, email string, status reportline.Status, position string, managers ...string) {
	t.Helper()
	u, links := s.user(t, email)
	if u.Status != status || u.Position != position || !slices.Equal(links, managers) {
		t.Errorf("%s: %s, position %q, managers %v; want %s, %q, %v", email, u.Status, u.Position, links, status, position, managers)
	}
}

func TestSyncThroughTheApp(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		s := syncEnv{h: newHarness(t), env: testapp.New(t, engine)}
		s.h.org()

		// First sync: the whole directory.
		rep := s.sync(t, false, false)
		if !rep.Full || rep.Created != 7 || rep.LinksAdded != 6 || len(rep.Problems) != 0 {
			t.Fatalf("first sync: full %v, %+v, problems %v; want 7 users and 6 links created", rep.Full, rep.SyncCounts, rep.Problems)
		}
		s.wantUser(t, "cto@contoso.com", reportline.StatusActive, "CTO", "ceo@contoso.com (graph)") // email from the UPN
		s.wantUser(t, "dev7@contoso.com", reportline.StatusInactive, "Engineer", "cto@contoso.com (graph)")
		s.wantUser(t, "ceo@contoso.com", reportline.StatusActive, "CEO")
		if u, _ := s.user(t, "dev4@contoso.com"); u.FirstName != "Dev" || u.OrgUnit != "R&D" {
			t.Errorf("dev4: %+v; want first name and org unit from Graph", u)
		}

		// Changes in the directory.
		s.h.srv.Put(graphtest.User{ID: graphtest.ID(8), Mail: "new@contoso.com", UserPrincipalName: "new@contoso.com", GivenName: "Nina", Surname: "New", AccountEnabled: true, ManagerID: graphtest.ID(2)})
		s.h.srv.Put(graphtest.User{ID: graphtest.ID(4), Mail: "dev4@contoso.com", UserPrincipalName: "dev4@contoso.com", GivenName: "Dev", Surname: "E", JobTitle: "Lead engineer", Department: "R&D", AccountEnabled: true, ManagerID: graphtest.ID(3)})
		s.h.srv.SetManager(graphtest.ID(5), graphtest.ID(2))
		s.h.srv.SetManager(graphtest.ID(3), "")
		s.h.srv.Delete(graphtest.ID(6), false)

		// A dry run shows them and changes nothing, not even the delta link.
		dry := s.sync(t, false, true)
		if dry.Full || dry.Created != 1 || dry.Deactivated != 1 || dry.LinksAdded != 2 || dry.LinksRemoved != 2 {
			t.Errorf("dry run: full %v, %+v; want 1 created, 1 deactivated, 2 links added and 2 removed", dry.Full, dry.SyncCounts)
		}
		s.wantUser(t, "dev4@contoso.com", reportline.StatusActive, "Engineer", "cto@contoso.com (graph)")
		s.wantUser(t, "dev6@contoso.com", reportline.StatusActive, "Engineer", "cto@contoso.com (graph)")

		// The real sync applies only the changes.
		rep = s.sync(t, false, false)
		if rep.Full || rep.Created != 1 || rep.Deactivated != 1 || rep.LinksAdded != 2 || rep.LinksRemoved != 2 || len(rep.Problems) != 0 {
			t.Errorf("delta sync: full %v, %+v, problems %v", rep.Full, rep.SyncCounts, rep.Problems)
		}
		if got := len(rep.Users); got != 5 {
			t.Errorf("delta sync reported %d users, want the 5 that changed", got)
		}
		s.wantUser(t, "new@contoso.com", reportline.StatusActive, "", "cfo@contoso.com (graph)")
		s.wantUser(t, "dev4@contoso.com", reportline.StatusActive, "Lead engineer", "cto@contoso.com (graph)")
		s.wantUser(t, "dev5@contoso.com", reportline.StatusActive, "Engineer", "cfo@contoso.com (graph)")
		s.wantUser(t, "cto@contoso.com", reportline.StatusActive, "CTO")
		s.wantUser(t, "dev6@contoso.com", reportline.StatusInactive, "Engineer", "cto@contoso.com (graph)") // deactivated, links kept

		// Nothing changed: nothing to do.
		rep = s.sync(t, false, false)
		if rep.Full || rep.Created+rep.Updated+rep.Deactivated+rep.LinksAdded+rep.LinksRemoved != 0 || len(rep.Users) != 0 {
			t.Errorf("idle sync: full %v, %+v, %d users; want nothing", rep.Full, rep.SyncCounts, len(rep.Users))
		}

		// An expired delta link: the whole directory again, said, and
		// nothing changes.
		s.h.srv.ExpireDeltaTokens(410)
		rep = s.sync(t, false, false)
		if !rep.Full || rep.Reset == "" || rep.Created+rep.Updated+rep.Deactivated+rep.LinksAdded+rep.LinksRemoved != 0 || rep.Unchanged != 7 {
			t.Errorf("after expiry: full %v, reset %q, %+v; want a full sync with 7 unchanged", rep.Full, rep.Reset, rep.SyncCounts)
		}

		// --full from scratch: a user missing from the directory goes.
		s.h.srv.Delete(graphtest.ID(8), true)
		rep = s.sync(t, true, false)
		if !rep.Full || rep.Deactivated != 1 {
			t.Errorf("full sync: full %v, %+v; want user 8 deactivated", rep.Full, rep.SyncCounts)
		}
		s.wantUser(t, "new@contoso.com", reportline.StatusInactive, "", "cfo@contoso.com (graph)")
	})
}

func TestDirectorySyncDue(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		s := syncEnv{h: newHarness(t), env: testapp.New(t, engine)}
		s.h.org()
		due := func() bool {
			t.Helper()
			ok, err := s.env.App.DirectorySyncDue(t.Context(), reportline.SourceGraph, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if !due() {
			t.Error("never synced: want due")
		}
		s.sync(t, false, true)
		if !due() {
			t.Error("only a dry run so far: want due")
		}
		s.sync(t, false, false)
		if due() {
			t.Error("just synced (by another replica, say): want not due")
		}
		s.env.Now.Advance(55 * time.Minute)
		if !due() {
			t.Error("55 minutes later, with a 1h interval: want due (timers may fire a little early)")
		}
	})
}

func TestSyncOfAThousandUsers(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		t.Parallel() // each engine has its own database; they share nothing
		s := syncEnv{h: newHarness(t), env: testapp.New(t, engine)}
		s.h.srv.PageSize = 100
		const n = 1000
		for i := 1; i <= n; i++ {
			mgr := ""
			if i > 1 {
				mgr = graphtest.ID(i / 2) // a binary tree under user 1
			}
			s.h.srv.Put(graphtest.User{ID: graphtest.ID(i), Mail: fmt.Sprintf("u%d@contoso.com", i), UserPrincipalName: fmt.Sprintf("u%d@contoso.com", i),
				GivenName: "User", Surname: strconv.Itoa(i), AccountEnabled: true, ManagerID: mgr})
		}
		rep := s.sync(t, false, false)
		if rep.Created != n || rep.LinksAdded != n-1 || len(rep.Problems) != 0 {
			t.Fatalf("first sync: %+v, %d problems", rep.SyncCounts, len(rep.Problems))
		}
		if pages := s.h.srv.Count("/v1.0/users/delta"); pages != n/100 {
			t.Errorf("%d pages, want %d", pages, n/100)
		}
		// A reorganisation: the second half of the leaves move to user 2.
		for i := n/2 + 1; i <= n; i++ {
			s.h.srv.SetManager(graphtest.ID(i), graphtest.ID(2))
		}
		rep = s.sync(t, false, false)
		if rep.Full || rep.LinksAdded != n/2 || rep.LinksRemoved != n/2 || rep.Updated != 0 || len(rep.Problems) != 0 {
			t.Errorf("reorganisation: full %v, %+v, problems %v", rep.Full, rep.SyncCounts, rep.Problems)
		}
		if got := s.h.srv.Count("/v1.0/$batch"); got != n/2/20 {
			t.Errorf("%d batches to read %d users whole, want %d", got, n/2, n/2/20)
		}
		s.wantUser(t, "u1000@contoso.com", reportline.StatusActive, "", "u2@contoso.com (graph)")
		s.wantUser(t, "u500@contoso.com", reportline.StatusActive, "", "u250@contoso.com (graph)")
	})
}
