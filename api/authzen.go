package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"reportline"
	"reportline/app"
	"reportline/policy"
	"reportline/web"
)

// AuthZEN is Reportline's OpenID AuthZEN Authorization API 1.0 decision
// point: the LMS, or any AuthZEN-aware gateway, asks it whether a user may
// do a capability about another user, and enforces the answer without
// knowing Reportline's rules (app.CheckAccess has them).
//
//   - GET  /.well-known/authzen-configuration: the metadata (public).
//   - POST /access/v1/evaluation: one decision.
//   - POST /access/v1/evaluations: a batch; the top-level subject, action,
//     resource and context are defaults for the evaluations that lack them;
//     options.evaluations_semantic is execute_all (the default),
//     deny_on_first_deny or permit_on_first_permit (the answer stops after
//     the deciding evaluation).
//   - POST /access/v1/search/subject: who may do the action about the
//     resource; /search/resource: about whom the subject may do it;
//     /search/action: which actions the subject may do about the resource.
//     Searches are paged: page.limit (100 by default, at most 500) and
//     page.token, the next_token of the previous page ("" on the last).
//
// Subjects and resources have type "user"; their id is the internal id
// ("42"), "uid:" and the external uid ("uid:E42"), or the email address
// ("ada@example.com", or "email:ada@example.com"). Actions are the
// capabilities (reportline.Capabilities), e.g. "view_reports". The
// decision's context carries a reason object (id, reason_admin,
// reason_user) and, when allowed, the grant: the link (manager, managee,
// kind, source, dates), the chain of users, or the admin role. context.time
// (RFC 3339) in a request asks about another instant than now, against
// today's links and their own dates; context.as_of (a date, its end in UTC,
// or an RFC 3339 time) asks against the reporting line as the link history
// had it then (evaluations and the three searches; docs/orgchart.md).
//
// Who may ask: platform admins, with a bearer API token (reportline token
// create): the decision point answers about anybody, so it is for the
// platform's own gateway or LMS, not for users. A browser session is not
// accepted. Bad requests get 400 with an error that names the field;
// unknown users are not errors but a refusal that says so.
type AuthZEN struct {
	app *app.App
	log *slog.Logger
}

// NewAuthZEN returns the decision point over the application services.
func NewAuthZEN(a *app.App, log *slog.Logger) *AuthZEN { return &AuthZEN{app: a, log: log} }

// maxEvaluations bounds one Access Evaluations request.
const maxEvaluations = 1000

// Register adds the decision point's endpoints to mux.
func (z *AuthZEN) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /.well-known/authzen-configuration", z.metadata)
	for _, rt := range z.routes() {
		mux.Handle(rt.method+" "+rt.path, z.handle(rt))
	}
	mux.HandleFunc("/access/", func(w http.ResponseWriter, r *http.Request) {
		z.fail(w, r, reportline.Errorf(reportline.NotFound, "no AuthZEN operation %s %s; see /.well-known/authzen-configuration", r.Method, r.URL.Path))
	})
}

// routes lists the decision point's operations, in the API's route format
// so that the OpenAPI document can describe them.
func (z *AuthZEN) routes() []route {
	return []route{
		{id: "evaluateAccess", description: "Follows the AuthZEN Authorization API 1.0; the action's name is a Reportline capability.", method: "POST", path: "/access/v1/evaluation", tag: "authzen", summary: "AuthZEN Access Evaluation: may the subject do the action (a capability) about the resource",
			request: AZEvaluationRequest{}, response: AZDecision{}, status: http.StatusOK, handler: z.evaluation},
		{id: "evaluateAccessBatch", description: "Follows the AuthZEN Authorization API 1.0: each evaluation takes the request's subject, action, resource and context where it leaves them out.", method: "POST", path: "/access/v1/evaluations", tag: "authzen", summary: "AuthZEN Access Evaluations: many decisions, with defaults and evaluation semantics",
			request: AZEvaluationsRequest{}, response: AZEvaluationsResponse{}, status: http.StatusOK, handler: z.evaluations},
		{id: "searchSubjects", method: "POST", path: "/access/v1/search/subject", tag: "authzen", summary: "AuthZEN Subject Search: who may do the action about the resource (paged)",
			request: AZSearchRequest{}, response: AZSearchResponse{}, status: http.StatusOK, handler: z.searchSubject},
		{id: "searchResources", method: "POST", path: "/access/v1/search/resource", tag: "authzen", summary: "AuthZEN Resource Search: about whom the subject may do the action (paged)",
			request: AZSearchRequest{}, response: AZSearchResponse{}, status: http.StatusOK, handler: z.searchResource},
		{id: "searchActions", method: "POST", path: "/access/v1/search/action", tag: "authzen", summary: "AuthZEN Action Search: which actions the subject may do about the resource",
			request: AZSearchRequest{}, response: AZActionSearchResponse{}, status: http.StatusOK, handler: z.searchAction},
	}
}

// handle adapts an operation: it echoes the caller's X-Request-ID, requires
// a platform admin's bearer token, and writes the answer or the error.
func (z *AuthZEN) handle(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id := r.Header.Get("X-Request-ID"); id != "" {
			w.Header().Set("X-Request-ID", id)
		}
		u, ok := web.User(r.Context())
		if !ok || r.Header.Get("Authorization") == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="reportline"`)
			z.fail(w, r, reportline.Errorf(reportline.Unauthenticated, "send Authorization: Bearer TOKEN with a platform admin's API token"))
			return
		}
		actor := app.UserActor(u, reportline.SourceAPI)
		if ok, err := z.app.May(r.Context(), actor, policy.UseDecisionPoint, 0); err != nil || !ok {
			if err == nil {
				err = reportline.Errorf(reportline.Forbidden, "only platform admins' tokens may ask the decision point")
			}
			z.fail(w, r, err)
			return
		}
		r, tok := withConsistency(r)
		out, err := rt.handler(w, r, actor)
		setConsistency(w, tok)
		if err != nil {
			z.fail(w, r, err)
			return
		}
		writeCompact(w, http.StatusOK, out)
	})
}

// writeCompact writes v as compact JSON: the decision point's answers are
// read by machines, and indenting a batch of 100 cost a fifth of its
// encoding (docs/benchmarks.md, A4). Decisions are appended by azWriter
// (authzen_wire.go), the same bytes without reflection.
func writeCompact(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	buf := azBuffers.Get().(*[]byte)
	aw := azWriter{b: (*buf)[:0]}
	defer func() { *buf = aw.b[:0]; azBuffers.Put(buf) }() // w.Write copied it
	switch x := v.(type) {
	case azAnswer:
		aw.answer(x)
		if aw.err != nil {
			var p azDecisionParts
			v = x.az(&p)
		}
	case azAnswers:
		aw.raw(`{"evaluations":[`)
		for i, a := range x {
			if i > 0 {
				aw.raw(`,`)
			}
			aw.answer(a)
		}
		aw.raw(`]}`)
		if aw.err != nil {
			v = x.az()
		}
	case AZDecision:
		aw.decision(x)
	case AZEvaluationsResponse:
		if x.Evaluations == nil {
			aw.err = errors.ErrUnsupported // null, never answered
			break
		}
		aw.raw(`{"evaluations":[`)
		for i, d := range x.Evaluations {
			if i > 0 {
				aw.raw(`,`)
			}
			aw.decision(d)
		}
		aw.raw(`]}`)
	default:
		aw.err = errors.ErrUnsupported
	}
	if aw.err != nil {
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(v)
		return
	}
	aw.b = append(aw.b, '\n')
	// The length, known, spares a batch's answer (~33 KB for 100) the
	// chunked encoding, on both sides of the connection.
	w.Header().Set("Content-Length", strconv.Itoa(len(aw.b)))
	w.WriteHeader(status)
	w.Write(aw.b)
}

// azBuffers keeps the answers' buffers from one request to the next: a
// batch of 100 writes ~33 KB.
var azBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// fail writes an error in the API's error shape, with AuthZEN's statuses:
// a bad request is 400 (not the API's 422).
func (z *AuthZEN) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := reportline.ErrorCode(err)
	status := web.Status(code)
	if code == reportline.Invalid {
		status = http.StatusBadRequest
	}
	body := web.ErrorDetail{Code: code, Message: reportline.ErrorMessage(err), RequestID: web.RequestID(r.Context())}
	if e, ok := errors.AsType[*reportline.Error](err); ok {
		body.Field, body.Value, body.Details = e.Field, e.Value, e.Details
	}
	if code == reportline.Internal {
		z.log.Error("internal error", "request_id", body.RequestID, "method", r.Method, "path", r.URL.Path, "err", err)
	}
	web.WriteJSON(w, status, web.ErrorBody{Error: body})
}

// metadata serves the Policy Decision Point metadata. Its URLs are under the
// configured public URL, and then the document may be cached by anyone.
// Without one they are built from the request's Host header, which the
// client chooses: that answer is for this client only and must not be
// cached by a shared cache (a poisoned Host would be served to others).
func (z *AuthZEN) metadata(w http.ResponseWriter, r *http.Request) {
	base, configured := web.BaseURL(r)
	if configured {
		w.Header().Set("Cache-Control", "public, max-age=3600")
	} else {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Vary", "Host")
	}
	web.WriteJSON(w, http.StatusOK, AZMetadata{
		PolicyDecisionPoint:       base,
		AccessEvaluationEndpoint:  base + "/access/v1/evaluation",
		AccessEvaluationsEndpoint: base + "/access/v1/evaluations",
		SearchSubjectEndpoint:     base + "/access/v1/search/subject",
		SearchResourceEndpoint:    base + "/access/v1/search/resource",
		SearchActionEndpoint:      base + "/access/v1/search/action",
	})
}

// azQuery is one evaluation, parsed: the users by key, not yet resolved.
type azQuery struct {
	subject, resource app.UserKey
	capability        reportline.Capability
	at                time.Time
	history           bool  // context.as_of: decide against the link history at at
	err               error // the evaluation is malformed
}

// decodeEvaluations reads an Access Evaluation(s) request: its plain shape
// without reflection (authzen_wire.go), anything else with encoding/json.
// single: the body of /access/v1/evaluation.
func decodeEvaluations(w http.ResponseWriter, r *http.Request, single bool) (AZEvaluationsRequest, error) {
	raw, err := web.ReadJSON(w, r)
	if err != nil {
		return AZEvaluationsRequest{}, err
	}
	var in AZEvaluationsRequest
	if decodeAZEvaluations(raw, &in, single) {
		return in, nil
	}
	if single {
		var one AZEvaluationRequest
		err := web.DecodeJSONBytes(raw, &one)
		return AZEvaluationsRequest{Subject: one.Subject, Action: one.Action, Resource: one.Resource, Context: one.Context}, err
	}
	in = AZEvaluationsRequest{}
	err = web.DecodeJSONBytes(raw, &in)
	return in, err
}

func (z *AuthZEN) evaluation(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	in, err := decodeEvaluations(w, r, true)
	if err != nil {
		return nil, err
	}
	q := parseEvaluation(AZEvaluationRequest{Subject: in.Subject, Action: in.Action, Resource: in.Resource, Context: in.Context}, "")
	if q.err != nil {
		return nil, q.err
	}
	as, err := z.decide(r, actor, []azQuery{q})
	if err != nil {
		return nil, err
	}
	return as[0], nil
}

func (z *AuthZEN) evaluations(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	in, err := decodeEvaluations(w, r, false)
	if err != nil {
		return nil, err
	}
	if len(in.Evaluations) == 0 {
		// Without evaluations the request is a single evaluation, and so
		// is the answer.
		q := parseEvaluation(AZEvaluationRequest{Subject: in.Subject, Action: in.Action, Resource: in.Resource, Context: in.Context}, "")
		if q.err != nil {
			return nil, q.err
		}
		as, err := z.decide(r, actor, []azQuery{q})
		if err != nil {
			return nil, err
		}
		return as[0], nil
	}
	if n := len(in.Evaluations); n > maxEvaluations {
		return nil, reportline.FieldError("evaluations", strconv.Itoa(n), "at most %d evaluations per request, not %d; split the batch", maxEvaluations, n)
	}
	semantic := "execute_all"
	if v, ok := in.Options["evaluations_semantic"]; ok {
		s, _ := v.(string)
		switch s {
		case "execute_all", "deny_on_first_deny", "permit_on_first_permit":
			semantic = s
		default:
			return nil, reportline.FieldError("options.evaluations_semantic", fmt.Sprint(v),
				"options.evaluations_semantic must be execute_all, deny_on_first_deny or permit_on_first_permit")
		}
	}
	qs := make([]azQuery, len(in.Evaluations))
	for i, e := range in.Evaluations {
		if e.Subject == nil {
			e.Subject = in.Subject
		}
		if e.Action == nil {
			e.Action = in.Action
		}
		if e.Resource == nil {
			e.Resource = in.Resource
		}
		if e.Context == nil {
			e.Context = in.Context
		}
		// The field's prefix is written only for an error (the same
		// parse again): a valid batch builds no string per evaluation.
		if qs[i] = parseEvaluation(e, ""); qs[i].err != nil {
			qs[i] = parseEvaluation(e, "evaluations["+strconv.Itoa(i)+"].")
		}
	}
	as, err := z.decide(r, actor, qs)
	if err != nil {
		return nil, err
	}
	for i, a := range as {
		if semantic == "deny_on_first_deny" && !a.allowed() || semantic == "permit_on_first_permit" && a.allowed() {
			return as[:i+1], nil
		}
	}
	return as, nil
}

// decide answers parsed evaluations in one batch; malformed ones get a
// refusal that carries their error.
func (z *AuthZEN) decide(r *http.Request, actor app.Actor, qs []azQuery) (azAnswers, error) {
	keys := make([]app.UserKey, 0, 2*len(qs))
	for _, q := range qs {
		if q.err == nil {
			keys = append(keys, q.subject, q.resource)
		}
	}
	ids, err := z.app.ResolveUsers(r.Context(), actor, keys)
	if err != nil {
		return nil, err
	}
	aqs := make([]app.AccessQuery, 0, len(qs))
	for _, q := range qs {
		if q.err == nil {
			aqs = append(aqs, app.AccessQuery{Subject: ids[0], Capability: q.capability, Resource: ids[1], At: q.at, History: q.history})
			ids = ids[2:]
		}
	}
	decisions, err := z.app.Evaluate(r.Context(), actor, aqs)
	if err != nil {
		return nil, err
	}
	out := make(azAnswers, len(qs))
	for i, q := range qs {
		if q.err != nil {
			out[i].err = q.err
			continue
		}
		out[i].d = &decisions[0]
		decisions = decisions[1:]
	}
	return out, nil
}

// azAnswer is one evaluation's answer as decide leaves it: the decision,
// or for a malformed evaluation its error (a refusal that says it). The
// writer (azWriter.answer) writes it as its AuthZEN shape (az) encodes,
// without building that shape: the grant's ids and chain as strings were
// most of a batch's allocations (docs/benchmarks.md, A4 per-item costs).
type azAnswer struct {
	d   *app.Decision // nil when err is set
	err error
}

// azAnswers are a batch's answers, in the order of its evaluations.
type azAnswers []azAnswer

func (a azAnswer) allowed() bool { return a.d != nil && a.d.Allowed }

// invalid is the message of a malformed evaluation's refusal.
func (a azAnswer) invalid() string {
	msg := reportline.ErrorMessage(a.err)
	if e, ok := errors.AsType[*reportline.Error](a.err); ok && e.Field != "" {
		msg = e.Field + ": " + msg
	}
	return msg
}

// az is the answer in AuthZEN's shape, in p.
func (a azAnswer) az(p *azDecisionParts) AZDecision {
	if a.d == nil {
		msg := a.invalid()
		p.reasonAdmin.EN = msg
		return AZDecision{Context: &AZDecisionContext{ID: app.RefusedInvalid, ReasonAdmin: &p.reasonAdmin,
			Error: &AZError{Status: http.StatusBadRequest, Message: msg}}}
	}
	return toAZDecision(*a.d, p)
}

// az is the answers in AuthZEN's shape.
func (as azAnswers) az() AZEvaluationsResponse {
	out := AZEvaluationsResponse{Evaluations: make([]AZDecision, len(as))}
	parts := make([]azDecisionParts, len(as)) // one allocation for every decision's parts
	for i, a := range as {
		out.Evaluations[i] = a.az(&parts[i])
	}
	return out
}

// azDecisionParts is the storage of an AZDecision's pointers, allocated
// for a whole batch at once.
type azDecisionParts struct {
	context                 AZDecisionContext
	reasonAdmin, reasonUser AZReason
	grant                   AZGrant
}

// toAZDecision turns a decision into AuthZEN's shape, in p.
func toAZDecision(d app.Decision, p *azDecisionParts) AZDecision {
	p.reasonAdmin.EN, p.reasonUser.EN = d.Reason, userReason(&d)
	p.context = AZDecisionContext{ID: d.Code, ReasonAdmin: &p.reasonAdmin, ReasonUser: &p.reasonUser}
	if d.Allowed {
		p.grant = toAZGrant(d.Grant)
		p.context.Grant = &p.grant
	}
	return AZDecision{Decision: d.Allowed, Context: &p.context}
}

func toAZGrant(g app.Grant) AZGrant {
	out := AZGrant{By: string(g.By)}
	switch g.By {
	case app.GrantLink, app.GrantChain:
		l := g.Link
		out.Manager, out.Managee = userIDString(l.ManagerID), userIDString(l.ManageeID)
		out.Kind, out.Source = string(l.Kind), string(l.Source)
		out.ValidFrom, out.ValidUntil = timePtr(l.ValidFrom), timePtr(l.ValidUntil)
		if g.By == app.GrantChain {
			for _, u := range g.Users() {
				out.Chain = append(out.Chain, userIDString(u))
			}
		}
	case app.GrantGroupAdmin:
		out.Group = strconv.FormatInt(int64(g.Group), 10)
	}
	return out
}

func userIDString(id reportline.UserID) string { return strconv.FormatInt(int64(id), 10) }

// userReasons are the reasons that may be shown to the user the decision
// is about: what grants, or why not, without naming anybody.
var userReasons = map[string]string{
	string(app.GrantLink):          "You are linked to this person as their manager or managee.",
	string(app.GrantChain):         "This person reports to you through the reporting line.",
	string(app.GrantPlatformAdmin): "You are a platform administrator.",
	string(app.GrantGroupAdmin):    "You administrate a group this person belongs to.",
	string(app.GrantSelf):          "This is about yourself.",
	app.RefusedUnknownSubject:      "Your account is unknown.",
	app.RefusedUnknownResource:     "This person is unknown.",
	app.RefusedInactiveSubject:     "Your account is inactive.",
	app.RefusedInactiveResource:    "This person's account is inactive.",
	app.RefusedSelf:                "Nobody is their own manager.",
	app.RefusedNotLinked:           "Only this person's managers and administrators may do this.",
	app.RefusedNotInEffect:         "Your link with this person is not in effect at this time.",
	app.RefusedKind:                "Your kind of link with this person does not allow this.",
	app.RefusedInactiveChain:       "The reporting line between you and this person goes through an inactive account.",
	app.RefusedInvalid:             "The request is not valid.",
	app.RefusedForbidden:           "This cannot be asked.",
}

func userReason(d *app.Decision) string {
	if s, ok := userReasons[d.Code]; ok {
		return s
	}
	if d.Allowed {
		return "Allowed."
	}
	return "Not allowed."
}

// searchArgs reads what every search needs: the action, the instant
// (context.time, or context.as_of with history set), the page, and the one
// user the search is about.
func (z *AuthZEN) searchArgs(r *http.Request, actor app.Actor, in AZSearchRequest, side string) (c reportline.Capability, at time.Time, history bool, page app.SearchPage, user reportline.UserID, err error) {
	var known *AZEntity
	var searched *AZEntity
	if side == "subject" {
		searched, known = in.Subject, in.Resource
	} else {
		searched, known = in.Resource, in.Subject
	}
	other := map[string]string{"subject": "resource", "resource": "subject"}[side]
	if _, err = parseEntity(searched, side, false); err != nil {
		return
	}
	if c, err = parseAction(in.Action, "action"); err != nil {
		return
	}
	key, err := parseEntity(known, other, true)
	if err != nil {
		return
	}
	if at, err = parseContextTime(in.Context, "context"); err != nil {
		return
	}
	if at, history, err = parseContextAsOf(in.Context, "context", at); err != nil {
		return
	}
	if page, err = parsePage(in.Page); err != nil {
		return
	}
	ids, err := z.app.ResolveUsers(r.Context(), actor, []app.UserKey{key})
	if err != nil {
		return
	}
	return c, at, history, page, ids[0], nil
}

func (z *AuthZEN) searchSubject(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	var in AZSearchRequest
	if err := web.DecodeJSON(w, r, &in); err != nil {
		return nil, err
	}
	c, at, history, page, resource, err := z.searchArgs(r, actor, in, "subject")
	if err != nil {
		return nil, err
	}
	search := z.app.SearchSubjects
	if history {
		search = z.app.SearchSubjectsAsOf
	}
	res, err := search(r.Context(), actor, c, resource, at, page)
	if err != nil {
		return nil, err
	}
	return toAZSearch(res), nil
}

func (z *AuthZEN) searchResource(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	var in AZSearchRequest
	if err := web.DecodeJSON(w, r, &in); err != nil {
		return nil, err
	}
	c, at, history, page, subject, err := z.searchArgs(r, actor, in, "resource")
	if err != nil {
		return nil, err
	}
	search := z.app.SearchResources
	if history {
		search = z.app.SearchResourcesAsOf
	}
	res, err := search(r.Context(), actor, subject, c, at, page)
	if err != nil {
		return nil, err
	}
	return toAZSearch(res), nil
}

func toAZSearch(res app.SearchResult) AZSearchResponse {
	out := AZSearchResponse{Results: []AZEntity{}, Page: AZPageResponse{NextToken: pageToken(res.Next), Count: len(res.Hits), Total: res.Total}}
	for _, h := range res.Hits {
		out.Results = append(out.Results, AZEntity{Type: "user", ID: userIDString(h.User), Properties: map[string]any{"grant": string(h.Grant.By)}})
	}
	return out
}

// searchAction evaluates every capability for the pair and lists those
// allowed, on one page.
func (z *AuthZEN) searchAction(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	var in AZSearchRequest
	if err := web.DecodeJSON(w, r, &in); err != nil {
		return nil, err
	}
	s, err := parseEntity(in.Subject, "subject", true)
	if err != nil {
		return nil, err
	}
	res, err := parseEntity(in.Resource, "resource", true)
	if err != nil {
		return nil, err
	}
	at, err := parseContextTime(in.Context, "context")
	if err != nil {
		return nil, err
	}
	at, history, err := parseContextAsOf(in.Context, "context", at)
	if err != nil {
		return nil, err
	}
	qs := make([]azQuery, len(reportline.Capabilities))
	for i, c := range reportline.Capabilities {
		qs[i] = azQuery{subject: s, resource: res, capability: c, at: at, history: history}
	}
	as, err := z.decide(r, actor, qs)
	if err != nil {
		return nil, err
	}
	out := AZActionSearchResponse{Results: []AZAction{}}
	for i, a := range as {
		if a.allowed() {
			out.Results = append(out.Results, AZAction{Name: string(reportline.Capabilities[i])})
		}
	}
	out.Page = AZPageResponse{Count: len(out.Results), Total: len(out.Results)}
	return out, nil
}
