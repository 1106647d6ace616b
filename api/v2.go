package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"reportline"
	"reportline/app"
	"reportline/web"
)

// V2 serves the LMS Collaborator-compatible user import under /api/v2: the
// field names, value shapes and manager semantics of LMS Collaborator's
// POST /api/v2/users-import/single, so its existing clients work unchanged,
// and a batch variant. Callers authenticate as for /api/v1 (bearer token or
// session); the rules are app.ImportUser's.
type V2 struct {
	app *app.App
	log *slog.Logger
}

// NewV2 returns the /api/v2 handlers over the application services.
func NewV2(a *app.App, log *slog.Logger) *V2 { return &V2{app: a, log: log} }

// The body limits: one user, and a batch of up to app.MaxUserImportBatch.
const (
	MaxUserImportBody      = 1 << 20
	MaxUserImportBatchBody = 16 << 20
)

// Register adds the /api/v2 operations to mux.
func (v *V2) Register(mux *http.ServeMux) {
	h := &API{app: v.app, log: v.log}
	for _, rt := range v.routes() {
		mux.Handle(rt.method+" "+rt.path, h.handle(rt))
	}
}

// routes is the /api/v2 list of operations, in the /api/v1 route format so
// that the OpenAPI document can describe them.
func (v *V2) routes() []route {
	return []route{
		{id: "importUser", method: "POST", path: "/api/v2/users-import/single", tag: "import-api",
			summary: "Create or update one user (matched by uid, else email) and set their line managers (LMS Collaborator-compatible); all or nothing",
			request: UserImportBody{}, response: UserImportResult{}, status: http.StatusOK, handler: v.importSingle},
		{id: "importUsersBatch", description: "Rows are applied one by one: a refused row is reported with its reasons and the others still apply.", method: "POST", path: "/api/v2/users-import/batch", tag: "import-api",
			summary: "Import up to 1000 users, each on its own (all or nothing per user); one result or error per user, in order",
			request: UserImportBatchBody{}, response: UserImportBatchResult{}, status: http.StatusOK, handler: v.importBatch},
		v.userCSVRoute(),
	}
}

func (v *V2) importSingle(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	body, err := readJSONBody(w, r, MaxUserImportBody)
	if err != nil {
		return nil, err
	}
	fields, err := jsonObject(body)
	if err != nil {
		return nil, err
	}
	in, dec, err := decodeUserImport(fields)
	if err != nil {
		return nil, err
	}
	res, err := v.app.ImportUser(r.Context(), actor, in)
	if err != nil {
		return nil, dec.rename(err)
	}
	return toUserImportResult(res, dec.ignored), nil
}

func (v *V2) importBatch(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	body, err := readJSONBody(w, r, MaxUserImportBatchBody)
	if err != nil {
		return nil, err
	}
	var batch struct {
		Users []json.RawMessage `json:"users"`
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.DisallowUnknownFields()
	if err := d.Decode(&batch); err != nil {
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &typ) && typ.Field == "users":
			return nil, reportline.FieldError("users", "", "users must be a list of user objects")
		case errors.As(err, &typ):
			return nil, reportline.Errorf(reportline.Invalid, `the body must be a JSON object: {"users": [...]}`)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return nil, reportline.FieldError(f, "", `unknown field %q; the body is {"users": [...]}`, f)
		}
		return nil, syntaxError(err)
	}
	if err := d.Decode(&struct{}{}); err != io.EOF {
		return nil, reportline.Errorf(reportline.Invalid, "the body must hold one JSON object, with nothing after it")
	}
	if batch.Users == nil {
		return nil, reportline.FieldError("users", "", `users is required: send {"users": [...]}`)
	}
	if len(batch.Users) > app.MaxUserImportBatch {
		return nil, reportline.FieldError("users", fmt.Sprint(len(batch.Users)), "at most %d users per call, not %d; split the batch", app.MaxUserImportBatch, len(batch.Users))
	}
	out := UserImportBatchResult{Results: make([]UserImportOutcome, len(batch.Users)),
		Counts: map[string]int{"created": 0, "updated": 0, "unchanged": 0, "failed": 0}}
	var inputs []app.UserImport
	var decs []*importDecoder
	var index []int // index[k] is the position in the body of inputs[k]
	for i, raw := range batch.Users {
		out.Results[i].Index = i
		fields, err := jsonObject(raw)
		if err != nil {
			out.Results[i].Error = toImportError(reportline.Errorf(reportline.Invalid, "each user must be a JSON object"))
			continue
		}
		in, dec, err := decodeUserImport(fields)
		if err != nil {
			out.Results[i].Error = toImportError(err)
			continue
		}
		inputs, decs, index = append(inputs, in), append(decs, dec), append(index, i)
	}
	outcomes, err := v.app.ImportUsers(r.Context(), actor, inputs)
	if err != nil {
		return nil, err
	}
	var internal []error
	for k, o := range outcomes {
		res := &out.Results[index[k]]
		if o.Err != nil {
			if reportline.ErrorCode(o.Err) == reportline.Internal {
				internal = append(internal, o.Err)
			}
			res.Error = toImportError(decs[k].rename(o.Err))
			continue
		}
		ok := toUserImportResult(o.Result, decs[k].ignored)
		res.OK, res.Result = true, &ok
		out.Counts[ok.Action]++
	}
	for _, res := range out.Results {
		if !res.OK {
			out.Counts["failed"]++
		}
	}
	if len(internal) > 0 {
		// Logged once per batch: a store outage fails every user alike.
		v.log.Error("internal error in a batch import", "request_id", web.RequestID(r.Context()), "failed", len(internal), "first", internal[0])
	}
	return out, nil
}

// readJSONBody reads a JSON request body of at most limit bytes.
func readJSONBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return nil, reportline.Errorf(reportline.Invalid, "the body must be JSON (Content-Type: application/json), not %s", ct)
	}
	if err := web.LimitBody(w, r, limit, "the body"); err != nil {
		return nil, err
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, web.BodyError(err, "the body")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, reportline.Errorf(reportline.Invalid, "the body is empty; send a JSON object")
	}
	if err := web.CheckJSONText(body); err != nil {
		return nil, err
	}
	return body, nil
}

// jsonObject splits one JSON object into its fields, refusing anything
// after it.
func jsonObject(raw []byte) (map[string]json.RawMessage, error) {
	if t := bytes.TrimSpace(raw); len(t) > 0 && t[0] != '{' {
		if json.Valid(t) {
			return nil, reportline.FieldError("body", "", "the body must be a JSON object, not %s", jsonKind(t))
		}
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	var fields map[string]json.RawMessage
	if err := d.Decode(&fields); err != nil {
		return nil, syntaxError(err)
	}
	if err := d.Decode(&struct{}{}); err != io.EOF {
		return nil, reportline.Errorf(reportline.Invalid, "the body must hold one JSON object, with nothing after it")
	}
	return fields, nil
}

// syntaxError describes malformed JSON.
func syntaxError(err error) error {
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &syn):
		return &reportline.Error{Code: reportline.Invalid, Message: fmt.Sprintf("malformed JSON at byte %d", syn.Offset), Err: err}
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return reportline.Errorf(reportline.Invalid, "malformed JSON: the body ends too early")
	}
	return &reportline.Error{Code: reportline.Invalid, Message: "malformed JSON", Err: err}
}

// jsonKind names the type of a JSON value for error messages.
func jsonKind(raw json.RawMessage) string {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 {
		return "nothing"
	}
	switch t[0] {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "a list"
	case 't', 'f':
		return "true or false"
	case 'n':
		return "null"
	}
	return "a number"
}

// aliasPairs are the fields that have two names: canonical, alias.
var aliasPairs = [][2]string{{"secondname", "lastname"}, {"department", "org_unit"}, {"birth_date", "birthday"}}

// importDecoder reads one user object of the import, collecting every
// problem so that one answer lists them all.
type importDecoder struct {
	details []reportline.Detail
	ignored []string
	used    map[string]string // canonical name → alias the client used
}

func (d *importDecoder) fail(field, value, reason, format string, args ...any) {
	d.details = append(d.details, reportline.Detail{Field: field, Value: value, Reason: reason, Message: fmt.Sprintf(format, args...)})
}

// rename gives an application error the field name the client used (the
// app names birth_date what the client may have sent as birthday).
func (d *importDecoder) rename(err error) error {
	e, ok := errors.AsType[*reportline.Error](err)
	if !ok || d.used[e.Field] == "" {
		return err
	}
	c := *e
	c.Field = d.used[e.Field]
	return &c
}

// decodeUserImport reads the fields of one user. JSON null means "not sent"
// for the user fields; for the manager fields see app.ManagerField.
func decodeUserImport(fields map[string]json.RawMessage) (app.UserImport, *importDecoder, error) {
	var in app.UserImport
	d := &importDecoder{used: map[string]string{}}
	for _, p := range aliasPairs {
		a, b := fields[p[0]], fields[p[1]]
		if isNull(a) && !isNull(b) {
			fields[p[0]] = b
			d.used[p[0]] = p[1]
		} else if !isNull(a) && !isNull(b) && !bytes.Equal(bytes.TrimSpace(a), bytes.TrimSpace(b)) {
			d.fail(p[1], "", "conflict", "%s and %s are the same field and differ; send one of them", p[0], p[1])
		}
		delete(fields, p[1])
	}
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	slices.Sort(names)
	idSent := !isNull(fields["manager_id"])
	for _, name := range names {
		raw := fields[name]
		shown := name
		if alias := d.used[name]; alias != "" {
			shown = alias
		}
		switch name {
		case "uid":
			if s, ok := d.idString(shown, raw); ok && s != nil {
				in.UID = *s
			}
		case "email":
			if s, ok := d.str(shown, raw); ok && s != nil {
				in.Email = *s
			}
		case "firstname":
			in.FirstName, _ = d.str(shown, raw)
		case "secondname":
			in.LastName, _ = d.str(shown, raw)
		case "position":
			in.Position, _ = d.str(shown, raw)
		case "department":
			in.OrgUnit, _ = d.str(shown, raw)
		case "birth_date":
			in.Birthday, _ = d.str(shown, raw)
		case "locale":
			in.Locale, _ = d.str(shown, raw)
		case "timezone":
			in.TimeZone, _ = d.str(shown, raw)
		case "is_active":
			in.Active = d.flag(shown, raw)
		case "manager_id":
			in.ManagerID = d.managers(name, raw)
		case "manager_uid":
			if idSent {
				// manager_id wins; manager_uid is not read at all.
				in.ManagerUID = app.ManagerField{Sent: true}
				continue
			}
			in.ManagerUID = d.managers(name, raw)
		default:
			if app.IgnoredImportField(name) {
				d.ignored = append(d.ignored, name)
				continue
			}
			d.fail(name, "", "unknown_field", "unknown field %q; see /api/openapi.json for the fields of a user import", name)
		}
	}
	switch len(d.details) {
	case 0:
		return in, d, nil
	case 1:
		x := d.details[0]
		return in, d, &reportline.Error{Code: reportline.Invalid, Field: x.Field, Value: x.Value, Message: x.Message, Details: d.details}
	}
	return in, d, &reportline.Error{Code: reportline.Invalid, Details: d.details,
		Message: fmt.Sprintf("%d fields are invalid; nothing was imported", len(d.details))}
}

func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || string(t) == "null"
}

// str reads a string field; nil when null.
func (d *importDecoder) str(field string, raw json.RawMessage) (*string, bool) {
	if isNull(raw) {
		return nil, true
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		d.fail(field, "", "type", "%s must be a string, not %s", field, jsonKind(raw))
		return nil, false
	}
	return &s, true
}

// idString reads an identifier sent as a string or an integer.
func (d *importDecoder) idString(field string, raw json.RawMessage) (*string, bool) {
	if s, ok := integer(raw); ok {
		return &s, true
	}
	if t := bytes.TrimSpace(raw); len(t) > 0 && t[0] != '"' && t[0] != 'n' {
		d.fail(field, "", "type", "%s must be a string or an integer, not %s", field, jsonKind(raw))
		return nil, false
	}
	return d.str(field, raw)
}

// integer returns the text of a JSON integer.
func integer(raw json.RawMessage) (string, bool) {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || !(t[0] == '-' || t[0] >= '0' && t[0] <= '9') || bytes.ContainsAny(t, ".eE") {
		return "", false
	}
	return string(t), json.Valid(t)
}

// flag reads is_active: 1 or 0, "1" or "0", true or false ("true" and
// "false" too). Null is "not sent".
func (d *importDecoder) flag(field string, raw json.RawMessage) *bool {
	if isNull(raw) {
		return nil
	}
	t := strings.ToLower(strings.Trim(strings.TrimSpace(string(raw)), `" `))
	yes, no := true, false
	switch t {
	case "1", "true":
		return &yes
	case "0", "false":
		return &no
	}
	v := strings.TrimSpace(string(raw))
	if len(v) > 40 {
		v = v[:40] + "…"
	}
	d.fail(field, v, "type", "%s must be 1 or 0 (or true or false), not %s", field, v)
	return nil
}

// managers reads manager_id or manager_uid: a string of comma-separated
// ids, a number, a list of strings and numbers, or null.
func (d *importDecoder) managers(field string, raw json.RawMessage) app.ManagerField {
	f := app.ManagerField{Sent: true}
	if isNull(raw) {
		f.Null = true
		return f
	}
	if s, ok := integer(raw); ok {
		f.Values = []string{s}
		return f
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		f.Values = []string{s}
		return f
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		d.fail(field, "", "type", "%s must be a string of comma-separated ids, a number or a list, not %s", field, jsonKind(raw))
		return f
	}
	f.Values = []string{}
	for i, el := range list {
		if s, ok := integer(el); ok {
			f.Values = append(f.Values, s)
			continue
		}
		if err := json.Unmarshal(el, &s); err != nil || isNull(el) {
			d.fail(fmt.Sprintf("%s[%d]", field, i), "", "type", "each element of %s must be a string or an integer, not %s", field, jsonKind(el))
			continue
		}
		f.Values = append(f.Values, s)
	}
	return f
}
