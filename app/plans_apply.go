package app

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"reportline"
	"reportline/directory"
	"reportline/outbox"
	"reportline/policy"
	"reportline/schedule"
	"reportline/usecase"
	"reportline/webhook"
)

// Checking and applying a plan. The same check serves the preview (against
// today, in the viewer's scope) and the apply (at the plan's time, in the
// scope of its approver, or of its drafter when nobody approved it). The
// items are checked in order against the graph as it will be once the
// earlier ones are applied (an overlay over the transaction's links), so
// nothing is written until every item passed: a refused item leaves the
// organisation as it was, and the plan failed with its refusals.

const (
	cursorPlans = "plans"
	// planLookback only bounds TakeEffect's stretch: a due plan is found by
	// its status and time, so a replica down longer still applies it, late.
	planLookback = 48 * time.Hour
)

// The verdicts of a plan item.
const (
	ItemOK         = "ok"
	ItemUnknown    = "unknown"          // a person no longer exists
	ItemInactive   = "inactive"         // a link to add names an inactive person
	ItemOutOfScope = "out_of_scope"     // outside the applier's groups
	ItemExists     = "exists"           // add: the pair is already linked (one link per pair)
	ItemMissing    = "missing"          // remove, kind: the pair is not linked
	ItemSameKind   = "unchanged"        // kind: the link is already of that kind (and those dates)
	ItemEnded      = "ended"            // a dated change whose link would have ended before it is applied
	ItemCycle      = "cycle"            // a line link that would close a cycle then
	ItemOwned      = "directory_owned"  // the link belongs to a directory source that is on
	ItemNoApproval = "approval_missing" // the tenant requires an approval the plan lacks
)

// PlanItemView is one change as a page shows it: its people, and its
// verdict against today (a preview) or at apply time (a result).
type PlanItemView struct {
	reportline.PlanItem
	Manager reportline.User
	Managee reportline.User
	Verdict string
	Message string
}

// PlanRefusal is a change the apply refused, as kept in the plan's result.
type PlanRefusal struct {
	Seq     int    `json:"seq"`
	Line    int    `json:"line,omitempty"`
	Manager string `json:"manager"`
	Managee string `json:"managee"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

// PlanResult is what an apply did, kept on the plan.
type PlanResult struct {
	Applied  bool          `json:"applied"`
	Changes  int           `json:"changes"`
	Refusals []PlanRefusal `json:"refusals,omitempty"`
}

// PlanView is a plan with its changes, the difference against today and
// what the viewer may do with it.
type PlanView struct {
	Plan     reportline.Plan
	Drafter  reportline.User
	Approver reportline.User
	Items    []PlanItemView
	// The difference against today: links added, removed and whose kind
	// changes, people whose managers change, and changes that would be
	// refused if the plan were applied now.
	Adds, Removes, KindChanges, People, Refused int
	NeedApproval                                bool
	MayEdit, MayApprove, MaySchedule            bool
	Result                                      *PlanResult
	// Chart is the org chart before / after of a plan not yet applied
	// (nil once applied, refused or cancelled, or without changes).
	Chart *PlanChart
}

// planShowTx is the transaction of ShowPlan in three views of it: the plan
// and its people as the reader may see them, the items checked against
// today's links, and the org chart before and after.
type planShowTx struct {
	plans interface {
		plansTx
		UsersByIDs(ctx context.Context, ids []reportline.UserID) (map[reportline.UserID]reportline.User, error)
	}
	check planCheckTx
	chart visibilityTx
}

func (a *App) planShowStore() usecase.Store[planShowTx] {
	return narrow(a.store, func(tx Tx) planShowTx { return planShowTx{plans: tx, check: tx, chart: tx} })
}

// ShowPlan returns a plan, its preview against today (in the viewer's
// scope) or, once applied or refused, its result.
func (a *App) ShowPlan(ctx context.Context, actor Actor, id int64) (PlanView, error) {
	var v PlanView
	err := a.planShowStore().Read(ctx, func(tx planShowTx) error {
		ac, p, err := a.openPlan(ctx, tx.plans, actor, id)
		if err != nil {
			return err
		}
		v = PlanView{Plan: p}
		items, err := tx.plans.PlanItems(ctx, id)
		if err != nil {
			return err
		}
		ids := append(planPeople(items), p.CreatedBy, p.ApprovedBy)
		users, err := tx.plans.UsersByIDs(ctx, ids)
		if err != nil {
			return err
		}
		v.Drafter, v.Approver = users[p.CreatedBy], users[p.ApprovedBy]
		if v.NeedApproval, err = plansNeedApproval(ctx, tx.plans); err != nil {
			return err
		}
		var checks []itemCheck
		open := p.Status == reportline.PlanDraft || p.Status == reportline.PlanApproved || p.Status == reportline.PlanScheduled
		if open {
			if checks, err = a.checkPlan(ctx, tx.check, ac, items); err != nil {
				return err
			}
			if len(items) > 0 {
				if v.Chart, err = a.planChart(ctx, tx.chart, ac, items, checks); err != nil {
					return err
				}
			}
		}
		people := map[reportline.UserID]bool{}
		for i, it := range items {
			iv := PlanItemView{PlanItem: it, Manager: users[it.ManagerID], Managee: users[it.ManageeID]}
			if open {
				iv.Verdict, iv.Message = checks[i].verdict, checks[i].message
				if iv.Verdict != ItemOK {
					v.Refused++
				}
			}
			switch it.Op {
			case reportline.PlanAdd:
				v.Adds++
			case reportline.PlanRemove:
				v.Removes++
			case reportline.PlanKind:
				v.KindChanges++
			}
			people[it.ManageeID] = true
			v.Items = append(v.Items, iv)
		}
		v.People = len(people)
		if p.Result != "" {
			var r PlanResult
			if err := json.Unmarshal([]byte(p.Result), &r); err == nil {
				v.Result = &r
			}
		}
		own := p.CreatedBy == actor.ID()
		v.MayEdit = p.Status == reportline.PlanDraft && (own || ac.Scope.All)
		v.MayApprove = p.Status == reportline.PlanDraft && !own && len(items) > 0 && v.Refused == 0 && actor.User.Active()
		v.MaySchedule = len(items) > 0 && (own || p.ApprovedBy == actor.ID() || ac.Scope.All) &&
			(p.Status == reportline.PlanApproved || p.Status == reportline.PlanScheduled || (p.Status == reportline.PlanDraft && !v.NeedApproval))
		return nil
	})
	return v, err
}

// itemCheck is one item's verdict, and the link it finds (remove, kind).
type itemCheck struct {
	verdict, message string
	old              reportline.Link
}

// overlay is the graph as it will be once the checked items are applied:
// the links they set (nil: removed) over the transaction's.
type overlay struct {
	tx    planCheckTx
	links map[reportline.Pair]*reportline.Link
	into  map[reportline.UserID][]reportline.Pair // managee → pairs set by the plan
}

func (o *overlay) link(ctx context.Context, p reportline.Pair) (*reportline.Link, error) {
	if l, ok := o.links[p]; ok {
		return l, nil
	}
	l, err := o.tx.Link(ctx, p)
	if reportline.IsCode(err, reportline.NotFound) {
		o.links[p] = nil
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	o.links[p] = &l
	return &l, nil
}

func (o *overlay) set(p reportline.Pair, l *reportline.Link) {
	if _, ok := o.links[p]; !ok || !slices.Contains(o.into[p.ManageeID], p) {
		o.into[p.ManageeID] = append(o.into[p.ManageeID], p)
	}
	o.links[p] = l
}

// lineManagers is the cycle check's view of the graph then.
func (o *overlay) lineManagers(ctx context.Context, users []reportline.UserID) (map[reportline.UserID][]reportline.UserID, error) {
	m, err := o.tx.LineManagers(ctx, users)
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		for _, p := range o.into[u] {
			l := o.links[p]
			m[u] = slices.DeleteFunc(m[u], func(x reportline.UserID) bool { return x == p.ManagerID })
			if l != nil && l.Kind == reportline.Line {
				m[u] = append(m[u], p.ManagerID)
			}
		}
	}
	return m, nil
}

// planCheckTx is what checking a plan's items reads: their people and the
// groups the answering admin administrates, the links they change (and
// whether a directory owns them), and the line managers of the cycle check
// (named when it finds one).
type planCheckTx interface {
	cycleNamesTx
	directory.OwnerTx
	LineManagers(ctx context.Context, users []reportline.UserID) (map[reportline.UserID][]reportline.UserID, error)
	Link(ctx context.Context, p reportline.Pair) (reportline.Link, error)
}

// checkPlan gives every item its verdict, in order, in ac's scope.
func (a *App) checkPlan(ctx context.Context, tx planCheckTx, ac *usecase.Authority, items []reportline.PlanItem) ([]itemCheck, error) {
	people := planPeople(items)
	users, err := tx.UsersByIDs(ctx, people)
	if err != nil {
		return nil, err
	}
	if err := ac.NeedGroups(ctx, tx, people...); err != nil {
		return nil, err
	}
	on, err := a.SourcesOn(ctx, tx)
	if err != nil {
		return nil, err
	}
	o := &overlay{tx: tx, links: map[reportline.Pair]*reportline.Link{}, into: map[reportline.UserID][]reportline.Pair{}}
	out := make([]itemCheck, len(items))
	for i, it := range items {
		c := &out[i]
		c.verdict = ItemOK
		m, okM := users[it.ManagerID]
		e, okE := users[it.ManageeID]
		p := it.Pair()
		switch {
		case !okM || !okE:
			c.verdict, c.message = ItemUnknown, "one of the two people no longer has an account"
			continue
		case !ac.MayLink(p):
			c.verdict, c.message = ItemOutOfScope, fmt.Sprintf("%s → %s is outside the groups the admin who answers for this plan administrates", m.Email, e.Email)
			continue
		case it.Op != reportline.PlanRemove && (!m.Active() || !e.Active()):
			c.verdict, c.message = ItemInactive, fmt.Sprintf("%s or %s is an inactive account", m.Email, e.Email)
			continue
		}
		old, err := o.link(ctx, p)
		if err != nil {
			return nil, err
		}
		if old != nil {
			c.old = *old
		}
		if it.Op != reportline.PlanAdd {
			if old == nil {
				c.verdict, c.message = ItemMissing, fmt.Sprintf("%s does not manage %s then", m.Email, e.Email)
				continue
			}
			if owner, owned := directory.Owned(*old, ac.Actor, on); owned {
				c.verdict, c.message = ItemOwned, directory.OwnedMessage(m.Email, owner)
				continue
			}
		}
		if it.Op != reportline.PlanRemove && !it.ValidUntil.IsZero() && !it.ValidUntil.After(a.now()) {
			c.verdict, c.message = ItemEnded, fmt.Sprintf("the link %s → %s would end on %s, before the plan is applied", m.Email, e.Email, it.ValidUntil.Format(time.DateOnly))
			continue
		}
		var next *reportline.Link
		switch it.Op {
		case reportline.PlanAdd:
			if old != nil {
				c.verdict, c.message = ItemExists, fmt.Sprintf("%s already manages %s then (one link per pair: change its kind instead)", m.Email, e.Email)
				continue
			}
			next = &reportline.Link{ManagerID: p.ManagerID, ManageeID: p.ManageeID, Kind: it.Kind, ValidFrom: it.ValidFrom, ValidUntil: it.ValidUntil}
		case reportline.PlanKind:
			l := planTerms(*old, it)
			if l.Kind == old.Kind && l.ValidFrom.Equal(old.ValidFrom) && l.ValidUntil.Equal(old.ValidUntil) {
				c.verdict, c.message = ItemSameKind, fmt.Sprintf("the link %s → %s is already %s then, with those dates", m.Email, e.Email, it.Kind)
				continue
			}
			next = &l
		}
		if next != nil && next.Kind == reportline.Line && (old == nil || old.Kind != reportline.Line) {
			cycle, err := reportline.FindCycle(ctx, p.ManagerID, p.ManageeID, o.lineManagers)
			if err != nil {
				return nil, fmt.Errorf("cycle check: %w", err)
			}
			if cycle != nil {
				msg, err := describeCycle(ctx, tx, ac, cycle)
				if err != nil {
					return nil, err
				}
				c.verdict, c.message = ItemCycle, "this would close a cycle of managers: "+msg
				continue
			}
		}
		o.set(p, next)
	}
	return out, nil
}

// planApplyTx is the transaction that applies due plans, in four views of
// it (one per step of applyPlan): the plans claimed, moved and recorded,
// with the cursor of the runs; the items checked; the links written with
// their audit and events; and the notice to the admins the plan concerns.
type planApplyTx struct {
	plans interface {
		plansTx
		schedule.CursorTx
		UsersByIDs(ctx context.Context, ids []reportline.UserID) (map[reportline.UserID]reportline.User, error)
	}
	check  planCheckTx
	links  planWriteTx
	notice planNoticeTx
}

func (a *App) planApplyStore() usecase.Store[planApplyTx] {
	return narrow(a.store, func(tx Tx) planApplyTx { return planApplyTx{plans: tx, check: tx, links: tx, notice: tx} })
}

// RunPlans applies the plans that fell due since the last call on any
// replica, through schedule.TakeEffect; the scheduler calls it every tick.
// A due plan is claimed by moving its status in the same transaction, so
// two replicas ticking at once, or a replica that restarts, apply it once.
func (a *App) RunPlans(ctx context.Context) (int, error) {
	n := 0
	err := a.planApplyStore().Write(ctx, func(tx planApplyTx) error {
		n = 0
		return schedule.TakeEffect(ctx, tx.plans, cursorPlans, a.now(), planLookback, func(_, to time.Time) error {
			due, err := tx.plans.DuePlans(ctx, to.UnixMicro())
			if err != nil {
				return err
			}
			for _, p := range due {
				done, err := a.applyPlan(ctx, tx, p, to)
				if err != nil {
					return fmt.Errorf("plan %d: %w", p.ID, err)
				}
				if done {
					n++
				}
			}
			return nil
		})
	})
	return n, err
}

// applyPlan applies one due plan, or refuses it whole; false when another
// replica got there first.
func (a *App) applyPlan(ctx context.Context, tx planApplyTx, p reportline.Plan, now time.Time) (bool, error) {
	claimed := p
	claimed.Status, claimed.AppliedAt = reportline.PlanApplied, now
	if ok, err := tx.plans.MovePlan(ctx, claimed, reportline.PlanScheduled); err != nil || !ok {
		return false, err
	}
	items, err := tx.plans.PlanItems(ctx, p.ID)
	if err != nil {
		return false, err
	}
	// Taken before the checks read the graph, so that the cycle check sees
	// every committed line link.
	if err := tx.links.LockLinks(ctx); err != nil {
		return false, err
	}
	who := p.ApprovedBy
	if who == 0 {
		who = p.CreatedBy
	}
	u, err := tx.plans.User(ctx, who)
	if err != nil && !reportline.IsCode(err, reportline.NotFound) {
		return false, err
	}
	actor := UserActor(u, p.Source)
	ac, err := usecase.LoadAuthority(ctx, tx.plans, actor)
	if err != nil {
		return false, err
	}
	checks, err := a.checkPlan(ctx, tx.check, ac, items)
	if err != nil {
		return false, err
	}
	need, err := plansNeedApproval(ctx, tx.plans)
	if err != nil {
		return false, err
	}
	users, err := tx.plans.UsersByIDs(ctx, planPeople(items))
	if err != nil {
		return false, err
	}
	res := PlanResult{Applied: true, Changes: len(items)}
	if need && p.ApprovedBy == 0 {
		res.Refusals = append(res.Refusals, PlanRefusal{Reason: ItemNoApproval,
			Message: "the tenant requires a second admin's approval, and this plan has none"})
		res.Applied, res.Changes = false, 0
	}
	for i, c := range checks {
		it := items[i]
		if c.verdict != ItemOK {
			res.Applied, res.Changes = false, 0
			res.Refusals = append(res.Refusals, PlanRefusal{Seq: it.Seq, Line: it.Line, Manager: users[it.ManagerID].Email,
				Managee: users[it.ManageeID].Email, Reason: c.verdict, Message: c.message})
		}
	}
	final := claimed
	if res.Applied {
		if err := a.writePlan(ctx, tx.links, actor, p, items, checks, now); err != nil {
			return false, err
		}
	} else {
		final.Status = reportline.PlanFailed
	}
	b, err := json.Marshal(res)
	if err != nil {
		return false, err
	}
	final.Result = string(b)
	if _, err := tx.plans.MovePlan(ctx, final, reportline.PlanApplied); err != nil {
		return false, err
	}
	if err := a.record(ctx, tx.plans, actor, policy.DraftPlan, reportline.Change{What: fmt.Sprintf("plan %d %s", p.ID, final.Status), After: final.Result}); err != nil {
		return false, err
	}
	if err := a.noticePlan(ctx, tx.notice, final, res); err != nil {
		return false, err
	}
	return true, nil
}

// planWriteTx is what applying a checked plan writes: its links, under the
// link lock, with their audit (and so their events) and the plan's event.
type planWriteTx interface {
	webhook.Tx
	AppendAudit(ctx context.Context, entries []reportline.AuditEntry) error
	DeleteLink(ctx context.Context, p reportline.Pair) error
	InsertLink(ctx context.Context, l reportline.Link) error
	LockLinks(ctx context.Context) error
	UpdateLink(ctx context.Context, l reportline.Link) error
}

// writePlan writes every item of a checked plan, in order, with its audit
// entries (the link events of webhooks follow them), then the plan's own
// event.
func (a *App) writePlan(ctx context.Context, tx planWriteTx, actor Actor, p reportline.Plan, items []reportline.PlanItem, checks []itemCheck, now time.Time) error {
	var audit []reportline.AuditEntry
	for i, it := range items {
		old := checks[i].old
		e := reportline.AuditEntry{At: now, ActorID: actor.ID(), Source: p.Source, ManagerID: it.ManagerID, ManageeID: it.ManageeID}
		switch it.Op {
		case reportline.PlanAdd:
			l := reportline.Link{ManagerID: it.ManagerID, ManageeID: it.ManageeID, Kind: it.Kind, Source: p.Source,
				ValidFrom: it.ValidFrom, ValidUntil: it.ValidUntil,
				Comment: fmt.Sprintf("plan %d", p.ID), CreatedBy: actor.ID(), CreatedAt: now}
			if err := tx.InsertLink(ctx, l); err != nil {
				return err
			}
			e.Action, e.After = reportline.ActionAdd, &l
		case reportline.PlanRemove:
			if err := tx.DeleteLink(ctx, it.Pair()); err != nil {
				return err
			}
			e.Action, e.Before = reportline.ActionRemove, &old
		case reportline.PlanKind:
			l := planTerms(old, it)
			if err := tx.UpdateLink(ctx, l); err != nil {
				return err
			}
			e.Action, e.Before, e.After = reportline.ActionUpdate, &old, &l
		}
		audit = append(audit, e)
	}
	if err := tx.AppendAudit(ctx, audit); err != nil {
		return err
	}
	_, err := webhook.Emit(ctx, tx, now, webhook.PlanApplied(p.ID, p.Name, len(items), now))
	return err
}

// planTerms is the link a kind change leaves: its kind, and, for a change
// read from a CSV line, the line's dates (empty: open), as an import
// would; a change typed by hand keeps the link's dates.
func planTerms(old reportline.Link, it reportline.PlanItem) reportline.Link {
	l := old
	l.Kind = it.Kind
	if it.Line > 0 {
		l.ValidFrom, l.ValidUntil = it.ValidFrom, it.ValidUntil
	}
	return l
}

// planNoticeTx is what telling the admins of an applied plan reads and
// writes: who may see the plan (the platform admins, the admins of its
// people's groups, each in their own scope) and the emails.
type planNoticeTx interface {
	planItemsTx
	outbox.Tx
	GroupAdmins(ctx context.Context, groups []reportline.GroupID) ([]reportline.Membership, error)
	PlatformAdmins(ctx context.Context) ([]reportline.User, error)
	UsersByIDs(ctx context.Context, ids []reportline.UserID) (map[reportline.UserID]reportline.User, error)
}

// noticePlan tells the admins the plan concerns what the apply did: its
// drafter and approver, and every active admin who may open it (the
// policy's plans.draft, and link.change on every one of its changes:
// platform admins, and the group and user admins whose groups hold both
// people of every change), so the notice names nobody its reader may not
// see. Through the outbox, keyed by plan and recipient: sent once.
func (a *App) noticePlan(ctx context.Context, tx planNoticeTx, p reportline.Plan, res PlanResult) error {
	ids, err := a.planAdmins(ctx, tx, p)
	if err != nil {
		return err
	}
	users, err := tx.UsersByIDs(ctx, ids)
	if err != nil {
		return err
	}
	base, br := a.publicURL(ctx), a.branding(ctx)
	var msgs []reportline.OutboxMessage
	for _, id := range ids {
		u, ok := users[id]
		if !ok || !u.Active() {
			continue
		}
		r, err := a.renderPlanNotice(u, base, br, p, res)
		if err != nil {
			return err
		}
		msgs = append(msgs, reportline.OutboxMessage{Key: fmt.Sprintf("%s:%d:%d", reportline.NotifyPlanApplied, p.ID, u.ID),
			Type: reportline.NotifyPlanApplied, Recipient: u.ID, To: u.Email, Subject: r.Subject, Text: r.Text, HTML: r.HTML})
	}
	_, err = a.Enqueue(ctx, tx, msgs...)
	return err
}

// planAdmins returns, ordered by id, the drafter, the approver and the
// active admins who may see the plan (maySeePlan, the rule of its page):
// the platform admins and the admins of the groups (or their ancestors)
// holding its people, each asked of the policy in their own scope.
func (a *App) planAdmins(ctx context.Context, tx planNoticeTx, p reportline.Plan) ([]reportline.UserID, error) {
	out := map[reportline.UserID]bool{p.CreatedBy: true}
	if p.ApprovedBy != 0 {
		out[p.ApprovedBy] = true
	}
	candidates := map[reportline.UserID]bool{}
	pas, err := tx.PlatformAdmins(ctx)
	if err != nil {
		return nil, err
	}
	for _, u := range pas {
		candidates[u.ID] = true
	}
	items, err := tx.PlanItems(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	ms, err := tx.Memberships(ctx, reportline.MembershipFilter{UserIDs: planPeople(items)})
	if err != nil {
		return nil, err
	}
	if len(ms) > 0 {
		groups, err := tx.Groups(ctx)
		if err != nil {
			return nil, err
		}
		tree := reportline.NewGroupTree(groups)
		above := map[reportline.GroupID]bool{}
		for _, m := range ms {
			for _, g := range tree.AncestorsOrSelf(m.GroupID) {
				above[g] = true
			}
		}
		admins, err := tx.GroupAdmins(ctx, slices.Sorted(maps.Keys(above)))
		if err != nil {
			return nil, err
		}
		for _, m := range admins {
			candidates[m.UserID] = true
		}
	}
	ids := slices.Sorted(maps.Keys(candidates))
	users, err := tx.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		u, ok := users[id]
		if !ok || !u.Active() || out[id] {
			continue
		}
		ac, err := usecase.LoadAuthority(ctx, tx, UserActor(u, p.Source))
		if err != nil {
			return nil, err
		}
		if !ac.Decide(policy.DraftPlan, policy.Target{}).Allowed {
			continue
		}
		ok, err = a.maySeePlan(ctx, tx, ac, p)
		if err != nil {
			return nil, err
		}
		if ok {
			out[id] = true
		}
	}
	return slices.Sorted(maps.Keys(out)), nil
}

// renderPlanNotice writes the notice of an applied or refused plan in the
// recipient's language (else the tenant's, under its branding br): the
// refusals listed.
func (a *App) renderPlanNotice(u reportline.User, base string, br reportline.Branding, p reportline.Plan, res PlanResult) (RenderedMail, error) {
	n, loc := newNoticeFor(u, MailBrandOf(br), base, br.Locale)
	d := map[string]any{"Name": p.Name, "Changes": res.Changes, "Refused": len(res.Refusals), "Brand": n.BrandName}
	key := "plan_applied"
	if !res.Applied {
		key = "plan_failed"
	}
	n.Subject = loc.T(key+".subject", d)
	n.Paras = append(n.Paras, loc.T(key+".body", d))
	for _, r := range res.Refusals {
		if r.Manager != "" {
			n.Items = append(n.Items, fmt.Sprintf("%s → %s: %s", r.Manager, r.Managee, r.Message))
		} else {
			n.Items = append(n.Items, r.Message)
		}
	}
	if base != "" {
		n.URL = fmt.Sprintf("%s/plans/%d", base, p.ID)
	}
	a.footer(&n, loc, reportline.NotifyPlanApplied, true)
	return n.Render()
}
