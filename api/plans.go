package api

import (
	"net/http"
	"strings"
	"time"

	"reportline"
	"reportline/app"
)

// planRoutes are the planned reorganisations (docs/plans.md).
func (api *API) planRoutes() []route {
	return []route{
		{id: "listPlans", method: "GET", path: "/api/v1/plans", tag: "plans", summary: "The planned reorganisations the caller may see, newest first",
			response: PlanList{}, status: http.StatusOK, handler: api.listPlans},
		{id: "createPlan", method: "POST", path: "/api/v1/plans", tag: "plans", summary: "Start a draft reorganisation (admins)",
			request: NewPlan{}, response: Plan{}, status: http.StatusCreated, handler: api.createPlan},
		{id: "getPlan", method: "GET", path: "/api/v1/plans/{id}", tag: "plans", summary: "A plan, its changes and their difference against today (or its result once applied)",
			response: PlanDetail{}, status: http.StatusOK, handler: api.getPlan},
		{id: "addPlanItems", method: "POST", path: "/api/v1/plans/{id}/items", tag: "plans", summary: "Add changes to a draft (all or none)",
			request: PlanItems{}, response: PlanDetail{}, status: http.StatusOK, handler: api.addPlanItems},
		{id: "importPlanItems", method: "POST", path: "/api/v1/plans/{id}/items/csv", tag: "plans",
			summary:     "Add the changes of a CSV in the import format (the body, text/csv) to a draft",
			description: "As an import would, the file's managers replace the current managers of each listed managee; a refused line refuses the file, naming its line and field.",
			response:    PlanDetail{}, status: http.StatusOK, handler: api.importPlanItems},
		{id: "moveTeam", method: "POST", path: "/api/v1/plans/{id}/moves", tag: "plans", summary: "Add to a draft the move of a manager's whole team (direct line reports) under another manager",
			request: TeamMove{}, response: PlanDetail{}, status: http.StatusOK, handler: api.moveTeam},
		{id: "deletePlanItem", method: "DELETE", path: "/api/v1/plans/{id}/items/{seq}", tag: "plans", summary: "Take one change out of a draft",
			status: http.StatusNoContent, handler: api.deletePlanItem},
		{id: "approvePlan", method: "POST", path: "/api/v1/plans/{id}/approve", tag: "plans", summary: "Approve a draft (an admin other than its drafter, whose scope holds every change)",
			response: PlanDetail{}, status: http.StatusOK, handler: api.planStep(func(a *app.App, r *http.Request, actor app.Actor, id int64) error {
				return a.ApprovePlan(r.Context(), actor, id)
			})},
		{id: "schedulePlan", method: "POST", path: "/api/v1/plans/{id}/schedule", tag: "plans", summary: "Schedule a plan for a time to come (approved first when the tenant requires it)",
			request: PlanSchedule{}, response: PlanDetail{}, status: http.StatusOK, handler: api.schedulePlan},
		{id: "cancelPlan", method: "POST", path: "/api/v1/plans/{id}/cancel", tag: "plans", summary: "Cancel a plan that was not applied",
			response: PlanDetail{}, status: http.StatusOK, handler: api.planStep(func(a *app.App, r *http.Request, actor app.Actor, id int64) error {
				return a.CancelPlan(r.Context(), actor, id)
			})},
		{id: "setPlanApproval", method: "PUT", path: "/api/v1/settings/plans", tag: "plans", summary: "Whether a plan needs a second admin's approval before it is scheduled (platform admins)",
			request: PlanSettings{}, response: PlanSettings{}, status: http.StatusOK, handler: api.setPlanApproval},
	}
}

// Plan is a planned reorganisation.
type Plan struct {
	ID          int64      `json:"id"`
	Name        string     `json:"name"`
	Status      string     `json:"status" enum:"draft,approved,scheduled,applied,failed,cancelled"`
	CreatedBy   int64      `json:"created_by"`
	CreatedAt   time.Time  `json:"created_at"`
	ApprovedBy  int64      `json:"approved_by,omitempty"`
	EffectiveAt *time.Time `json:"effective_at,omitempty" doc:"when it is scheduled for"`
	AppliedAt   *time.Time `json:"applied_at,omitempty" doc:"when it was applied or refused"`
}

// PlanList lists plans.
type PlanList struct {
	Plans []Plan `json:"plans"`
}

// NewPlan starts a draft.
type NewPlan struct {
	Name string `json:"name"`
}

// PlanItem is one change of a plan.
type PlanItem struct {
	Seq     int    `json:"seq,omitempty"`
	Op      string `json:"op" enum:"add,remove,kind"`
	Manager string `json:"manager" doc:"email"`
	Managee string `json:"managee" doc:"email"`
	Kind    string `json:"kind,omitempty" enum:"line,functional"`
	Line    int    `json:"line,omitempty" doc:"the CSV line it came from"`
	// The dates of the link the change leaves, from a dated CSV line
	// (read only: changes added as JSON are open-ended).
	ValidFrom  *time.Time `json:"valid_from,omitempty"`
	ValidUntil *time.Time `json:"valid_until,omitempty"`
	Verdict    string     `json:"verdict,omitempty" doc:"ok, or why it would be refused if applied now"`
	Message    string     `json:"message,omitempty"`
}

// PlanItems adds changes.
type PlanItems struct {
	Items []PlanItem `json:"items"`
}

// TeamMove moves a team.
type TeamMove struct {
	From string `json:"from" doc:"the manager whose direct line reports move (email)"`
	To   string `json:"to" doc:"their new manager (email)"`
}

// PlanSchedule schedules a plan.
type PlanSchedule struct {
	At time.Time `json:"at" doc:"RFC 3339"`
}

// PlanSettings is the tenant's plan setting.
type PlanSettings struct {
	RequireApproval bool `json:"require_approval"`
}

// PlanDetail is a plan with its changes and the difference against today.
type PlanDetail struct {
	Plan
	Items        []PlanItem      `json:"items"`
	Adds         int             `json:"adds"`
	Removes      int             `json:"removes"`
	KindChanges  int             `json:"kind_changes"`
	People       int             `json:"people" doc:"people whose managers change"`
	Refused      int             `json:"refused" doc:"changes that would be refused if the plan were applied now"`
	NeedApproval bool            `json:"need_approval"`
	Result       *app.PlanResult `json:"result,omitempty" doc:"what the apply did"`
}

func toReorg(p reportline.Plan) Plan {
	out := Plan{ID: p.ID, Name: p.Name, Status: string(p.Status), CreatedBy: int64(p.CreatedBy), CreatedAt: p.CreatedAt, ApprovedBy: int64(p.ApprovedBy)}
	if !p.EffectiveAt.IsZero() {
		t := p.EffectiveAt
		out.EffectiveAt = &t
	}
	if !p.AppliedAt.IsZero() {
		t := p.AppliedAt
		out.AppliedAt = &t
	}
	return out
}

func (api *API) planDetail(r *http.Request, actor app.Actor, id int64) (any, error) {
	v, err := api.app.ShowPlan(r.Context(), actor, id)
	if err != nil {
		return nil, err
	}
	out := PlanDetail{Plan: toReorg(v.Plan), Items: []PlanItem{}, Adds: v.Adds, Removes: v.Removes, KindChanges: v.KindChanges,
		People: v.People, Refused: v.Refused, NeedApproval: v.NeedApproval, Result: v.Result}
	for _, it := range v.Items {
		out.Items = append(out.Items, PlanItem{Seq: it.Seq, Op: string(it.Op), Manager: it.Manager.Email, Managee: it.Managee.Email,
			Kind: string(it.Kind), Line: it.Line, Verdict: it.Verdict, Message: it.Message,
			ValidFrom: timePtr(it.ValidFrom), ValidUntil: timePtr(it.ValidUntil)})
	}
	return out, nil
}

func (api *API) listPlans(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	ps, err := api.app.ListPlans(r.Context(), actor)
	out := PlanList{Plans: []Plan{}}
	for _, p := range ps {
		out.Plans = append(out.Plans, toReorg(p))
	}
	return out, err
}

func (api *API) createPlan(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	var in NewPlan
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	p, err := api.app.CreatePlan(r.Context(), actor, in.Name)
	if err != nil {
		return nil, err
	}
	return toReorg(p), nil
}

func (api *API) getPlan(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return api.planDetail(r, actor, id)
}

func (api *API) addPlanItems(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	var in PlanItems
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	var items []app.PlanItemInput
	for _, it := range in.Items {
		items = append(items, app.PlanItemInput{Op: reportline.PlanOp(it.Op), Manager: it.Manager, Managee: it.Managee, Kind: reportline.Kind(it.Kind)})
	}
	if err := api.app.AddPlanItems(r.Context(), actor, id, items); err != nil {
		return nil, err
	}
	return api.planDetail(r, actor, id)
}

func (api *API) importPlanItems(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "text/csv") && !strings.HasPrefix(ct, "text/plain") && !strings.HasPrefix(ct, "application/octet-stream") {
		return nil, reportline.Errorf(reportline.Invalid, "send the file itself as the body (Content-Type: text/csv), not %s", ct)
	}
	if _, err := api.app.ImportPlan(r.Context(), actor, id, http.MaxBytesReader(w, r.Body, 8<<20)); err != nil {
		return nil, err
	}
	return api.planDetail(r, actor, id)
}

func (api *API) moveTeam(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	var in TeamMove
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	if _, err := api.app.MoveTeam(r.Context(), actor, id, in.From, in.To); err != nil {
		return nil, err
	}
	return api.planDetail(r, actor, id)
}

func (api *API) deletePlanItem(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	seq, err := pathID(r, "seq")
	if err != nil {
		return nil, err
	}
	return nil, api.app.RemovePlanItem(r.Context(), actor, id, int(seq))
}

func (api *API) schedulePlan(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	var in PlanSchedule
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	if err := api.app.SchedulePlan(r.Context(), actor, id, in.At); err != nil {
		return nil, err
	}
	return api.planDetail(r, actor, id)
}

// planStep runs a step that takes only the plan (approve, cancel) and
// answers with the plan.
func (api *API) planStep(step func(a *app.App, r *http.Request, actor app.Actor, id int64) error) func(http.ResponseWriter, *http.Request, app.Actor) (any, error) {
	return func(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
		id, err := pathID(r, "id")
		if err != nil {
			return nil, err
		}
		if err := step(api.app, r, actor, id); err != nil {
			return nil, err
		}
		return api.planDetail(r, actor, id)
	}
}

func (api *API) setPlanApproval(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	var in PlanSettings
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	return in, api.app.SetPlansNeedApproval(r.Context(), actor, in.RequireApproval)
}
