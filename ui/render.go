package ui

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"

	"reportline"
	"reportline/i18n"
	"reportline/web"
)

// parseTemplates parses the layout (templates/layout/*.html) once per page
// (templates/pages/*.html), so every page defines its own "content". It also
// runs html/template's escaper on each, so that a template whose contexts
// are ambiguous fails here, at start-up, rather than on the first request.
func parseTemplates(fsys fs.FS, funcs template.FuncMap) (map[string]*template.Template, error) {
	base, err := template.New("").Funcs(funcs).ParseFS(fsys, "templates/layout/*.html")
	if err != nil {
		return nil, fmt.Errorf("ui templates: %w", err)
	}
	names, err := fs.Glob(fsys, "templates/pages/*.html")
	if err != nil || len(names) == 0 {
		return nil, fmt.Errorf("ui templates: no pages in templates/pages")
	}
	out := map[string]*template.Template{}
	for _, name := range names {
		t, err := base.Clone()
		if err != nil {
			return nil, fmt.Errorf("ui templates: %w", err)
		}
		if t, err = t.ParseFS(fsys, name); err != nil {
			return nil, fmt.Errorf("ui templates: %w", err)
		}
		if t.Lookup("content") == nil {
			return nil, fmt.Errorf("ui templates: %s defines no \"content\"", name)
		}
		// Executing with no data escapes the whole tree; only escaping
		// errors matter here, execution errors on nil data are expected.
		var esc *template.Error
		if err := t.ExecuteTemplate(io.Discard, "layout", nil); errors.As(err, &esc) {
			return nil, fmt.Errorf("ui templates: %s: %w", name, err)
		}
		out[strings.TrimSuffix(path.Base(name), ".html")] = t
	}
	return out, nil
}

// page is what the layout needs; every page's struct embeds it.
type page struct {
	Title   string
	Viewer  *reportline.User // nil on the sign-in page
	Nav     []*navNode       // the sidebar's group tree
	Group   *navNode         // the group the page is seen from, if any
	CanEdit bool             // the viewer administers some group: show the forms that change links
	CanList bool             // the viewer may list users: show the people directory
	Here    string           // the top bar's entry the page belongs to ("bulk"), if any
	Refresh int              // reload the page after this many seconds (a running import), 0 for never
	MoveOn  string           // go on to this address after two seconds (the identity provider's sign-out), "" for never
}

// render writes a page with the given status. It renders into a buffer
// first, so that a template failing half-way gives a clean error page.
func (u *UI) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	t, ok := u.pages[u.templateLang(r)][name]
	if !ok {
		u.internal(w, r, fmt.Errorf("no page template %q", name))
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		u.internal(w, r, fmt.Errorf("render %s: %w", name, err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// Pages show personal data and depend on who is signed in.
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// loc is the language of a request's pages: the signed-in user's locale
// (their profile), else the browser's Accept-Language, else English.
func (u *UI) loc(r *http.Request) *i18n.Localizer {
	if user, ok := web.User(r.Context()); ok && user.Locale != "" {
		return i18n.For(user.Locale)
	}
	return i18n.For(r.Header.Get("Accept-Language"))
}

// templateLang is the key of the request's template set.
func (u *UI) templateLang(r *http.Request) string {
	l := u.loc(r)
	if l.Pseudo() {
		return i18n.Pseudo
	}
	return l.Lang()
}

// internal logs an error that is not the user's and shows a plain page with
// the request id (used when even the error page cannot be rendered).
func (u *UI) internal(w http.ResponseWriter, r *http.Request, err error) {
	id := web.RequestID(r.Context())
	u.log.Error("internal error", "request_id", id, "method", r.Method, "path", r.URL.Path, "err", err)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusInternalServerError)
	fmt.Fprintf(w, "Something went wrong (request id %s).\n", id)
}

// errorPage explains why a request failed.
type errorPage struct {
	page
	Status  int
	Heading string
	Message string
	Raw     bool // Message is app's, in English (docs/i18n.md)
	Details []reportline.Detail
}

// headings titles the error page of each status: catalogue ids.
var headings = map[int]string{
	http.StatusBadRequest:            "error.heading.bad_request",
	http.StatusForbidden:             "error.heading.forbidden",
	http.StatusNotFound:              "error.heading.not_found",
	http.StatusConflict:              "error.heading.conflict",
	http.StatusUnprocessableEntity:   "error.heading.unprocessable",
	http.StatusTooManyRequests:       "error.heading.too_many",
	http.StatusRequestEntityTooLarge: "error.heading.too_large",
	http.StatusInternalServerError:   "error.heading.internal",
}

// fail shows err as a page. Anonymous callers are sent to sign in; internal
// errors are logged here, once, with the request id, and the user sees only
// that id.
func (u *UI) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := reportline.ErrorCode(err)
	if code == reportline.Unauthenticated {
		u.toLogin(w, r)
		return
	}
	status := web.Status(code)
	l := u.loc(r)
	p := errorPage{Status: status, Heading: l.T("error.heading.other", nil)}
	p.Message, p.Raw = errorText(l, err)
	if id, ok := headings[status]; ok {
		p.Heading = l.T(id, nil)
	}
	if code == reportline.Internal {
		id := web.RequestID(r.Context())
		u.log.Error("internal error", "request_id", id, "method", r.Method, "path", r.URL.Path, "err", err)
		p.Message, p.Raw = l.T("error.internal", map[string]any{"ID": id}), false
	} else if e, ok := errors.AsType[*reportline.Error](err); ok {
		p.Details = e.Details
	}
	if user, ok := web.User(r.Context()); ok {
		// The same top bar and sidebar as every other page, so that an
		// admin who meets an error keeps their tools. They are a nicety
		// here: when they cannot be had (the database is down, which
		// the error above already logged), the page goes without them.
		if base, err := u.base(r.Context(), viewer{User: user, Actor: actorOf(user)}, "", 0); err == nil {
			p.page = base
		} else {
			p.Viewer = &user
		}
	}
	p.Title = p.Heading
	u.render(w, r, status, "error", p)
}

// toLogin sends an anonymous visitor to the sign-in page, remembering the
// page they asked for when it can be asked for again (a GET).
func (u *UI) toLogin(w http.ResponseWriter, r *http.Request) {
	target := "/login"
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// seeOther redirects after a successful POST, so reloading the result does
// not post again.
func seeOther(w http.ResponseWriter, r *http.Request, target string) {
	http.Redirect(w, r, target, http.StatusSeeOther)
}
