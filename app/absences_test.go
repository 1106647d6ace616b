package app_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// delegateLink returns the delegate's link to a managee, if any.
func delegateLink(t *testing.T, o *org, managee, delegate reportline.User) (reportline.Link, bool) {
	t.Helper()
	ul, err := o.env.App.ListUserLinks(context.Background(), sys, managee.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ul.Managers {
		if m.User.ID == delegate.ID {
			return m.Link, true
		}
	}
	return reportline.Link{}, false
}

func TestAbsenceCoverStartsAndEndsOnItsOwn(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine)
		a, clock := o.env.App, o.env.Now
		o.link(t, o.mgr, o.y, reportline.Line)
		o.link(t, o.mgr, o.w, reportline.Functional)
		// Clock: Monday 2026-11-23 09:00 UTC. Away Wednesday to Friday.
		ab, err := a.SetAbsence(ctx, ui(o.ga), app.AbsenceRequest{Manager: o.mgr.ID, Delegate: "W@example.com", From: "2026-11-25", To: "2026-11-27"})
		if err != nil {
			t.Fatal(err)
		}
		if ab.DelegateID != o.w.ID || ab.DelegateFrom != reportline.DelegateNamed || !slices.Equal(ab.Managees, []reportline.UserID{o.x.ID, o.y.ID}) {
			t.Fatalf("absence = %+v; want w covering x and y (not w's own link)", ab.Absence)
		}
		paris, _ := time.LoadLocation("Europe/Paris")
		if want := time.Date(2026, 11, 28, 0, 0, 0, 0, paris); !ab.Ends.Equal(want) {
			t.Errorf("ends %v, want the end of the last day in the tenant's zone, %v", ab.Ends, want)
		}
		l, ok := delegateLink(t, o, o.x, o.w)
		if !ok || l.Kind != reportline.Line || !strings.Contains(l.Comment, "on behalf of mgr@example.com") || l.InEffect(clock.Now()) {
			t.Fatalf("delegate link = %+v, %v; want a line link on mgr's behalf, not in effect yet", l, ok)
		}
		for _, at := range []time.Time{ab.Starts, ab.Ends.Add(-time.Second)} {
			if !l.InEffect(at) {
				t.Errorf("the delegate's link grants nothing at %v, inside the absence", at)
			}
		}
		if l.InEffect(ab.Ends) {
			t.Errorf("the delegate's link still grants at the absence's end")
		}
		// The audit says on whose behalf.
		audit, err := a.Audit(ctx, ui(o.pa), reportline.AuditFilter{UserID: o.x.ID})
		if err != nil || len(audit) == 0 || audit[0].After == nil || !strings.Contains(audit[0].After.Comment, "on behalf of") {
			t.Fatalf("audit = %+v, %v", audit, err)
		}
		changes, err := a.Changes(ctx, ui(o.pa), reportline.ChangeFilter{Action: "absence.set"})
		if err != nil || len(changes) != 1 {
			t.Fatalf("change log = %+v, %v; want the absence", changes, err)
		}
		// Who covers, and the setting.
		if _, ok, err := a.CoverFor(ctx, o.mgr.ID, clock.Now()); ok || err != nil {
			t.Errorf("cover before the absence = %v, %v", ok, err)
		}
		c, ok, err := a.CoverFor(ctx, o.mgr.ID, ab.Starts.Add(time.Hour))
		if !ok || err != nil || c.Delegate != o.w.ID || c.Instead {
			t.Errorf("cover during = %+v, %v, %v; want w, with the manager", c, ok, err)
		}
		if err := a.SetCoverNotify(ctx, ui(o.ga), reportline.CoverNotifyInstead); !isCode(err, reportline.Forbidden) {
			t.Errorf("a group admin changing the setting: %v", err)
		}
		if err := a.SetCoverNotify(ctx, ui(o.pa), reportline.CoverNotifyInstead); err != nil {
			t.Fatal(err)
		}
		if c, _, _ := a.CoverFor(ctx, o.mgr.ID, ab.Starts.Add(time.Hour)); !c.Instead {
			t.Errorf("cover.notify instead not read back")
		}
		list, err := a.ListAbsences(ctx, ui(o.mgr), o.mgr.ID)
		if err != nil || len(list) != 1 || list[0].Delegate.Email != "w@example.com" {
			t.Fatalf("list = %+v, %v", list, err)
		}
		if _, err := a.ListAbsences(ctx, ui(o.z), o.mgr.ID); !isCode(err, reportline.NotFound) && !isCode(err, reportline.Forbidden) {
			t.Errorf("an outsider listing: %v", err)
		}
	})
}

func TestAbsenceRefusals(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine)
		a := o.env.App
		o.link(t, o.mgr, o.y, reportline.Line)
		o.link(t, o.x, o.w, reportline.Line) // w reports to x, one of mgr's reports
		if _, err := a.SetAbsence(ctx, ui(o.ga), app.AbsenceRequest{Manager: o.mgr.ID, Delegate: "ua@example.com", From: "2026-12-01", To: "2026-12-04"}); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name  string
			actor app.Actor
			req   app.AbsenceRequest
			code  reportline.Code
			says  string
		}{
			{"dates reversed", ui(o.ga), app.AbsenceRequest{Manager: o.mgr.ID, Delegate: "x@example.com", From: "2026-12-10", To: "2026-12-09"}, reportline.Invalid, "ends before it starts"},
			{"already over", ui(o.ga), app.AbsenceRequest{Manager: o.mgr.ID, Delegate: "x@example.com", From: "2026-11-01", To: "2026-11-02"}, reportline.Invalid, "already be over"},
			{"overlapping", ui(o.ga), app.AbsenceRequest{Manager: o.mgr.ID, Delegate: "y@example.com", From: "2026-12-04", To: "2026-12-08"}, reportline.Conflict, "already away"},
			{"the same delegate before the first is over", ui(o.ga), app.AbsenceRequest{Manager: o.mgr.ID, Delegate: "ua@example.com", From: "2026-12-10", To: "2026-12-11"}, reportline.Conflict, "already covers"},
			{"delegate = manager", ui(o.ga), app.AbsenceRequest{Manager: o.mgr.ID, Delegate: "mgr@example.com", From: "2026-12-10", To: "2026-12-11"}, reportline.Invalid, "cannot cover for themself"},
			{"a cycle", ui(o.ga), app.AbsenceRequest{Manager: o.mgr.ID, Delegate: "w@example.com", From: "2026-12-10", To: "2026-12-11"}, reportline.Invalid, "cycle"},
			{"a delegate the manager cannot see", ui(o.mgr), app.AbsenceRequest{Manager: o.mgr.ID, Delegate: "z@example.com", From: "2026-12-10", To: "2026-12-11"}, reportline.Invalid, "no active account you can see"},
			{"an unknown delegate reads the same", ui(o.mgr), app.AbsenceRequest{Manager: o.mgr.ID, Delegate: "nobody@example.com", From: "2026-12-10", To: "2026-12-11"}, reportline.Invalid, "no active account you can see"},
			{"an inactive delegate reads the same", ui(o.ga), app.AbsenceRequest{Manager: o.mgr.ID, Delegate: "off@example.com", From: "2026-12-10", To: "2026-12-11"}, reportline.Invalid, "no active account you can see"},
			{"someone else's absence", ui(o.x), app.AbsenceRequest{Manager: o.mgr.ID, Delegate: "y@example.com", From: "2026-12-10", To: "2026-12-11"}, reportline.Forbidden, ""},
			{"nobody to cover", ui(o.ga), app.AbsenceRequest{Manager: o.y.ID, Delegate: "x@example.com", From: "2026-12-10", To: "2026-12-11"}, reportline.Invalid, "no team to cover"},
		}
		for _, c := range cases {
			_, err := a.SetAbsence(ctx, c.actor, c.req)
			if !isCode(err, c.code) || !strings.Contains(reportline.ErrorMessage(err), c.says) {
				t.Errorf("%s: %v, want %s saying %q", c.name, err, c.code, c.says)
			}
		}
		// The manager names one of his own reports: allowed.
		if _, err := a.SetAbsence(ctx, ui(o.mgr), app.AbsenceRequest{Manager: o.mgr.ID, Delegate: "y@example.com", From: "2026-12-10", To: "2026-12-11"}); err != nil {
			t.Errorf("a manager naming his report: %v", err)
		}
	})
}

func TestAbsenceFallbackChain(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine)
		a := o.env.App
		o.link(t, o.ga, o.mgr, reportline.Line) // mgr's own manager
		ab, err := a.SetAbsence(ctx, ui(o.mgr), app.AbsenceRequest{Manager: o.mgr.ID, From: "2026-12-01", To: "2026-12-02"})
		if err != nil || ab.DelegateID != o.ga.ID || ab.DelegateFrom != reportline.DelegateManagerManager {
			t.Fatalf("no second manager: %+v, %v; want the manager's manager", ab.Absence, err)
		}
		o.link(t, o.ua, o.x, reportline.Functional) // a second manager of the team
		ab, err = a.SetAbsence(ctx, ui(o.mgr), app.AbsenceRequest{Manager: o.mgr.ID, From: "2026-12-10", To: "2026-12-11"})
		if err != nil || ab.DelegateID != o.ua.ID || ab.DelegateFrom != reportline.DelegateSecondManager || len(ab.Managees) != 0 {
			t.Fatalf("with a second manager: %+v, %v; want ua (who already manages x: no new link)", ab.Absence, err)
		}
		// Nobody at all.
		o.link(t, o.mgr, o.z, reportline.Line)
		if _, err := a.SetAbsence(ctx, ui(o.ga), app.AbsenceRequest{Manager: o.x.ID, From: "2026-12-10", To: "2026-12-11"}); err == nil {
			t.Errorf("x manages nobody: accepted")
		}
	})
}

// The cover's events fire at its dates exactly once, with two replicas
// ticking; ending it early ends the links at once, and the scheduled end
// does not fire again.
func TestAbsenceEventsOnceAcrossReplicas(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine)
		a, clock := o.env.App, o.env.Now
		b := testapp.Reopen(t, o.env)
		pa := ui(o.pa)
		sub, _, err := a.CreateWebhook(ctx, pa, app.NewWebhook{URL: "https://10.0.0.1/hook", AllowPrivate: true})
		if err != nil {
			t.Fatal(err)
		}
		tick := func() {
			t.Helper()
			for _, r := range []*app.App{a, b, a} {
				if _, err := r.RunWebhookEffects(ctx); err != nil {
					t.Fatal(err)
				}
			}
		}
		tick()
		first, err := a.SetAbsence(ctx, ui(o.ga), app.AbsenceRequest{Manager: o.mgr.ID, Delegate: "w@example.com", From: "2026-11-24", To: "2026-11-24"})
		if err != nil {
			t.Fatal(err)
		}
		for clock.Now().Before(first.Ends.Add(time.Hour)) {
			clock.Advance(20 * time.Minute)
			tick()
		}
		// The same delegate again, once the first is over: the link is reused.
		second, err := a.SetAbsence(ctx, ui(o.ga), app.AbsenceRequest{Manager: o.mgr.ID, Delegate: "w@example.com", From: "2026-11-26", To: "2026-11-30"})
		if err != nil {
			t.Fatal(err)
		}
		// The second, ended by hand on its second day.
		clock.Set(second.Starts.Add(30 * time.Hour))
		tick()
		ended, err := a.EndAbsence(ctx, ui(o.mgr), second.ID)
		if err != nil || !ended.Ends.Equal(clock.Now()) {
			t.Fatalf("end = %+v, %v", ended, err)
		}
		if l, _ := delegateLink(t, o, o.x, o.w); l.InEffect(clock.Now()) || !l.ValidUntil.Equal(clock.Now()) {
			t.Errorf("after the early end the delegate's link = %+v; want it ended now", l)
		}
		if _, err := a.EndAbsence(ctx, ui(o.mgr), second.ID); !isCode(err, reportline.Conflict) {
			t.Errorf("ending twice: %v", err)
		}
		clock.Set(second.Ends.Add(time.Hour))
		tick()
		log, err := a.WebhookDeliveries(ctx, pa, sub.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for i := len(log) - 1; i >= 0; i-- {
			if strings.Contains(log[i].Type, "delegation") {
				got = append(got, strings.TrimPrefix(log[i].Type, "com.reportline.")+"@"+log[i].EventID[strings.LastIndex(log[i].EventID[:strings.LastIndex(log[i].EventID, "-")], "-")+1:strings.LastIndex(log[i].EventID, "-")])
			}
		}
		want := []string{
			"delegation.started@" + itoa(int64(first.ID)), "delegation.ended@" + itoa(int64(first.ID)),
			"delegation.started@" + itoa(int64(second.ID)), "delegation.ended@" + itoa(int64(second.ID)),
		}
		if !slices.Equal(got, want) {
			t.Errorf("delegation events = %v, want %v, each once", got, want)
		}
		// A cancelled absence (not started) removes its links and fires nothing.
		third, err := a.SetAbsence(ctx, ui(o.ga), app.AbsenceRequest{Manager: o.mgr.ID, Delegate: "w@example.com", From: "2026-12-20", To: "2026-12-21"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.EndAbsence(ctx, ui(o.ga), third.ID); err != nil {
			t.Fatal(err)
		}
		if _, ok := delegateLink(t, o, o.x, o.w); ok {
			t.Errorf("a cancelled absence left its link")
		}
	})
}

// During an absence the manager's notifications go to the delegate with
// them, or instead of them, as cover.notify says.
func TestAbsenceRoutesNotifications(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine)
		a := o.env.App
		for _, aud := range []reportline.Audience{reportline.AudienceManagers, reportline.AudienceLearners} {
			if err := a.SetNotificationRole(ctx, ui(o.pa), reportline.NotifyManagerAdded, aud, true); err != nil {
				t.Fatal(err)
			}
		}
		runEvents(t, o)
		if _, err := a.SetAbsence(ctx, ui(o.ga), app.AbsenceRequest{Manager: o.mgr.ID, Delegate: "w@example.com", From: "2026-11-23", To: "2026-11-27"}); err != nil {
			t.Fatal(err)
		}
		runEvents(t, o) // the delegate's own link to x
		o.link(t, o.mgr, o.y, reportline.Line)
		runEvents(t, o)
		got := outboxOf(t, o, reportline.NotifyManagerAdded)
		if !slices.Contains(got, "mgr: You now manage y") || !slices.Contains(got, "w: You now manage y") {
			t.Errorf("with: manager added = %q; want mgr and w told", got)
		}
		if err := a.SetCoverNotify(ctx, ui(o.pa), reportline.CoverNotifyInstead); err != nil {
			t.Fatal(err)
		}
		o.link(t, o.mgr, o.z, reportline.Functional)
		runEvents(t, o)
		got = outboxOf(t, o, reportline.NotifyManagerAdded)
		if slices.Contains(got, "mgr: You now manage z") || !slices.Contains(got, "w: You now manage z") {
			t.Errorf("instead: manager added = %q; want w told, not mgr", got)
		}
	})
}
