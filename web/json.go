package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"reportline"
)

// ErrorBody is the one JSON shape of every API error.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail says what went wrong, where and why.
type ErrorDetail struct {
	Code      reportline.Code     `json:"code"`
	Message   string              `json:"message"`
	Field     string              `json:"field,omitempty"`
	Value     string              `json:"value,omitempty"`
	Line      int                 `json:"line,omitempty"`
	Details   []reportline.Detail `json:"details,omitempty"`
	RequestID string              `json:"request_id,omitempty"`
}

// WriteJSON writes v as JSON with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// WriteJSONError writes err in the API's error shape. Internal errors are
// logged here, once, with the request id, and shown to the caller only as
// "internal error" and that id.
func WriteJSONError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	code := reportline.ErrorCode(err)
	body := ErrorDetail{Code: code, Message: reportline.ErrorMessage(err), RequestID: RequestID(r.Context())}
	if e, ok := errors.AsType[*reportline.Error](err); ok {
		body.Field, body.Value, body.Line, body.Details = e.Field, e.Value, e.Line, e.Details
	}
	if code == reportline.Internal {
		log.Error("internal error", "request_id", body.RequestID, "method", r.Method, "path", r.URL.Path, "err", err)
	}
	WriteJSON(w, Status(code), ErrorBody{Error: body})
}

// MaxJSONBody bounds JSON request bodies (1 MiB).
const MaxJSONBody = 1 << 20

// DecodeJSON reads one JSON object into v, strictly: unknown fields, wrong
// types, trailing data, invalid UTF-8 and NUL characters are Invalid errors
// that name the field; a body over MaxJSONBody is TooLarge (413).
func DecodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	raw, err := ReadJSON(w, r)
	if err != nil {
		return err
	}
	return DecodeJSONBytes(raw, v)
}

// ReadJSON reads a JSON body as DecodeJSON does (its content type, its
// size, its text: UTF-8 without NUL characters) and returns it undecoded,
// for a handler that decodes its common shape itself and hands anything
// else to DecodeJSONBytes.
func ReadJSON(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return nil, reportline.Errorf(reportline.Invalid, "the body must be JSON (Content-Type: application/json), not %s", ct)
	}
	if err := LimitBody(w, r, MaxJSONBody, "the body"); err != nil {
		return nil, err
	}
	var raw []byte
	var err error
	if n := r.ContentLength; n > 0 {
		// The announced length, and one byte to see the end: io.ReadAll
		// would grow a batch's 10 KB from 512 bytes, copying it each time.
		raw, err = readAtMost(r.Body, make([]byte, 0, n+1))
	} else {
		raw, err = io.ReadAll(r.Body)
	}
	if err != nil {
		return nil, BodyError(err, "the body")
	}
	if err := CheckJSONText(raw); err != nil {
		return nil, err
	}
	return raw, nil
}

// readAtMost appends r to buf until EOF, growing buf only if r holds more
// than its capacity.
func readAtMost(r io.Reader, buf []byte) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// DecodeJSONBytes decodes a body read by ReadJSON into v, strictly, as
// DecodeJSON does.
func DecodeJSONBytes(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	// Only white space may follow the value: anything else, a second
	// value or stray text, is refused (without decoding it).
	if len(bytes.TrimSpace(raw[dec.InputOffset():])) > 0 {
		return reportline.Errorf(reportline.Invalid, "the body must hold one JSON object, with nothing after it")
	}
	return nil
}

// jsonError turns a decoder error into a message that names the field.
func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var big *http.MaxBytesError
	switch {
	case errors.Is(err, io.EOF):
		return reportline.Errorf(reportline.Invalid, "the body is empty; send a JSON object")
	case errors.As(err, &syn):
		return &reportline.Error{Code: reportline.Invalid, Message: fmt.Sprintf("malformed JSON at byte %d", syn.Offset), Err: err}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return reportline.Errorf(reportline.Invalid, "malformed JSON: the body ends too early")
	case errors.As(err, &typ):
		field := fieldPath(typ.Field)
		if field == "" {
			field = "body"
		}
		return &reportline.Error{Code: reportline.Invalid, Field: field,
			Message: fmt.Sprintf("%s must be %s, not %s", field, jsonType(typ.Type.Kind().String()), typ.Value), Err: err}
	case errors.As(err, &big):
		return TooLarge("the body", big.Limit)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &reportline.Error{Code: reportline.Invalid, Field: f, Message: fmt.Sprintf("unknown field %q", f)}
	default:
		var re *reportline.Error
		if errors.As(err, &re) {
			return re
		}
		return &reportline.Error{Code: reportline.Invalid, Message: "malformed JSON", Err: err}
	}
}

func jsonType(kind string) string {
	switch kind {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64":
		return "a number"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "a list"
	case "struct", "map":
		return "an object"
	}
	return kind
}

// fieldPath names a JSON field the same way whatever the Go release: newer
// ones put array indexes in UnmarshalTypeError.Field ("ids.0"); the name of
// the field is what a client needs ("ids").
func fieldPath(f string) string {
	parts := strings.Split(f, ".")
	out := parts[:0]
	for _, p := range parts {
		if p != "" && strings.Trim(p, "0123456789") == "" {
			continue
		}
		out = append(out, p)
	}
	return strings.Join(out, ".")
}
