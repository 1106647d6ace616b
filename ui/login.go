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
	Email    string
	Next     string
	Error    string
	ErrorRaw bool // Error is app's sentence (errorText)
	Notice   string
	// Buttons are the identity providers' sign-in buttons.
	Buttons []SignInButton
	// SSOOnly hides the password form (the break-glass admin opens it with
	// ?local=1); Local is that request.
	SSOOnly bool
	Local   bool
}

// newLoginPage is the sign-in page with its buttons.
func (u *UI) newLoginPage(r *http.Request) loginPage {
	return loginPage{page: page{Title: u.loc(r).T("login.title", nil)}, Buttons: u.signInButtons(r), SSOOnly: u.app.SSOOnly(r.Context()), Local: r.FormValue("local") == "1"}
}

// signInButtons are the sign-in buttons of the request's tenant: the
// environment's for the implicit tenant, the tenant's own provider's for
// another (docs/tenants.md, "Built: step 3, part 2").
func (u *UI) signInButtons(r *http.Request) []SignInButton {
	if id, ok := reportline.TenantOf(r.Context()); !ok || id == reportline.ImplicitTenant {
		return u.signIn.Buttons
	}
	bs, err := u.app.TenantSignInButtons(r.Context())
	if err != nil {
		u.log.WarnContext(r.Context(), "the organisation's sign-in buttons", "err", err)
	}
	var out []SignInButton
	for _, b := range bs {
		label := b.Label
		if label == "" {
			label = u.loc(r).T("login.sso_default", nil)
		}
		out = append(out, SignInButton{Label: label, URL: "/sso/" + b.Kind + "/" + b.Kind + "/start"})
	}
	return out
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
	p := u.newLoginPage(r)
	p.Next = next
	if r.URL.Query().Get("reset") == "done" {
		p.Notice = u.loc(r).T("login.reset_done", nil)
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
	p := u.newLoginPage(r)
	p.Email, p.Next, p.Local = strings.TrimSpace(r.PostForm.Get("email")), safeNext(r.PostForm.Get("next")), true
	secret, _, err := u.app.Login(r.Context(), p.Email, r.PostForm.Get("password"), web.ClientIP(r).String())
	if err != nil {
		code := reportline.ErrorCode(err)
		if code != reportline.Unauthenticated && code != reportline.RateLimited {
			u.fail(w, r, err)
			return
		}
		p.Error, p.ErrorRaw = errorText(u.loc(r), err)
		u.render(w, r, web.Status(code), "login", p)
		return
	}
	web.SetSessionCookie(w, r, secret, u.app.SessionTTL())
	seeOther(w, r, p.Next)
}

// logout ends the session, if any, and forgets the cookie. A session
// opened by single sign-on goes on to the identity provider's sign-out
// when it has one, so that the next sign-in asks for credentials again.
func (u *UI) logout(w http.ResponseWriter, r *http.Request) {
	next := "/login"
	if secret := web.Session(r.Context()); secret != "" {
		s, err := u.app.SignOut(r.Context(), secret)
		if err != nil {
			u.fail(w, r, err)
			return
		}
		if u.signIn.LogoutURL != nil {
			if out := u.signIn.LogoutURL(r.Context(), s); out != "" {
				next = out
			}
		}
	}
	web.ClearSessionCookie(w, r)
	if strings.HasPrefix(next, "/") {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	// The identity provider is another origin, and a redirect answering
	// the sign-out form would break the pages' CSP (form-action 'self'):
	// the browser refuses it. A page of ours moves on by itself instead.
	u.render(w, r, http.StatusOK, "signed_out", page{Title: u.loc(r).T("signed_out.title", nil), MoveOn: next})
}

// safeNext is web.SafeNext.
func safeNext(next string) string { return web.SafeNext(next) }

// Fail shows a refused single sign-on on the sign-in page (401 with the
// reason); other errors as any page's.
func (u *UI) Fail(w http.ResponseWriter, r *http.Request, err error) {
	if reportline.ErrorCode(err) != reportline.Unauthenticated {
		u.fail(w, r, err)
		return
	}
	p := u.newLoginPage(r)
	p.Error, p.ErrorRaw = errorText(u.loc(r), err)
	u.render(w, r, http.StatusUnauthorized, "login", p)
}
