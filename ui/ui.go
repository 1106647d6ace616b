// Package ui serves Reportline's HTML pages: sign-in, the group tree, a
// group's users, a user's profile, the "Show managers" page where admins
// add and remove managers and managees, and the bulk pages where they
// download the CSV template, export the links and import a CSV file
// (previewed first, then applied).
//
// The pages only translate: every rule (who may see or change what, which
// addresses are acceptable) is applied by package app, and the pages show
// its verdicts. Templates and assets are embedded in the binary and parsed
// when New is called, so a broken template stops start-up rather than a
// request.
//
// The pages need no JavaScript: they are plain links and forms, which suits
// the strict Content Security Policy the server sends (no inline script or
// style). Cross-site request forgery is refused by the server's
// cross-origin protection; authentication comes from its session
// middleware through web.User.
package ui

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"slices"

	"reportline"
	"reportline/app"
	"reportline/i18n"
)

// maxFormBytes bounds a posted form: a thousand pasted addresses fit many
// times over.
const maxFormBytes = 1 << 20

//go:embed templates assets
var files embed.FS

// UI is the set of HTML pages.
type UI struct {
	app    *app.App
	log    *slog.Logger
	pages  map[string]map[string]*template.Template // by language, then page
	assets fs.FS
	// version is a hash of the assets, appended to their URLs so that
	// browsers may cache them for long and still see a new release.
	version string
	jobs    jobs // imports running in the background
	signIn  SignInOptions
	// tabsServed says which settings tabs' pages are served (servedTabs).
	tabsServed map[string]bool
}

// New parses the embedded templates and returns the pages. A template that
// does not parse is an error, so that a broken build fails at start-up.
func New(a *app.App, log *slog.Logger) (*UI, error) {
	return newUI(a, log, files)
}

// newUI is New over any file system holding templates/ and assets/, so tests
// can check that a broken template is refused.
func newUI(a *app.App, log *slog.Logger, fsys fs.FS) (*UI, error) {
	if log == nil {
		log = slog.Default()
	}
	assets, err := fs.Sub(fsys, "assets")
	if err != nil {
		return nil, fmt.Errorf("ui assets: %w", err)
	}
	version, err := hashFS(assets)
	if err != nil {
		return nil, fmt.Errorf("ui assets: %w", err)
	}
	u := &UI{app: a, log: log, assets: assets, version: version}
	// One set of templates per language, each with its catalogue's "t":
	// the languages of package i18n, and its pseudo-locale for the tests.
	u.pages = map[string]map[string]*template.Template{}
	for _, lang := range append(slices.Clone(i18n.Languages), i18n.Pseudo) {
		if u.pages[lang], err = parseTemplates(fsys, u.funcs(i18n.For(lang))); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// Register adds the pages' routes to mux.
func (u *UI) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", u.home)
	mux.HandleFunc("GET /login", u.loginForm)
	mux.HandleFunc("POST /login", u.login)
	mux.HandleFunc("POST /logout", u.logout)
	mux.Handle("GET /groups", u.signedIn(u.groups))
	mux.Handle("GET /groups/{id}/users", u.signedIn(u.groupUsers))
	mux.Handle("GET /people", u.signedIn(u.people))
	mux.Handle("GET /history", u.signedIn(u.history))
	mux.Handle("GET /history.csv", u.signedIn(u.historyCSV))
	mux.Handle("GET /users/{id}", u.signedIn(u.profile))
	mux.Handle("GET /users/{id}/managers", u.signedIn(u.managers))
	mux.Handle("GET /users/{id}/orgchart", u.signedIn(u.orgChart))
	mux.Handle("POST /users/{id}/managers/preview", u.signedIn(u.preview))
	mux.Handle("POST /users/{id}/managers/confirm", u.signedIn(u.confirm))
	mux.Handle("GET /users/{id}/links/remove", u.signedIn(u.removeConfirm))
	mux.Handle("POST /users/{id}/links/remove", u.signedIn(u.removeLink))
	mux.Handle("POST /users/{id}/links/undo", u.signedIn(u.undoRemove))
	mux.Handle("GET /managers/bulk", u.signedIn(u.bulk))
	mux.Handle("GET /managers/template.csv", u.signedIn(u.template))
	mux.Handle("GET /managers/export.csv", u.signedIn(u.export))
	mux.Handle("GET /managers/imports", http.RedirectHandler("/managers/bulk#history", http.StatusSeeOther))
	mux.Handle("POST /managers/imports", u.signedInLimit(maxUploadBytes, u.upload))
	mux.Handle("GET /managers/imports/{id}", u.signedIn(u.importPage))
	mux.Handle("POST /managers/imports/{id}/apply", u.signedIn(u.apply))
	mux.Handle("GET /managers/imports/{id}/{file}", u.signedIn(u.importFile))
	u.registerAccess(mux)
	u.registerOrg(mux)
	u.registerDigest(mux)
	u.registerTenantSettings(mux)
	u.registerTenantSignIn(mux)
	u.registerDirectorySources(mux)
	u.registerNotifications(mux)
	u.registerLearning(mux)
	u.registerUsersImport(mux)
	u.registerDirectory(mux)
	u.registerTokens(mux)
	u.registerPlans(mux)
	u.registerSessions(mux)
	u.registerPassword(mux)
	u.registerUnsubscribe(mux)
	u.registerAccountPassword(mux)
	u.registerAbsences(mux)
	u.registerLeaver(mux)
	u.registerSettingsCover(mux)
	u.registerSettingsWebhooks(mux)
	mux.Handle("GET /assets/", u.assetHandler())
	// Any other page address gets the product's own "not found" page
	// rather than the mux's bare text.
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		u.fail(w, r, reportline.Errorf(reportline.NotFound, "there is no page at %s", r.URL.Path))
	})
	u.tabsServed = servedTabs(mux)
}

// assetHandler serves the embedded stylesheet and icon. URLs carry the
// assets' hash, so a year of caching is safe.
func (u *UI) assetHandler() http.Handler {
	fileServer := http.StripPrefix("/assets/", http.FileServerFS(u.assets))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("v") == u.version {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "public, max-age=300")
		}
		fileServer.ServeHTTP(w, r)
	})
}

// hashFS returns a short hash of every file in fsys.
func hashFS(fsys fs.FS) (string, error) {
	h := sha256.New()
	err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", path, len(b))
		h.Write(b)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:12], err
}
