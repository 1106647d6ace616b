package app_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// TestSearchIndexAgreesWithDatabase: the access search's listing of whom a
// subject may do c about answers the same, page by page (users, grants with
// their chains, totals, next tokens), from the in-memory index (view_reports
// walks it) and from the database walk; and My team lists the same people
// through the same managers. The organisation is the access fixture (group
// admins, a dated line link, a functional one, inactive users with reports)
// plus random links written straight into the database: line links in
// cycles, as corrupt data may hold, users with several line managers,
// functional links and links dated in the future or ended, an inactive
// user in the middle of the line.
func TestSearchIndexAgreesWithDatabase(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		for seed := uint64(1); seed <= 3; seed++ {
			o := newAccessOrg(t, engine)
			env := o.env
			now := o.now
			users := []reportline.User{o.pa, o.ga, o.ua, o.mem, o.mgr, o.x, o.y, o.w, o.z, o.off, o.old, o.gone}
			existing := map[reportline.Pair]bool{}
			for _, u := range users {
				ls, err := env.App.ListLinks(ctx, sys, u.ID, reportline.Managers)
				if err != nil {
					t.Fatal(err)
				}
				for _, l := range ls.Managers {
					existing[l.Link.Pair()] = true
				}
			}
			r := rand.New(rand.NewPCG(seed, 11))
			if err := env.DB.Write(ctx, func(tx *store.Tx) error {
				for k := 0; k < 3*len(users); k++ {
					p := reportline.Pair{ManagerID: users[r.IntN(len(users))].ID, ManageeID: users[r.IntN(len(users))].ID}
					if p.ManagerID == p.ManageeID || existing[p] {
						continue
					}
					existing[p] = true
					l := reportline.Link{ManagerID: p.ManagerID, ManageeID: p.ManageeID, Kind: reportline.Line, Source: reportline.SourceAPI,
						Comment: "random", CreatedAt: now}
					if r.IntN(4) == 0 {
						l.Kind = reportline.Functional
					}
					switch r.IntN(5) {
					case 0:
						l.ValidFrom = now.Add(time.Hour)
					case 1:
						l.ValidUntil = now.Add(time.Hour)
					case 2:
						l.ValidFrom, l.ValidUntil = now.Add(-48*time.Hour), now.AddDate(0, 0, 3)
					}
					if err := tx.InsertLink(ctx, l); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			o.deactivate(t, o.mgr) // a manager in the middle of the line

			indexed, walking := replicaOf(env), replicaOf(env)
			walking.UseGraphIndex(false)
			if _, err := indexed.CheckAccess(ctx, sys, o.mem.ID, reportline.ViewReports, o.x.ID, time.Time{}); err != nil {
				t.Fatal(err) // builds the index
			}
			if v, err := indexed.GraphVersion(ctx); err != nil || indexed.GraphIndexVersion() != v {
				t.Fatalf("the index is at version %d, the database at %d (%v)", indexed.GraphIndexVersion(), v, err)
			}

			type search func(a *app.App, u reportline.UserID, c reportline.Capability, at time.Time, page app.SearchPage) (app.SearchResult, error)
			resources := func(a *app.App, u reportline.UserID, c reportline.Capability, at time.Time, page app.SearchPage) (app.SearchResult, error) {
				return a.SearchResources(ctx, sys, u, c, at, page)
			}
			subjects := func(a *app.App, u reportline.UserID, c reportline.Capability, at time.Time, page app.SearchPage) (app.SearchResult, error) {
				return a.SearchSubjects(ctx, sys, c, u, at, page)
			}
			pages := func(a *app.App, find search, s reportline.User, c reportline.Capability, at time.Time, limit int) []app.SearchResult {
				t.Helper()
				var out []app.SearchResult
				var after reportline.UserID
				for range len(users) + 2 {
					res, err := find(a, s.ID, c, at, app.SearchPage{After: after, Limit: limit})
					if err != nil {
						t.Fatal(err)
					}
					out = append(out, res)
					if res.Next == 0 {
						return out
					}
					after = res.Next
				}
				t.Fatalf("%s %s: no last page", s.Email, c)
				return nil
			}
			chains, upChains := 0, 0
			for _, at := range []time.Time{{}, now.Add(2 * time.Hour), now.AddDate(0, 0, 2), now.AddDate(0, 0, 20), now.AddDate(0, 0, -1)} {
				for _, s := range users {
					for _, c := range reportline.Capabilities {
						for _, limit := range []int{1, 2, 500} {
							got, want := pages(indexed, resources, s, c, at, limit), pages(walking, resources, s, c, at, limit)
							if !reflect.DeepEqual(got, want) {
								t.Fatalf("seed %d: whom may %s %s at %v (pages of %d):\nindex    %+v\ndatabase %+v", seed, s.Email, c, at, limit, got, want)
							}
							gotS, wantS := pages(indexed, subjects, s, c, at, limit), pages(walking, subjects, s, c, at, limit)
							if !reflect.DeepEqual(gotS, wantS) {
								t.Fatalf("seed %d: who may %s about %s at %v (pages of %d):\nindex    %+v\ndatabase %+v", seed, c, s.Email, at, limit, gotS, wantS)
							}
							for _, p := range gotS {
								for _, h := range p.Hits {
									if h.Grant.By == app.GrantChain && len(h.Grant.Chain) > 1 {
										upChains++
									}
								}
							}
							for _, p := range got {
								for _, h := range p.Hits {
									if h.Grant.By == app.GrantChain && len(h.Grant.Chain) > 1 {
										chains++
									}
								}
							}
						}
					}
				}
			}
			if chains == 0 || upChains == 0 {
				t.Fatalf("seed %d: %d chains of two links or more down, %d up: the test compares nothing a walk finds", seed, chains, upChains)
			}

			// My team, scope all: the same members through the same managers.
			type member struct {
				id, manager reportline.UserID
				depth       int
				kind        reportline.Kind
			}
			team := func(a *app.App, u reportline.User) ([]member, int) {
				t.Helper()
				tv, err := a.Team(ctx, app.UserActor(u, reportline.SourceAPI), app.TeamAll)
				if err != nil {
					t.Fatal(err)
				}
				var out []member
				for _, m := range tv.Members {
					out = append(out, member{m.User.ID, m.Manager.ID, m.Depth, m.Kind})
				}
				return out, tv.Reporting
			}
			for _, u := range users {
				if !u.Active() || u.ID == o.mgr.ID {
					continue
				}
				gm, gn := team(indexed, u)
				wm, wn := team(walking, u)
				if fmt.Sprint(gm, gn) != fmt.Sprint(wm, wn) {
					t.Fatalf("seed %d: team of %s:\nindex    %v %d\ndatabase %v %d", seed, u.Email, gm, gn, wm, wn)
				}
			}
			t.Logf("seed %d: searches and teams agree; %d chain grants of two links or more down, %d up", seed, chains, upChains)
		}
	})
}
