package ui

import (
	"fmt"
	"net/http"
	"slices"

	"reportline"
	"reportline/app"
)

// The deactivation proposal (docs/absences.md, "Movers and leavers"):
// what deactivating a manager does to their reports, and the admin's
// choice: to the manager's own manager, to a successor, or flagged.

func (u *UI) registerLeaver(mux *http.ServeMux) {
	mux.Handle("GET /users/{id}/leaver", u.signedIn(u.leaverPage))
	mux.Handle("POST /users/{id}/leaver", u.signedIn(u.confirmLeaver))
}

type leaverPage struct {
	page
	Proposal   app.LeaverProposal
	ProfileURL string
	Successor  string
	Problem    string
	Title      string
	Left       bool // already inactive (a users CSV, SCIM): the choice applies to the reports still linked
}

func (u *UI) leaverPage(w http.ResponseWriter, r *http.Request, v viewer) error {
	return u.showLeaver(w, r, v, leaverPage{}, http.StatusOK)
}

func (u *UI) showLeaver(w http.ResponseWriter, r *http.Request, v viewer, p leaverPage, status int) error {
	ctx := r.Context()
	id, err := userID(r)
	if err != nil {
		return err
	}
	if p.Proposal, err = u.app.ProposeLeaver(ctx, v.Actor, id); err != nil {
		return err
	}
	l := u.loc(r)
	p.Left = !p.Proposal.User.Active()
	title := "leaver.title"
	if p.Left {
		title = "leaver.title_left"
	}
	p.Title = l.T(title, map[string]any{"Name": p.Proposal.User.Name()})
	if p.page, err = u.base(ctx, v, p.Title, contextGroup(r)); err != nil {
		return err
	}
	p.ProfileURL = userURL(id, "", p.page)
	u.render(w, r, status, "leaver", p)
	return nil
}

func (u *UI) confirmLeaver(w http.ResponseWriter, r *http.Request, v viewer) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return reportline.Errorf(reportline.Invalid, "unreadable form: %v", err)
	}
	req := app.LeaverRequest{Choice: reportline.LeaverChoice(r.PostForm.Get("choice")), Successor: r.PostForm.Get("successor")}
	if _, err := u.app.ConfirmLeaver(r.Context(), v.Actor, id, req); err != nil {
		code := reportline.ErrorCode(err)
		if code != reportline.Invalid && code != reportline.Conflict {
			return err
		}
		msg, _ := errorText(u.loc(r), err)
		return u.showLeaver(w, r, v, leaverPage{Successor: req.Successor, Problem: msg}, http.StatusUnprocessableEntity)
	}
	seeOther(w, r, fmt.Sprintf("/users/%d", id))
	return nil
}

// leaverOffer is a manager a users CSV deactivates, with reports.
type leaverOffer struct {
	Name, Email string
	Reports     int
	URL         string // their deactivation proposal
}

// leaverOffers lists the managers a users CSV report deactivates (a
// preview) or deactivated (an import) who still have reports, for the
// page to offer the choice of what happens to them.
func (u *UI) leaverOffers(r *http.Request, v viewer, rep app.UserCSVReport, p page) []leaverOffer {
	var out []leaverOffer
	for _, row := range rep.Rows {
		res := row.Result
		if row.Err != nil || res.User.ID == 0 || res.User.Active() || !slices.Contains(res.Changed, "status") {
			continue
		}
		prop, err := u.app.ProposeLeaver(r.Context(), v.Actor, res.User.ID)
		if err != nil || len(prop.Reports) == 0 {
			continue
		}
		out = append(out, leaverOffer{Name: prop.User.Name(), Email: prop.User.Email, Reports: len(prop.Reports),
			URL: userURL(res.User.ID, "/leaver", p)})
	}
	return out
}
