package api

import (
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Version is the API document's version.
const Version = "1.0.0"

// License is the API document's license (info.license): the service has no
// published licence, so the document says so.
const License = "Proprietary"

// OpenAPI returns the OpenAPI 3.1 document of the API, generated from the
// route table and the Go types of the bodies. server is the document's one
// server: the configured public URL, else "/" (relative to where the
// document was fetched).
func (api *API) OpenAPI(server string) map[string]any {
	schemas := map[string]any{}
	paths := map[string]map[string]any{}
	errorRef := ref(schemas, reflect.TypeOf(errorBody{}))
	for _, rt := range append(append(api.routes(), (&V2{}).routes()...), (&AuthZEN{}).routes()...) {
		op := map[string]any{
			"summary":     rt.summary,
			"operationId": rt.id,
			"tags":        []string{rt.tag},
			"security":    []map[string][]string{{"bearer": {}}, {"session": {}}},
		}
		if rt.description != "" {
			op["description"] = rt.description
		}
		var params []map[string]any
		for _, name := range pathParams.FindAllStringSubmatch(rt.path, -1) {
			typ := "integer"
			if name[1] == "kind" {
				typ = "string"
			}
			params = append(params, map[string]any{"name": name[1], "in": "path", "required": true, "schema": map[string]string{"type": typ}})
		}
		for _, q := range rt.query {
			params = append(params, map[string]any{"name": q.name, "in": "query", "description": q.doc, "schema": map[string]string{"type": q.typ}})
		}
		if params != nil {
			op["parameters"] = params
		}
		csv := map[string]any{"text/csv": map[string]any{"schema": map[string]string{"type": "string"}}}
		switch rt.request.(type) {
		case nil:
		case csvBody:
			op["requestBody"] = map[string]any{"required": true, "content": csv}
		default:
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"application/json": map[string]any{"schema": ref(schemas, reflect.TypeOf(rt.request))}}}
		}
		ok := map[string]any{"description": http.StatusText(rt.status)}
		switch rt.response.(type) {
		case nil:
		case csvBody:
			ok["content"] = csv
		default:
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": ref(schemas, reflect.TypeOf(rt.response))}}
		}
		errResp := func(what string) map[string]any {
			return map[string]any{"description": what, "content": map[string]any{"application/json": map[string]any{"schema": errorRef}}}
		}
		op["responses"] = map[string]any{
			strconv.Itoa(rt.status): ok,
			"401":                   errResp("Not authenticated"),
			"403":                   errResp("Not allowed; the message says why"),
			"404":                   errResp("Not found"),
			"422":                   errResp("Invalid input; field, value and details say what, where and why"),
		}
		if paths[rt.path] == nil {
			paths[rt.path] = map[string]any{}
		}
		paths[rt.path][strings.ToLower(rt.method)] = op
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":       "Reportline API",
			"version":     Version,
			"description": "Manager ↔ managee relationships of a learning platform. Authenticate with Authorization: Bearer TOKEN (reportline token create).",
			"license":     map[string]any{"name": License},
		},
		"servers": []map[string]any{{"url": server}},
		"paths":   paths,
		"components": map[string]any{
			"schemas": schemas,
			"securitySchemes": map[string]any{
				"bearer":  map[string]string{"type": "http", "scheme": "bearer"},
				"session": map[string]string{"type": "apiKey", "in": "cookie", "name": "reportline_session"},
			},
		},
	}
}

// errorBody mirrors web.ErrorBody for the document.
type errorBody struct {
	Error struct {
		Code      string        `json:"code" enum:"invalid,not_found,conflict,forbidden,unauthenticated,rate_limited,internal"`
		Message   string        `json:"message"`
		Field     string        `json:"field,omitempty"`
		Value     string        `json:"value,omitempty"`
		Line      int           `json:"line,omitempty"`
		Details   []errorDetail `json:"details,omitempty"`
		RequestID string        `json:"request_id,omitempty"`
	} `json:"error"`
}

type errorDetail struct {
	Line    int    `json:"line,omitempty"`
	Field   string `json:"field,omitempty"`
	Value   string `json:"value,omitempty"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

var pathParams = regexp.MustCompile(`\{(\w+)\}`)

var timeType = reflect.TypeOf(time.Time{})

// ref returns a JSON Schema for t, adding named struct types to schemas and
// referring to them.
func ref(schemas map[string]any, t reflect.Type) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t.Kind() == reflect.Struct:
		name := t.Name()
		if name == "" {
			return structSchema(schemas, t)
		}
		name = strings.ToUpper(name[:1]) + name[1:]
		if _, ok := schemas[name]; !ok {
			schemas[name] = nil // placeholder against recursion
			schemas[name] = structSchema(schemas, t)
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	case t.Kind() == reflect.Slice:
		return map[string]any{"type": "array", "items": ref(schemas, t.Elem())}
	case t.Kind() == reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": ref(schemas, t.Elem())}
	case t.Kind() == reflect.String:
		return map[string]any{"type": "string"}
	case t.Kind() == reflect.Bool:
		return map[string]any{"type": "boolean"}
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		return map[string]any{"type": "integer"}
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		return map[string]any{"type": "number"}
	}
	return map[string]any{}
}

func structSchema(schemas map[string]any, t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		s := ref(schemas, f.Type)
		if enum := f.Tag.Get("enum"); enum != "" {
			s = map[string]any{"type": "string", "enum": strings.Split(enum, ",")}
		}
		if doc := f.Tag.Get("doc"); doc != "" {
			if _, isRef := s["$ref"]; !isRef {
				s["description"] = doc
			}
		}
		props[name] = s
		if !strings.Contains(opts, "omitempty") && f.Type.Kind() != reflect.Pointer {
			required = append(required, name)
		}
	}
	out := map[string]any{"type": "object", "properties": props}
	if required != nil {
		out["required"] = required
	}
	return out
}

var refPattern = regexp.MustCompile(`"#/components/schemas/(\w+)"`)
