package ui

import (
	"fmt"
	"net/http"
	"os"
	"strconv"
	"time"

	"reportline"
	"reportline/app"
	"reportline/web"
)

// Planned reorganisations (docs/plans.md): the list of plans, and a plan's
// page, which is its draft (add a change, upload a CSV, move a team), its
// preview against today, its approval, its schedule and its result. app
// decides who may do what; the page offers what the view says is allowed.

func (u *UI) registerPlans(mux *http.ServeMux) {
	mux.Handle("GET /plans", u.signedIn(u.plansPage))
	mux.Handle("POST /plans", u.signedIn(u.createPlan))
	mux.Handle("GET /plans/{id}", u.signedIn(u.planPage))
	mux.Handle("POST /plans/{id}/items", u.signedIn(u.planStep(func(r *http.Request, v viewer, id int64) error {
		f := r.PostForm
		return u.app.AddPlanItems(r.Context(), v.Actor, id, []app.PlanItemInput{{Op: reportline.PlanOp(f.Get("op")),
			Manager: f.Get("manager"), Managee: f.Get("managee"), Kind: reportline.Kind(f.Get("kind"))}})
	})))
	mux.Handle("POST /plans/{id}/upload", u.signedInLimit(maxUploadBytes, u.planStep(func(r *http.Request, v viewer, id int64) error {
		f, _, err := saveUpload(r)
		if err != nil {
			return err
		}
		defer func() { f.Close(); os.Remove(f.Name()) }()
		_, err = u.app.ImportPlan(r.Context(), v.Actor, id, f)
		return err
	})))
	mux.Handle("POST /plans/{id}/move", u.signedIn(u.planStep(func(r *http.Request, v viewer, id int64) error {
		_, err := u.app.MoveTeam(r.Context(), v.Actor, id, r.PostForm.Get("from"), r.PostForm.Get("to"))
		return err
	})))
	mux.Handle("POST /plans/{id}/items/{seq}/remove", u.signedIn(u.planStep(func(r *http.Request, v viewer, id int64) error {
		seq, err := strconv.Atoi(r.PathValue("seq"))
		if err != nil {
			return reportline.Errorf(reportline.NotFound, "plan %d has no change %q", id, r.PathValue("seq"))
		}
		return u.app.RemovePlanItem(r.Context(), v.Actor, id, seq)
	})))
	mux.Handle("POST /plans/{id}/approve", u.signedIn(u.planStep(func(r *http.Request, v viewer, id int64) error {
		return u.app.ApprovePlan(r.Context(), v.Actor, id)
	})))
	mux.Handle("POST /plans/{id}/schedule", u.signedIn(u.planStep(func(r *http.Request, v viewer, id int64) error {
		at, err := time.Parse("2006-01-02T15:04", r.PostForm.Get("at"))
		if err != nil {
			return reportline.FieldError("at", r.PostForm.Get("at"), "give a date and a time (UTC)")
		}
		return u.app.SchedulePlan(r.Context(), v.Actor, id, at)
	})))
	mux.Handle("POST /plans/{id}/cancel", u.signedIn(u.planStep(func(r *http.Request, v viewer, id int64) error {
		return u.app.CancelPlan(r.Context(), v.Actor, id)
	})))
}

// plansListPage is the list of plans.
type plansListPage struct {
	page
	Plans   []reportline.Plan
	Name    string
	Problem *problem
}

func (u *UI) renderPlans(w http.ResponseWriter, r *http.Request, v viewer, status int, p plansListPage) error {
	base, err := u.base(r.Context(), v, u.loc(r).T("plans.title", nil), 0)
	if err != nil {
		return err
	}
	p.page, p.Here = base, "plans"
	if p.Plans, err = u.app.ListPlans(r.Context(), v.Actor); err != nil {
		return err
	}
	u.render(w, r, status, "plans", p)
	return nil
}

func (u *UI) plansPage(w http.ResponseWriter, r *http.Request, v viewer) error {
	return u.renderPlans(w, r, v, http.StatusOK, plansListPage{})
}

func (u *UI) createPlan(w http.ResponseWriter, r *http.Request, v viewer) error {
	p, err := u.app.CreatePlan(r.Context(), v.Actor, r.PostForm.Get("name"))
	if reportline.ErrorCode(err) == reportline.Invalid {
		return u.renderPlans(w, r, v, http.StatusUnprocessableEntity, plansListPage{Name: r.PostForm.Get("name"), Problem: problemOf(u.loc(r), err)})
	}
	if err != nil {
		return err
	}
	seeOther(w, r, fmt.Sprintf("/plans/%d", p.ID))
	return nil
}

// planView is a plan's page.
type planView struct {
	page
	app.PlanView
	Problem *problem
	// Form keeps what was typed in the add form after a refusal.
	Form      map[string]string
	ChartLink string // the org chart of the first managee, compared before / after, once applied
	Chart     *planChartView
}

func (u *UI) renderPlan(w http.ResponseWriter, r *http.Request, v viewer, status int, id int64, prob *problem) error {
	pv, err := u.app.ShowPlan(r.Context(), v.Actor, id)
	if err != nil {
		return err
	}
	base, err := u.base(r.Context(), v, pv.Plan.Name, 0)
	if err != nil {
		return err
	}
	p := planView{page: base, PlanView: pv, Problem: prob, Form: map[string]string{}}
	p.Here = "plans"
	p.Chart = drawPlanChart(u.loc(r), pv.Chart)
	if prob != nil {
		for _, k := range []string{"op", "manager", "managee", "kind", "from", "to"} {
			p.Form[k] = r.PostForm.Get(k)
		}
	}
	if pv.Plan.Status == reportline.PlanApplied && len(pv.Items) > 0 {
		day := pv.Plan.AppliedAt.UTC()
		p.ChartLink = fmt.Sprintf("/users/%d/orgchart?as_of=%s&compare=%s", pv.Items[0].ManageeID,
			day.Format(time.DateOnly), day.AddDate(0, 0, -1).Format(time.DateOnly))
	}
	u.render(w, r, status, "plan", p)
	return nil
}

func planID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, reportline.Errorf(reportline.NotFound, "there is no plan %q", r.PathValue("id"))
	}
	return id, nil
}

func (u *UI) planPage(w http.ResponseWriter, r *http.Request, v viewer) error {
	id, err := planID(r)
	if err != nil {
		return err
	}
	return u.renderPlan(w, r, v, http.StatusOK, id, nil)
}

// planStep runs one form of a plan's page: on success back to the page
// (POST, redirect, GET), on a refusal the page again with why.
func (u *UI) planStep(step func(r *http.Request, v viewer, id int64) error) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, v viewer) error {
		id, err := planID(r)
		if err != nil {
			return err
		}
		err = step(r, v, id)
		switch c := reportline.ErrorCode(err); {
		case err == nil:
			seeOther(w, r, fmt.Sprintf("/plans/%d", id))
			return nil
		case c == reportline.Invalid || c == reportline.Conflict || c == reportline.Forbidden:
			return u.renderPlan(w, r, v, web.Status(c), id, problemOf(u.loc(r), err))
		}
		return err
	}
}
