package ui

import (
	"net/http"
	"strconv"
	"time"

	"reportline"
	"reportline/app"
)

// The "Your tokens" page: a user's API tokens, to create (the secret is
// shown once, on the answer to the form), list and revoke. Platform admins
// may also list and revoke everybody's (?all=1). app decides who may do
// what; the page only offers what it allows.

func (u *UI) registerTokens(mux *http.ServeMux) {
	mux.Handle("GET /account/tokens", u.signedIn(u.tokensPage))
	mux.Handle("POST /account/tokens", u.signedIn(u.createToken))
	mux.Handle("POST /account/tokens/{id}/revoke", u.signedIn(u.revokeToken))
}

// tokensPage is the "Your tokens" page.
type tokensPage struct {
	page
	Tokens   []app.TokenView
	All      bool   // everybody's tokens (a platform admin asked)
	CanAll   bool   // the viewer may see everybody's
	Created  string // the secret of the token just created, shown this once
	Name     string // the create form's name, kept after an error
	Error    string
	Notice   string
	Lifetime []lifetimeChoice
}

// lifetimeChoice is one option of the expiry menu.
type lifetimeChoice struct {
	Days     int
	Label    string
	Selected bool
}

// lifetimes are the token lifetimes offered; their labels are message ids.
func lifetimes(selected int) []lifetimeChoice {
	out := []lifetimeChoice{{0, "tokens.never", false}, {30, "tokens.days_30", false}, {90, "tokens.days_90", false}, {365, "tokens.year", false}}
	for i := range out {
		out[i].Selected = out[i].Days == selected
	}
	return out
}

func (u *UI) renderTokens(w http.ResponseWriter, r *http.Request, v viewer, status int, p tokensPage) error {
	base, err := u.base(r.Context(), v, u.loc(r).T("tokens.title", nil), 0)
	if err != nil {
		return err
	}
	p.page = base
	p.Here = "tokens"
	p.CanAll = v.User.IsPlatformAdmin()
	p.All = p.All && p.CanAll
	if p.Lifetime == nil {
		p.Lifetime = lifetimes(90)
	}
	if p.Tokens, err = u.app.ListTokens(r.Context(), v.Actor, app.TokenFilter{All: p.All}); err != nil {
		return err
	}
	u.render(w, r, status, "tokens", p)
	return nil
}

func (u *UI) tokensPage(w http.ResponseWriter, r *http.Request, v viewer) error {
	p := tokensPage{All: r.URL.Query().Get("all") == "1"}
	if r.URL.Query().Get("revoked") != "" {
		p.Notice = u.loc(r).T("tokens.revoked", nil)
	}
	return u.renderTokens(w, r, v, http.StatusOK, p)
}

// createToken makes a token for the viewer and shows its secret once.
func (u *UI) createToken(w http.ResponseWriter, r *http.Request, v viewer) error {
	days, _ := strconv.Atoi(r.PostForm.Get("expires_days"))
	p := tokensPage{Name: r.PostForm.Get("name"), Lifetime: lifetimes(days)}
	c, err := u.app.CreateAPIToken(r.Context(), v.Actor, app.NewToken{Email: v.User.Email, Name: p.Name,
		ExpiresIn: time.Duration(max(days, 0)) * 24 * time.Hour})
	if reportline.ErrorCode(err) == reportline.Invalid {
		p.Error = reportline.ErrorMessage(err)
		return u.renderTokens(w, r, v, http.StatusUnprocessableEntity, p)
	}
	if err != nil {
		return err
	}
	p.Created, p.Name, p.Lifetime = c.Secret, "", nil
	return u.renderTokens(w, r, v, http.StatusOK, p)
}

// revokeToken revokes a token and goes back to the list it was on.
func (u *UI) revokeToken(w http.ResponseWriter, r *http.Request, v viewer) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return reportline.Errorf(reportline.NotFound, "there is no token %q", r.PathValue("id"))
	}
	if _, err := u.app.RevokeToken(r.Context(), v.Actor, id); err != nil {
		return err
	}
	back := "/account/tokens?revoked=1"
	if r.PostForm.Get("all") == "1" {
		back += "&all=1"
	}
	seeOther(w, r, back)
	return nil
}
