package ui

import (
	"fmt"
	"net/http"
	"time"

	"reportline"
	"reportline/app"
)

// profilePage is a user's profile.
type profilePage struct {
	page
	User        reportline.User
	ManagersURL string
	ContactsURL string
	StatsURL    string     // their learning statistics, when the viewer may see them
	BackURL     string     // the group's user list the profile was opened from
	ManagerStar bool       // the user is a line manager under the Assign role mode
	Timeline    []eventRow // the newest events about the user, when the viewer may read them
	HistoryURL  string     // their full history, when the viewer may read it
	SessionsURL string     // their signed-in sessions, when the viewer may end them (session.manage)
	AbsencesURL string     // their absences and the form, when the viewer may mark them (absence.set)
	LeaverURL   string     // the deactivation proposal, for an active user the viewer may deactivate
}

// timelineSize is how many events a profile shows.
const timelineSize = 10

// profile shows a user, with the "… → Show managers" action.
func (u *UI) profile(w http.ResponseWriter, r *http.Request, v viewer) error {
	ctx := r.Context()
	id, err := userID(r)
	if err != nil {
		return err
	}
	user, err := u.app.GetUser(ctx, v.Actor, id)
	if err != nil {
		return err
	}
	stars, err := u.app.ManagerStars(ctx, []reportline.UserID{user.ID})
	if err != nil {
		return err
	}
	p := profilePage{User: user, ManagerStar: stars[user.ID]}
	if p.page, err = u.base(ctx, v, user.Name(), contextGroup(r)); err != nil {
		return err
	}
	p.ManagersURL = userURL(user.ID, "/managers", p.page)
	p.ContactsURL = userURL(user.ID, "/contacts", p.page)
	// Statistics, for those the access check lets see them (the decision
	// the statistics page itself asks for).
	d, err := u.app.CheckAccess(ctx, v.Actor, v.User.ID, reportline.ViewReports, user.ID, time.Time{})
	if err != nil && !reportline.IsCode(err, reportline.Forbidden) {
		return err
	}
	if err == nil && d.Allowed {
		p.StatsURL = userURL(user.ID, "/statistics", p.page)
	}
	// The timeline, for those who may read the history about this person
	// (app.History asks the policy).
	h, err := u.app.History(ctx, v.Actor, app.HistoryFilter{UserID: user.ID, Limit: timelineSize})
	switch {
	case err == nil:
		p.Timeline = eventRows(h, viewerLocation(v.User), u.loc(r))
		p.HistoryURL = withQuery("/history", "person", user.Email)
	case !reportline.IsCode(err, reportline.Forbidden):
		return err
	}
	if p.Group != nil {
		p.BackURL = fmt.Sprintf("/groups/%d/users", p.Group.ID)
	}
	if u.app.MaySetAbsence(ctx, v.Actor, user.ID) {
		p.AbsencesURL = userURL(user.ID, "/absences", p.page)
	}
	if user.Active() && user.ID != v.User.ID {
		if _, err := u.app.ProposeLeaver(ctx, v.Actor, user.ID); err == nil {
			p.LeaverURL = userURL(user.ID, "/leaver", p.page)
		}
	}
	if user.ID != v.User.ID && u.app.MayManageSessions(ctx, v.Actor, user.ID) {
		p.SessionsURL = fmt.Sprintf("/account/sessions?user=%d", user.ID)
	}
	u.render(w, r, http.StatusOK, "profile", p)
	return nil
}

// userURL is the address of one of a user's pages, keeping the group the
// page is seen from.
func userURL(id reportline.UserID, suffix string, p page, params ...string) string {
	if p.Group != nil {
		params = append(params, "group", fmt.Sprint(p.Group.ID))
	}
	return withQuery(fmt.Sprintf("/users/%d%s", id, suffix), params...)
}
