package ui

import (
	"net/http"
	"strings"

	"reportline"
	"reportline/web"
)

// loginPage is the sign-in form.
type loginPage struct {
	page
	Email  string
	Next   string
	Error  string
	Notice string
}

// home sends visitors to their groups, or to sign in.
func (u *UI) home(w http.ResponseWriter, r *http.Request) {
	if _, ok := web.User(r.Context()); ok {
		http.Redirect(w, r, "/groups", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// loginForm shows the sign-in form; a signed-in visitor goes straight on.
func (u *UI) loginForm(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if _, ok := web.User(r.Context()); ok {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	p := loginPage{page: page{Title: "Sign in"}, Next: next}
	if r.URL.Query().Get("reset") == "done" {
		p.Notice = "Your password is changed and every session of your account has ended. Sign in with the new password."
	}
	u.render(w, r, http.StatusOK, "login", p)
}

// login checks the credentials, opens a session and goes on to the page
// asked for. Failures re-render the form with app's message: 401 for wrong
// credentials, 429 when rate-limited.
func (u *UI) login(w http.ResponseWriter, r *http.Request) {
	if err := readForm(w, r, maxFormBytes); err != nil {
		u.fail(w, r, err)
		return
	}
	p := loginPage{page: page{Title: "Sign in"}, Email: strings.TrimSpace(r.PostForm.Get("email")), Next: safeNext(r.PostForm.Get("next"))}
	secret, _, err := u.app.Login(r.Context(), p.Email, r.PostForm.Get("password"), web.ClientIP(r).String())
	if err != nil {
		code := reportline.ErrorCode(err)
		if code != reportline.Unauthenticated && code != reportline.RateLimited {
			u.fail(w, r, err)
			return
		}
		p.Error = reportline.ErrorMessage(err)
		u.render(w, r, web.Status(code), "login", p)
		return
	}
	web.SetSessionCookie(w, r, secret, u.app.SessionTTL())
	seeOther(w, r, p.Next)
}

// logout ends the session, if any, and forgets the cookie.
func (u *UI) logout(w http.ResponseWriter, r *http.Request) {
	if secret := web.Session(r.Context()); secret != "" {
		if err := u.app.Logout(r.Context(), secret); err != nil {
			u.fail(w, r, err)
			return
		}
	}
	web.ClearSessionCookie(w, r)
	seeOther(w, r, "/login")
}

// safeNext is web.SafeNext.
func safeNext(next string) string { return web.SafeNext(next) }
