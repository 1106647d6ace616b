package ui

import (
	"net/http"
	"strings"

	"reportline"
	"reportline/web"
)

// Self-service password reset: "Forgot password?" on the sign-in page asks
// for an address and always answers the same; the emailed link opens the
// form that sets the new password (app/password_reset.go).

func (u *UI) registerPassword(mux *http.ServeMux) {
	mux.HandleFunc("GET /password/forgot", u.forgotForm)
	mux.HandleFunc("POST /password/forgot", u.forgot)
	mux.HandleFunc("GET /password/reset", u.resetForm)
	mux.HandleFunc("POST /password/reset", u.reset)
}

// forgotPage asks for the address to send a reset link to.
type forgotPage struct {
	page
	Email    string
	Sent     bool // the request was taken: the same page whatever the address
	Error    string
	ErrorRaw bool // Error is app's sentence (errorText)
}

// resetPage asks for the new password.
type resetPage struct {
	page
	Token    string
	Email    string
	Error    string
	ErrorRaw bool // Error is app's sentence (errorText)
	Dead     bool // the link is unknown, used or expired
}

func (u *UI) forgotForm(w http.ResponseWriter, r *http.Request) {
	u.render(w, r, http.StatusOK, "password_forgot", forgotPage{page: page{Title: u.loc(r).T("forgot.title", nil)}})
}

// forgot takes a reset request. Known and unknown addresses get the same
// page (app also makes them take the same time); only a malformed address
// or too many requests are said.
func (u *UI) forgot(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		u.fail(w, r, reportline.Errorf(reportline.Invalid, "the form could not be read"))
		return
	}
	p := forgotPage{page: page{Title: u.loc(r).T("forgot.title", nil)}, Email: strings.TrimSpace(r.PostForm.Get("email"))}
	err := u.app.RequestPasswordReset(r.Context(), p.Email, web.ClientIP(r).String())
	switch code := reportline.ErrorCode(err); code {
	case "":
		p.Sent = true
		u.render(w, r, http.StatusOK, "password_forgot", p)
	case reportline.Invalid, reportline.RateLimited:
		p.Error, p.ErrorRaw = errorText(u.loc(r), err)
		u.render(w, r, web.Status(code), "password_forgot", p)
	default:
		u.fail(w, r, err)
	}
}

func (u *UI) resetForm(w http.ResponseWriter, r *http.Request) {
	p := resetPage{page: page{Title: u.loc(r).T("reset.title", nil)}, Token: r.URL.Query().Get("token")}
	email, err := u.app.PasswordResetFor(r.Context(), p.Token)
	if reportline.IsCode(err, reportline.Invalid) {
		p.Dead = true
		p.Error, p.ErrorRaw = errorText(u.loc(r), err)
		u.render(w, r, http.StatusGone, "password_reset", p)
		return
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	p.Email = email
	u.render(w, r, http.StatusOK, "password_reset", p)
}

// reset sets the new password; every session of the account ends (the
// browser's own included) and the user signs in again.
func (u *UI) reset(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		u.fail(w, r, reportline.Errorf(reportline.Invalid, "the form could not be read"))
		return
	}
	p := resetPage{page: page{Title: u.loc(r).T("reset.title", nil)}, Token: r.PostForm.Get("token")}
	pw := r.PostForm.Get("password")
	if pw != r.PostForm.Get("confirm") {
		p.Email, _ = u.app.PasswordResetFor(r.Context(), p.Token)
		p.Error = u.loc(r).T("password.differ", nil)
		u.render(w, r, http.StatusUnprocessableEntity, "password_reset", p)
		return
	}
	_, err := u.app.ResetPassword(r.Context(), p.Token, pw, r.PostForm.Get("revoke_tokens") == "1")
	switch code := reportline.ErrorCode(err); code {
	case "":
		web.ClearSessionCookie(w, r)
		seeOther(w, r, "/login?reset=done")
	case reportline.Invalid, reportline.RateLimited:
		p.Email, _ = u.app.PasswordResetFor(r.Context(), p.Token)
		p.Error, p.ErrorRaw = errorText(u.loc(r), err)
		p.Dead = p.Email == ""
		u.render(w, r, web.Status(code), "password_reset", p)
	default:
		u.fail(w, r, err)
	}
}
