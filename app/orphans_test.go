package app_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// orphanOrg adds to newOrg's organisation one managee per reason:
//
//	x    mgr (line, active)                            not an orphan
//	y    lost (inactive)                               inactive
//	w    ua, a temporary link that ended yesterday     expired
//	z    mem, removed                                  missing (removed)
//	mem  ga, a link that starts in 5 days              missing (not started)
//	ga   lost (inactive) and mgr (ended)               mixed
//	off  mgr; off is inactive                          not listed
type orphanOrg struct {
	*org
	lost reportline.User
}

func newOrphanOrg(t *testing.T, engine store.Engine) *orphanOrg {
	t.Helper()
	ctx := context.Background()
	o := &orphanOrg{org: newOrg(t, engine)}
	a := o.env.App
	now := o.env.Now.Now()
	var err error
	if o.lost, err = a.CreateUser(ctx, sys, app.UserInput{Email: "lost@example.com", GroupID: o.a.ID}); err != nil {
		t.Fatal(err)
	}
	dated := func(m, e reportline.User, from, until int) {
		t.Helper()
		req := app.LinkRequest{User: e.ID, Direction: reportline.Managers, IDs: []reportline.UserID{m.ID}}
		if from != 0 {
			req.ValidFrom = now.AddDate(0, 0, from)
		}
		if until != 0 {
			req.ValidUntil = now.AddDate(0, 0, until)
		}
		if _, err := a.AddLinks(ctx, sys, req); err != nil {
			t.Fatal(err)
		}
	}
	dated(o.lost, o.y, 0, 0)
	dated(o.ua, o.w, -10, -1)
	dated(o.mem, o.z, 0, 0)
	if err := a.RemoveLink(ctx, sys, reportline.Pair{ManagerID: o.mem.ID, ManageeID: o.z.ID}); err != nil {
		t.Fatal(err)
	}
	dated(o.ga, o.mem, 5, 0)
	dated(o.lost, o.ga, 0, 0)
	dated(o.mgr, o.ga, -3, -2)
	off := reportline.StatusInactive
	if _, err := a.UpdateUser(ctx, sys, o.lost.ID, app.UserPatch{Status: &off}); err != nil {
		t.Fatal(err)
	}
	return o
}

// report reads every page of the report, limit at a time.
func (o *orphanOrg) report(t *testing.T, actor app.Actor, f app.OrphanFilter) (map[string]app.Orphan, error) {
	t.Helper()
	out := map[string]app.Orphan{}
	for range 20 {
		p, err := o.env.App.Orphans(context.Background(), actor, f)
		if err != nil {
			return nil, err
		}
		if f.Limit > 0 && len(p.Orphans) > f.Limit {
			t.Fatalf("page of %d, limit %d", len(p.Orphans), f.Limit)
		}
		for _, or := range p.Orphans {
			if _, dup := out[or.User.Email]; dup {
				t.Fatalf("%s listed twice", or.User.Email)
			}
			out[or.User.Email] = or
		}
		if p.Next == 0 {
			return out, nil
		}
		f.AfterID = p.Next
	}
	t.Fatal("the pages never end")
	return nil, nil
}

func reasons(m map[string]app.Orphan) string {
	var out []string
	for e, o := range m {
		out = append(out, strings.TrimSuffix(e, "@example.com")+":"+string(o.Reason))
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}

func TestOrphans(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		o := newOrphanOrg(t, engine)
		all, err := o.report(t, ui(o.pa), app.OrphanFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := reasons(all), "ga:mixed mem:missing w:expired y:inactive z:missing"; got != want {
			t.Fatalf("report = %s, want %s", got, want)
		}
		for email, want := range map[string]string{
			"y@example.com":   "every manager is inactive: lost@example.com is inactive",
			"w@example.com":   "every link has ended: the link to ua@example.com ended on 2026-11-22",
			"z@example.com":   "no manager since 2026-11-23: every link was removed",
			"mem@example.com": "no manager yet: the link to ga@example.com starts on 2026-11-28",
			"ga@example.com":  "no manager who counts: the link to mgr@example.com ended on 2026-11-21; lost@example.com is inactive",
		} {
			if got := all[email].Message; got != want {
				t.Errorf("%s: %q, want %q", email, got, want)
			}
		}
		if l := all["ga@example.com"].Links; len(l) != 2 || l[0].Problem == "" || l[1].Problem == "" {
			t.Errorf("ga's links = %+v", l)
		}
		if all["z@example.com"].LastRemoval.IsZero() {
			t.Error("z's last removal is not told")
		}

		// Pages of one give the same report.
		paged, err := o.report(t, ui(o.pa), app.OrphanFilter{Limit: 1})
		if err != nil || reasons(paged) != reasons(all) {
			t.Errorf("paged report = %s (%v), want %s", reasons(paged), err, reasons(all))
		}
		if got, err := o.report(t, ui(o.pa), app.OrphanFilter{Reason: app.OrphanMissing}); err != nil || reasons(got) != "mem:missing z:missing" {
			t.Errorf("missing only = %s, %v", reasons(got), err)
		}
		if _, err := o.env.App.Orphans(context.Background(), ui(o.pa), app.OrphanFilter{Reason: "lonely"}); !reportline.IsCode(err, reportline.Invalid) {
			t.Errorf("unknown reason: %v", err)
		}

		for _, tc := range []struct {
			name  string
			actor app.Actor
			f     app.OrphanFilter
			want  string // "" for refused
		}{
			{"group admin: A and A1", ui(o.ga), app.OrphanFilter{}, "ga:mixed mem:missing w:expired y:inactive"},
			{"user admin: A1 only", ui(o.ua), app.OrphanFilter{}, "w:expired y:inactive"},
			{"group admin, one subgroup", ui(o.ga), app.OrphanFilter{Group: o.a1.ID}, "w:expired y:inactive"},
			{"user admin, a group above theirs", ui(o.ua), app.OrphanFilter{Group: o.a.ID}, "w:expired y:inactive"},
			{"group admin, a group out of scope", ui(o.ga), app.OrphanFilter{Group: o.b.ID}, ""},
			{"platform admin, one group", ui(o.pa), app.OrphanFilter{Group: o.b.ID}, "z:missing"},
			{"a manager", ui(o.mgr), app.OrphanFilter{}, ""},
			{"nobody", ui(reportline.User{}), app.OrphanFilter{}, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := o.report(t, tc.actor, tc.f)
				if tc.want == "" {
					if !reportline.IsCode(err, reportline.Forbidden) {
						t.Errorf("got %s, %v; want forbidden", reasons(got), err)
					}
					return
				}
				if err != nil || reasons(got) != tc.want {
					t.Errorf("report = %s, %v; want %s", reasons(got), err, tc.want)
				}
			})
		}

		// Giving y an active manager takes them out of the report.
		o.link(t, o.mgr, o.y, reportline.Functional)
		got, err := o.report(t, ui(o.pa), app.OrphanFilter{})
		if err != nil || strings.Contains(reasons(got), "y:") {
			t.Errorf("after y got a manager: %s, %v", reasons(got), err)
		}
	})
}
