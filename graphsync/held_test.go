package graphsync_test

import (
	"errors"
	"fmt"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/internal/graphtest"
	"reportline/internal/testapp"
	"reportline/store"
)

// A Graph delta round that would deactivate many people is held like an
// LDAP run: nothing applied, the delta link not advanced (the next round
// reads the same deletions and is held again), and once a platform admin
// confirms, the next round applies them. Issue 14's guard for Graph.
func TestGraphDeltaRoundHeldUntilConfirmed(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		s := syncEnv{h: newHarness(t), env: testapp.New(t, engine)}
		ctx := t.Context()
		for i := 1; i <= 60; i++ {
			s.h.srv.Put(graphtest.User{ID: graphtest.ID(i), Mail: fmt.Sprintf("p%d@contoso.com", i), UserPrincipalName: fmt.Sprintf("p%d@contoso.com", i),
				GivenName: "P", Surname: fmt.Sprint(i), AccountEnabled: true})
		}
		if rep := s.sync(t, false, false); rep.Created != 60 {
			t.Fatalf("first sync created %d, want 60", rep.Created)
		}
		for i := 1; i <= 20; i++ { // a third of the company "leaves" at once
			s.h.srv.Delete(graphtest.ID(i), false)
		}
		graph := app.SystemActor(reportline.SourceGraph)
		round := func() (int, error) {
			rep, err := s.env.App.SyncDeltaDirectory(ctx, graph, reportline.SourceGraph, deltaSource{s.h.client}, false, false)
			return rep.Deactivated, err
		}
		for i := range 2 { // held, and held again: the delta link did not move on
			if n, err := round(); !errors.Is(err, reportline.ErrHeld) || n != 20 {
				t.Fatalf("round %d: would deactivate %d, %v; want the same 20 held", i+1, n, err)
			}
		}
		if u, _ := s.user(t, "p1@contoso.com"); u.Status != reportline.StatusActive {
			t.Fatalf("p1 after held rounds: %s, want still active", u.Status)
		}
		runs, err := s.env.App.ListSyncRuns(ctx, app.SystemActor(reportline.SourceCLI), reportline.SourceGraph, 1)
		if err != nil || len(runs) != 1 || runs[0].Status != reportline.SyncHeld || runs[0].Counts.Held != 20 {
			t.Fatalf("last graph run = %+v, %v; want held with 20", runs, err)
		}
		admin, err := s.env.App.CreatePlatformAdmin(ctx, "admin@contoso.com", "a-long-enough-password")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.env.App.ConfirmHeldRun(ctx, app.UserActor(admin, reportline.SourceAPI), runs[0].ID); err != nil {
			t.Fatal(err)
		}
		if n, err := round(); err != nil || n != 20 {
			t.Fatalf("after the confirmation: %d deactivated, %v; want the 20", n, err)
		}
		if u, _ := s.user(t, "p1@contoso.com"); u.Status != reportline.StatusInactive {
			t.Errorf("p1 after the confirmed round: %s, want inactive", u.Status)
		}
		if n, err := round(); err != nil || n != 0 {
			t.Errorf("the round after: %d deactivated, %v; want nothing left to do", n, err)
		}
	})
}
