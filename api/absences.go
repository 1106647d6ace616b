package api

import (
	"net/http"
	"time"

	"reportline"
	"reportline/app"
)

// absenceRoutes are a manager's absences and the delegate covering each
// (docs/absences.md), and the leaver proposal of a manager deactivated.
func (api *API) absenceRoutes() []route {
	return []route{
		{id: "listAbsences", method: "GET", path: "/api/v1/users/{id}/absences", tag: "absences", summary: "A manager's absences not over yet, with their delegates (whoever may see the manager)",
			response: AbsenceList{}, status: http.StatusOK, handler: api.listAbsences},
		{id: "setAbsence", method: "POST", path: "/api/v1/users/{id}/absences", tag: "absences", summary: "Mark a manager's absence: the delegate holds the manager's links to the team on their behalf for the dates",
			description: "The manager themself, or an admin of theirs. Without a delegate the fallback chain chooses: the team's second manager, then the manager's own line manager. Refused: dates reversed or past, an overlapping absence, the manager as delegate, a delegate the caller cannot see, a cycle.",
			request:     NewAbsence{}, response: Absence{}, status: http.StatusCreated, handler: api.setAbsence},
		{id: "endAbsence", method: "POST", path: "/api/v1/absences/{id}/end", tag: "absences", summary: "End an absence now (cancel one not started): the delegate's links stop granting at once",
			response: Absence{}, status: http.StatusOK, handler: api.endAbsence},
		{id: "getLeaverProposal", method: "GET", path: "/api/v1/users/{id}/leaver", tag: "absences", summary: "What deactivating this manager proposes for their reports",
			response: LeaverProposal{}, status: http.StatusOK, handler: api.leaverProposal},
		{id: "confirmLeaver", method: "POST", path: "/api/v1/users/{id}/leaver", tag: "absences", summary: "Deactivate a manager and move their reports as chosen (manager, successor, flag), or, for a manager already inactive, the reports still linked to them; each person told of their new manager",
			request: LeaverRequest{}, response: LeaverProposal{}, status: http.StatusOK, handler: api.confirmLeaver},
	}
}

// NewAbsence marks an absence.
type NewAbsence struct {
	From     string `json:"from" doc:"first day (2026-12-07) in the tenant's time zone, or an RFC 3339 instant"`
	To       string `json:"to" doc:"last day, included (or an RFC 3339 instant, excluded)"`
	Delegate string `json:"delegate,omitempty" doc:"the delegate's email; empty: the fallback chain chooses"`
}

// Absence is a manager away and the delegate covering.
type Absence struct {
	ID           int64     `json:"id"`
	ManagerID    int64     `json:"manager_id"`
	DelegateID   int64     `json:"delegate_id"`
	Delegate     string    `json:"delegate" doc:"the delegate's email"`
	DelegateFrom string    `json:"delegate_from" enum:"named,second_manager,manager_manager"`
	Starts       time.Time `json:"starts"`
	Ends         time.Time `json:"ends" doc:"excluded"`
	From         string    `json:"from" doc:"first day, in the tenant's time zone"`
	To           string    `json:"to" doc:"last day, included"`
	Managees     []int64   `json:"managee_ids" doc:"the people the delegate covers"`
}

// AbsenceList lists absences.
type AbsenceList struct {
	Absences []Absence `json:"absences"`
}

func toAbsence(v app.AbsenceView) Absence {
	out := Absence{ID: int64(v.ID), ManagerID: int64(v.ManagerID), DelegateID: int64(v.DelegateID), Delegate: v.Delegate.Email,
		DelegateFrom: string(v.DelegateFrom), Starts: v.Starts, Ends: v.Ends, From: v.From, To: v.To, Managees: []int64{}}
	for _, m := range v.Managees {
		out.Managees = append(out.Managees, int64(m))
	}
	return out
}

func (api *API) listAbsences(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	list, err := api.app.ListAbsences(r.Context(), actor, reportline.UserID(id))
	out := AbsenceList{Absences: []Absence{}}
	for _, v := range list {
		out.Absences = append(out.Absences, toAbsence(v))
	}
	return out, err
}

func (api *API) setAbsence(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	var in NewAbsence
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	v, err := api.app.SetAbsence(r.Context(), actor, app.AbsenceRequest{Manager: reportline.UserID(id), From: in.From, To: in.To, Delegate: in.Delegate})
	if err != nil {
		return nil, err
	}
	return toAbsence(v), nil
}

func (api *API) endAbsence(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	v, err := api.app.EndAbsence(r.Context(), actor, reportline.AbsenceID(id))
	if err != nil {
		return nil, err
	}
	return toAbsence(v), nil
}

// LeaverRequest is an admin's choice for a manager's reports.
type LeaverRequest struct {
	Choice    string `json:"choice" enum:"manager,successor,flag" doc:"move the reports to the leaver's manager, to a successor, or leave them flagged"`
	Successor string `json:"successor,omitempty" doc:"the successor's email, for choice successor"`
}

// LeaverProposal is what deactivating a manager proposes, or did.
type LeaverProposal struct {
	UserID    int64    `json:"user_id"`
	Active    bool     `json:"active"`
	Reports   []string `json:"reports" doc:"the emails of the active people they manage"`
	Manager   string   `json:"manager,omitempty" doc:"their own line manager, whom choice manager moves the reports to"`
	Choice    string   `json:"choice,omitempty"`
	Successor string   `json:"successor,omitempty"`
}

func toLeaver(p app.LeaverProposal) LeaverProposal {
	out := LeaverProposal{UserID: int64(p.User.ID), Active: p.User.Active(), Reports: []string{}, Manager: p.Manager.Email,
		Choice: string(p.Choice), Successor: p.Successor.Email}
	for _, r := range p.Reports {
		out.Reports = append(out.Reports, r.Email)
	}
	return out
}

func (api *API) leaverProposal(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	p, err := api.app.ProposeLeaver(r.Context(), actor, reportline.UserID(id))
	if err != nil {
		return nil, err
	}
	return toLeaver(p), nil
}

func (api *API) confirmLeaver(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	var in LeaverRequest
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	p, err := api.app.ConfirmLeaver(r.Context(), actor, reportline.UserID(id), app.LeaverRequest{Choice: reportline.LeaverChoice(in.Choice), Successor: in.Successor})
	if err != nil {
		return nil, err
	}
	return toLeaver(p), nil
}
