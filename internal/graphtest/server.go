// Package graphtest is an in-process stand-in for Microsoft Entra ID's token
// endpoint and the Microsoft Graph v1.0 users API, answering as the Graph
// documentation shows: client-credentials tokens, users/delta with
// @odata.nextLink pages, @odata.deltaLink rounds, manager@delta annotations,
// @removed entries, 429/503 throttling with Retry-After, 410 for an expired
// delta token and Graph's JSON error bodies. Tests change the directory
// between rounds and inject faults; every request is recorded.
package graphtest

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// User is one directory user as the fake holds it.
type User struct {
	ID                string
	Mail              string // may be empty: the address is then in UserPrincipalName
	UserPrincipalName string
	GivenName         string
	Surname           string
	JobTitle          string
	Department        string
	AccountEnabled    bool
	UserType          string // Member or Guest; absent when ""
	ManagerID         string // "" when the user has no manager
}

// Request is one request the server received.
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Auth   string     // the Authorization header
	Form   url.Values // token requests: the form fields
}

// Fault is an injected failure for the next API request(s).
type Fault struct {
	Status     int    // e.g. 429, 503, 504, 500, 401; 0 answers normally
	RetryAfter string // the Retry-After header, "" for none
	Code       string // Graph error code; a sensible one when empty
}

// Server is the fake. Create it with New; it stops when the test ends.
type Server struct {
	URL          string // base URL of both the authority and the API
	Tenant       string
	ClientID     string
	ClientSecret string
	// Certificate, when set, is the app registration's certificate: token
	// requests must carry a client assertion it verifies instead of the
	// secret.
	Certificate *x509.Certificate
	PageSize    int // users per delta page; 2 unless changed

	mu          sync.Mutex
	users       map[string]*entry
	version     int64
	rounds      map[string]*round // skiptoken → the rest of a round
	deltas      map[string]int64  // deltatoken → version it was issued at
	tokens      map[string]bool   // access tokens issued and still valid
	jtis        map[string]bool   // client assertions' ids seen
	faults      []Fault
	tfaults     []Fault // for the token endpoint
	expired     int     // status answered to any deltatoken (0: none expired)
	expiredCode string  // the error code answered with a 400 (default syncStateNotFound)
	requests    []Request
	split       bool           // see SplitManagers
	hidden      map[string]int // user id → GETs still to answer 404 (see Hide)
	mux         *http.ServeMux
	selects     []string // $select of the last initial request
}

// entry is a user plus the versions at which it last changed.
type entry struct {
	User
	propsV, managerV, removedV int64
	removed                    string // "", "changed" (soft-deleted) or "deleted" (permanently)
	prevManager                string // the manager before the last change
}

// New starts the fake on a loopback listener.
func New(t testing.TB) *Server {
	t.Helper()
	s := &Server{
		Tenant: "contoso.onmicrosoft.com", ClientID: "6731de76-14a6-49ae-97bc-6eba6914391e",
		ClientSecret: "sEcReT~" + randomToken()[:24], PageSize: 2,
		users: map[string]*entry{}, hidden: map[string]int{}, rounds: map[string]*round{}, deltas: map[string]int64{}, tokens: map[string]bool{}, jtis: map[string]bool{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", s.token)
	mux.HandleFunc("GET /v1.0/users/delta", s.api(s.delta))
	mux.HandleFunc("GET /v1.0/users/{id}", s.api(s.user))
	mux.HandleFunc("POST /v1.0/$batch", s.api(s.batch))
	s.mux = mux
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// Put creates or replaces a user (its manager included).
func (s *Server) Put(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.version++
	e, ok := s.users[u.ID]
	if !ok || e.removed != "" {
		e = &entry{}
		s.users[u.ID] = e
		e.managerV = s.version
	}
	if e.ManagerID != u.ManagerID {
		e.prevManager, e.managerV = e.ManagerID, s.version
	}
	e.User, e.propsV = u, s.version
}

// SetManager changes only a user's manager ("" removes it), as Entra's
// "assign manager" does.
func (s *Server) SetManager(id, managerID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.version++
	e := s.users[id]
	e.prevManager, e.ManagerID, e.managerV = e.ManagerID, managerID, s.version
}

// Delete removes a user: soft (reason "changed", restorable) or permanently
// (reason "deleted").
func (s *Server) Delete(id string, permanently bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.version++
	e := s.users[id]
	e.removed, e.removedV = "changed", s.version
	if permanently {
		e.removed = "deleted"
	}
}

// Hide makes the next n GETs of one user answer 404, as a directory
// replica that has not caught up yet does; delta rounds still list it.
func (s *Server) Hide(id string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hidden[id] = n
}

// FailToken makes the next token requests fail, one fault per request.
func (s *Server) FailToken(faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tfaults = append(s.tfaults, faults...)
}

// Fail makes the next API requests fail, one fault per request, in order.
func (s *Server) Fail(faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, faults...)
}

// ExpireDeltaTokens makes every delta token issued so far answer status
// (410 Gone with a Location header, or a 400 with code syncStateNotFound).
func (s *Server) ExpireDeltaTokens(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expired = status
	s.deltas = map[string]int64{}
}

// ExpireDeltaTokensWithCode is ExpireDeltaTokens answering a 400 with the
// given error code (Graph's services vary its case: SyncStateNotFound).
func (s *Server) ExpireDeltaTokensWithCode(code string) {
	s.ExpireDeltaTokens(http.StatusBadRequest)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expiredCode = code
}

// RevokeTokens makes every access token issued so far invalid (expired).
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens = map[string]bool{}
}

// Requests returns what the server received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Count returns how many requests went to path (exactly).
func (s *Server) Count(path string) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Path == path {
			n++
		}
	}
	return n
}

func (s *Server) record(r *http.Request, form url.Values) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Auth: r.Header.Get("Authorization"), Form: form})
}

// token is the Microsoft identity platform's client-credentials grant.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "AADSTS900144: The request body must contain the following parameter: 'grant_type'.")
		return
	}
	form := r.PostForm
	s.record(r, form)
	s.mu.Lock()
	var fault Fault
	if len(s.tfaults) > 0 {
		fault, s.tfaults = s.tfaults[0], s.tfaults[1:]
	}
	s.mu.Unlock()
	credErr := credentialError(s, r, form)
	switch {
	case fault.Status != 0:
		if fault.RetryAfter != "" {
			w.Header().Set("Retry-After", fault.RetryAfter)
		}
		oauthError(w, fault.Status, "temporarily_unavailable", "AADSTS50196: The server terminated an operation because it encountered a client request loop.")
	case r.PathValue("tenant") != s.Tenant:
		oauthError(w, http.StatusBadRequest, "invalid_request", "AADSTS90002: Tenant '"+r.PathValue("tenant")+"' not found.")
	case form.Get("grant_type") != "client_credentials":
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "AADSTS70003: The app requested an unsupported grant type.")
	case form.Get("client_id") != s.ClientID:
		oauthError(w, http.StatusBadRequest, "unauthorized_client", "AADSTS700016: Application with identifier was not found in the directory.")
	case credErr != "":
		oauthError(w, http.StatusUnauthorized, "invalid_client", credErr)
	case form.Get("scope") != "https://graph.microsoft.com/.default" && form.Get("scope") != s.URL+"/.default":
		oauthError(w, http.StatusBadRequest, "invalid_scope", "AADSTS1002012: The provided value for scope is not valid.")
	default:
		s.issue(w)
	}
}

// credentialError checks the client's credential: the secret, or when the
// registration has a certificate, a client assertion. "" when it holds.
func credentialError(s *Server, r *http.Request, form url.Values) string {
	if s.Certificate == nil {
		if form.Get("client_secret") != s.ClientSecret {
			return "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID."
		}
		return ""
	}
	if form.Get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" || form.Has("client_secret") {
		return "AADSTS7000216: 'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type."
	}
	return s.checkAssertion(s.Certificate, form.Get("client_assertion"), s.URL+r.URL.Path)
}

// issue answers a token request with a new access token.
func (s *Server) issue(w http.ResponseWriter) {
	tok := "eyJ0eXAiOiJKV1Qi." + randomToken()
	s.mu.Lock()
	s.tokens[tok] = true
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": tok})
}

// api wraps a Graph handler: recording, faults, bearer token.
func (s *Server) api(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.record(r, nil)
		s.mu.Lock()
		var fault *Fault
		if len(s.faults) > 0 {
			fault = &s.faults[0]
			s.faults = s.faults[1:]
		}
		tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		valid := s.tokens[tok]
		s.mu.Unlock()
		if fault != nil && fault.Status != 0 {
			if fault.RetryAfter != "" {
				w.Header().Set("Retry-After", fault.RetryAfter)
			}
			code := fault.Code
			if code == "" {
				code = map[int]string{429: "TooManyRequests", 503: "serviceNotAvailable", 504: "UnknownError", 401: "InvalidAuthenticationToken"}[fault.Status]
			}
			graphError(w, fault.Status, code, http.StatusText(fault.Status))
			return
		}
		if !valid {
			graphError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token has expired or is not yet valid.")
			return
		}
		h(w, r)
	}
}

func randomToken() string {
	b := make([]byte, 24)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// graphError writes Graph's error body.
func graphError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{
		"code": code, "message": message,
		"innerError": map[string]string{"date": "2026-11-22T23:59:59", "request-id": "b4f2c2a8-0f1d-4c1e-9d7b-5a2b1c0d9e8f", "client-request-id": "b4f2c2a8-0f1d-4c1e-9d7b-5a2b1c0d9e8f"},
	}})
}

// oauthError writes the identity platform's token error body.
func oauthError(w http.ResponseWriter, status int, code, description string) {
	writeJSON(w, status, map[string]any{
		"error": code, "error_description": description, "error_codes": []int{0},
		"timestamp": "2026-11-22 23:59:59Z", "trace_id": "0000aaaa-11bb-cccc-dd22-eeeeee333333",
		"correlation_id": "aaaa0000-bb11-2222-33cc-444444dddddd",
	})
}

func (s *Server) String() string { return fmt.Sprintf("graphtest at %s", s.URL) }
