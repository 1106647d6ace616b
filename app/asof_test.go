package app_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/bulkimport"
	"reportline/internal/testapp"
	"reportline/store"
)

// managersAsOf returns the emails of a user's managers at an instant,
// kind-tagged, as the system sees them.
func managersAsOf(t *testing.T, a *app.App, u reportline.UserID, at time.Time) string {
	t.Helper()
	ul, err := a.ListLinksAsOf(context.Background(), sys, u, reportline.Managers, at)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range ul.Managers {
		out = append(out, strings.TrimSuffix(m.User.Email, "@example.com")+":"+string(m.Link.Kind))
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}

// Every way a link changes leaves its history: hand assignment and its
// removal, a temporary link's dates, a CSV import, a directory sync. Each
// is asked before and after its change.
func TestHistoryFollowsEveryWriter(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine) // mgr → x at t0
		a, clock := o.env.App, o.env.Now
		t0 := clock.Now()
		hour := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }

		// Hand assignment: w becomes x's functional manager at +1h; mgr is
		// removed at +2h.
		clock.Set(hour(1))
		if _, err := a.AddLinks(ctx, ui(o.pa), app.LinkRequest{User: o.x.ID, Direction: reportline.Managers, Kind: reportline.Functional,
			IDs: []reportline.UserID{o.w.ID}}); err != nil {
			t.Fatal(err)
		}
		clock.Set(hour(2))
		if err := a.RemoveLink(ctx, ui(o.pa), reportline.Pair{ManagerID: o.mgr.ID, ManageeID: o.x.ID}); err != nil {
			t.Fatal(err)
		}
		// A temporary link recorded at +3h, in effect from +10h to +20h.
		clock.Set(hour(3))
		if _, err := a.AddLinks(ctx, ui(o.pa), app.LinkRequest{User: o.y.ID, Direction: reportline.Managers, Kind: reportline.Functional,
			IDs: []reportline.UserID{o.z.ID}, ValidFrom: hour(10), ValidUntil: hour(20), Comment: "cover"}); err != nil {
			t.Fatal(err)
		}
		// A CSV import at +4h makes mgr y's line manager.
		clock.Set(hour(4))
		if _, err := a.ImportManagers(ctx, ui(o.pa), strings.NewReader("email of manager,email of managee\nmgr@example.com,y@example.com\n"),
			bulkimport.Options{FileName: "m.csv"}); err != nil {
			t.Fatal(err)
		}
		// A directory sync at +5h brings boss and ann, ann under boss; at
		// +6h another moves her under cat.
		clock.Set(hour(5))
		syncBatch(t, a, reportline.DirectoryBatch{Source: reportline.SourceLDAP, Users: []reportline.DirectoryUser{
			{ExternalID: "id-boss", Email: "boss@example.com", Active: true},
			{ExternalID: "id-cat", Email: "cat@example.com", Active: true},
			{ExternalID: "id-ann", Email: "ann@example.com", Active: true, ManagerExternalID: "id-boss"}}}, false)
		clock.Set(hour(6))
		syncBatch(t, a, reportline.DirectoryBatch{Source: reportline.SourceLDAP, Users: []reportline.DirectoryUser{
			{ExternalID: "id-ann", Email: "ann@example.com", Active: true, ManagerExternalID: "id-cat"}}}, false)
		ann := userByEmail(t, o, "ann@example.com")

		for _, tc := range []struct {
			who  reportline.User
			at   time.Time
			want string
		}{
			{o.x, t0.Add(-time.Minute), ""},
			{o.x, t0, "mgr:line"},
			{o.x, hour(1).Add(time.Minute), "mgr:line w:functional"},
			{o.x, hour(2), "w:functional"},
			{o.y, hour(3), ""},
			{o.y, hour(4), "mgr:line"},
			{o.y, hour(10), "mgr:line z:functional"},
			{o.y, hour(19), "mgr:line z:functional"},
			{o.y, hour(20), "mgr:line"},
			{ann, hour(5).Add(-time.Minute), ""},
			{ann, hour(5), "boss:line"},
			{ann, hour(6), "cat:line"},
		} {
			if got := managersAsOf(t, a, tc.who.ID, tc.at); got != tc.want {
				t.Errorf("%s's managers at %+dm = %q, want %q", tc.who.Email, int(tc.at.Sub(t0).Minutes()), got, tc.want)
			}
		}
		// Today's answer is today's links.
		clock.Set(hour(7))
		if got, want := managersAsOf(t, a, o.x.ID, clock.Now()), strings.Join(o.managersKinds(t, o.x), " "); got != want {
			t.Errorf("x's managers now = %q, today's links say %q", got, want)
		}
	})
}

// managersKinds returns "name:kind" of a user's managers today.
func (o *org) managersKinds(t *testing.T, u reportline.User) []string {
	t.Helper()
	ul, err := o.env.App.ListUserLinks(context.Background(), sys, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range ul.Managers {
		out = append(out, strings.TrimSuffix(m.User.Email, "@example.com")+":"+string(m.Link.Kind))
	}
	slices.Sort(out)
	return out
}

// A date gives no right the viewer does not have today: a former manager
// may not look at the time they managed someone; a stranger is refused
// whatever the date; today's manager may look at any date.
func TestAsOfReadsFollowTodaysPolicy(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine)
		a, clock := o.env.App, o.env.Now
		t0 := clock.Now()
		clock.Advance(time.Hour)
		o.link(t, o.w, o.y, reportline.Line)
		clock.Advance(time.Hour)
		if err := a.RemoveLink(ctx, sys, reportline.Pair{ManagerID: o.w.ID, ManageeID: o.y.ID}); err != nil {
			t.Fatal(err)
		}
		o.link(t, o.mgr, o.y, reportline.Line)
		then := t0.Add(90 * time.Minute)
		for _, tc := range []struct {
			name    string
			actor   reportline.User
			allowed bool
		}{
			{"former manager", o.w, false},
			{"stranger", o.z, false},
			{"member of the same group", o.mem, false},
			{"today's manager", o.mgr, true},
			{"the person", o.y, true},
			{"their admin", o.ua, true},
		} {
			for _, dir := range []reportline.Direction{reportline.Managers, reportline.Managees} {
				ul, err := a.ListLinksAsOf(ctx, ui(tc.actor), o.y.ID, dir, then)
				if tc.allowed != (err == nil) {
					t.Errorf("%s asking y's %s as of then: %v, want allowed %v", tc.name, dir, err, tc.allowed)
				}
				if !tc.allowed && (ul.User.ID != 0 || len(ul.Managers) != 0) {
					t.Errorf("%s refused but got %+v", tc.name, ul)
				}
			}
			_, err := a.GetOrgChart(ctx, ui(tc.actor), o.y.ID, then)
			if tc.allowed != (err == nil) {
				t.Errorf("%s asking y's org chart as of then: %v, want allowed %v", tc.name, err, tc.allowed)
			}
			_, err = a.ListTeamAsOf(ctx, ui(tc.actor), o.y.ID, app.TeamDirect, then)
			if tc.allowed != (err == nil) {
				t.Errorf("%s asking y's team as of then: %v, want allowed %v", tc.name, err, tc.allowed)
			}
		}
		ul, err := a.ListLinksAsOf(ctx, ui(o.mgr), o.y.ID, reportline.Managers, then)
		if err != nil || len(ul.Managers) != 1 || ul.Managers[0].User.ID != o.w.ID {
			t.Errorf("y's managers then, asked by mgr = %+v, %v; want w", ul.Managers, err)
		}
	})
}

// A manager's team as of a date: direct reports, then the whole subtree
// through line links, before and after a change.
func TestTeamAsOf(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine) // mgr → x
		a, clock := o.env.App, o.env.Now
		t0 := clock.Now()
		clock.Advance(time.Hour)
		o.link(t, o.x, o.y, reportline.Line)
		o.link(t, o.y, o.w, reportline.Line)
		o.link(t, o.mgr, o.z, reportline.Functional)
		clock.Advance(time.Hour)
		if err := a.RemoveLink(ctx, sys, reportline.Pair{ManagerID: o.x.ID, ManageeID: o.y.ID}); err != nil {
			t.Fatal(err)
		}
		team := func(scope app.TeamScope, at time.Time) string {
			tv, err := a.ListTeamAsOf(ctx, ui(o.mgr), o.mgr.ID, scope, at)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, m := range tv.Members {
				out = append(out, m.User.FirstName)
			}
			return strings.Join(out, " ")
		}
		for _, tc := range []struct {
			scope app.TeamScope
			at    time.Time
			want  string
		}{
			{app.TeamDirect, t0.Add(-time.Minute), ""},
			{app.TeamDirect, t0, "x"},
			{app.TeamAll, t0, "x"},
			{app.TeamDirect, t0.Add(90 * time.Minute), "x z"},
			{app.TeamAll, t0.Add(90 * time.Minute), "x z y w"},
			{app.TeamAll, clock.Now(), "x z"},
		} {
			if got := team(tc.scope, tc.at); got != tc.want {
				t.Errorf("mgr's team (%s) at %+dm = %q, want %q", tc.scope, int(tc.at.Sub(t0).Minutes()), got, tc.want)
			}
		}
	})
}
