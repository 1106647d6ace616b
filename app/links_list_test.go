package app_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// TestListLinksSameForEveryReader: the service and platform admins read a
// user's links in one statement without a transaction, others in a read
// transaction after their access check; both list the same people, links
// and cover notes, sorted by name, and refuse an unknown user alike.
func TestListLinksSameForEveryReader(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine)
		a := o.env.App
		o.link(t, o.mgr, o.y, reportline.Line)
		o.link(t, o.w, o.y, reportline.Functional)
		o.link(t, o.ga, o.x, reportline.Functional)
		// show is what a page shows of a user's links.
		show := func(ul app.UserLinks) string {
			s := ul.User.Email + ":"
			for _, side := range [][]app.LinkedUser{ul.Managers, ul.Managees} {
				s += " |"
				for _, lu := range side {
					l := lu.Link
					s += fmt.Sprintf(" %s %d>%d %s %s %q by %d at %v from %v until %v cover %q until %v;", lu.User.Email, l.ManagerID, l.ManageeID, l.Kind,
						l.Source, l.Comment, l.CreatedBy, l.CreatedAt, l.ValidFrom, l.ValidUntil, lu.CoveringFor.Email, lu.CoverUntil)
				}
			}
			return s
		}
		check := func(when string, wantCover bool) {
			t.Helper()
			for _, u := range []reportline.User{o.x, o.mgr} {
				want, err := a.ListUserLinks(ctx, ui(o.ga), u.ID) // group admin of both: the transaction path
				if err != nil {
					t.Fatal(err)
				}
				if u == o.x && (len(want.Managers) < 2 || want.Managers[0].User.ID != o.ga.ID || want.Managers[1].User.ID != o.mgr.ID) {
					t.Fatalf("%s: x's managers as ga = %s; want ga then mgr, by name", when, show(want))
				}
				if covered := slices.ContainsFunc(want.Managers, func(lu app.LinkedUser) bool { return lu.CoveringFor.ID == o.mgr.ID }); u == o.x && covered != wantCover {
					t.Errorf("%s: x's managers = %s; cover note %v, want %v", when, show(want), covered, wantCover)
				}
				for _, r := range []struct {
					name  string
					actor app.Actor
				}{{"pa", ui(o.pa)}, {"system", sys}, {"self", ui(u)}} {
					got, err := a.ListUserLinks(ctx, r.actor, u.ID)
					if err != nil {
						t.Fatalf("%s: %s lists %s: %v", when, r.name, u.Email, err)
					}
					if show(got) != show(want) {
						t.Errorf("%s: %s lists %s\n got %s\nwant %s", when, r.name, u.Email, show(got), show(want))
					}
					one, err := a.ListLinks(ctx, r.actor, u.ID, reportline.Managees)
					if err != nil {
						t.Fatal(err)
					}
					if want := (app.UserLinks{User: want.User, Managees: want.Managees}); show(one) != show(want) {
						t.Errorf("%s: %s lists %s's managees\n got %s\nwant %s", when, r.name, u.Email, show(one), show(want))
					}
				}
			}
			for _, actor := range []app.Actor{ui(o.pa), sys} {
				if _, err := a.ListLinks(ctx, actor, o.off.ID+1000, reportline.Managers); !reportline.IsCode(err, reportline.NotFound) {
					t.Errorf("%s: listing an unknown user's managers: %v, want NotFound", when, err)
				}
			}
		}
		check("no absence", false)
		// Away Wednesday to Friday: w covers x for mgr with a link made for
		// the absence, which carries a cover note (w manages y already).
		if _, err := a.SetAbsence(ctx, ui(o.ga), app.AbsenceRequest{Manager: o.mgr.ID, Delegate: "W@example.com", From: "2026-11-25", To: "2026-11-27"}); err != nil {
			t.Fatal(err)
		}
		check("mgr away", true)
	})
}
