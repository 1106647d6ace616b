package ui

import (
	"fmt"
	"net/http"
	"strconv"

	"reportline"
	"reportline/app"
)

// removeConfirmPage asks before a link is removed, naming who.
type removeConfirmPage struct {
	*managersPage
	Row       linkRow
	Question  string // "Remove Bob Bernard as a line manager of Alice Martin?"
	RemoveURL string
	CancelURL string
	ManagerID reportline.UserID
	ManageeID reportline.UserID
	GroupID   reportline.GroupID
}

// linkPair reads the pair of a remove or undo request and the side of the
// page's user it is on.
func linkPair(r *http.Request, id reportline.UserID) (reportline.Pair, reportline.Direction, error) {
	var pair reportline.Pair
	var err error
	if pair.ManagerID, err = formID(r, "manager_id"); err != nil {
		return pair, "", err
	}
	if pair.ManageeID, err = formID(r, "managee_id"); err != nil {
		return pair, "", err
	}
	switch id {
	case pair.ManageeID:
		return pair, reportline.Managers, nil
	case pair.ManagerID:
		return pair, reportline.Managees, nil
	}
	return pair, "", reportline.Errorf(reportline.Invalid, "the link is not one of user %d's links", id)
}

// removeConfirm shows the confirmation step of Remove. It changes nothing.
func (u *UI) removeConfirm(w http.ResponseWriter, r *http.Request, v viewer) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	pair, side, err := linkPair(r, id)
	if err != nil {
		return err
	}
	mp, err := u.managersPage(r.Context(), r, v, id)
	if err != nil {
		return err
	}
	p := removeConfirmPage{managersPage: mp, ManagerID: pair.ManagerID, ManageeID: pair.ManageeID,
		RemoveURL: fmt.Sprintf("/users/%d/links/remove", id), CancelURL: userURL(id, "/managers", mp.page) + "#" + string(side)}
	if mp.Group != nil {
		p.GroupID = mp.Group.ID
	}
	found := false
	for _, row := range mp.section(side).Rows {
		if row.Link.ManagerID == pair.ManagerID && row.Link.ManageeID == pair.ManageeID {
			p.Row, found = row, true
		}
	}
	if !found {
		return reportline.Errorf(reportline.NotFound, "%s has no such link any more", mp.User.Name())
	}
	if !p.Row.Removable || !mp.CanEdit {
		return reportline.Errorf(reportline.Forbidden, "you may not remove this link")
	}
	manager, managee := p.Row.User.Name(), mp.User.Name()
	if side == reportline.Managees {
		manager, managee = mp.User.Name(), p.Row.User.Name()
	}
	l := u.loc(r)
	p.Question = l.T("remove.question."+string(p.Row.Link.Kind), map[string]any{"Manager": manager, "Managee": managee})
	p.Title = l.T("remove.title", nil)
	u.render(w, r, http.StatusOK, "remove_confirm", p)
	return nil
}

// removedBanner is the banner after a removal: who was removed, and Undo.
type removedBanner struct {
	Text      string
	UndoURL   string
	ManagerID reportline.UserID
	ManageeID reportline.UserID
	GroupID   reportline.GroupID
}

// removed reads the redirect after a removal (?removed_manager=&removed_managee=)
// and names the people; nil when the parameters name nobody the viewer may see.
func (u *UI) removed(r *http.Request, v viewer, id reportline.UserID, p *managersPage) *removedBanner {
	q := r.URL.Query()
	mid, err1 := strconv.ParseInt(q.Get("removed_manager"), 10, 64)
	eid, err2 := strconv.ParseInt(q.Get("removed_managee"), 10, 64)
	if err1 != nil || err2 != nil || mid <= 0 || eid <= 0 || (reportline.UserID(mid) != id && reportline.UserID(eid) != id) {
		return nil
	}
	manager, err := u.app.GetUser(r.Context(), v.Actor, reportline.UserID(mid))
	if err != nil {
		return nil
	}
	managee, err := u.app.GetUser(r.Context(), v.Actor, reportline.UserID(eid))
	if err != nil {
		return nil
	}
	b := &removedBanner{Text: u.loc(r).T("remove.done", map[string]any{"Manager": manager.Name(), "Managee": managee.Name()}),
		UndoURL: fmt.Sprintf("/users/%d/links/undo", id), ManagerID: manager.ID, ManageeID: managee.ID}
	if p.Group != nil {
		b.GroupID = p.Group.ID
	}
	return b
}

// undoRemove re-adds the link the viewer removed last for this pair, with
// its terms (kind, dates, comment), through the same use case as any
// addition: app authorizes it again.
func (u *UI) undoRemove(w http.ResponseWriter, r *http.Request, v viewer) error {
	ctx := r.Context()
	id, err := userID(r)
	if err != nil {
		return err
	}
	pair, side, err := linkPair(r, id)
	if err != nil {
		return err
	}
	entries, err := u.app.Audit(ctx, v.Actor, reportline.AuditFilter{UserID: pair.ManageeID, Limit: 100})
	if err != nil {
		return err
	}
	var old *reportline.Link
	for _, e := range entries {
		if e.ManagerID == pair.ManagerID && e.ManageeID == pair.ManageeID {
			if e.Action == reportline.ActionRemove && e.ActorID == v.User.ID && e.Before != nil {
				old = e.Before
			}
			break // only the newest change of the pair may be undone
		}
	}
	if old == nil {
		return reportline.Errorf(reportline.Conflict, "there is no removal of yours to undo: the link changed since")
	}
	plan, err := u.app.AddLinks(ctx, v.Actor, app.LinkRequest{User: pair.ManageeID, Direction: reportline.Managers, Kind: old.Kind,
		IDs: []reportline.UserID{pair.ManagerID}, ValidFrom: old.ValidFrom, ValidUntil: old.ValidUntil, Comment: old.Comment})
	if err != nil {
		return err
	}
	params := []string{"side", string(side), "added", strconv.Itoa(plan.Count(app.VerdictNew)), "updated", strconv.Itoa(plan.Count(app.VerdictUpdate))}
	if g := contextGroup(r); g != 0 {
		params = append(params, "group", fmt.Sprint(g))
	}
	seeOther(w, r, withQuery(fmt.Sprintf("/users/%d/managers", id), params...))
	return nil
}
