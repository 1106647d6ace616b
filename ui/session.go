package ui

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"reportline"
	"reportline/app"
	"reportline/policy"
	"reportline/web"
)

// viewer is the signed-in user of a page request and the actor they are to
// the application services.
type viewer struct {
	User  reportline.User
	Actor app.Actor
}

// actorOf is the actor of a signed-in user using the pages: links they make
// are recorded with the "ui" source.
func actorOf(u reportline.User) app.Actor { return app.UserActor(u, reportline.SourceUI) }

// pageHandler handles a request from a signed-in user. It returns an error
// only before writing anything; fail then shows it.
type pageHandler func(w http.ResponseWriter, r *http.Request, v viewer) error

// signedIn runs h for signed-in users and sends others to sign in.
func (u *UI) signedIn(h pageHandler) http.Handler { return u.signedInLimit(maxFormBytes, h) }

// signedInLimit is signedIn with posted bodies bounded by limit. A
// multipart body (an upload) is left for h to read: ParseForm reads only
// URL-encoded forms.
func (u *UI) signedInLimit(limit int64, h pageHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, ok := web.User(r.Context())
		if !ok {
			u.toLogin(w, r)
			return
		}
		if err := readForm(w, r, limit); err != nil {
			u.fail(w, r, err)
			return
		}
		if err := h(w, r, viewer{User: user, Actor: actorOf(user)}); err != nil {
			u.fail(w, r, err)
		}
	})
}

// readForm bounds a posted body to limit bytes (413 past it, before any byte
// is read when the length is announced), parses a URL-encoded form, and
// refuses any field (query parameters included) that is not text: invalid
// UTF-8 or a NUL character (%00), named in the error. A multipart body (an
// upload) is only bounded: its handler reads it.
func readForm(w http.ResponseWriter, r *http.Request, limit int64) error {
	if r.Method == http.MethodPost {
		what := "the form"
		if limit > maxFormBytes {
			what = "the upload"
		}
		if err := web.LimitBody(w, r, limit, what); err != nil {
			return err
		}
	}
	if err := r.ParseForm(); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return web.TooLarge("the form", maxFormBytes)
		}
		if e, ok := errors.AsType[*reportline.Error](err); ok {
			return e
		}
		return &reportline.Error{Code: reportline.Invalid, Message: "the form could not be read", Err: err}
	}
	return web.CheckForm(r.Form)
}

// base builds the layout's part of a page: the viewer, the sidebar and the
// group the page is seen from (kept only when the viewer administers that
// group: the breadcrumbs link to its user list, which only its admins may
// open).
func (u *UI) base(ctx context.Context, v viewer, title string, current reportline.GroupID) (page, error) {
	groups, err := u.app.ListGroups(ctx, v.Actor)
	if err != nil {
		return page{}, err
	}
	p := page{Title: title, Viewer: &v.User}
	p.Nav = buildNav(groups, current)
	if g := findNav(p.Nav, current); g != nil && g.Administered {
		p.Group = g
	}
	// Whether to offer the forms that change links. This is only the
	// display: app decides on every change, pair by pair.
	if p.CanEdit, err = u.app.May(ctx, v.Actor, policy.ChangeLink, 0); err != nil {
		return page{}, err
	}
	if p.CanList, err = u.app.May(ctx, v.Actor, policy.ListUsers, 0); err != nil {
		return page{}, err
	}
	return p, nil
}

// contextGroup reads the "group" parameter: the group a user's pages are
// seen from, carried along from the group's user list for the breadcrumbs
// and the sidebar. It grants nothing.
func contextGroup(r *http.Request) reportline.GroupID {
	id, _ := strconv.ParseInt(r.FormValue("group"), 10, 64)
	return reportline.GroupID(max(id, 0))
}

// userID reads the {id} path segment. A malformed id names nobody: 404.
func userID(r *http.Request) (reportline.UserID, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, reportline.Errorf(reportline.NotFound, "there is no user %q", r.PathValue("id"))
	}
	return reportline.UserID(id), nil
}

// formIDs reads a list of user ids from a form field.
func formIDs(r *http.Request, field string) ([]reportline.UserID, error) {
	var out []reportline.UserID
	for _, s := range r.Form[field] {
		id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil || id <= 0 {
			return nil, reportline.FieldError(field, s, "%q is not a user id", s)
		}
		out = append(out, reportline.UserID(id))
	}
	return out, nil
}

// formID reads one user id from a form field.
func formID(r *http.Request, field string) (reportline.UserID, error) {
	ids, err := formIDs(r, field)
	if err != nil {
		return 0, err
	}
	if len(ids) != 1 {
		return 0, reportline.FieldError(field, "", "%s must name one user", field)
	}
	return ids[0], nil
}

// withQuery appends non-empty parameters to a path.
func withQuery(p string, params ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(params); i += 2 {
		if params[i+1] != "" {
			q.Set(params[i], params[i+1])
		}
	}
	if len(q) == 0 {
		return p
	}
	return p + "?" + q.Encode()
}

// may asks the policy whether the viewer may do an action, to offer only
// what they may do; a failure to ask offers nothing.
func (u *UI) may(r *http.Request, v viewer, action policy.Action) bool {
	ok, err := u.app.May(r.Context(), v.Actor, action, 0)
	return err == nil && ok
}
