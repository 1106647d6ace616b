package ui

import (
	"net/http"

	"reportline"
	"reportline/i18n"
)

// Unsubscribing from a bulk email without signing in (app/unsubscribe.go):
// GET shows what the link would turn off and a button; POST turns it off.
// A mail program's one-click unsubscribe (RFC 8058) is that POST, with the
// body "List-Unsubscribe=One-Click" and the token in the address.

func (u *UI) registerUnsubscribe(mux *http.ServeMux) {
	mux.HandleFunc("GET /unsubscribe", u.unsubscribeForm)
	mux.HandleFunc("POST /unsubscribe", u.unsubscribe)
}

type unsubscribePage struct {
	page
	Token        string
	Notification string
	Email        string
	Message      string // the outcome, in the person's language
	Done, Dead   bool
}

func (u *UI) unsubscribeForm(w http.ResponseWriter, r *http.Request) {
	p := unsubscribePage{page: page{Title: u.loc(r).T("unsubscribe.title", nil)}, Token: r.URL.Query().Get("t")}
	who, n, err := u.app.UnsubscribeInfo(r.Context(), p.Token)
	if reportline.IsCode(err, reportline.Invalid) {
		p.Dead, p.Message = true, i18n.For(r.Header.Get("Accept-Language")).T("unsubscribe.invalid", nil)
		u.render(w, r, http.StatusGone, "unsubscribe", p)
		return
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	p.Email, p.Notification = who.Email, n.Name
	u.render(w, r, http.StatusOK, "unsubscribe", p)
}

func (u *UI) unsubscribe(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		u.fail(w, r, reportline.Errorf(reportline.Invalid, "the form could not be read"))
		return
	}
	p := unsubscribePage{page: page{Title: u.loc(r).T("unsubscribe.title", nil)}, Token: r.URL.Query().Get("t")}
	if p.Token == "" {
		p.Token = r.PostForm.Get("t")
	}
	who, n, err := u.app.Unsubscribe(r.Context(), p.Token)
	if reportline.IsCode(err, reportline.Invalid) {
		p.Dead, p.Message = true, i18n.For(r.Header.Get("Accept-Language")).T("unsubscribe.invalid", nil)
		u.render(w, r, http.StatusGone, "unsubscribe", p)
		return
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	l := i18n.For(who.Locale)
	p.Done, p.Email = true, who.Email
	p.Message = l.T("unsubscribe.done", map[string]any{"Notification": l.T("notification."+string(n.Type), nil)})
	u.render(w, r, http.StatusOK, "unsubscribe", p)
}
