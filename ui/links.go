package ui

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"reportline"
	"reportline/app"
	"reportline/i18n"
	"reportline/web"
)

// linkRequest reads the add form of a section.
func linkRequest(r *http.Request, user reportline.UserID) (app.LinkRequest, error) {
	ids, err := formIDs(r, "ids")
	if err != nil {
		return app.LinkRequest{}, err
	}
	return app.LinkRequest{
		User:      user,
		Direction: reportline.Direction(r.PostForm.Get("direction")),
		Kind:      reportline.Kind(r.PostForm.Get("kind")),
		IDs:       ids,
		Emails:    app.SplitAddresses(r.PostForm.Get("emails")),
		Comment:   strings.TrimSpace(r.PostForm.Get("comment")),
	}, nil
}

// preview flags every picked user and pasted address; nothing is saved.
func (u *UI) preview(w http.ResponseWriter, r *http.Request, v viewer) error {
	ctx := r.Context()
	id, err := userID(r)
	if err != nil {
		return err
	}
	req, err := linkRequest(r, id)
	if err != nil {
		return err
	}
	plan, planErr := u.app.PreviewLinks(ctx, v.Actor, req)
	if planErr != nil && !(refusedList(planErr) && req.Direction.Valid()) {
		return planErr
	}
	p, err := u.managersPage(ctx, r, v, id)
	if err != nil {
		return err
	}
	s := p.section(req.Direction)
	s.Emails, s.Kind, s.Comment = r.PostForm.Get("emails"), req.Kind, req.Comment
	s.check(req.IDs)
	status := http.StatusOK
	if planErr != nil {
		s.Problem, status = problemOf(u.loc(r), planErr), web.Status(reportline.ErrorCode(planErr))
	} else {
		s.Preview = previewOf(u.loc(r), plan, req.Comment)
	}
	u.render(w, r, status, "managers", p)
	return nil
}

// confirm adds the previewed links. When app refuses (something changed
// since the preview), the page shows the refusal and a fresh preview.
func (u *UI) confirm(w http.ResponseWriter, r *http.Request, v viewer) error {
	ctx := r.Context()
	id, err := userID(r)
	if err != nil {
		return err
	}
	req, err := linkRequest(r, id)
	if err != nil {
		return err
	}
	plan, addErr := u.app.AddLinks(ctx, v.Actor, req)
	if addErr == nil {
		params := []string{"side", string(req.Direction),
			"added", strconv.Itoa(plan.Count(app.VerdictNew)), "updated", strconv.Itoa(plan.Count(app.VerdictUpdate))}
		if g := contextGroup(r); g != 0 {
			params = append(params, "group", fmt.Sprint(g))
		}
		seeOther(w, r, withQuery(fmt.Sprintf("/users/%d/managers", id), params...))
		return nil
	}
	if !refusedList(addErr) || !req.Direction.Valid() {
		return addErr
	}
	p, err := u.managersPage(ctx, r, v, id)
	if err != nil {
		return err
	}
	s := p.section(req.Direction)
	s.Kind, s.Comment = req.Kind, req.Comment
	s.check(req.IDs)
	s.Problem = problemOf(u.loc(r), addErr)
	s.Problem.Title = "Nothing was saved. The list changed since the preview, or was refused:"
	if len(req.IDs)+len(req.Emails) > 0 {
		if plan, err := u.app.PreviewLinks(ctx, v.Actor, req); err == nil {
			s.Preview = previewOf(u.loc(r), plan, req.Comment)
		}
	}
	u.render(w, r, web.Status(reportline.ErrorCode(addErr)), "managers", p)
	return nil
}

// refusedList reports whether err refuses the listed users (bad input, or
// users outside the actor's groups, each named in Details) rather than the
// page itself: such errors are shown in the section, next to the list.
func refusedList(err error) bool {
	e, ok := errors.AsType[*reportline.Error](err)
	return ok && (e.Code == reportline.Invalid || (e.Code == reportline.Forbidden && len(e.Details) > 0))
}

// removeLink deletes one of the page user's links (the confirmation step's
// form posts here); the page after it names who was removed and offers Undo.
func (u *UI) removeLink(w http.ResponseWriter, r *http.Request, v viewer) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	pair, side, err := linkPair(r, id)
	if err != nil {
		return err
	}
	if err := u.app.RemoveLink(r.Context(), v.Actor, pair); err != nil {
		return err
	}
	params := []string{"side", string(side), "removed", "1",
		"removed_manager", fmt.Sprint(pair.ManagerID), "removed_managee", fmt.Sprint(pair.ManageeID)}
	if g := contextGroup(r); g != 0 {
		params = append(params, "group", fmt.Sprint(g))
	}
	seeOther(w, r, withQuery(fmt.Sprintf("/users/%d/managers", id), params...))
	return nil
}

// previewOf turns a plan into flagged rows and the ids to confirm: the
// accepted users that would change something, each once. The comment goes
// with the ids to Confirm.
func previewOf(l *i18n.Localizer, plan app.LinkPlan, comment string) *preview {
	pv := &preview{Kind: plan.Kind, Comment: comment}
	seen := map[reportline.UserID]bool{}
	for _, c := range plan.Candidates {
		row := candidateRow{Input: c.Input, User: c.User, Verdict: c.Verdict, Flag: verdictFlag(c.Verdict), Message: c.Message, Raw: c.Message != ""}
		if text, ok := said(l, c.MsgID, c.MsgArgs); ok {
			row.Message, row.Raw = text, false
		}
		pv.Rows = append(pv.Rows, row)
		switch {
		case !c.Verdict.Accepted():
			pv.Refused++
		case c.Verdict == app.VerdictNew || c.Verdict == app.VerdictUpdate:
			pv.Accepted++
			if !seen[c.User.ID] {
				seen[c.User.ID] = true
				pv.IDs = append(pv.IDs, c.User.ID)
			}
		default:
			pv.Accepted++
		}
	}
	pv.Changes = len(pv.IDs)
	return pv
}

// problemOf shows a refused request, in the reader's language where app
// names its message (errorText).
func problemOf(l *i18n.Localizer, err error) *problem {
	p := &problem{}
	p.Message, p.Raw = errorText(l, err)
	if e, ok := errors.AsType[*reportline.Error](err); ok {
		p.Details = e.Details
	}
	return p
}

// flash is the message of the redirect after a change (?added=, ?removed=).
// Only numbers are read from the query, so no text can be injected.
func flash(r *http.Request, user reportline.User, l *i18n.Localizer) string {
	q := r.URL.Query()
	side := reportline.Direction(q.Get("side"))
	if side != reportline.Managers && side != reportline.Managees {
		return ""
	}
	count := func(key string) int {
		n, err := strconv.Atoi(q.Get(key))
		if err != nil || n < 0 || n > app.MaxLinksPerRequest {
			return -1
		}
		return n
	}
	if q.Get("removed") == "1" {
		return l.T("flash.removed."+string(side), map[string]any{"Name": user.Name()})
	}
	added, updated := count("added"), count("updated")
	switch {
	case added < 0 || updated < 0:
		return ""
	case added+updated == 0:
		return l.T("flash.unchanged", nil)
	case updated == 0:
		return l.N("flash.added."+string(side), added, nil)
	default:
		return l.N("flash.added_updated."+string(side), added+updated, map[string]any{"Added": added, "Updated": updated})
	}
}
