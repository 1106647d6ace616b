package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"reportline"
	"reportline/csvio"
	"reportline/policy"
	"reportline/usecase"
)

// Planned reorganisations (issue 20, docs/plans.md). An admin drafts a
// named set of link changes (by hand, from a CSV in the import format, or
// by moving a manager's whole team under another manager), previews them
// against today, has them approved by a second admin when the tenant's
// setting requires it, and schedules them; the scheduler's tick applies a
// due plan once across replicas, all or nothing (plans_apply.go).

// settingPlansApproval is the tenant setting that makes a second admin's
// approval required before a plan may be scheduled.
const settingPlansApproval = "plans.require_approval"

// maxPlanItems bounds a plan: it is applied in one transaction.
const maxPlanItems = 5000

// PlanItemInput is one change as an admin types it: people by email.
type PlanItemInput struct {
	Op      reportline.PlanOp
	Manager string
	Managee string
	Kind    reportline.Kind // add and kind; "" is line
	// ValidFrom and ValidUntil date the link an add or a kind change
	// leaves (a dated CSV line); zero when open.
	ValidFrom, ValidUntil time.Time
}

// CreatePlan starts an empty draft.
func (a *App) CreatePlan(ctx context.Context, actor Actor, name string) (reportline.Plan, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 200 {
		return reportline.Plan{}, reportline.FieldError("name", name, "a plan needs a name of 1 to 200 characters")
	}
	p := reportline.Plan{Name: name, Status: reportline.PlanDraft, Source: actor.Source, CreatedBy: actor.ID(), CreatedAt: a.now()}
	if !p.Source.Valid() {
		p.Source = reportline.SourceAPI
	}
	err := a.plansStore().Write(ctx, func(tx plansTx) error {
		ac, err := usecase.LoadAuthority(ctx, tx, actor)
		if err != nil {
			return err
		}
		if err := ac.Authorize(policy.DraftPlan, policy.Target{}); err != nil {
			return err
		}
		if err := tx.CreatePlan(ctx, &p); err != nil {
			return err
		}
		return a.record(ctx, tx, actor, policy.DraftPlan, reportline.Change{What: fmt.Sprintf("plan %d created", p.ID),
			After: usecase.JSON(map[string]any{"name": p.Name})})
	})
	return p, err
}

// draftTx opens a plan that the actor may edit (a draft, theirs or, for a
// platform admin, anyone's) and runs fn in the same write transaction.
func (a *App) draftTx(ctx context.Context, actor Actor, id int64, fn func(tx plansTx, ac *usecase.Authority, p reportline.Plan) error) error {
	return a.plansStore().Write(ctx, func(tx plansTx) error {
		ac, p, err := a.openPlan(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if p.Status != reportline.PlanDraft {
			return reportline.Errorf(reportline.Conflict, "plan %d is %s: only a draft takes changes", id, p.Status).
				Say("error.plan.not_draft", map[string]any{"ID": id, "Status": reportline.Term("plans.status." + string(p.Status))})
		}
		if p.CreatedBy != actor.ID() && !ac.Scope.All {
			return usecase.Forbidden("only the admin who drafted plan %d (or a platform admin) may change it", id).Say("error.forbidden.plan_change", map[string]any{"ID": id})
		}
		return fn(tx, ac, p)
	})
}

// openPlan reads a plan the actor may see: admins see the plans they
// drafted, and those whose every pair they may link (nothing else of a plan
// outside their scope shows, not even that it exists).
func (a *App) openPlan(ctx context.Context, tx plansTx, actor Actor, id int64) (*usecase.Authority, reportline.Plan, error) {
	ac, err := usecase.LoadAuthority(ctx, tx, actor)
	if err != nil {
		return nil, reportline.Plan{}, err
	}
	if err := ac.Authorize(policy.DraftPlan, policy.Target{}); err != nil {
		return nil, reportline.Plan{}, err
	}
	p, err := tx.Plan(ctx, id)
	if err != nil {
		return nil, p, err
	}
	ok, err := a.maySeePlan(ctx, tx, ac, p)
	if err != nil {
		return nil, p, err
	}
	if !ok {
		return nil, reportline.Plan{}, (&reportline.Error{Code: reportline.NotFound, Message: fmt.Sprintf("plan %d not found", id)}).
			Say("error.not_found.plan", map[string]any{"Key": fmt.Sprint(id)})
	}
	return ac, p, nil
}

// planItemsTx reads a plan's items and the groups of its people
// (maySeePlan).
type planItemsTx interface {
	usecase.AuthorityTx
	PlanItems(ctx context.Context, plan int64) ([]reportline.PlanItem, error)
}

func (a *App) maySeePlan(ctx context.Context, tx planItemsTx, ac *usecase.Authority, p reportline.Plan) (bool, error) {
	if ac.Scope.All || p.CreatedBy == ac.Actor.ID() {
		return true, nil
	}
	items, err := tx.PlanItems(ctx, p.ID)
	if err != nil || len(items) == 0 {
		return false, err
	}
	if err := ac.NeedGroups(ctx, tx, planPeople(items)...); err != nil {
		return false, err
	}
	for _, it := range items {
		if !ac.MayLink(it.Pair()) {
			return false, nil
		}
	}
	return true, nil
}

func planPeople(items []reportline.PlanItem) []reportline.UserID {
	var ids []reportline.UserID
	for _, it := range items {
		ids = append(ids, it.ManagerID, it.ManageeID)
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// AddPlanItems adds changes typed by hand to a draft. Every one is checked
// now against the drafter's scope (the rest, against the graph, in the
// preview and again when the plan is applied); one refused adds none.
func (a *App) AddPlanItems(ctx context.Context, actor Actor, id int64, in []PlanItemInput) error {
	return a.draftTx(ctx, actor, id, func(tx plansTx, ac *usecase.Authority, p reportline.Plan) error {
		items, err := a.resolveItems(ctx, tx, ac, in, nil)
		if err != nil {
			return err
		}
		return a.addItems(ctx, tx, actor, p, items)
	})
}

func (a *App) addItems(ctx context.Context, tx plansTx, actor Actor, p reportline.Plan, items []reportline.PlanItem) error {
	have, err := tx.PlanItems(ctx, p.ID)
	if err != nil {
		return err
	}
	if len(have)+len(items) > maxPlanItems {
		return reportline.Errorf(reportline.Invalid, "a plan holds at most %d changes (it has %d, and %d more were asked)", maxPlanItems, len(have), len(items)).
			Say("error.plan.too_many", map[string]any{"Max": maxPlanItems, "Have": len(have), "Asked": len(items)})
	}
	if err := tx.AddPlanItems(ctx, p.ID, items); err != nil {
		return err
	}
	return a.record(ctx, tx, actor, policy.DraftPlan, reportline.Change{What: fmt.Sprintf("plan %d: %d changes added", p.ID, len(items))})
}

// resolveItems turns typed changes into items, refusing (all of them, with
// one detail each) any that names an unknown person, a person out of the
// actor's scope, an unknown operation or kind. lines gives each input's
// CSV line (nil: typed by hand).
func (a *App) resolveItems(ctx context.Context, tx plansTx, ac *usecase.Authority, in []PlanItemInput, lines []int) ([]reportline.PlanItem, error) {
	if len(in) == 0 {
		return nil, reportline.FieldError("items", "", "list at least one change")
	}
	var emails []string
	for _, x := range in {
		emails = append(emails, normEmail(x.Manager), normEmail(x.Managee))
	}
	users, err := tx.UsersByEmails(ctx, emails)
	if err != nil {
		return nil, err
	}
	var ids []reportline.UserID
	for _, u := range users {
		ids = append(ids, u.ID)
	}
	if err := ac.NeedGroups(ctx, tx, ids...); err != nil {
		return nil, err
	}
	var out []reportline.PlanItem
	var details []reportline.Detail
	for i, x := range in {
		line := 0
		if lines != nil {
			line = lines[i]
		}
		field := fmt.Sprintf("items[%d]", i)
		if line > 0 {
			field = "line " + strconv.Itoa(line)
		}
		refuse := func(f, value, reason, format string, args ...any) {
			details = append(details, reportline.Detail{Line: line, Field: f, Value: value, Reason: reason, Message: fmt.Sprintf(format, args...)})
		}
		it := reportline.PlanItem{Op: x.Op, Kind: x.Kind, Line: line, ValidFrom: x.ValidFrom, ValidUntil: x.ValidUntil}
		if it.Kind == "" {
			it.Kind = reportline.Line
		}
		if it.Op != reportline.PlanAdd && it.Op != reportline.PlanRemove && it.Op != reportline.PlanKind {
			refuse(field+".op", string(x.Op), "invalid", "%s: the change must be add, remove or kind", field)
			continue
		}
		if it.Kind != reportline.Line && it.Kind != reportline.Functional {
			refuse(field+".kind", string(x.Kind), "invalid", "%s: kind %q must be line or functional", field, x.Kind)
			continue
		}
		m, okM := users[normEmail(x.Manager)]
		e, okE := users[normEmail(x.Managee)]
		if !okM || !okE || !ac.MayLink(reportline.Pair{ManagerID: m.ID, ManageeID: e.ID}) {
			// Unknown and out of scope read the same: the answer does not
			// tell who has an account elsewhere.
			refuse(field, x.Manager+" → "+x.Managee, "out_of_scope", "%s: no pair of accounts in a group you administrate matches %s → %s", field, x.Manager, x.Managee)
			continue
		}
		if m.ID == e.ID {
			refuse(field, x.Manager, "self", "%s: %s cannot be their own manager", field, x.Manager)
			continue
		}
		it.ManagerID, it.ManageeID = m.ID, e.ID
		out = append(out, it)
	}
	if len(details) > 0 {
		return nil, (&reportline.Error{Code: reportline.Invalid, Details: details,
			Message: fmt.Sprintf("%d of %d changes refused, none added: %s", len(details), len(in), details[0].Message)}).
			Say("error.plan.changes_refused", map[string]any{"Count": len(details), "Total": len(in)})
	}
	return out, nil
}

func normEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ImportPlan adds the changes of a CSV in the import format to a draft:
// as an import would, the file's managers replace the current managers (of
// the kinds it names) of every managee it lists, so the changes are the
// links to remove, to add and whose kind changes, computed against today.
// A refused line (malformed, unknown, out of scope) refuses the file, each
// refusal naming its line and field; nothing is added then.
func (a *App) ImportPlan(ctx context.Context, actor Actor, id int64, r io.Reader) (int, error) {
	// Who may draft is decided before the file is read: a refusal does not
	// depend on what was sent.
	if err := a.plansStore().Read(ctx, func(tx plansTx) error {
		ac, err := usecase.LoadAuthority(ctx, tx, actor)
		if err != nil {
			return err
		}
		return ac.Authorize(policy.DraftPlan, policy.Target{})
	}); err != nil {
		return 0, err
	}
	pr, err := csvio.NewPairReader(r, csvio.ReaderOptions{MaxBytes: 8 << 20})
	if err != nil {
		return 0, err
	}
	type want struct {
		manager     string
		kind        reportline.Kind
		line        int
		from, until time.Time
	}
	wanted := map[string][]want{} // managee → listed managers
	var order []string            // managees in file order
	firstAt := map[string]int{}   // managee → their first line, which a removal is charged to
	var details []reportline.Detail
	for {
		p, err := pr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if pr.Err() != nil {
				return 0, pr.Err()
			}
			var e *reportline.Error
			d := reportline.Detail{Line: p.Line, Reason: "malformed", Message: reportline.ErrorMessage(err)}
			if errors.As(err, &e) {
				d.Field, d.Line = e.Field, max(e.Line, p.Line)
				d = d.Say(e.MsgID, e.MsgArgs) // the CSV reader's words (error.csv.*)
			}
			details = append(details, d)
			continue
		}
		kind := reportline.Kind(strings.ToLower(strings.TrimSpace(p.Kind)))
		if kind == "" {
			kind = reportline.Line
		}
		if kind != reportline.Line && kind != reportline.Functional {
			details = append(details, reportline.Detail{Line: p.Line, Field: "kind", Value: p.Kind, Reason: "malformed",
				Message: fmt.Sprintf("line %d: kind %q must be line or functional", p.Line, p.Kind)}.
				Say("error.plan_line.kind", map[string]any{"Line": p.Line, "Value": p.Kind}))
			continue
		}
		// The dates of a temporary link, read as the bulk import reads
		// them (csvio.ParseDate): the link the change leaves carries them.
		from, errFrom := csvio.ParseDate(p.ValidFrom)
		until, errUntil := csvio.ParseDate(p.ValidUntil)
		switch {
		case errFrom != nil:
			details = append(details, reportline.Detail{Line: p.Line, Field: "valid_from", Value: p.ValidFrom, Reason: "malformed",
				Message: fmt.Sprintf("line %d: valid from %q is not a date (YYYY-MM-DD)", p.Line, p.ValidFrom)}.
				Say("error.plan_line.valid_from", map[string]any{"Line": p.Line, "Value": p.ValidFrom}))
			continue
		case errUntil != nil:
			details = append(details, reportline.Detail{Line: p.Line, Field: "valid_until", Value: p.ValidUntil, Reason: "malformed",
				Message: fmt.Sprintf("line %d: valid until %q is not a date (YYYY-MM-DD)", p.Line, p.ValidUntil)}.
				Say("error.plan_line.valid_until", map[string]any{"Line": p.Line, "Value": p.ValidUntil}))
			continue
		case !from.IsZero() && !until.IsZero() && !until.After(from):
			details = append(details, reportline.Detail{Line: p.Line, Field: "valid_until", Value: p.ValidUntil, Reason: "malformed",
				Message: fmt.Sprintf("line %d: valid until (%s) must be after valid from (%s)", p.Line, p.ValidUntil, p.ValidFrom)}.
				Say("error.plan_line.dates_order", map[string]any{"Line": p.Line, "From": p.ValidFrom, "Until": p.ValidUntil}))
			continue
		case (!from.IsZero() || !until.IsZero()) && strings.TrimSpace(p.Manager) == "":
			details = append(details, reportline.Detail{Line: p.Line, Field: "valid_from", Value: p.ValidFrom, Reason: "malformed",
				Message: fmt.Sprintf("line %d: dates without a manager date nothing: name the manager or leave the dates empty", p.Line)}.
				Say("error.plan_line.dates_no_manager", map[string]any{"Line": p.Line}))
			continue
		}
		e := normEmail(p.Managee)
		if _, ok := wanted[e]; !ok {
			order = append(order, e)
			wanted[e], firstAt[e] = nil, p.Line
		}
		if m := normEmail(p.Manager); m != "" {
			wanted[e] = append(wanted[e], want{manager: m, kind: kind, line: p.Line, from: from, until: until})
		}
	}
	if len(details) > 0 {
		return 0, (&reportline.Error{Code: reportline.Invalid, Details: details,
			Message: fmt.Sprintf("%d lines refused, nothing added: %s", len(details), details[0].Message)}).
			Say("error.plan.lines_refused", map[string]any{"Count": len(details)})
	}
	n := 0
	err = a.draftTx(ctx, actor, id, func(tx plansTx, ac *usecase.Authority, p reportline.Plan) error {
		var in []PlanItemInput
		var lines []int
		managees, err := tx.UsersByEmails(ctx, order)
		if err != nil {
			return err
		}
		for _, e := range order {
			listed := map[string]want{}
			for _, w := range wanted[e] {
				listed[w.manager] = w
			}
			u, ok := managees[e]
			var current []LinkedUser
			if ok {
				if current, err = linkedUsers(ctx, tx, u.ID, reportline.Managers); err != nil {
					return err
				}
			}
			have := map[string]reportline.Link{}
			for _, c := range current {
				have[normEmail(c.User.Email)] = c.Link
				if _, keep := listed[normEmail(c.User.Email)]; !keep {
					in, lines = append(in, PlanItemInput{Op: reportline.PlanRemove, Manager: c.User.Email, Managee: e, Kind: c.Link.Kind}), append(lines, firstAt[e])
				}
			}
			for _, w := range wanted[e] {
				old, exists := have[w.manager]
				switch {
				case !exists:
					in, lines = append(in, PlanItemInput{Op: reportline.PlanAdd, Manager: w.manager, Managee: e, Kind: w.kind,
						ValidFrom: w.from, ValidUntil: w.until}), append(lines, w.line)
				case old.Kind != w.kind || !old.ValidFrom.Equal(w.from) || !old.ValidUntil.Equal(w.until):
					// The line's terms (kind and dates) replace the link's, as
					// an import's would.
					in, lines = append(in, PlanItemInput{Op: reportline.PlanKind, Manager: w.manager, Managee: e, Kind: w.kind,
						ValidFrom: w.from, ValidUntil: w.until}), append(lines, w.line)
				}
			}
		}
		if len(in) == 0 {
			return reportline.Errorf(reportline.Invalid, "the file asks for the managers everyone it lists already has: no change to add").
				Say("error.plan.nothing_new", nil)
		}
		items, err := a.resolveItems(ctx, tx, ac, in, lines)
		if err != nil {
			return err
		}
		n = len(items)
		return a.addItems(ctx, tx, actor, p, items)
	})
	return n, err
}

// MoveTeam adds to a draft the moves of a manager's whole team (their
// direct line reports today) under another manager: for each, the line
// link to from is removed and one to to is added. to itself, when in the
// team, stays where it is.
func (a *App) MoveTeam(ctx context.Context, actor Actor, id int64, from, to string) (int, error) {
	n := 0
	err := a.draftTx(ctx, actor, id, func(tx plansTx, ac *usecase.Authority, p reportline.Plan) error {
		us, err := tx.UsersByEmails(ctx, []string{normEmail(from), normEmail(to)})
		if err != nil {
			return err
		}
		f, ok := us[normEmail(from)]
		if ok {
			if err := ac.NeedGroups(ctx, tx, f.ID); err != nil {
				return err
			}
		}
		if !ok || !ac.Administers(f.ID) {
			return reportline.FieldError("from", from, "no account in a group you administrate matches %s", from)
		}
		team, err := linkedUsers(ctx, tx, f.ID, reportline.Managees)
		if err != nil {
			return err
		}
		var in []PlanItemInput
		for _, m := range team {
			if m.Link.Kind != reportline.Line || normEmail(m.User.Email) == normEmail(to) {
				continue
			}
			in = append(in,
				PlanItemInput{Op: reportline.PlanRemove, Manager: f.Email, Managee: m.User.Email, Kind: reportline.Line},
				PlanItemInput{Op: reportline.PlanAdd, Manager: to, Managee: m.User.Email, Kind: reportline.Line})
		}
		if len(in) == 0 {
			return reportline.FieldError("from", from, "%s has no line reports to move", from)
		}
		items, err := a.resolveItems(ctx, tx, ac, in, nil)
		if err != nil {
			return err
		}
		n = len(items)
		return a.addItems(ctx, tx, actor, p, items)
	})
	return n, err
}

// RemovePlanItem takes one change out of a draft.
func (a *App) RemovePlanItem(ctx context.Context, actor Actor, id int64, seq int) error {
	return a.draftTx(ctx, actor, id, func(tx plansTx, _ *usecase.Authority, p reportline.Plan) error {
		if err := tx.DeletePlanItem(ctx, p.ID, seq); err != nil {
			return err
		}
		return a.record(ctx, tx, actor, policy.DraftPlan, reportline.Change{What: fmt.Sprintf("plan %d: change %d removed", p.ID, seq)})
	})
}

// PlansNeedApproval tells whether the tenant requires a second admin's
// approval before a plan is scheduled.
func (a *App) PlansNeedApproval(ctx context.Context) (bool, error) {
	var on bool
	err := a.plansStore().Read(ctx, func(tx plansTx) error {
		var err error
		on, err = plansNeedApproval(ctx, tx)
		return err
	})
	return on, err
}

func plansNeedApproval(ctx context.Context, tx plansTx) (bool, error) {
	v, err := tx.Setting(ctx, settingPlansApproval)
	if reportline.IsCode(err, reportline.NotFound) {
		return false, nil
	}
	return v == "true", err
}

// SetPlansNeedApproval sets the tenant's setting (platform admins).
func (a *App) SetPlansNeedApproval(ctx context.Context, actor Actor, on bool) error {
	return a.plansStore().Write(ctx, func(tx plansTx) error {
		ac, err := usecase.LoadAuthority(ctx, tx, actor)
		if err != nil {
			return err
		}
		if err := ac.Authorize(policy.ChangeSettings, policy.Target{}); err != nil {
			return err
		}
		if err := tx.PutSetting(ctx, settingPlansApproval, strconv.FormatBool(on)); err != nil {
			return err
		}
		return a.record(ctx, tx, actor, policy.ChangeSettings, reportline.Change{What: "setting " + settingPlansApproval, After: strconv.FormatBool(on)})
	})
}

// ApprovePlan approves a draft: by an admin other than its drafter, whose
// scope holds every change (checked again when it is applied).
func (a *App) ApprovePlan(ctx context.Context, actor Actor, id int64) error {
	return a.plansStore().Write(ctx, func(tx plansTx) error {
		ac, p, err := a.openPlan(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		drafter, err := tx.User(ctx, p.CreatedBy)
		if err != nil && !reportline.IsCode(err, reportline.NotFound) {
			return err
		}
		if drafter.ID == 0 {
			drafter.ID = p.CreatedBy
		}
		if err := ac.Authorize(policy.ApprovePlan, policy.Target{User: &policy.Person{User: drafter}}); err != nil {
			return err
		}
		if p.Status != reportline.PlanDraft {
			return reportline.Errorf(reportline.Conflict, "plan %d is %s: only a draft may be approved", id, p.Status).
				Say("error.plan.approve_not_draft", map[string]any{"ID": id, "Status": reportline.Term("plans.status." + string(p.Status))})
		}
		items, err := tx.PlanItems(ctx, p.ID)
		if err != nil {
			return err
		}
		if len(items) == 0 {
			return reportline.Errorf(reportline.Invalid, "plan %d has no changes to approve", id).
				Say("error.plan.nothing_to_approve", map[string]any{"ID": id})
		}
		if err := ac.NeedGroups(ctx, tx, planPeople(items)...); err != nil {
			return err
		}
		for _, it := range items {
			if !ac.MayLink(it.Pair()) {
				return usecase.Forbidden("change %d of plan %d links people outside the groups you administrate: you may not approve it", it.Seq, id).Say("error.forbidden.plan_approve_scope", map[string]any{"Seq": it.Seq, "ID": id})
			}
		}
		next := p
		next.Status, next.ApprovedBy, next.ApprovedAt = reportline.PlanApproved, actor.ID(), a.now()
		if ok, err := tx.MovePlan(ctx, next, reportline.PlanDraft); err != nil || !ok {
			return cmpErr(err, id)
		}
		return a.record(ctx, tx, actor, policy.ApprovePlan, reportline.Change{What: fmt.Sprintf("plan %d approved", id)})
	})
}

// cmpErr is err, or the refusal of a plan that changed between reading and
// writing it.
func cmpErr(err error, id int64) error {
	if err != nil {
		return err
	}
	return reportline.Errorf(reportline.Conflict, "plan %d changed meanwhile: read it again", id).Say("error.plan.changed", map[string]any{"ID": id})
}

// SchedulePlan sets when a plan takes effect: a time to come. When the
// tenant requires approval the plan must have been approved; a scheduled
// plan may be moved to another time.
func (a *App) SchedulePlan(ctx context.Context, actor Actor, id int64, at time.Time) error {
	return a.plansStore().Write(ctx, func(tx plansTx) error {
		ac, p, err := a.openPlan(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if p.CreatedBy != actor.ID() && p.ApprovedBy != actor.ID() && !ac.Scope.All {
			return usecase.Forbidden("only the drafter or the approver of plan %d (or a platform admin) may schedule it", id).Say("error.forbidden.plan_schedule", map[string]any{"ID": id})
		}
		if !at.After(a.now()) {
			return reportline.FieldError("at", at.UTC().Format(time.RFC3339), "a plan is scheduled for a time to come")
		}
		need, err := plansNeedApproval(ctx, tx)
		if err != nil {
			return err
		}
		switch {
		case p.Status == reportline.PlanDraft && need:
			return reportline.Errorf(reportline.Conflict, "plan %d must be approved by a second admin before it is scheduled (a tenant setting)", id).
				Say("error.plan.second_approval", map[string]any{"ID": id})
		case p.Status != reportline.PlanDraft && p.Status != reportline.PlanApproved && p.Status != reportline.PlanScheduled:
			return reportline.Errorf(reportline.Conflict, "plan %d is %s: it may no longer be scheduled", id, p.Status).
				Say("error.plan.not_schedulable", map[string]any{"ID": id, "Status": reportline.Term("plans.status." + string(p.Status))})
		}
		items, err := tx.PlanItems(ctx, p.ID)
		if err != nil {
			return err
		}
		if len(items) == 0 {
			return reportline.Errorf(reportline.Invalid, "plan %d has no changes to schedule", id).
				Say("error.plan.nothing_to_schedule", map[string]any{"ID": id})
		}
		next := p
		next.Status, next.EffectiveAt = reportline.PlanScheduled, at.UTC()
		if ok, err := tx.MovePlan(ctx, next, p.Status); err != nil || !ok {
			return cmpErr(err, id)
		}
		return a.record(ctx, tx, actor, policy.DraftPlan, reportline.Change{What: fmt.Sprintf("plan %d scheduled", id),
			After: next.EffectiveAt.Format(time.RFC3339)})
	})
}

// CancelPlan ends a plan that was not applied.
func (a *App) CancelPlan(ctx context.Context, actor Actor, id int64) error {
	return a.plansStore().Write(ctx, func(tx plansTx) error {
		ac, p, err := a.openPlan(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if p.CreatedBy != actor.ID() && p.ApprovedBy != actor.ID() && !ac.Scope.All {
			return usecase.Forbidden("only the drafter or the approver of plan %d (or a platform admin) may cancel it", id).Say("error.forbidden.plan_cancel", map[string]any{"ID": id})
		}
		switch p.Status {
		case reportline.PlanDraft, reportline.PlanApproved, reportline.PlanScheduled:
		default:
			return reportline.Errorf(reportline.Conflict, "plan %d is %s: it may no longer be cancelled", id, p.Status).
				Say("error.plan.not_cancellable", map[string]any{"ID": id, "Status": reportline.Term("plans.status." + string(p.Status))})
		}
		next := p
		next.Status = reportline.PlanCancelled
		if ok, err := tx.MovePlan(ctx, next, p.Status); err != nil || !ok {
			return cmpErr(err, id)
		}
		return a.record(ctx, tx, actor, policy.DraftPlan, reportline.Change{What: fmt.Sprintf("plan %d cancelled", id)})
	})
}

// ListPlans returns the plans the actor may see, newest first.
func (a *App) ListPlans(ctx context.Context, actor Actor) ([]reportline.Plan, error) {
	var out []reportline.Plan
	err := a.plansStore().Read(ctx, func(tx plansTx) error {
		ac, err := usecase.LoadAuthority(ctx, tx, actor)
		if err != nil {
			return err
		}
		if err := ac.Authorize(policy.DraftPlan, policy.Target{}); err != nil {
			return err
		}
		all, err := tx.Plans(ctx, 500)
		if err != nil {
			return err
		}
		for _, p := range all {
			ok, err := a.maySeePlan(ctx, tx, ac, p)
			if err != nil {
				return err
			}
			if ok {
				out = append(out, p)
			}
		}
		return nil
	})
	return out, err
}
