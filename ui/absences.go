package ui

import (
	"fmt"
	"net/http"
	"strconv"

	"reportline"
	"reportline/app"
)

// Cover during absences (docs/absences.md): a manager's absences and the
// form that marks one (from, to, delegate), reached from the manager's own
// profile and from an admin's view of the user. app decides who may
// (absence.set); the page offers the form only to them.

func (u *UI) registerAbsences(mux *http.ServeMux) {
	mux.Handle("GET /users/{id}/absences", u.signedIn(u.absencesPage))
	mux.Handle("POST /users/{id}/absences", u.signedIn(u.setAbsence))
	mux.Handle("POST /users/{id}/absences/{absence}/end", u.signedIn(u.endAbsence))
}

// absencesPage lists a manager's absences not over yet.
type absencesPage struct {
	page
	User       reportline.User
	ProfileURL string
	Absences   []app.AbsenceView
	CanSet     bool
	// The form as sent, and what app said of it.
	From, To, Delegate string
	Problem            string
	Notice             string
}

func (u *UI) absencesPage(w http.ResponseWriter, r *http.Request, v viewer) error {
	return u.showAbsences(w, r, v, absencesPage{}, http.StatusOK)
}

func (u *UI) showAbsences(w http.ResponseWriter, r *http.Request, v viewer, p absencesPage, status int) error {
	ctx := r.Context()
	id, err := userID(r)
	if err != nil {
		return err
	}
	if p.User, err = u.app.GetUser(ctx, v.Actor, id); err != nil {
		return err
	}
	if p.Absences, err = u.app.ListAbsences(ctx, v.Actor, id); err != nil {
		return err
	}
	p.CanSet = u.app.MaySetAbsence(ctx, v.Actor, id)
	l := u.loc(r)
	switch r.URL.Query().Get("done") {
	case "set":
		p.Notice = l.T("absences.set_done", nil)
	case "ended":
		p.Notice = l.T("absences.ended_done", nil)
	}
	if p.page, err = u.base(ctx, v, l.T("absences.title", map[string]any{"Name": p.User.Name()}), contextGroup(r)); err != nil {
		return err
	}
	p.ProfileURL = userURL(id, "", p.page)
	u.render(w, r, status, "absences", p)
	return nil
}

func (u *UI) setAbsence(w http.ResponseWriter, r *http.Request, v viewer) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return reportline.Errorf(reportline.Invalid, "unreadable form: %v", err)
	}
	req := app.AbsenceRequest{Manager: id, From: r.PostForm.Get("from"), To: r.PostForm.Get("to"), Delegate: r.PostForm.Get("delegate")}
	if _, err := u.app.SetAbsence(r.Context(), v.Actor, req); err != nil {
		code := reportline.ErrorCode(err)
		if code != reportline.Invalid && code != reportline.Conflict {
			return err
		}
		// Refused input: the form again, as typed, with the reason.
		msg, _ := errorText(u.loc(r), err)
		return u.showAbsences(w, r, v, absencesPage{From: req.From, To: req.To, Delegate: req.Delegate, Problem: msg}, http.StatusUnprocessableEntity)
	}
	seeOther(w, r, fmt.Sprintf("/users/%d/absences?done=set", id))
	return nil
}

func (u *UI) endAbsence(w http.ResponseWriter, r *http.Request, v viewer) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	ab, err := strconv.ParseInt(r.PathValue("absence"), 10, 64)
	if err != nil || ab <= 0 {
		return reportline.Errorf(reportline.NotFound, "there is no absence %q", r.PathValue("absence"))
	}
	if _, err := u.app.EndAbsence(r.Context(), v.Actor, reportline.AbsenceID(ab)); err != nil {
		return err
	}
	seeOther(w, r, fmt.Sprintf("/users/%d/absences?done=ended", id))
	return nil
}
