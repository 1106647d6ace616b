// Package operatorui is the operator page (docs/tenants.md, "Built: step 4,
// part 2"): served on its own listener (REPORTLINE_OPERATOR_ADDR), never on
// a tenant's host. An operator signs in with an account of the operators
// table (reportline operator create), lists the tenants, creates one,
// suspends and resumes, downloads an export and deletes, through the same
// store calls as the `reportline tenant` commands, each recorded in the
// operator log. It shows no tenant's people, only how many there are,
// unless the tenant's platform admins grant the operator a time-boxed,
// read-only look at them (people.go).
package operatorui

import (
	"archive/zip"
	"context"
	"embed"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"reportline"
	"reportline/app"
	"reportline/i18n"
	"reportline/policy"
	"reportline/store"
	"reportline/web"
)

//go:embed templates/*.html assets/*
var files embed.FS

// Cookie is the operator session's cookie: another name than a tenant's
// session cookie, on another listener.
const Cookie = "reportline_operator"

// csp allows the page's own stylesheet and forms, nothing else.
const csp = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// Page is the operator page's handler.
type Page struct {
	app  *app.App
	db   *store.DB
	log  *slog.Logger
	tmpl *template.Template
}

// New returns the operator page over the application and the store.
func New(a *app.App, db *store.DB, log *slog.Logger) (*Page, error) {
	t, err := template.New("").Funcs(template.FuncMap{
		"t": func(l *i18n.Localizer, id string, args ...any) string {
			data := map[string]any{}
			for i := 0; i+1 < len(args); i += 2 {
				data[fmt.Sprint(args[i])] = args[i+1]
			}
			return l.T(id, data)
		},
		"status": statusLabel,
	}).ParseFS(files, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("operator page templates: %w", err)
	}
	return &Page{app: a, db: db, log: log, tmpl: t}, nil
}

// Handler serves the page, behind its security headers and the
// cross-origin check.
func (p *Page) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /operator.css", p.css)
	mux.HandleFunc("GET /signin", p.signinForm)
	mux.HandleFunc("POST /signin", p.signin)
	mux.HandleFunc("POST /signout", p.signed(p.signout))
	mux.HandleFunc("GET /{$}", p.signed(p.list))
	mux.HandleFunc("POST /tenants", p.signed(p.create))
	mux.HandleFunc("POST /tenants/{slug}/suspend", p.signed(p.suspend(true)))
	mux.HandleFunc("POST /tenants/{slug}/resume", p.signed(p.suspend(false)))
	mux.HandleFunc("GET /tenants/{slug}/export", p.signed(p.export))
	mux.HandleFunc("POST /tenants/{slug}/delete", p.signed(p.delete))
	mux.HandleFunc("POST /tenants/{slug}/admin", p.signed(p.firstAdmin))
	mux.HandleFunc("GET /tenants/{slug}/people", p.signed(p.people))
	cop := http.NewCrossOriginProtection()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cache-Control", "no-store")
		if err := cop.Check(r); err != nil {
			http.Error(w, "cross-origin request refused", http.StatusForbidden)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

func (p *Page) css(w http.ResponseWriter, r *http.Request) {
	b, _ := files.ReadFile("assets/operator.css")
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Write(b)
}

type operatorKey struct{}

// signed runs h for a signed-in operator; anyone else goes to /signin.
func (p *Page) signed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(Cookie)
		if err != nil || c.Value == "" {
			http.Redirect(w, r, "/signin", http.StatusSeeOther)
			return
		}
		op, err := p.app.OperatorOf(r.Context(), p.db, c.Value)
		if err != nil {
			if !reportline.IsCode(err, reportline.Unauthenticated) {
				p.log.Error("operator session", "err", err)
			}
			clearCookie(w, r)
			http.Redirect(w, r, "/signin", http.StatusSeeOther)
			return
		}
		// The policy's row, as every decision is: an operator session is
		// an operator actor, which the policy lets run tenants and nothing
		// inside one.
		if d := policy.Decide(policy.Actor{Operator: true}, policy.OperateTenants, policy.Target{}); !d.Allowed {
			http.Error(w, d.Reason, http.StatusForbidden)
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), operatorKey{}, op)))
	}
}

func operatorOf(r *http.Request) reportline.Operator {
	op, _ := r.Context().Value(operatorKey{}).(reportline.Operator)
	return op
}

// actor is how the operator is recorded in the operator log.
func actor(r *http.Request) string { return "operator:" + operatorOf(r).Email }

// secure is true when the request came over TLS (directly or through a
// trusted proxy): the cookie is then Secure.
func secure(r *http.Request) bool { return r.TLS != nil || web.Secure(r) }

func setCookie(w http.ResponseWriter, r *http.Request, secret string) {
	http.SetCookie(w, &http.Cookie{Name: Cookie, Value: secret, Path: "/", MaxAge: int(app.OperatorSessionTTL.Seconds()),
		HttpOnly: true, Secure: secure(r), SameSite: http.SameSiteStrictMode})
}

func clearCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: Cookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: secure(r), SameSite: http.SameSiteStrictMode})
}

// view is what a template receives.
type view struct {
	L        *i18n.Localizer
	Operator reportline.Operator
	Error    string
	Notice   string
	Email    string
	Tenants  []row
	// Password is a first admin's generated password, shown once beside
	// the Notice that names them.
	Password string
}

// row is one tenant as the list shows it: no people, only their number.
type row struct {
	reportline.Tenant
	People  int
	Created string
}

func localizer(r *http.Request) *i18n.Localizer { return i18n.For(r.Header.Get("Accept-Language")) }

func (p *Page) render(w http.ResponseWriter, status int, name string, v view) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := p.tmpl.ExecuteTemplate(w, name, v); err != nil {
		p.log.Error("operator page", "template", name, "err", err)
	}
}

// message is the error's text in the page's language when it has one.
func message(l *i18n.Localizer, err error) string {
	var e *reportline.Error
	if errors.As(err, &e) && e.MsgID != "" && l.Has(e.MsgID) {
		return l.T(e.MsgID, e.MsgArgs)
	}
	return reportline.ErrorMessage(err)
}

func (p *Page) signinForm(w http.ResponseWriter, r *http.Request) {
	p.render(w, http.StatusOK, "signin.html", view{L: localizer(r)})
}

func (p *Page) signin(w http.ResponseWriter, r *http.Request) {
	l := localizer(r)
	email := r.PostFormValue("email")
	secret, _, err := p.app.OperatorLogin(r.Context(), p.db, email, r.PostFormValue("password"), web.ClientIP(r).String())
	if err != nil {
		status := web.Status(reportline.ErrorCode(err))
		if status >= 500 {
			p.log.Error("operator sign-in", "err", err)
		}
		p.render(w, status, "signin.html", view{L: l, Email: email, Error: message(l, err)})
		return
	}
	setCookie(w, r, secret)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (p *Page) signout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(Cookie); err == nil {
		if err := p.app.OperatorLogout(r.Context(), p.db, c.Value); err != nil {
			p.log.Error("operator sign-out", "err", err)
		}
	}
	clearCookie(w, r)
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

func (p *Page) list(w http.ResponseWriter, r *http.Request) {
	p.listWith(w, r, http.StatusOK, r.URL.Query().Get("done"), "")
}

func (p *Page) listWith(w http.ResponseWriter, r *http.Request, status int, notice, failure string) {
	l := localizer(r)
	v := view{L: l, Operator: operatorOf(r), Error: failure}
	if notice != "" && l.Has("operator.done."+notice) {
		v.Notice = l.T("operator.done."+notice, map[string]any{"Slug": r.URL.Query().Get("slug")})
	}
	p.renderList(w, r, status, v)
}

// renderList renders the tenant list under v's messages.
func (p *Page) renderList(w http.ResponseWriter, r *http.Request, status int, v view) {
	l := v.L
	ts, err := p.db.Tenants(r.Context())
	if err != nil {
		p.log.Error("operator page: tenants", "err", err)
		http.Error(w, "the tenants could not be read; see the log", http.StatusInternalServerError)
		return
	}
	for _, t := range ts {
		n, err := p.db.TenantPeople(r.Context(), t.ID)
		if err != nil {
			p.log.Error("operator page: people count", "tenant", t.ID, "err", err)
			n = -1
		}
		v.Tenants = append(v.Tenants, row{Tenant: t, People: n, Created: l.Date(t.CreatedAt)})
	}
	p.render(w, status, "list.html", v)
}

// done goes back to the list with a notice (post, redirect, get).
func done(w http.ResponseWriter, r *http.Request, what, slug string) {
	http.Redirect(w, r, "/?done="+what+"&slug="+slug, http.StatusSeeOther)
}

func (p *Page) failed(w http.ResponseWriter, r *http.Request, what string, err error) {
	status := web.Status(reportline.ErrorCode(err))
	if status >= 500 {
		p.log.Error("operator page", "action", what, "err", err)
	}
	p.listWith(w, r, status, "", message(localizer(r), err))
}

func (p *Page) create(w http.ResponseWriter, r *http.Request) {
	slug := strings.ToLower(strings.TrimSpace(r.PostFormValue("slug")))
	if _, err := p.db.CreateTenantAs(r.Context(), actor(r), slug, r.PostFormValue("host")); err != nil {
		p.failed(w, r, "create", err)
		return
	}
	done(w, r, "created", slug)
}

// firstAdmin creates the tenant's first platform admin (app.CreateFirstAdmin:
// refused once it has one) and shows the generated password once, on the
// page itself: never in a redirect's address, which browsers and proxies
// keep.
func (p *Page) firstAdmin(w http.ResponseWriter, r *http.Request) {
	slug := strings.ToLower(strings.TrimSpace(r.PathValue("slug")))
	t, ok, err := p.tenantBySlug(r, slug)
	if err != nil {
		p.failed(w, r, "admin", err)
		return
	}
	l := localizer(r)
	if !ok {
		p.listWith(w, r, http.StatusNotFound, "", l.T("operator.people.no_tenant", map[string]any{"Slug": slug}))
		return
	}
	fa, err := p.app.CreateFirstAdmin(r.Context(), operatorOf(r), t.ID, r.PostFormValue("email"), r.PostFormValue("name"))
	if err != nil {
		p.failed(w, r, "admin", err)
		return
	}
	p.renderList(w, r, http.StatusOK, view{L: l, Operator: operatorOf(r), Password: fa.Password,
		Notice: l.T("operator.admin.created", map[string]any{"Email": fa.User.Email, "Slug": t.Slug})})
}

func (p *Page) suspend(suspended bool) http.HandlerFunc {
	what := map[bool]string{true: "suspended", false: "resumed"}[suspended]
	return func(w http.ResponseWriter, r *http.Request) {
		t, err := p.db.SetTenantSuspended(r.Context(), actor(r), r.PathValue("slug"), suspended)
		if err != nil {
			p.failed(w, r, what, err)
			return
		}
		done(w, r, what, t.Slug)
	}
}

func (p *Page) delete(w http.ResponseWriter, r *http.Request) {
	slug := strings.ToLower(strings.TrimSpace(r.PathValue("slug")))
	if strings.ToLower(strings.TrimSpace(r.PostFormValue("confirm"))) != slug {
		l := localizer(r)
		p.listWith(w, r, http.StatusUnprocessableEntity, "", l.T("operator.delete.mismatch", map[string]any{"Slug": slug}))
		return
	}
	if _, err := p.db.DeleteTenant(r.Context(), actor(r), slug); err != nil {
		p.failed(w, r, "delete", err)
		return
	}
	done(w, r, "deleted", slug)
}

// export sends the zip `reportline tenant export SLUG --out FILE.zip`
// writes: built in a temporary file first, so that a failure half way
// sends an error and not a broken zip.
func (p *Page) export(w http.ResponseWriter, r *http.Request) {
	slug := strings.ToLower(strings.TrimSpace(r.PathValue("slug")))
	f, err := os.CreateTemp("", "reportline-export-*.zip")
	if err != nil {
		p.failed(w, r, "export", fmt.Errorf("export %s: temporary file: %w", slug, err))
		return
	}
	defer os.Remove(f.Name())
	defer f.Close()
	z := &zipSink{zip: zip.NewWriter(f)}
	m, err := p.db.ExportTenant(r.Context(), slug, z)
	if err == nil {
		err = z.finish(m)
	}
	if err != nil {
		p.failed(w, r, "export", err)
		return
	}
	size, _ := f.Seek(0, io.SeekCurrent)
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		p.failed(w, r, "export", err)
		return
	}
	name := fmt.Sprintf("reportline-%s-%s.zip", m.Tenant.Slug, time.Now().UTC().Format("20060102-150405"))
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Content-Length", fmt.Sprint(size))
	io.Copy(w, f)
}

// zipSink writes an export as the CLI's zip does: TABLE.csv per table,
// then manifest.json.
type zipSink struct {
	zip *zip.Writer
	csv *csv.Writer
}

func (z *zipSink) flush() error {
	if z.csv == nil {
		return nil
	}
	z.csv.Flush()
	err := z.csv.Error()
	z.csv = nil
	return err
}

func (z *zipSink) BeginTable(name string, columns []string) error {
	if err := z.flush(); err != nil {
		return err
	}
	f, err := z.zip.Create(name + ".csv")
	if err != nil {
		return err
	}
	z.csv = csv.NewWriter(f)
	return z.csv.Write(columns)
}

func (z *zipSink) Row(cells []string) error { return z.csv.Write(cells) }

func (z *zipSink) finish(m store.ExportManifest) error {
	if err := z.flush(); err != nil {
		return err
	}
	f, err := z.zip.Create("manifest.json")
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return err
	}
	return z.zip.Close()
}
