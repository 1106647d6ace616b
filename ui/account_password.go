package ui

import (
	"net/http"

	"reportline"
	"reportline/app"
	"reportline/web"
)

// The "Change password" page of a signed-in user: the new password ends
// every other session of the account (this one stays open) and, when the
// box is ticked, revokes the account's API tokens.

func (u *UI) registerAccountPassword(mux *http.ServeMux) {
	mux.Handle("GET /account/password", u.signedIn(u.passwordPage))
	mux.Handle("POST /account/password", u.signedIn(u.changePassword))
}

// passwordPage is the change-password form.
type passwordPage struct {
	page
	Error    string
	ErrorRaw bool // Error is app's sentence (errorText)
	Done     bool
}

func (u *UI) renderPassword(w http.ResponseWriter, r *http.Request, v viewer, status int, p passwordPage) error {
	base, err := u.base(r.Context(), v, u.loc(r).T("password.title", nil), 0)
	if err != nil {
		return err
	}
	p.page = base
	p.Here = "password"
	u.render(w, r, status, "account_password", p)
	return nil
}

func (u *UI) passwordPage(w http.ResponseWriter, r *http.Request, v viewer) error {
	return u.renderPassword(w, r, v, http.StatusOK, passwordPage{Done: r.URL.Query().Get("changed") == "1"})
}

func (u *UI) changePassword(w http.ResponseWriter, r *http.Request, v viewer) error {
	if r.PostForm.Get("password") != r.PostForm.Get("confirm") {
		return u.renderPassword(w, r, v, http.StatusUnprocessableEntity, passwordPage{Error: u.loc(r).T("password.differ_new", nil)})
	}
	err := u.app.ChangeOwnPassword(r.Context(), v.Actor, app.OwnPasswordChange{
		Current: r.PostForm.Get("current"), New: r.PostForm.Get("password"), Session: web.Session(r.Context()),
		Client: web.ClientIP(r).String(), RevokeTokens: r.PostForm.Get("revoke_tokens") == "1"})
	switch code := reportline.ErrorCode(err); code {
	case "":
		seeOther(w, r, "/account/password?changed=1")
		return nil
	case reportline.Invalid, reportline.RateLimited:
		text, raw := errorText(u.loc(r), err)
		return u.renderPassword(w, r, v, web.Status(code), passwordPage{Error: text, ErrorRaw: raw})
	default:
		return err
	}
}
