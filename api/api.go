// Package api is Reportline's JSON REST API under /api/v1, and the OpenAPI
// document that describes it. Handlers only translate: they decode the
// request, call one application service and encode its answer.
//
// Every route is declared once, in the table returned by routes; the same
// table registers the handlers and generates /api/openapi.json, so the
// document cannot drift from what is served.
package api

import (
	"log/slog"
	"net/http"
	"strconv"

	"reportline"
	"reportline/app"
	"reportline/web"
)

// API serves /api/v1 and /api/openapi.json.
type API struct {
	app *app.App
	log *slog.Logger
}

// New returns the API over the application services.
func New(a *app.App, log *slog.Logger) *API { return &API{app: a, log: log} }

// route is one operation of the API.
type route struct {
	id           string // the operationId: a unique lowerCamelCase verb phrase, e.g. replaceManagers
	method, path string
	summary      string
	description  string // optional: one more line for the document, where the summary is not enough
	tag          string
	query        []param // documented query parameters
	request      any     // the JSON body type, nil when none
	response     any     // the JSON answer type
	status       int     // the success status
	handler      func(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error)
}

// param documents a query parameter.
type param struct{ name, typ, doc string }

// Register adds every route, and the OpenAPI document, to mux.
func (api *API) Register(mux *http.ServeMux) {
	for _, rt := range api.routes() {
		mux.Handle(rt.method+" "+rt.path, api.handle(rt))
	}
	mux.HandleFunc("GET /api/openapi.json", func(w http.ResponseWriter, r *http.Request) {
		server := "/"
		if base, configured := web.BaseURL(r); configured {
			server = base
		}
		web.WriteJSON(w, http.StatusOK, api.OpenAPI(server))
	})
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		web.WriteJSONError(w, r, api.log, reportline.Errorf(reportline.NotFound, "no API operation %s %s; see /api/openapi.json", r.Method, r.URL.Path))
	})
}

// handle adapts an operation: it requires an authenticated caller, runs the
// handler and writes its answer or its error.
func (api *API) handle(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok := web.User(r.Context())
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="reportline"`)
			web.WriteJSONError(w, r, api.log, reportline.Errorf(reportline.Unauthenticated, "sign in or send Authorization: Bearer TOKEN"))
			return
		}
		r, tok := withConsistency(r)
		out, err := rt.handler(w, r, app.UserActor(u, reportline.SourceAPI))
		setConsistency(w, tok)
		if err != nil {
			web.WriteJSONError(w, r, api.log, err)
			return
		}
		if _, ok := out.(written); ok {
			return
		}
		if out == nil {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		web.WriteJSON(w, rt.status, out)
	})
}

// pathID reads a numeric path parameter.
func pathID(r *http.Request, name string) (int64, error) {
	s := r.PathValue(name)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, reportline.FieldError(name, s, "%s must be a positive integer", name)
	}
	return n, nil
}

// queryInt reads an optional numeric query parameter.
func queryInt(r *http.Request, name string) (int64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, reportline.FieldError(name, s, "%s must be a non-negative integer", name)
	}
	return n, nil
}
