package api

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"reportline"
	"reportline/app"
)

// The decoding of the decision point's requests (authzen.go): every
// malformed part is an Invalid error that names its field, which the
// decision point answers with 400.

// parseEvaluation checks one evaluation; where prefixes field names
// ("evaluations[2].").
func parseEvaluation(in AZEvaluationRequest, where string) azQuery {
	var q azQuery
	if q.subject, q.err = parseEntity(in.Subject, where+"subject", true); q.err != nil {
		return q
	}
	if q.capability, q.err = parseAction(in.Action, where+"action"); q.err != nil {
		return q
	}
	if q.resource, q.err = parseEntity(in.Resource, where+"resource", true); q.err != nil {
		return q
	}
	if q.at, q.err = parseContextTime(in.Context, where+"context"); q.err != nil {
		return q
	}
	q.at, q.history, q.err = parseContextAsOf(in.Context, where+"context", q.at)
	return q
}

// parseContextAsOf reads context.as_of (issue 19): a date (its end, UTC)
// or an RFC 3339 time at which to decide against the reporting line as the
// link history had it. It replaces context.time, which must then be
// absent. Without it the decision is today's, at context.time.
func parseContextAsOf(ctx map[string]any, field string, at time.Time) (time.Time, bool, error) {
	v, ok := ctx["as_of"]
	if !ok || v == nil {
		return at, false, nil
	}
	s, isString := v.(string)
	t, set, err := app.ParseAsOf(s)
	if !isString || err != nil || !set {
		return at, false, reportline.FieldError(field+".as_of", fmt.Sprint(v), "%s.as_of must be a date (YYYY-MM-DD) or an RFC 3339 time", field)
	}
	if !at.IsZero() {
		return at, false, reportline.FieldError(field+".as_of", s, "give %s.as_of or %s.time, not both: as_of is the instant, read from the link history", field, field)
	}
	return t, true, nil
}

// parseEntity checks a subject or resource of type "user" and reads its
// id when needID.
func parseEntity(e *AZEntity, field string, needID bool) (app.UserKey, error) {
	if e == nil {
		if needID {
			return app.UserKey{}, reportline.FieldError(field, "", `%s is required: {"type": "user", "id": "42"}`, field)
		}
		return app.UserKey{}, reportline.FieldError(field, "", `%s is required: {"type": "user"}`, field)
	}
	if e.Type != "user" {
		return app.UserKey{}, reportline.FieldError(field+".type", e.Type, `%s.type must be "user", not %q`, field, e.Type)
	}
	if !needID {
		return app.UserKey{}, nil
	}
	if k, ok := userKeyOf(e.ID); ok {
		return k, nil // the field's name is built only for an error
	}
	return parseUserKey(field+".id", e.ID)
}

// parseUserKey reads a user id: the internal id, "uid:" and an external
// uid, or an email address ("email:" optional).
func parseUserKey(field, s string) (app.UserKey, error) {
	if k, ok := userKeyOf(s); ok {
		return k, nil
	}
	if s = strings.TrimSpace(s); s == "" {
		return app.UserKey{}, reportline.FieldError(field, "", "%s is required", field)
	}
	return app.UserKey{}, reportline.FieldError(field, s, `%s must be a user's id ("42"), "uid:" and their external uid, or their email address`, field)
}

// userKeyOf is parseUserKey without the error: ok is false when s is no
// user key.
func userKeyOf(s string) (app.UserKey, bool) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return app.UserKey{}, false
	case strings.HasPrefix(s, "uid:"):
		uid := strings.TrimSpace(s[len("uid:"):])
		return app.UserKey{ExternalUID: uid}, uid != ""
	case strings.HasPrefix(s, "email:"):
		e := strings.TrimSpace(s[len("email:"):])
		return app.UserKey{Email: e}, e != ""
	case strings.Contains(s, "@"):
		return app.UserKey{Email: s}, true
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return app.UserKey{}, false
	}
	return app.UserKey{ID: reportline.UserID(n)}, true
}

// parseAction reads the action: a capability's name.
func parseAction(a *AZAction, field string) (reportline.Capability, error) {
	if a == nil || a.Name == "" {
		return "", reportline.FieldError(field+".name", "", `%s.name is required: one of %s`, field, capabilityList())
	}
	c := reportline.Capability(a.Name)
	if !c.Valid() {
		return "", reportline.FieldError(field+".name", a.Name, "unknown action %q: the actions are %s", a.Name, capabilityList())
	}
	return c, nil
}

func capabilityList() string {
	names := make([]string, len(reportline.Capabilities))
	for i, c := range reportline.Capabilities {
		names[i] = string(c)
	}
	return strings.Join(names, ", ")
}

// parseContextTime reads context.time, the instant to decide at; zero
// (now) when absent.
func parseContextTime(ctx map[string]any, field string) (time.Time, error) {
	v, ok := ctx["time"]
	if !ok || v == nil {
		return time.Time{}, nil
	}
	s, isString := v.(string)
	if isString {
		// RFC 3339, and the specification's own examples' form without
		// seconds ("1985-10-26T01:22-07:00").
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00"} {
			if t, err := time.Parse(layout, s); err == nil {
				return t, nil
			}
		}
	}
	return time.Time{}, reportline.FieldError(field+".time", fmt.Sprint(v), "%s.time must be an RFC 3339 time, such as 2026-11-23T09:00:00Z", field)
}

// pageToken is the opaque token of the page after a user id.
func pageToken(after reportline.UserID) string {
	if after == 0 {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte("after:" + strconv.FormatInt(int64(after), 10)))
}

// parsePage reads a search's page request.
func parsePage(p *AZPageRequest) (app.SearchPage, error) {
	var out app.SearchPage
	if p == nil {
		return out, nil
	}
	if p.Limit != nil {
		if *p.Limit < 0 {
			return out, reportline.FieldError("page.limit", strconv.Itoa(*p.Limit), "page.limit must not be negative")
		}
		out.Limit = *p.Limit
	}
	token, field := p.Token, "page.token"
	if token == "" {
		token, field = p.NextToken, "page.next_token"
	}
	if token == "" {
		return out, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	s, ok := strings.CutPrefix(string(raw), "after:")
	n, perr := strconv.ParseInt(s, 10, 64)
	if err != nil || !ok || perr != nil || n <= 0 {
		return out, reportline.FieldError(field, token, "%s is not a token this decision point gave: pass the next_token of the previous page", field)
	}
	out.After = reportline.UserID(n)
	return out, nil
}
