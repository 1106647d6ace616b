package ui

import (
	"context"
	"net/http"
	"strconv"

	"reportline"
	"reportline/app"
	"reportline/web"
)

// The "Your sessions" page: where one is signed in, to end a session (a
// forgotten computer) or all the others. Admins may open the sessions of
// the people they administrate, platform admins anyone's (?user=ID, linked
// from the person's profile), and end them; app decides (session.manage).

// SignInOptions are the single sign-on parts of the pages: the buttons of
// the sign-in page, SSO-only mode (from app), and where to send a browser
// after sign-out so that the identity provider ends its session too.
type SignInOptions struct {
	Buttons []SignInButton
	// LogoutURL returns the identity provider's sign-out address for an
	// ended session, "" for none.
	LogoutURL func(context.Context, reportline.Session) string
}

// SignInButton is one identity provider's button.
type SignInButton struct {
	Label string
	URL   string
}

// SetSignIn configures single sign-on on the pages.
func (u *UI) SetSignIn(o SignInOptions) { u.signIn = o }

func (u *UI) registerSessions(mux *http.ServeMux) {
	mux.Handle("GET /account/sessions", u.signedIn(u.sessionsPage))
	mux.Handle("POST /account/sessions/end", u.signedIn(u.endSession))
	mux.Handle("POST /account/sessions/end-others", u.signedIn(u.endOtherSessions))
}

// sessionsPage is the "Your sessions" page.
type sessionsPage struct {
	page
	Owner    reportline.User
	Own      bool
	Sessions []app.SessionInfo
	Notice   string
}

// sessionOwner is the user whose sessions the request is about: the viewer,
// or ?user= / the form's user for a platform admin (app refuses others).
func (u *UI) sessionOwner(r *http.Request, v viewer) (reportline.User, error) {
	s := r.FormValue("user")
	if s == "" || s == strconv.FormatInt(int64(v.User.ID), 10) {
		return v.User, nil
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return reportline.User{}, reportline.Errorf(reportline.NotFound, "there is no user %q", s)
	}
	return u.app.GetUser(r.Context(), v.Actor, reportline.UserID(id))
}

func (u *UI) sessionsPage(w http.ResponseWriter, r *http.Request, v viewer) error {
	owner, err := u.sessionOwner(r, v)
	if err != nil {
		return err
	}
	p := sessionsPage{Owner: owner, Own: owner.ID == v.User.ID}
	current := ""
	if p.Own {
		current = web.Session(r.Context())
	}
	if p.Sessions, err = u.app.ListSessions(r.Context(), v.Actor, owner.ID, current); err != nil {
		return err
	}
	switch r.URL.Query().Get("ended") {
	case "one":
		p.Notice = u.loc(r).T("sessions.ended_one", nil)
	case "others":
		p.Notice = u.loc(r).T("sessions.ended_others", nil)
	}
	title := u.loc(r).T("nav.sessions", nil)
	if !p.Own {
		title = u.loc(r).T("sessions.title_of", map[string]any{"Email": owner.Email})
	}
	if p.page, err = u.base(r.Context(), v, title, 0); err != nil {
		return err
	}
	p.Here = "sessions"
	u.render(w, r, http.StatusOK, "sessions", p)
	return nil
}

func (u *UI) sessionsBack(owner reportline.User, v viewer, ended string) string {
	back := "/account/sessions?ended=" + ended
	if owner.ID != v.User.ID {
		back += "&user=" + strconv.FormatInt(int64(owner.ID), 10)
	}
	return back
}

func (u *UI) endSession(w http.ResponseWriter, r *http.Request, v viewer) error {
	owner, err := u.sessionOwner(r, v)
	if err != nil {
		return err
	}
	if err := u.app.EndSession(r.Context(), v.Actor, owner.ID, r.PostForm.Get("id")); err != nil {
		return err
	}
	seeOther(w, r, u.sessionsBack(owner, v, "one"))
	return nil
}

func (u *UI) endOtherSessions(w http.ResponseWriter, r *http.Request, v viewer) error {
	owner, err := u.sessionOwner(r, v)
	if err != nil {
		return err
	}
	current := ""
	if owner.ID == v.User.ID {
		current = web.Session(r.Context())
	}
	if _, err := u.app.EndOtherSessions(r.Context(), v.Actor, owner.ID, current); err != nil {
		return err
	}
	seeOther(w, r, u.sessionsBack(owner, v, "others"))
	return nil
}
