package scim

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"reportline"
	"reportline/web"
)

// ErrorSchema is the schema URN of every SCIM error body (RFC 7644 §3.12).
const ErrorSchema = "urn:ietf:params:scim:api:messages:2.0:Error"

// The scimType values of RFC 7644 §3.12 that this endpoint uses.
const (
	InvalidFilter = "invalidFilter"
	TooMany       = "tooMany"
	Uniqueness    = "uniqueness"
	Mutability    = "mutability"
	InvalidSyntax = "invalidSyntax"
	InvalidPath   = "invalidPath"
	NoTarget      = "noTarget"
	InvalidValue  = "invalidValue"
	InvalidVers   = "invalidVers"
)

// Error is a SCIM protocol error: an HTTP status, a scimType (for 400 and
// 409) and a detail that names the attribute at fault and why.
type Error struct {
	Status int
	Type   string
	Detail string
}

func (e *Error) Error() string { return e.Detail }

// errorf returns a 400 of the given scimType.
func errorf(scimType, format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Type: scimType, Detail: fmt.Sprintf(format, args...)}
}

// retryHeldAfter is the Retry-After (seconds) of a deactivation held by the
// guard: the rolling window is an hour, and an admin may confirm sooner.
const retryHeldAfter = 900

// errorBody is the JSON of an error response.
type errorBody struct {
	Schemas  []string `json:"schemas"`
	Status   string   `json:"status"` // a string, as RFC 7644 §3.12 says
	ScimType string   `json:"scimType,omitempty"`
	Detail   string   `json:"detail"`
}

// asSCIM turns any error into a SCIM error. Domain errors keep their
// message and field; their code picks the status and the scimType.
func asSCIM(err error) *Error {
	if se, ok := errors.AsType[*Error](err); ok {
		return se
	}
	if errors.Is(err, reportline.ErrHeld) {
		// Too many deactivations within the hour: held until a platform
		// admin confirms. 503 with Retry-After is what Entra ID and Okta
		// treat as "try again later" (they retry, the user stays as it
		// was here); a 4xx would make them give up on the user.
		e := &Error{Status: http.StatusServiceUnavailable, Detail: reportline.ErrorMessage(err)}
		return e
	}
	re, ok := errors.AsType[*reportline.Error](err)
	if !ok {
		return &Error{Status: http.StatusInternalServerError, Detail: "internal error"}
	}
	e := &Error{Status: web.Status(re.Code), Detail: re.Message}
	if re.Field != "" {
		e.Detail = re.Field + ": " + re.Message
	}
	for _, d := range re.Details {
		e.Detail += "; " + d.Message
	}
	switch re.Code {
	case reportline.Invalid:
		e.Status, e.Type = http.StatusBadRequest, InvalidValue
	case reportline.Conflict:
		e.Type = Uniqueness
	case reportline.Forbidden:
		// A platform admin's attributes are read-only to provisioning
		// clients (RFC 7644 defines no scimType for 403; this is the
		// nearest).
		e.Type = Mutability
	}
	return e
}

// writeError writes err as a SCIM error body. Internal errors are logged
// here, once, with the request id; the client sees only that id.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	e := asSCIM(err)
	if errors.Is(err, reportline.ErrHeld) {
		w.Header().Set("Retry-After", strconv.Itoa(retryHeldAfter))
	} else if e.Status >= 500 {
		id := web.RequestID(r.Context())
		log.Error("internal error", "request_id", id, "method", r.Method, "path", r.URL.Path, "err", err)
		e.Detail = "internal error (request " + id + ")"
	}
	if e.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="reportline-scim"`)
	}
	writeJSON(w, e.Status, errorBody{Schemas: []string{ErrorSchema}, Status: strconv.Itoa(e.Status), ScimType: e.Type, Detail: e.Detail})
}
