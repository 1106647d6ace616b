package reportline

import (
	"errors"
	"fmt"
	"strings"
)

// Code classifies an Error. The set is deliberately small: every code maps to
// exactly one HTTP status and one CLI exit behaviour.
type Code string

// The error codes.
const (
	Invalid         Code = "invalid"
	NotFound        Code = "not_found"
	Conflict        Code = "conflict"
	Forbidden       Code = "forbidden"
	Unauthenticated Code = "unauthenticated"
	RateLimited     Code = "rate_limited"
	TooLarge        Code = "too_large" // a request body or file over its documented limit
	Internal        Code = "internal"
)

// Error is the one error type of Reportline. It says what went wrong (Message),
// where (Field, Value, Line) and why (Code, Details). Messages are written for
// the person who sent the input; the wrapped Err is for operators' logs.
type Error struct {
	Code    Code
	Message string
	Field   string   // the input field at fault, e.g. "email" or "managers[2]"
	Value   string   // the offending value, when it is safe to echo
	Line    int      // 1-based line of an input file, 0 when not about a file
	Details []Detail // one entry per rejected item of a list input
	Err     error    // the underlying cause, never shown to users

	// MsgID names Message in the pages' catalogues (i18n/pages.*.toml,
	// "errors"), and MsgArgs fills its {{.Name}} fields, so that a page can
	// say it in the reader's language. Optional: Message stays the default
	// and the API's text.
	MsgID   string
	MsgArgs map[string]any
}

// Term is an argument of a message (Error.MsgArgs, Detail.MsgArgs) that is
// itself a message of the pages' catalogues, by id: a plan's status, a
// notification's name, shown in the reader's words ("plans.status.draft").
type Term string

// Detail is one rejected item of a list input (an address, a CSV row, an id).
type Detail struct {
	Line    int    `json:"line,omitempty"`
	Field   string `json:"field,omitempty"`
	Value   string `json:"value,omitempty"`
	Reason  string `json:"reason"`
	Message string `json:"message"`

	// MsgID and MsgArgs name Message in the pages' catalogues, as
	// Error.MsgID does; the API sends Message.
	MsgID   string         `json:"-"`
	MsgArgs map[string]any `json:"-"`
}

// Say sets the detail's message id and arguments (see Error.MsgID) and
// returns it.
func (d Detail) Say(id string, args map[string]any) Detail {
	d.MsgID, d.MsgArgs = id, args
	return d
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Say sets the error's message id and arguments (see MsgID) and returns it,
// for use where the error is made: Errorf(...).Say("error.x", args).
func (e *Error) Say(id string, args map[string]any) *Error {
	e.MsgID, e.MsgArgs = id, args
	return e
}

// FieldError returns an Invalid error about one field.
func FieldError(field, value, format string, args ...any) *Error {
	return &Error{Code: Invalid, Field: field, Value: value, Message: fmt.Sprintf(format, args...)}
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, "%s: ", e.Field)
	}
	b.WriteString(e.Message)
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// ErrorCode returns the code of the first *Error in err's chain, Internal for
// any other non-nil error and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Code
	}
	return Internal
}

// ErrorMessage returns the user-facing message of err. Errors that are not an
// *Error are internal, and their text is not shown to users.
func ErrorMessage(err error) string {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Message
	}
	return "internal error"
}

// IsCode reports whether err carries the given code.
func IsCode(err error, code Code) bool { return ErrorCode(err) == code }
