package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// planOrg is the test org with a second admin of group A (ga2), so that a
// plan drafted by ga may be approved by someone in the same scope.
func planOrg(t *testing.T, engine store.Engine) (*org, reportline.User) {
	t.Helper()
	o := newOrg(t, engine)
	ctx := context.Background()
	ga2, err := o.env.App.CreateUser(ctx, sys, app.UserInput{Email: "ga2@example.com", FirstName: "ga2", GroupID: o.a.ID})
	if err != nil {
		t.Fatal(err)
	}
	if err := o.env.App.SetMember(ctx, sys, reportline.Membership{GroupID: o.a.ID, UserID: ga2.ID, Role: reportline.AdminRole}); err != nil {
		t.Fatal(err)
	}
	return o, ga2
}

// draft makes a plan by ga with the given changes.
func draft(t *testing.T, o *org, name string, items ...app.PlanItemInput) reportline.Plan {
	t.Helper()
	ctx := context.Background()
	p, err := o.env.App.CreatePlan(ctx, ui(o.ga), name)
	if err != nil {
		t.Fatal(err)
	}
	if err := o.env.App.AddPlanItems(ctx, ui(o.ga), p.ID, items); err != nil {
		t.Fatal(err)
	}
	return p
}

func item(op reportline.PlanOp, m, e reportline.User) app.PlanItemInput {
	return app.PlanItemInput{Op: op, Manager: m.Email, Managee: e.Email}
}

func planStatus(t *testing.T, a *app.App, actor app.Actor, id int64) app.PlanView {
	t.Helper()
	v, err := a.ShowPlan(context.Background(), actor, id)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// A plan that needs approval: its drafter may not approve it; a second
// admin does; it is scheduled and applied once, at its time, although two
// replicas tick at once and one of them restarted in between; its changes
// are checked against the graph as it will be (removing mgr → x first lets
// x manage mgr).
func TestPlanAppliedOnceAcrossReplicasAndRestart(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o, ga2 := planOrg(t, engine)
		a, clock := o.env.App, o.env.Now
		if err := a.SetPlansNeedApproval(ctx, ui(o.ga), true); !isCode(err, reportline.Forbidden) {
			t.Fatalf("a group admin changing the approval setting: %v, want forbidden", err)
		}
		if err := a.SetPlansNeedApproval(ctx, ui(o.pa), true); err != nil {
			t.Fatal(err)
		}
		p := draft(t, o, "Spring reorganisation",
			item(reportline.PlanRemove, o.mgr, o.x),
			item(reportline.PlanAdd, o.x, o.mgr),
			item(reportline.PlanAdd, o.mgr, o.y))
		v := planStatus(t, a, ui(o.ga), p.ID)
		if v.Adds != 2 || v.Removes != 1 || v.People != 3 || v.Refused != 0 || v.MayApprove {
			t.Fatalf("preview = adds %d removes %d people %d refused %d mayApprove %v; want 2, 1, 3, 0, false for the drafter",
				v.Adds, v.Removes, v.People, v.Refused, v.MayApprove)
		}
		at := clock.Now().Add(time.Hour)
		if err := a.SchedulePlan(ctx, ui(o.ga), p.ID, at); !isCode(err, reportline.Conflict) {
			t.Fatalf("scheduling an unapproved plan: %v, want conflict", err)
		}
		if err := a.ApprovePlan(ctx, ui(o.ga), p.ID); !isCode(err, reportline.Forbidden) {
			t.Fatalf("the drafter approving their own plan: %v, want forbidden", err)
		}
		if err := a.ApprovePlan(ctx, ui(o.mem), p.ID); !isCode(err, reportline.Forbidden) {
			t.Fatalf("a plain member approving: %v, want forbidden", err)
		}
		if err := a.ApprovePlan(ctx, ui(ga2), p.ID); err != nil {
			t.Fatal(err)
		}
		if err := a.AddPlanItems(ctx, ui(o.ga), p.ID, []app.PlanItemInput{item(reportline.PlanAdd, o.mem, o.w)}); !isCode(err, reportline.Conflict) {
			t.Fatalf("adding to an approved plan: %v, want conflict", err)
		}
		if err := a.SchedulePlan(ctx, ui(o.ga), p.ID, at); err != nil {
			t.Fatal(err)
		}

		// Two replicas tick before the time (the first tick starts the
		// cursor), then replica 1 restarts, then both tick at once after it.
		r1, r2 := a, testapp.Reopen(t, o.env)
		for _, r := range []*app.App{r1, r2} {
			if n, err := r.RunPlans(ctx); err != nil || n != 0 {
				t.Fatalf("before its time: %d plans applied, %v", n, err)
			}
		}
		clock.Advance(30 * time.Minute)
		for _, r := range []*app.App{r1, r2} {
			if n, err := r.RunPlans(ctx); err != nil || n != 0 {
				t.Fatalf("before its time: %d plans applied, %v", n, err)
			}
		}
		r1 = testapp.Reopen(t, o.env) // the restart
		clock.Advance(31 * time.Minute)
		var wg sync.WaitGroup
		counts := make([]int, 2)
		for i, r := range []*app.App{r1, r2} {
			wg.Go(func() {
				n, err := r.RunPlans(ctx)
				if err != nil {
					t.Errorf("replica %d: %v", i+1, err)
				}
				counts[i] = n
			})
		}
		wg.Wait()
		if counts[0]+counts[1] != 1 {
			t.Fatalf("plans applied per replica = %v, want one in all", counts)
		}
		for _, r := range []*app.App{r1, r2} {
			if n, err := r.RunPlans(ctx); err != nil || n != 0 {
				t.Fatalf("a later tick: %d plans applied, %v", n, err)
			}
		}
		v = planStatus(t, a, ui(ga2), p.ID)
		if v.Plan.Status != reportline.PlanApplied || v.Result == nil || !v.Result.Applied || v.Result.Changes != 3 {
			t.Fatalf("plan after its time = %s, result %+v; want applied with 3 changes", v.Plan.Status, v.Result)
		}
		if got := o.managers(t, o.mgr); !slices.Equal(got, []string{o.x.Email}) {
			t.Errorf("mgr's managers = %v, want x", got)
		}
		if got := o.managers(t, o.x); len(got) != 0 {
			t.Errorf("x's managers = %v, want none", got)
		}
		if got := o.managers(t, o.y); !slices.Equal(got, []string{o.mgr.Email}) {
			t.Errorf("y's managers = %v, want mgr", got)
		}
		audit, err := a.Audit(ctx, ui(o.pa), reportline.AuditFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		byPlan := 0
		for _, e := range audit {
			if e.ActorID == ga2.ID {
				byPlan++
			}
		}
		if byPlan != 3 {
			t.Errorf("%d audit entries in the approver's name, want 3 (one per change, applied once)", byPlan)
		}
		// The result goes to every admin whose scope holds the plan: the
		// drafter (ga), the approver (ga2), the platform admin; not ua, a
		// user admin of A1, who holds x but not mgr.
		if got := noticeTo(outboxOf(t, o, reportline.NotifyPlanApplied)); !slices.Equal(got, []string{"ga", "ga2", "pa"}) {
			t.Errorf("notices of the applied plan went to %v, want ga, ga2 and pa", got)
		}
	})
}

// One refused change (a cycle then) refuses the whole plan: nothing
// changes, the plan says why, and its drafter is told.
func TestPlanRefusedChangeRollsBackWholePlan(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o, _ := planOrg(t, engine)
		a, clock := o.env.App, o.env.Now
		p := draft(t, o, "Doomed", item(reportline.PlanAdd, o.mem, o.y), item(reportline.PlanAdd, o.x, o.mgr))
		v := planStatus(t, a, ui(o.ga), p.ID)
		if v.Refused != 1 || v.Items[1].Verdict != app.ItemCycle {
			t.Fatalf("preview: refused %d, verdicts %+v; want the cycle flagged", v.Refused, v.Items)
		}
		// Scheduled anyway (the graph may change before its time): no
		// approval is required in this tenant.
		if err := a.SchedulePlan(ctx, ui(o.ga), p.ID, clock.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, err := a.RunPlans(ctx); err != nil {
			t.Fatal(err)
		}
		clock.Advance(2 * time.Hour)
		if n, err := a.RunPlans(ctx); err != nil || n != 1 {
			t.Fatalf("RunPlans = %d, %v; want the plan handled", n, err)
		}
		if got := o.managers(t, o.y); len(got) != 0 {
			t.Errorf("y's managers = %v: the first change was applied although the second was refused", got)
		}
		v = planStatus(t, a, ui(o.ga), p.ID)
		if v.Plan.Status != reportline.PlanFailed || v.Result == nil || v.Result.Applied || len(v.Result.Refusals) != 1 ||
			v.Result.Refusals[0].Reason != app.ItemCycle || v.Result.Refusals[0].Seq != 2 {
			t.Fatalf("plan = %s, result %+v; want failed with the cycle of change 2", v.Plan.Status, v.Result)
		}
		// The refusal goes to the drafter and every admin who may open
		// the plan: ga2 (another admin of A) and the platform admin.
		if got := noticeTo(outboxOf(t, o, reportline.NotifyPlanApplied)); !slices.Equal(got, []string{"ga", "ga2", "pa"}) {
			t.Errorf("notices of the refused plan went to %v, want ga, ga2 and pa", got)
		}
	})
}

// The approver's scope is checked again when the plan is applied: an
// approver who is no longer an admin of the group makes it fail.
func TestPlanScopeRecheckedAtApply(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o, ga2 := planOrg(t, engine)
		a, clock := o.env.App, o.env.Now
		p := draft(t, o, "Lost scope", item(reportline.PlanAdd, o.mem, o.y))
		if err := a.ApprovePlan(ctx, ui(ga2), p.ID); err != nil {
			t.Fatal(err)
		}
		if err := a.SchedulePlan(ctx, ui(ga2), p.ID, clock.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, err := a.RunPlans(ctx); err != nil {
			t.Fatal(err)
		}
		if err := a.SetMember(ctx, sys, reportline.Membership{GroupID: o.a.ID, UserID: ga2.ID, Role: reportline.MemberRole}); err != nil {
			t.Fatal(err)
		}
		clock.Advance(2 * time.Hour)
		if _, err := a.RunPlans(ctx); err != nil {
			t.Fatal(err)
		}
		v := planStatus(t, a, ui(o.ga), p.ID)
		if v.Plan.Status != reportline.PlanFailed || len(v.Result.Refusals) != 1 || v.Result.Refusals[0].Reason != app.ItemOutOfScope {
			t.Fatalf("plan = %s, result %+v; want failed, out of the approver's scope", v.Plan.Status, v.Result)
		}
		if got := o.managers(t, o.y); len(got) != 0 {
			t.Errorf("y's managers = %v, want none", got)
		}
	})
}

// The plan's events fire when it takes effect, not when it is drafted or
// scheduled: its link events in the order of its changes, then the
// reorganisation's own.
func TestPlanEventsFireAtEffectInOrder(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o, _ := planOrg(t, engine)
		a, clock := o.env.App, o.env.Now
		sub, _, err := a.CreateWebhook(ctx, ui(o.pa), app.NewWebhook{URL: "https://10.0.0.7/hooks", AllowPrivate: true})
		if err != nil {
			t.Fatal(err)
		}
		p := draft(t, o, "Move the team", item(reportline.PlanRemove, o.mgr, o.x), item(reportline.PlanAdd, o.mem, o.x),
			app.PlanItemInput{Op: reportline.PlanAdd, Manager: o.mgr.Email, Managee: o.y.Email, Kind: reportline.Functional},
			app.PlanItemInput{Op: reportline.PlanKind, Manager: o.mgr.Email, Managee: o.y.Email, Kind: reportline.Line})
		at := clock.Now().Add(time.Hour)
		if err := a.SchedulePlan(ctx, ui(o.ga), p.ID, at); err != nil {
			t.Fatal(err)
		}
		if _, err := a.RunPlans(ctx); err != nil {
			t.Fatal(err)
		}
		before, err := a.WebhookDeliveries(ctx, ui(o.pa), sub.ID, 100)
		if err != nil || len(before) != 0 {
			t.Fatalf("deliveries before the plan's time = %d, %v; want none", len(before), err)
		}
		clock.Set(at.Add(time.Minute))
		if n, err := a.RunPlans(ctx); err != nil || n != 1 {
			t.Fatalf("RunPlans = %d, %v", n, err)
		}
		ds, err := a.WebhookDeliveries(ctx, ui(o.pa), sub.ID, 100)
		if err != nil {
			t.Fatal(err)
		}
		slices.Reverse(ds) // oldest first
		var types []string
		for _, d := range ds {
			types = append(types, strings.TrimPrefix(d.Type, "com.reportline."))
			var ev struct{ Time time.Time }
			if err := json.Unmarshal(d.Body, &ev); err != nil || !ev.Time.Equal(at.Add(time.Minute)) {
				t.Errorf("event %s at %v (%v), want the tick's time %v", d.Type, ev.Time, err, at.Add(time.Minute))
			}
		}
		want := []string{"link.ended", "link.created", "link.created", "link.changed", "reorganisation.applied"}
		if !slices.Equal(types, want) {
			t.Errorf("events = %v, want %v", types, want)
		}
	})
}

// A CSV in the import format becomes the changes that would replace the
// listed managees' managers; a bad line refuses the file, naming its line
// and field; moving a team adds a removal and an addition per member.
func TestPlanFromCSVAndTeamMove(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o, _ := planOrg(t, engine)
		a := o.env.App
		p, err := a.CreatePlan(ctx, ui(o.ga), "From a file")
		if err != nil {
			t.Fatal(err)
		}
		bad := "manager,managee,kind\nmem@example.com,x@example.com,\nmem@example.com,y@example.com,sideways\n"
		_, err = a.ImportPlan(ctx, ui(o.ga), p.ID, strings.NewReader(bad))
		var e *reportline.Error
		if !errors.As(err, &e) || len(e.Details) != 1 || e.Details[0].Line != 3 || e.Details[0].Field != "kind" {
			t.Fatalf("a bad kind on line 3: %v, want one detail naming line 3 and the kind", err)
		}
		good := "manager,managee,kind\nmem@example.com,x@example.com,functional\nmgr@example.com,x@example.com,line\n,w@example.com,\n"
		n, err := a.ImportPlan(ctx, ui(o.ga), p.ID, strings.NewReader(good))
		if err != nil || n != 1 {
			t.Fatalf("import = %d, %v; want one change (mem → x added, mgr → x kept)", n, err)
		}
		out := "manager,managee\nz@example.com,x@example.com\n"
		if _, err := a.ImportPlan(ctx, ui(o.ga), p.ID, strings.NewReader(out)); !errors.As(err, &e) || e.Details[0].Line != 2 {
			t.Fatalf("a manager out of scope: %v, want refused on line 2", err)
		}
		if n, err := a.MoveTeam(ctx, ui(o.ga), p.ID, o.mgr.Email, o.mem.Email); err != nil || n != 2 {
			t.Fatalf("move mgr's team under mem = %d, %v; want a removal and an addition", n, err)
		}
		v := planStatus(t, a, ui(o.ga), p.ID)
		if v.Adds != 2 || v.Removes != 1 {
			t.Fatalf("plan = %d adds, %d removes, want 2 and 1", v.Adds, v.Removes)
		}
		// The second add (mem → x, from the team move) meets the first: one
		// link per pair, refused in the preview.
		if v.Refused != 1 || v.Items[2].Verdict != app.ItemExists {
			t.Errorf("preview refused %d, items %+v; want the duplicate pair flagged", v.Refused, v.Items)
		}
		// Someone outside the plan's scope sees nothing of it.
		if _, err := a.ShowPlan(ctx, ui(o.ua), p.ID); !isCode(err, reportline.NotFound) {
			t.Errorf("a user admin of A1 reading a plan about A: %v, want not found", err)
		}
	})
}

// noticeTo are the local parts of outboxOf's lines.
func noticeTo(lines []string) []string {
	var out []string
	for _, l := range lines {
		out = append(out, strings.SplitN(l, ":", 2)[0])
	}
	slices.Sort(out)
	return out
}

// A plan's CSV may carry the import format's dates (valid from, valid
// until), read by the bulk import's parser: a bad date refuses the file
// naming its line and field; a dated line adds a temporary link, and a
// line naming an existing pair with other dates changes its terms; both
// are written with their dates when the plan is applied.
func TestPlanDatedCSVLines(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o, _ := planOrg(t, engine) // mgr → x
		a, clock := o.env.App, o.env.Now
		p, err := a.CreatePlan(ctx, ui(o.ga), "Dated")
		if err != nil {
			t.Fatal(err)
		}
		bad := "manager,managee,valid from,valid until\nmem@example.com,y@example.com,2027-13-01,\nmem@example.com,w@example.com,2027-01-05,2027-01-01\n"
		_, err = a.ImportPlan(ctx, ui(o.ga), p.ID, strings.NewReader(bad))
		var e *reportline.Error
		if !errors.As(err, &e) || len(e.Details) != 2 ||
			e.Details[0].Line != 2 || e.Details[0].Field != "valid_from" || e.Details[1].Line != 3 || e.Details[1].Field != "valid_until" {
			t.Fatalf("bad dates: %v (%+v), want line 2 valid_from and line 3 valid_until", err, e)
		}
		day := func(d int) time.Time {
			n := clock.Now().UTC()
			return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, d)
		}
		good := fmt.Sprintf("manager,managee,kind,valid from,valid until\nmem@example.com,y@example.com,line,%s,%s\nmgr@example.com,x@example.com,line,,%s\n",
			day(2).Format(time.DateOnly), day(30).Format("02/01/2006"), day(60).Format(time.DateOnly))
		if n, err := a.ImportPlan(ctx, ui(o.ga), p.ID, strings.NewReader(good)); err != nil || n != 2 {
			t.Fatalf("import = %d, %v; want mem → y added and mgr → x's end date changed", n, err)
		}
		v := planStatus(t, a, ui(o.ga), p.ID)
		if v.Adds != 1 || v.KindChanges != 1 || v.Refused != 0 || !v.Items[0].ValidUntil.Equal(day(30)) {
			t.Fatalf("plan = %+v; want one dated add and one change of terms, none refused", v.Items)
		}
		if err := a.SchedulePlan(ctx, ui(o.ga), p.ID, clock.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, err := a.RunPlans(ctx); err != nil {
			t.Fatal(err)
		}
		clock.Advance(2 * time.Hour)
		if n, err := a.RunPlans(ctx); err != nil || n != 1 {
			t.Fatalf("RunPlans = %d, %v", n, err)
		}
		link := func(m, e reportline.User) reportline.Link {
			var l reportline.Link
			if err := o.env.DB.Read(ctx, func(tx *store.Tx) error {
				var err error
				l, err = tx.Link(ctx, reportline.Pair{ManagerID: m.ID, ManageeID: e.ID})
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return l
		}
		if l := link(o.mem, o.y); !l.ValidFrom.Equal(day(2)) || !l.ValidUntil.Equal(day(30)) {
			t.Errorf("mem → y = %s … %s, want %s … %s", l.ValidFrom, l.ValidUntil, day(2), day(30))
		}
		if l := link(o.mgr, o.x); !l.ValidFrom.IsZero() || !l.ValidUntil.Equal(day(60)) {
			t.Errorf("mgr → x = %s … %s, want open … %s", l.ValidFrom, l.ValidUntil, day(60))
		}
	})
}
