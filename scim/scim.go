// Package scim is Reportline's SCIM 2.0 provisioning endpoint, /scim/v2
// (RFC 7643, RFC 7644): Users (list with filter and pagination, get,
// create, replace, PATCH, delete as deactivation), Groups (onto Reportline
// groups and plain memberships), ServiceProviderConfig,
// ResourceTypes and Schemas, with the enterprise extension's manager.
//
// It is written for what Microsoft Entra ID sends as much as for the RFC:
// PATCH "op" in any case ("Replace"), booleans as strings ("False"), the
// manager as a bare id string, value objects keyed by full attribute URNs.
//
// Handlers only translate. Writes go through app, which hands each one to
// the directory core as a one-user batch of source scim, so every change is
// recorded with a sync run and every link change is audited. Each
// provisioning client has its own bearer token, valid here only.
package scim

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"

	"reportline"
	"reportline/app"
	"reportline/web"
)

// ContentType is the media type of SCIM bodies (RFC 7644 §8.1).
const ContentType = "application/scim+json"

// Prefix is where the endpoint is served.
const Prefix = "/scim/v2"

// maxBody bounds request bodies; a user is a few hundred bytes.
const maxBody = 1 << 20

// Server serves /scim/v2.
type Server struct {
	app *app.App
	log *slog.Logger
	mux *http.ServeMux // where Register put the routes: a resource named in another case is served again there
}

// New returns the SCIM endpoint over the application services.
func New(a *app.App, log *slog.Logger) *Server { return &Server{app: a, log: log} }

// Register adds the endpoint's routes to mux.
func (s *Server) Register(mux *http.ServeMux) {
	s.mux = mux
	mux.Handle("GET "+Prefix+"/Users", s.auth(s.listUsers))
	mux.Handle("GET "+Prefix+"/Users/{$}", s.auth(s.listUsers)) // GET /Users/ is the same listing
	mux.Handle("POST "+Prefix+"/Users", s.auth(s.createUser))
	mux.Handle("POST "+Prefix+"/Users/.search", s.auth(s.searchUsers))
	mux.Handle("GET "+Prefix+"/Users/{id}", s.auth(s.getUser))
	mux.Handle("PUT "+Prefix+"/Users/{id}", s.auth(s.replaceUser))
	mux.Handle("PATCH "+Prefix+"/Users/{id}", s.auth(s.patchUser))
	mux.Handle("DELETE "+Prefix+"/Users/{id}", s.auth(s.deleteUser))
	mux.Handle("GET "+Prefix+"/Groups", s.auth(s.listGroups))
	mux.Handle("GET "+Prefix+"/Groups/{$}", s.auth(s.listGroups))
	mux.Handle("POST "+Prefix+"/Groups", s.auth(s.createGroup))
	mux.Handle("GET "+Prefix+"/Groups/{id}", s.auth(s.getGroup))
	mux.Handle("PUT "+Prefix+"/Groups/{id}", s.auth(s.replaceGroup))
	mux.Handle("PATCH "+Prefix+"/Groups/{id}", s.auth(s.patchGroup))
	mux.Handle("DELETE "+Prefix+"/Groups/{id}", s.auth(s.deleteGroup))
	mux.Handle("GET "+Prefix+"/ServiceProviderConfig", s.auth(s.serviceProviderConfig))
	mux.Handle("GET "+Prefix+"/ResourceTypes", s.auth(s.resourceTypes))
	mux.Handle("GET "+Prefix+"/ResourceTypes/{id}", s.auth(s.resourceType))
	mux.Handle("GET "+Prefix+"/Schemas", s.auth(s.schemas))
	mux.Handle("GET "+Prefix+"/Schemas/{id}", s.auth(s.schema))
	mux.Handle(Prefix+"/", s.auth(s.notFound))
}

// auth admits requests that carry a provisioning client's bearer token.
// The server's own authentication leaves /scim/v2 alone, so API tokens and
// session cookies do not work here, and SCIM tokens work nowhere else.
func (s *Server) auth(h func(w http.ResponseWriter, r *http.Request, c reportline.ProvisioningClient) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || strings.TrimSpace(token) == "" {
			s.fail(w, r, &Error{Status: http.StatusUnauthorized, Detail: "send Authorization: Bearer TOKEN with a provisioning token (reportline scim token create --name NAME)"})
			return
		}
		c, err := s.app.ProvisioningClient(r.Context(), strings.TrimSpace(token))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if err := h(w, r, c); err != nil {
			s.fail(w, r, err)
		}
	})
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	writeError(w, r, s.log, err)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request, _ reportline.ProvisioningClient) error {
	p := strings.TrimPrefix(r.URL.Path, Prefix)
	for _, known := range []string{"/Users", "/Groups", "/ServiceProviderConfig", "/ResourceTypes", "/Schemas"} {
		if p == known || strings.HasPrefix(p, known+"/") {
			return &Error{Status: http.StatusMethodNotAllowed, Detail: r.Method + " is not supported on " + r.URL.Path}
		}
		// The resource's name in another case (/users, as Microsoft's
		// validator sends): served as the resource. Only the name's
		// segment changes, never an id.
		if s.mux != nil && len(p) >= len(known) && strings.EqualFold(p[:len(known)], known) && (len(p) == len(known) || p[len(known)] == '/') {
			r2 := r.Clone(r.Context())
			r2.URL.Path, r2.URL.RawPath = Prefix+known+p[len(known):], ""
			s.mux.ServeHTTP(w, r2)
			return nil
		}
	}
	return &Error{Status: http.StatusNotFound, Detail: "no SCIM resource at " + r.URL.Path + "; this endpoint serves Users, Groups, ServiceProviderConfig, ResourceTypes and Schemas"}
}

// writeJSON writes v as a SCIM body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", ContentType)
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// decodeBody reads a JSON object, bounded in size, into v. SCIM clients send
// application/scim+json; application/json is accepted too.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != ContentType && mt != "application/json") {
			return &Error{Status: http.StatusUnsupportedMediaType, Detail: "the body must be " + ContentType + " (or application/json), not " + ct}
		}
	}
	if r.ContentLength > maxBody {
		return &Error{Status: http.StatusRequestEntityTooLarge, Detail: "the body is larger than 1 MiB, the limit"}
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err == nil {
		if terr := web.CheckJSONText(raw); terr != nil {
			return errorf(InvalidValue, "%s", reportline.ErrorMessage(terr))
		}
	}
	var big *http.MaxBytesError
	var dec *json.Decoder
	if err == nil {
		dec = json.NewDecoder(bytes.NewReader(raw))
		err = dec.Decode(v)
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case err == nil:
	case errors.Is(err, io.EOF):
		return errorf(InvalidSyntax, "the body is empty; send a JSON object")
	case errors.As(err, &big):
		return &Error{Status: http.StatusRequestEntityTooLarge, Detail: "the body is larger than 1 MiB, the limit"}
	case errors.As(err, &syn):
		return errorf(InvalidSyntax, "the body is not valid JSON (at byte %d: %s)", syn.Offset, syn.Error())
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "the body"
		}
		return errorf(InvalidSyntax, "%s must not be a JSON %s", field, typ.Value)
	default:
		return errorf(InvalidSyntax, "the body is not valid JSON: %v", err)
	}
	if dec.More() {
		return errorf(InvalidSyntax, "the body must hold one JSON object, with nothing after it")
	}
	return nil
}

// baseURL is the endpoint's absolute URL, for Location headers and
// meta.location: under the configured public URL, else as the client
// reached it (https when the connection or a trusted proxy says so).
func baseURL(r *http.Request) string {
	base, _ := web.BaseURL(r)
	return base + Prefix
}
