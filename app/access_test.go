package app_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// accessOrg is newOrg's organisation with the links the access checks need:
//
//	mgr  → x     line (newOrg's)
//	mem  → mgr   line: mem is above x, two levels up
//	y    → w     functional
//	mem  → y     line, temporary: from day 1 to day 10 after the clock
//	old  → z     line; old is then deactivated (an inactive manager)
//	mgr  → gone  line; gone is then deactivated (an inactive managee)
type accessOrg struct {
	*org
	old, gone reportline.User
	now       time.Time
}

func newAccessOrg(t *testing.T, engine store.Engine) *accessOrg {
	t.Helper()
	ctx := context.Background()
	o := &accessOrg{org: newOrg(t, engine)}
	a := o.env.App
	o.now = o.env.Now.Now()
	o.link(t, o.mem, o.mgr, reportline.Line)
	o.link(t, o.y, o.w, reportline.Functional)
	if _, err := a.AddLinks(ctx, sys, app.LinkRequest{User: o.y.ID, Direction: reportline.Managers, Kind: reportline.Line,
		IDs: []reportline.UserID{o.mem.ID}, ValidFrom: o.now.AddDate(0, 0, 1), ValidUntil: o.now.AddDate(0, 0, 10)}); err != nil {
		t.Fatal(err)
	}
	user := func(name string, g reportline.Group) reportline.User {
		u, err := a.CreateUser(ctx, sys, app.UserInput{Email: name + "@example.com", FirstName: name, GroupID: g.ID})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	o.old, o.gone = user("old", o.b), user("gone", o.a1)
	o.link(t, o.old, o.z, reportline.Line)
	o.link(t, o.mgr, o.gone, reportline.Line)
	o.deactivate(t, o.old, o.gone)
	return o
}

func (o *accessOrg) deactivate(t *testing.T, users ...reportline.User) {
	t.Helper()
	off := reportline.StatusInactive
	for _, u := range users {
		if _, err := o.env.App.UpdateUser(context.Background(), sys, u.ID, app.UserPatch{Status: &off}); err != nil {
			t.Fatal(err)
		}
	}
}

// check asks as the system and fails t on an error.
func (o *accessOrg) check(t *testing.T, s reportline.User, c reportline.Capability, r reportline.User, at time.Time) app.Decision {
	t.Helper()
	d, err := o.env.App.CheckAccess(context.Background(), sys, s.ID, c, r.ID, at)
	if err != nil {
		t.Fatalf("CheckAccess(%s, %s, %s): %v", s.Email, c, r.Email, err)
	}
	if d.Reason == "" {
		t.Errorf("CheckAccess(%s, %s, %s): no reason given", s.Email, c, r.Email)
	}
	return d
}

// TestCapabilityMatrix checks every capability granted by line, functional
// and temporary links (before, during and after their dates), by admin
// roles, to strangers, to and about inactive users, and about oneself.
func TestCapabilityMatrix(t *testing.T) {
	all := reportline.Capabilities
	except := func(out ...reportline.Capability) []reportline.Capability {
		return slices.DeleteFunc(slices.Clone(all), func(c reportline.Capability) bool { return slices.Contains(out, c) })
	}
	managerCaps := except(reportline.SeeMBOGoals) // what a manager holds about a managee
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		o := newAccessOrg(t, engine)
		day := func(n int) time.Time { return o.now.AddDate(0, 0, n) }
		type row struct {
			name     string
			s        reportline.User
			r        reportline.User
			at       time.Time
			allowed  []reportline.Capability // every other capability is refused
			code     string                  // the code of the refusals (and of the grants, when one)
			grant    app.GrantKind           // the grant of the allowed ones
			refusals map[reportline.Capability]string
		}
		rows := []row{
			{name: "line manager", s: o.mgr, r: o.x, allowed: managerCaps, grant: app.GrantLink,
				refusals: map[reportline.Capability]string{reportline.SeeMBOGoals: app.RefusedNotLinked}},
			{name: "line managee sees the manager's MBO goals", s: o.x, r: o.mgr, allowed: []reportline.Capability{reportline.SeeMBOGoals}, grant: app.GrantLink, code: app.RefusedNotLinked},
			{name: "functional manager", s: o.y, r: o.w, allowed: except(reportline.SeeMBOGoals, reportline.ManagerStar), grant: app.GrantLink,
				refusals: map[reportline.Capability]string{reportline.ManagerStar: app.RefusedKind, reportline.SeeMBOGoals: app.RefusedNotLinked}},
			{name: "functional managee", s: o.w, r: o.y, allowed: []reportline.Capability{reportline.SeeMBOGoals}, grant: app.GrantLink, code: app.RefusedNotLinked},
			{name: "temporary link, before", s: o.mem, r: o.y, at: o.now, code: app.RefusedNotInEffect,
				refusals: map[reportline.Capability]string{reportline.SeeMBOGoals: app.RefusedNotLinked}},
			{name: "temporary link, during", s: o.mem, r: o.y, at: day(2), allowed: managerCaps, grant: app.GrantLink,
				refusals: map[reportline.Capability]string{reportline.SeeMBOGoals: app.RefusedNotLinked}},
			{name: "temporary link, on its last instant", s: o.mem, r: o.y, at: day(10).Add(-time.Microsecond), allowed: managerCaps, grant: app.GrantLink,
				refusals: map[reportline.Capability]string{reportline.SeeMBOGoals: app.RefusedNotLinked}},
			{name: "temporary link, after", s: o.mem, r: o.y, at: day(10), code: app.RefusedNotInEffect,
				refusals: map[reportline.Capability]string{reportline.SeeMBOGoals: app.RefusedNotLinked}},
			{name: "temporary managee, during", s: o.y, r: o.mem, at: day(2), allowed: []reportline.Capability{reportline.SeeMBOGoals}, grant: app.GrantLink,
				refusals: map[reportline.Capability]string{}, code: app.RefusedNotLinked},
			{name: "grand-manager sees reports only", s: o.mem, r: o.x, allowed: []reportline.Capability{reportline.ViewReports}, grant: app.GrantChain, code: app.RefusedNotLinked},
			{name: "stranger", s: o.z, r: o.x, code: app.RefusedNotLinked},
			{name: "managee is not a manager", s: o.x, r: o.mgr, allowed: []reportline.Capability{reportline.SeeMBOGoals}, grant: app.GrantLink, code: app.RefusedNotLinked},
			{name: "platform admin", s: o.pa, r: o.z, allowed: []reportline.Capability{reportline.ViewReports, reportline.Contacts}, grant: app.GrantPlatformAdmin, code: app.RefusedNotLinked},
			{name: "group admin, in scope (subgroup)", s: o.ga, r: o.x, allowed: []reportline.Capability{reportline.ViewReports, reportline.Contacts}, grant: app.GrantGroupAdmin, code: app.RefusedNotLinked},
			{name: "group admin, out of scope", s: o.ga, r: o.z, code: app.RefusedNotLinked},
			{name: "user admin, in scope", s: o.ua, r: o.x, allowed: []reportline.Capability{reportline.ViewReports, reportline.Contacts}, grant: app.GrantGroupAdmin, code: app.RefusedNotLinked},
			{name: "user admin, above their group", s: o.ua, r: o.mgr, code: app.RefusedNotLinked},
			{name: "inactive manager", s: o.old, r: o.z, code: app.RefusedInactiveSubject},
			{name: "inactive managee", s: o.mgr, r: o.gone, code: app.RefusedInactiveResource},
			{name: "admin about an inactive user", s: o.ga, r: o.gone, allowed: []reportline.Capability{reportline.ViewReports, reportline.Contacts}, grant: app.GrantGroupAdmin, code: app.RefusedInactiveResource},
			{name: "inactive user", s: o.off, r: o.x, code: app.RefusedInactiveSubject},
			{name: "oneself", s: o.x, r: o.x, allowed: []reportline.Capability{reportline.ViewReports, reportline.Contacts}, grant: app.GrantSelf, code: app.RefusedSelf},
		}
		for _, rw := range rows {
			t.Run(rw.name, func(t *testing.T) {
				for _, c := range all {
					d := o.check(t, rw.s, c, rw.r, rw.at)
					want := slices.Contains(rw.allowed, c)
					if d.Allowed != want {
						t.Errorf("%s: allowed = %v, want %v (%s: %s)", c, d.Allowed, want, d.Code, d.Reason)
						continue
					}
					wantCode := rw.code
					if want {
						wantCode = string(rw.grant)
					} else if code, ok := rw.refusals[c]; ok {
						wantCode = code
					}
					if d.Code != wantCode {
						t.Errorf("%s: code = %s, want %s (%s)", c, d.Code, wantCode, d.Reason)
					}
				}
			})
		}

		t.Run("the grant names the link", func(t *testing.T) {
			d := o.check(t, o.y, reportline.ManageTasks, o.w, time.Time{})
			l := d.Grant.Link
			if l.ManagerID != o.y.ID || l.ManageeID != o.w.ID || l.Kind != reportline.Functional || l.Source != reportline.SourceAPI {
				t.Errorf("grant link = %+v, want y → w functional from the api", l)
			}
			d = o.check(t, o.x, reportline.SeeMBOGoals, o.mgr, time.Time{})
			if d.Grant.Link.ManagerID != o.mgr.ID || d.Grant.Link.ManageeID != o.x.ID {
				t.Errorf("MBO goals grant = %+v, want the link mgr → x", d.Grant.Link)
			}
			d = o.check(t, o.mem, reportline.ViewReports, o.x, time.Time{})
			if got, want := d.Grant.Users(), []reportline.UserID{o.mem.ID, o.mgr.ID, o.x.ID}; !slices.Equal(got, want) {
				t.Errorf("chain = %v, want mem, mgr, x = %v", got, want)
			}
			if d.Grant.Link.ManagerID != o.mem.ID || d.Grant.Link.ManageeID != o.mgr.ID {
				t.Errorf("chain's link = %+v, want mem → mgr", d.Grant.Link)
			}
			d = o.check(t, o.ua, reportline.ViewReports, o.x, time.Time{})
			if d.Grant.Group != o.a1.ID {
				t.Errorf("user admin's grant group = %d, want A1 = %d", d.Grant.Group, o.a1.ID)
			}
			d = o.check(t, o.ga, reportline.ViewReports, o.x, time.Time{})
			if d.Grant.Group != o.a.ID {
				t.Errorf("group admin's grant group = %d, want A = %d", d.Grant.Group, o.a.ID)
			}
		})
	})
}

// TestViewReportsIsTransitive checks the walk up the reporting line: a
// grand-manager's grand-manager sees the reports, a functional link does not
// carry them upwards, an inactive manager in between breaks the chain, a
// temporary link in between counts only in its dates, and a cycle in
// corrupt data ends the walk.
func TestViewReportsIsTransitive(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newAccessOrg(t, engine)
		a := o.env.App
		// ga → mem → mgr → x, and w manages mgr functionally.
		o.link(t, o.ga, o.mem, reportline.Line)
		o.link(t, o.w, o.mgr, reportline.Functional)
		view := func(s, r reportline.User, at time.Time) app.Decision {
			t.Helper()
			return o.check(t, s, reportline.ViewReports, r, at)
		}
		if d := view(o.ga, o.x, time.Time{}); !d.Allowed || d.Grant.By != app.GrantChain || len(d.Grant.Chain) != 3 {
			t.Errorf("great-grand-manager: %+v, want a chain of 3 links", d)
		}
		if d := view(o.w, o.x, time.Time{}); d.Allowed {
			t.Errorf("a functional manager's reach went up a level: %s", d.Reason)
		}
		if d := view(o.x, o.mem, time.Time{}); d.Allowed {
			t.Errorf("a managee sees their grand-manager's reports: %s", d.Reason)
		}

		// A temporary link at the top: boss → ga from day 1 to day 10.
		boss, err := a.CreateUser(ctx, sys, app.UserInput{Email: "boss@example.com", GroupID: o.b.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.AddLinks(ctx, sys, app.LinkRequest{User: o.ga.ID, Direction: reportline.Managers,
			IDs: []reportline.UserID{boss.ID}, ValidFrom: o.now.AddDate(0, 0, 1), ValidUntil: o.now.AddDate(0, 0, 10)}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			day  int
			want bool
		}{{0, false}, {1, true}, {9, true}, {10, false}} {
			if d := view(boss, o.x, o.now.AddDate(0, 0, tc.day)); d.Allowed != tc.want {
				t.Errorf("day %d: boss sees x's reports = %v, want %v (%s)", tc.day, d.Allowed, tc.want, d.Reason)
			}
		}

		// The line matrix cell switches the walk off.
		m := reportline.DefaultMatrix()
		m.Set(reportline.Line, reportline.ViewReports, false)
		if _, err := a.SetCapabilityMatrix(ctx, ui(o.pa), m); err != nil {
			t.Fatal(err)
		}
		if d := view(o.mem, o.x, time.Time{}); d.Allowed {
			t.Errorf("line links no longer grant view_reports, yet: %s", d.Reason)
		}
		if _, err := a.SetCapabilityMatrix(ctx, ui(o.pa), reportline.Matrix{}); err != nil {
			t.Fatal(err)
		}

		// An inactive user in the middle breaks the chain, and says so.
		o.deactivate(t, o.mgr)
		if d := view(o.mem, o.x, time.Time{}); d.Allowed || d.Code != app.RefusedInactiveChain {
			t.Errorf("through inactive mgr: %+v, want refused %s", d, app.RefusedInactiveChain)
		}
		// ... unless another way round joins active users: mem → z → x.
		o.link(t, o.z, o.x, reportline.Line)
		o.link(t, o.mem, o.z, reportline.Line)
		if d := view(o.mem, o.x, time.Time{}); !d.Allowed || !slices.Equal(d.Grant.Users(), []reportline.UserID{o.mem.ID, o.z.ID, o.x.ID}) {
			t.Errorf("around inactive mgr: %+v, want the chain mem → z → x", d)
		}

		// Corrupt data with a cycle (written behind the app's back): x → ga
		// closes ga → mem → mgr → x → ga. The walk ends.
		err = o.env.DB.Write(ctx, func(tx *store.Tx) error {
			return tx.InsertLink(ctx, reportline.Link{ManagerID: o.x.ID, ManageeID: o.ga.ID, Kind: reportline.Line,
				Source: reportline.SourceAPI, CreatedAt: o.now})
		})
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan app.Decision, 1)
		go func() { done <- view(o.w, o.x, time.Time{}) }()
		select {
		case d := <-done:
			if d.Allowed {
				t.Errorf("a stranger sees reports through a cycle: %s", d.Reason)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("the walk loops on a cycle")
		}
		if d := view(o.x, o.mem, time.Time{}); !d.Allowed {
			t.Errorf("in the cycle, x is above mem (x → ga → mem): %s", d.Reason)
		}
	})
}

// TestReconfiguredMatrix changes the matrix and checks the checks follow,
// and that only platform admins may change it.
func TestReconfiguredMatrix(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newAccessOrg(t, engine)
		a := o.env.App
		// The matrix is a setting: platform admins read it.
		if _, err := a.CapabilityMatrix(ctx, ui(o.x)); !reportline.IsCode(err, reportline.Forbidden) {
			t.Errorf("a member reads the matrix: %v, want forbidden", err)
		}
		got, err := a.CapabilityMatrix(ctx, ui(o.pa))
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(reportline.DefaultMatrix()) {
			t.Errorf("fresh matrix = %v, want the default", got)
		}
		m := reportline.Matrix{}
		m.Set(reportline.Functional, reportline.ManagerStar, true)
		m.Set(reportline.Functional, reportline.Birthdays, false)
		m.Set(reportline.Line, reportline.ManageTasks, false)
		for _, actor := range []app.Actor{ui(o.ga), ui(o.x), ui(reportline.User{})} {
			if _, err := a.SetCapabilityMatrix(ctx, actor, m); !reportline.IsCode(err, reportline.Forbidden) {
				t.Errorf("%s changed the matrix: %v", actor.User.Email, err)
			}
		}
		if _, err := a.SetCapabilityMatrix(ctx, ui(o.pa), reportline.Matrix{"boss": {reportline.ViewReports: true}}); !reportline.IsCode(err, reportline.Invalid) {
			t.Errorf("unknown kind: %v, want invalid", err)
		}
		if _, err := a.SetCapabilityMatrix(ctx, ui(o.pa), reportline.Matrix{reportline.Line: {"fly": true}}); !reportline.IsCode(err, reportline.Invalid) {
			t.Errorf("unknown capability: %v, want invalid", err)
		}
		if _, err := a.SetCapabilityMatrix(ctx, ui(o.pa), m); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			s, r reportline.User
			c    reportline.Capability
			want bool
		}{
			{o.y, o.w, reportline.ManagerStar, true},
			{o.y, o.w, reportline.Birthdays, false},
			{o.y, o.w, reportline.ManageTasks, true},
			{o.mgr, o.x, reportline.ManageTasks, false},
			{o.mgr, o.x, reportline.Birthdays, true},
		} {
			if d := o.check(t, tc.s, tc.c, tc.r, time.Time{}); d.Allowed != tc.want {
				t.Errorf("%s %s %s = %v, want %v (%s)", tc.s.Email, tc.c, tc.r.Email, d.Allowed, tc.want, d.Reason)
			} else if !tc.want && d.Code != app.RefusedKind {
				t.Errorf("%s %s %s: code %s, want %s", tc.s.Email, tc.c, tc.r.Email, d.Code, app.RefusedKind)
			}
		}
		// Setting an empty matrix returns every cell to its default.
		if got, err := a.SetCapabilityMatrix(ctx, ui(o.pa), reportline.Matrix{}); err != nil || fmt.Sprint(got) != fmt.Sprint(reportline.DefaultMatrix()) {
			t.Errorf("reset = %v, %v", got, err)
		}
		if d := o.check(t, o.y, reportline.ManagerStar, o.w, time.Time{}); d.Allowed {
			t.Errorf("after the reset functional links still grant the star")
		}
	})
}

// TestWhoMayAsk checks who may put an access question.
func TestWhoMayAsk(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newAccessOrg(t, engine)
		a := o.env.App
		for _, tc := range []struct {
			name    string
			actor   app.Actor
			subject reportline.User
			ok      bool
		}{
			{"platform admin", ui(o.pa), o.z, true},
			{"oneself", ui(o.mgr), o.mgr, true},
			{"an admin about a member", ui(o.ga), o.x, true},
			{"an admin about an outsider", ui(o.ga), o.z, false},
			{"a manager about their managee", ui(o.mgr), o.x, false},
			{"an inactive user about themself", ui(inactive(o.off)), o.off, false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := a.CheckAccess(ctx, tc.actor, tc.subject.ID, reportline.ViewReports, o.x.ID, time.Time{})
				if tc.ok && err != nil {
					t.Errorf("refused: %v", err)
				}
				if !tc.ok && !reportline.IsCode(err, reportline.Forbidden) {
					t.Errorf("got %v, want forbidden", err)
				}
			})
		}
		if _, err := a.CheckAccess(ctx, sys, o.x.ID, "fly", o.x.ID, time.Time{}); !reportline.IsCode(err, reportline.Invalid) {
			t.Errorf("unknown capability: %v, want invalid", err)
		}
		d, err := a.CheckAccess(ctx, sys, 999999, reportline.ViewReports, o.x.ID, time.Time{})
		if err != nil || d.Allowed || d.Code != app.RefusedUnknownSubject {
			t.Errorf("unknown subject: %+v, %v", d, err)
		}
		d, err = a.CheckAccess(ctx, sys, o.x.ID, reportline.ViewReports, 999999, time.Time{})
		if err != nil || d.Allowed || d.Code != app.RefusedUnknownResource {
			t.Errorf("unknown resource: %+v, %v", d, err)
		}
	})
}

// TestCheckAccessBatch answers a batch in order, with per-query errors.
func TestCheckAccessBatch(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		o := newAccessOrg(t, engine)
		qs := []app.AccessQuery{
			{Subject: o.mgr.ID, Capability: reportline.ViewReports, Resource: o.x.ID},
			{Subject: o.z.ID, Capability: reportline.ViewReports, Resource: o.x.ID},
			{Subject: o.mgr.ID, Capability: "fly", Resource: o.x.ID},
			{Subject: o.mem.ID, Capability: reportline.ManageTasks, Resource: o.y.ID, At: o.now.AddDate(0, 0, 2)},
			{Subject: o.mem.ID, Capability: reportline.ViewReports, Resource: o.x.ID},
		}
		ds, err := o.env.App.CheckAccessBatch(context.Background(), ui(o.ga), qs)
		if err != nil {
			t.Fatal(err)
		}
		want := []bool{true, false, false, true, true}
		for i, d := range ds {
			if d.Allowed != want[i] {
				t.Errorf("query %d: allowed %v, want %v (%s)", i, d.Allowed, want[i], d.Reason)
			}
		}
		if !reportline.IsCode(ds[2].Err, reportline.Invalid) {
			t.Errorf("unknown capability: err %v", ds[2].Err)
		}
		// ga administers A and A1, not B: z is out of their reach.
		if !reportline.IsCode(ds[1].Err, reportline.Forbidden) {
			t.Errorf("a subject out of scope: err %v, want forbidden", ds[1].Err)
		}
		if !errors.Is(ds[0].Err, nil) {
			t.Errorf("query 0: err %v", ds[0].Err)
		}
	})
}

// inactive returns u as an inactive user, as sessions and tokens never
// carry (they refuse inactive users).
func inactive(u reportline.User) reportline.User {
	u.Status = reportline.StatusInactive
	return u
}

// TestEffectiveBatchesAgree checks that the batch forms the walks use say,
// for every user, exactly what effective.go's managersOf and manageesOf
// say. When the rule of effective links changes there, this test fails
// until managersOfAll and manageesOfAll follow.
func TestEffectiveBatchesAgree(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		o := newAccessOrg(t, engine)
		users := []reportline.UserID{o.pa.ID, o.ga.ID, o.ua.ID, o.mem.ID, o.mgr.ID, o.x.ID, o.y.ID, o.w.ID, o.z.ID, o.off.ID, o.old.ID, o.gone.ID}
		one, all, err := o.env.App.EffectiveSides(context.Background(), users)
		if err != nil {
			t.Fatal(err)
		}
		key := func(ls []reportline.Link) []string {
			var out []string
			for _, l := range ls {
				out = append(out, fmt.Sprintf("%+v", l))
			}
			slices.Sort(out)
			return out
		}
		n := 0
		for side, name := range []string{"managers", "managees"} {
			for _, u := range users {
				n += len(one[side][u])
				if got, want := key(all[side][u]), key(one[side][u]); !slices.Equal(got, want) {
					t.Errorf("%s of user %d: batch %v, one by one %v", name, u, got, want)
				}
			}
		}
		if n == 0 {
			t.Fatal("no links at all: the test proves nothing")
		}

		// The walk up the line in one query says what walking managersOf
		// level by level says, temporary links and a cycle included.
		o.link(t, o.ga, o.mem, reportline.Line)
		err = o.env.DB.Write(context.Background(), func(tx *store.Tx) error {
			return tx.InsertLink(context.Background(), reportline.Link{ManagerID: o.x.ID, ManageeID: o.ga.ID, Kind: reportline.Line,
				Source: reportline.SourceAPI, CreatedAt: o.now})
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range users {
			one, levels, err := o.env.App.AncestryBothWays(context.Background(), u)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := key(one), key(levels); !slices.Equal(got, want) {
				t.Errorf("ancestry of user %d: one query %v, level by level %v", u, got, want)
			}
		}
	})
}

// TestSearchesAgreeWithChecks runs both searches for every user and every
// capability, a page of two at a time, and compares them with CheckAccess
// asked about every pair: a search returns exactly the users the check
// allows, with the same grant.
func TestSearchesAgreeWithChecks(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newAccessOrg(t, engine)
		a := o.env.App
		o.link(t, o.ga, o.mem, reportline.Line) // a three-level chain: ga → mem → mgr → x
		users := []reportline.User{o.pa, o.ga, o.ua, o.mem, o.mgr, o.x, o.y, o.w, o.z, o.off, o.old, o.gone}
		for _, at := range []time.Time{o.now, o.now.AddDate(0, 0, 2)} {
			var qs []app.AccessQuery
			for _, s := range users {
				for _, r := range users {
					for _, c := range reportline.Capabilities {
						qs = append(qs, app.AccessQuery{Subject: s.ID, Capability: c, Resource: r.ID, At: at})
					}
				}
			}
			ds, err := a.CheckAccessBatch(ctx, sys, qs)
			if err != nil {
				t.Fatal(err)
			}
			type key struct {
				u reportline.UserID
				c reportline.Capability
			}
			subjects, resources := map[key]map[reportline.UserID]app.GrantKind{}, map[key]map[reportline.UserID]app.GrantKind{}
			for _, d := range ds {
				if !d.Allowed {
					continue
				}
				ks, kr := key{d.Resource, d.Capability}, key{d.Subject, d.Capability}
				if subjects[ks] == nil {
					subjects[ks] = map[reportline.UserID]app.GrantKind{}
				}
				if resources[kr] == nil {
					resources[kr] = map[reportline.UserID]app.GrantKind{}
				}
				subjects[ks][d.Subject] = d.Grant.By
				resources[kr][d.Resource] = d.Grant.By
			}
			collect := func(search func(after reportline.UserID) (app.SearchResult, error)) map[reportline.UserID]app.GrantKind {
				t.Helper()
				got := map[reportline.UserID]app.GrantKind{}
				var after reportline.UserID
				for pages := 0; ; pages++ {
					res, err := search(after)
					if err != nil {
						t.Fatal(err)
					}
					if len(res.Hits) > 2 || pages > len(users) {
						t.Fatalf("page of %d hits, page %d", len(res.Hits), pages)
					}
					for _, h := range res.Hits {
						got[h.User] = h.Grant.By
					}
					if res.Next == 0 {
						if want := len(got); res.Total < want {
							t.Errorf("total %d, but %d hits", res.Total, want)
						}
						return got
					}
					after = res.Next
				}
			}
			for _, u := range users {
				for _, c := range reportline.Capabilities {
					got := collect(func(after reportline.UserID) (app.SearchResult, error) {
						return a.SearchSubjects(ctx, sys, c, u.ID, at, app.SearchPage{After: after, Limit: 2})
					})
					if want := subjects[key{u.ID, c}]; fmt.Sprint(got) != fmt.Sprint(want) && !(len(got) == 0 && len(want) == 0) {
						t.Errorf("who may %s about %s at %s: search %v, checks %v", c, u.Email, at.Format(time.DateOnly), got, want)
					}
					got = collect(func(after reportline.UserID) (app.SearchResult, error) {
						return a.SearchResources(ctx, sys, u.ID, c, at, app.SearchPage{After: after, Limit: 2})
					})
					// A platform admin's "everyone" also holds the users this
					// test does not list (none here): compare as they are.
					if want := resources[key{u.ID, c}]; fmt.Sprint(got) != fmt.Sprint(want) && !(len(got) == 0 && len(want) == 0) {
						t.Errorf("whom may %s %s at %s: search %v, checks %v", u.Email, c, at.Format(time.DateOnly), got, want)
					}
				}
			}
		}
	})
}

// TestAccessFollowsAssignRoleMode checks that access goes with the
// effective links: in "positions" mode the org structure's line managers
// (and their managers, for reports) are granted, and stored line links
// grant nothing until the mode is switched back.
func TestAccessFollowsAssignRoleMode(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		env := testapp.New(t, engine)
		a := env.App
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		pa, err := a.CreatePlatformAdmin(ctx, "pa@example.com", "correct horse battery")
		must(err)
		company, err := a.CreateOrgUnit(ctx, sys, app.OrgUnitInput{Name: "Company"})
		must(err)
		_, err = a.CreateOrgUnit(ctx, sys, app.OrgUnitInput{Name: "Sales", ParentID: company.ID})
		must(err)
		user := func(name, unit, position string) reportline.User {
			u, err := a.CreateUser(ctx, sys, app.UserInput{Email: name + "@example.com", OrgUnit: unit, Position: position})
			must(err)
			return u
		}
		boss, lead, rep, imp := user("boss", "Company", "CEO"), user("lead", "Sales", "Head of Sales"), user("rep", "Sales", "Rep"), user("imp", "Sales", "Rep")
		_, err = a.SetManagerPositions(ctx, ui(pa), []string{"CEO", "Head of Sales"})
		must(err)
		_, err = a.AddLinks(ctx, sys, app.LinkRequest{User: rep.ID, Direction: reportline.Managers, IDs: []reportline.UserID{imp.ID}})
		must(err)

		check := func(s reportline.User, c reportline.Capability, r reportline.User) app.Decision {
			t.Helper()
			d, err := a.CheckAccess(ctx, sys, s.ID, c, r.ID, time.Time{})
			must(err)
			return d
		}
		type want struct {
			s     reportline.User
			c     reportline.Capability
			grant app.GrantKind // "" for refused
		}
		for _, mode := range []struct {
			mode  reportline.AssignMode
			wants []want
		}{
			{reportline.AssignByImport, []want{
				{imp, reportline.ViewReports, app.GrantLink}, {imp, reportline.ManagerStar, app.GrantLink},
				{lead, reportline.ViewReports, ""}, {boss, reportline.ViewReports, ""}, {lead, reportline.ManageTasks, ""},
			}},
			{reportline.AssignByPositions, []want{
				{imp, reportline.ViewReports, ""}, {imp, reportline.ManagerStar, ""},
				{lead, reportline.ViewReports, app.GrantLink}, {lead, reportline.ManagerStar, app.GrantLink}, {lead, reportline.ManageTasks, app.GrantLink},
				{boss, reportline.ViewReports, app.GrantChain}, {boss, reportline.ManageTasks, ""},
			}},
			{reportline.AssignByImport, []want{{imp, reportline.ViewReports, app.GrantLink}, {lead, reportline.ViewReports, ""}}},
		} {
			must(a.SetAssignMode(ctx, ui(pa), mode.mode))
			for _, w := range mode.wants {
				d := check(w.s, w.c, rep)
				if d.Allowed != (w.grant != "") || d.Allowed && d.Grant.By != w.grant {
					t.Errorf("%s mode: %s %s rep = %v %s (%s), want %q", mode.mode, w.s.Email, w.c, d.Allowed, d.Grant.By, d.Reason, w.grant)
				}
			}
			if mode.mode != reportline.AssignByPositions {
				continue
			}
			if d := check(lead, reportline.ViewReports, rep); d.Grant.Link.Source != reportline.SourceOrgStructure {
				t.Errorf("the derived link's source = %q, want orgstructure", d.Grant.Link.Source)
			}
			v, err := a.Contacts(ctx, ui(rep), rep.ID)
			must(err)
			if len(v.Managers) != 1 || v.Managers[0].User.ID != lead.ID {
				t.Errorf("rep's contacts in positions mode = %+v, want lead", v.Managers)
			}
			res, err := a.SearchSubjects(ctx, sys, reportline.ViewReports, rep.ID, time.Time{}, app.SearchPage{})
			must(err)
			var got []reportline.UserID
			for _, h := range res.Hits {
				got = append(got, h.User)
			}
			if want := []reportline.UserID{pa.ID, boss.ID, lead.ID, rep.ID}; !slices.Equal(got, want) {
				t.Errorf("who may view rep's reports = %v, want pa, boss, lead, rep = %v", got, want)
			}
			res, err = a.SearchResources(ctx, sys, boss.ID, reportline.ViewReports, time.Time{}, app.SearchPage{})
			must(err)
			got = nil
			for _, h := range res.Hits {
				got = append(got, h.User)
			}
			if want := []reportline.UserID{boss.ID, lead.ID, rep.ID, imp.ID}; !slices.Equal(got, want) {
				t.Errorf("whose reports boss may view = %v, want boss, lead, rep, imp = %v", got, want)
			}
		}
	})
}

// TestDecisionReasons pins the administrators' reasons of the common
// answers (a link, a chain, no link, no chain), which the decision point
// returns as they are: through the database and from the index.
func TestDecisionReasons(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		o := newAccessOrg(t, engine)
		a := o.env.App
		for _, tc := range []struct {
			s    reportline.User
			c    reportline.Capability
			r    reportline.User
			want string
		}{
			{o.mgr, reportline.ManageTasks, o.x, "mgr@example.com manages x@example.com through a line link (source api), which grants manage_tasks"},
			{o.mem, reportline.ViewReports, o.x, "mem@example.com is above x@example.com in the reporting line (2 line links), which grants view_reports"},
			{o.mem, reportline.ManageTasks, o.x, "mem@example.com is not a manager of x@example.com"},
			{o.x, reportline.ViewReports, o.mgr, "x@example.com is not above mgr@example.com in the reporting line"},
		} {
			q := app.AccessQuery{Subject: tc.s.ID, Capability: tc.c, Resource: tc.r.ID}
			for _, indexed := range []bool{false, true} {
				a.UseGraphIndex(indexed)
				ds, err := a.Evaluate(context.Background(), sys, []app.AccessQuery{q})
				if err != nil {
					t.Fatal(err)
				}
				if ds[0].Reason != tc.want {
					t.Errorf("%s %s %s (index %v): reason %q, want %q", tc.s.Email, tc.c, tc.r.Email, indexed, ds[0].Reason, tc.want)
				}
			}
		}
	})
}
